"""The dashboard cache: reused while nothing is written, rebuilt after any write, never across databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kouiki.store import session
from kouiki.web import page_cache
from kouiki.web.regions import views
from tests.web.conftest import Logged


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = views.dashboard

    def counting(s: Any, region: Any, today: Any = None) -> dict[str, Any]:
        calls.append(region.id)
        return real(s, region, today)

    monkeypatch.setattr(views, "dashboard", counting)
    return calls


def test_dashboard_is_built_once_until_a_write(login: Callable[[str], Logged], monkeypatch: pytest.MonkeyPatch) -> None:
    page_cache.clear()
    builds = _count_builds(monkeypatch)
    u = login("region")  # logging in is a write too: it happens before the first view
    first = u.client.get("/regions/hirosaki")
    again = u.client.get("/regions/hirosaki")
    twin = u.client.get("/api/regions/hirosaki").json()
    assert first.status_code == again.status_code == 200
    assert builds == ["hirosaki"]
    assert first.text.count("構成団体") == again.text.count("構成団体")

    # A write by anyone (here the region's notes) makes the next view rebuild and show it.
    r = u.client.put("/api/regions/hirosaki", json={"document": twin["document"] | {"notes": ["キャッシュ確認メモ"]},
                                                    "version": twin["version"]}, headers=u.headers())
    assert r.status_code == 200
    after = u.client.get("/regions/hirosaki")
    assert builds == ["hirosaki", "hirosaki"]
    assert "キャッシュ確認メモ" in after.text
    assert u.client.get("/api/regions/hirosaki").json()["version"] == twin["version"] + 1


def test_viewer_specific_parts_are_not_shared(login: Callable[[str], Logged]) -> None:
    page_cache.clear()
    region, viewer = login("region"), login("viewer")
    a = region.client.get("/regions/hirosaki").text
    b = viewer.client.get("/regions/hirosaki").text
    assert region.csrf in a and region.csrf not in b
    assert viewer.csrf in b and viewer.csrf not in a


def test_entries_never_match_another_database() -> None:
    with session() as s:
        st = page_cache.stamp(s)
        assert st is not None
        built = page_cache.cached(s, "k", lambda: "first database")
        assert built == "first database"
    # The same counter value in a database with another epoch (re-created, or a test's fresh one) is a miss.
    with session() as s:
        from kouiki.store.version import StoreVersion

        s.get(StoreVersion, 1).epoch = "another-database"  # type: ignore[union-attr]
    with session() as s:
        assert page_cache.cached(s, "k", lambda: "second database") == "second database"
