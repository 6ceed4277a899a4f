"""The store's data version: raised by every audited write, distinct per database (keys page caches)."""

from __future__ import annotations

from kouiki.reference.regions import bundled_regions
from kouiki.store import session
from kouiki.store.regions import save_region
from kouiki.store.version import current


def test_every_audited_write_raises_the_version() -> None:
    with session() as s:
        start = current(s)
    assert start is not None
    epoch, value = start
    region = bundled_regions()[0]
    with session() as s:
        save_region(s, region.model_copy(update={"notes": ["一"]}), "test")
    with session() as s:
        assert current(s) == (epoch, value + 1)
        save_region(s, region.model_copy(update={"notes": ["二"]}), "test", expected_version=None)
    with session() as s:
        assert current(s) == (epoch, value + 2)


def test_a_failed_write_does_not_raise_the_version() -> None:
    with session() as s:
        before = current(s)
    try:
        with session() as s:
            save_region(s, bundled_regions()[0], "test")
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    with session() as s:
        assert current(s) == before


def test_region_documents_refuse_stale_and_vanished_versions() -> None:
    import pytest

    from kouiki.store.fiscal_plans import get_plan, save_plan
    from kouiki.store.regions import ConflictError

    with session() as s:
        with pytest.raises(ConflictError, match="削除したか"):
            save_plan(s, "hirosaki", {"items": []}, user="a", expected_version=3)  # read a plan that is gone
        assert save_plan(s, "hirosaki", {"items": []}, user="a", expected_version=None) == 1
        assert save_plan(s, "hirosaki", {"items": [1]}, user="b", expected_version=1) == 2
        with pytest.raises(ConflictError, match="他の利用者が更新しました"):
            save_plan(s, "hirosaki", {"items": [2]}, user="c", expected_version=1)
        assert get_plan(s, "hirosaki").document == {"items": [1]}  # type: ignore[union-attr]
