"""A store seeded by an older release follows the bundled registry for the regions nobody has touched."""

from __future__ import annotations

from sqlalchemy import delete, select

from kouiki.reference.regions import find_region
from kouiki.store import session
from kouiki.store.audit import AuditEntry
from kouiki.store.regions import RegionRow, get_region, save_region
from kouiki.store.seed import seed_bundled


def _age(region_id: str, note: str) -> None:
    """Make the stored copy look like an older release's (changed by ``system`` only, as a seed would)."""
    with session() as s:
        old = find_region(region_id).model_copy(update={"notes": [note]})
        save_region(s, old, user="system")


def test_an_untouched_bundled_copy_follows_the_bundle() -> None:
    _age("hirosaki", "古い版の注記")
    with session() as s:
        assert get_region(s, "弘前圏域").notes == ["古い版の注記"]
        before = s.get(RegionRow, "hirosaki")
        assert before is not None
        version = before.version
        assert seed_bundled(s) >= 1
    with session() as s:
        row = s.get(RegionRow, "hirosaki")
        assert row is not None and row.version == version + 1
        assert row.to_model().model_dump(mode="json") == find_region("hirosaki").model_dump(mode="json")
        assert seed_bundled(s) == 0  # idempotent: nothing left to refresh


def test_a_region_a_person_edited_is_never_overwritten() -> None:
    with session() as s:
        edited = find_region("hirosaki").model_copy(update={"notes": ["担当者の注記"]})
        save_region(s, edited, user="tanaka")
        seed_bundled(s)
    with session() as s:
        assert get_region(s, "弘前圏域").notes == ["担当者の注記"]


def test_a_bundled_region_whose_name_the_store_already_uses_is_skipped_not_fatal() -> None:
    with session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.entity_id == "hirosaki"))
        s.execute(delete(RegionRow).where(RegionRow.id == "hirosaki"))
        mine = find_region("hirosaki").model_copy(update={"id": "my-hirosaki"})
        save_region(s, mine, user="tanaka", origin="user")
    with session() as s:
        seed_bundled(s)  # the bundle's 弘前圏域 clashes by name with the officer's own copy
    with session() as s:
        ids = set(s.scalars(select(RegionRow.id).where(RegionRow.name == mine.name)))
        assert ids == {"my-hirosaki"}


def test_a_bundled_region_a_person_deleted_does_not_come_back() -> None:
    from kouiki.store.regions import delete_region

    with session() as s:
        delete_region(s, "hirosaki", user="admin")
    with session() as s:
        seed_bundled(s)
    with session() as s:
        assert s.get(RegionRow, "hirosaki") is None
