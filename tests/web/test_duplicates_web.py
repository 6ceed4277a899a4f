"""A create that clashes with a stored name or ID (圏域, 利用者) is a 409 saying so, at its field on a form; never
「他の利用者が更新しました（現在の版 None）」 and never a 500."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.web.conftest import PASSWORD, Logged
from tests.web.test_api_roles import NEW_REGION


def test_the_api_refuses_a_taken_region_name_or_id_with_409(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    hirosaki = admin.client.get("/api/regions/hirosaki").json()["document"]
    r = admin.client.post("/api/regions", json={"document": NEW_REGION | {"name": hirosaki["name"]}}, headers=admin.headers())
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["detail"].startswith(f"同じ名前の圏域「{hirosaki['name']}」が既にあります") and body["field"] == "name"
    assert "None" not in body["detail"] and "他の利用者" not in body["detail"]
    r = admin.client.post("/api/regions", json={"document": NEW_REGION | {"id": "hirosaki"}}, headers=admin.headers())
    assert r.status_code == 409 and r.json()["field"] == "id"
    assert r.json()["detail"].startswith(f"圏域ID「hirosaki」は既に使われています（{hirosaki['name']}）")
    # an edit to another region's name: the same answer (the unique index would refuse it anyway)
    mahoroba = admin.client.get("/api/regions/yamato-mahoroba").json()
    r = admin.client.put("/api/regions/yamato-mahoroba", headers=admin.headers(), json={
        "document": mahoroba["document"] | {"name": hirosaki["name"]}, "version": mahoroba["version"]})
    assert r.status_code == 409 and r.json()["field"] == "name", r.text
    # an ID that cannot name a page: 400 in Japanese
    r = admin.client.post("/api/regions", json={"document": NEW_REGION | {"id": "試験/圏域"}}, headers=admin.headers())
    assert r.status_code == 400 and "圏域ID「試験/圏域」は使えません" in r.json()["detail"]
    assert admin.client.post("/api/regions", json={"document": NEW_REGION}, headers=admin.headers()).status_code == 201
    r = admin.client.post("/api/regions", json={"document": NEW_REGION}, headers=admin.headers())  # twice
    assert r.status_code == 409 and r.json()["field"] == "id"


def test_the_yaml_path_of_the_regions_page_refuses_a_taken_name_with_409(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    name = admin.client.get("/api/regions/hirosaki").json()["document"]["name"]
    doc = f"id: test-yaml\nname: {name}\ncentral: ['022021']\nmembers: [{{code: '022021', role: central}}]\n"
    r = admin.client.post("/regions", data={"csrf_token": admin.csrf, "document": doc})
    assert r.status_code == 409 and f"同じ名前の圏域「{name}」が既にあります" in r.text and "現在の版" not in r.text


def test_a_taken_user_name_is_a_409_on_the_api_and_the_form(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    new = {"username": "viewer", "password": PASSWORD, "role": "viewer"}
    r = admin.client.post("/api/users", json=new, headers=admin.headers())
    assert r.status_code == 409 and r.json()["detail"].startswith("利用者名「viewer」は既に使われています")
    assert r.json()["field"] == "username"
    page = admin.client.post("/admin/users", data=new | {"csrf_token": admin.csrf, "display_name": "閲覧の人"})
    assert page.status_code == 409 and "他の利用者" not in page.text
    assert re.search(r'<input id="username" name="username" required value="viewer" aria-invalid="true" '
                     r'aria-describedby="username-err"><span class="cell-error" id="username-err">利用者名「viewer」は既に使われています',
                     page.text), page.text[-3000:]
    assert 'value="閲覧の人"' in page.text and PASSWORD not in page.text  # typed values back, never the password


def test_a_form_that_loses_the_race_for_a_name_answers_409_at_the_field(
    login: Callable[[str], Logged], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check before the save passes (the other registration was not committed yet) and the INSERT hits the
    unique index: the form still answers 409 with the clash at its field, not a 500 from the spoiled session."""
    from kouiki.store import regions as store_regions

    admin = login("admin")
    name = admin.client.get("/api/regions/hirosaki").json()["document"]["name"]
    real = store_regions.region_duplicate
    calls: list[bool] = []

    def late(s: Any, region: Any, *, create: bool) -> Any:
        calls.append(create)
        return None if len(calls) == 1 else real(s, region, create=create)

    monkeypatch.setattr(store_regions, "region_duplicate", late)
    form = {"csrf_token": admin.csrf, "op": "save", "name": name, "framework": "定住自立圏", "type": "standard",
            "central0": "岩手県一関市", "neighbours": "0", "visions": "0"}
    r = admin.client.post("/regions/new", data=form)
    assert len(calls) == 2 and r.status_code == 409, r.text[:2000]
    assert f"同じ名前の圏域「{name}」が既にあります" in r.text and 'id="name-err"' in r.text
    monkeypatch.setattr(store_regions, "region_duplicate", real)
    calls.clear()
    r = admin.client.post("/api/regions", headers=admin.headers(), json={"document": NEW_REGION | {"name": name}})
    assert r.status_code == 409 and r.json()["field"] == "name"
