"""Every role allowed or denied on every kind of write; 401 without login; CSRF; audit; sessions expire."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from kouiki.reference.regions import find_region
from tests.web.conftest import HIROSAKI, KAWANISHI, KUROISHI, Logged, template_csv

NEW_REGION = {
    "id": "test-region", "name": "試験圏域", "central": ["022021"],
    "members": [{"code": "022021", "role": "central"}, {"code": "023434", "role": "neighbor"}],
}


def test_reads_and_writes_need_a_login(anon: TestClient) -> None:
    assert anon.get("/api/regions").status_code == 401
    assert anon.post("/api/regions", json={"document": NEW_REGION}).status_code == 401
    assert anon.post("/api/regions/hirosaki/scenarios", json={"name": "x"}).status_code == 401
    r = anon.post("/api/facilities/022021/import", files={"file": ("a.csv", b"x")})
    assert r.status_code == 401
    page = anon.get("/regions", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_wrong_password_is_refused(anon: TestClient) -> None:
    r = anon.post("/api/login", json={"username": "admin", "password": "wrong-password"})
    assert r.status_code == 401
    assert "パスワード" in r.json()["detail"]


def test_regions_list_and_dashboard(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    data = v.client.get("/api/regions").json()
    assert {r["id"] for r in data["regions"]} >= {"hirosaki", "yamato-mahoroba"}
    dash = v.client.get("/api/regions/hirosaki").json()
    assert dash["region"]["name"] == find_region("hirosaki").name
    assert {m["code"] for m in dash["members"]} == set(find_region("hirosaki").member_codes())
    assert dash["version"] >= 1


@pytest.mark.parametrize(("user", "status"), [("admin", 201), ("region", 403), ("body", 403), ("viewer", 403)])
def test_create_region_only_admin(login: Callable[[str], Logged], user: str, status: int) -> None:
    u = login(user)
    r = u.client.post("/api/regions", json={"document": NEW_REGION}, headers=u.headers())
    assert r.status_code == status, r.text


def test_write_without_csrf_token_is_refused(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    r = admin.client.post("/api/regions", json={"document": NEW_REGION})
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]
    r = admin.client.post("/api/regions", json={"document": NEW_REGION}, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403


@pytest.mark.parametrize(("user", "region", "status"), [
    ("region", "hirosaki", 200), ("region", "yamato-mahoroba", 403), ("admin", "yamato-mahoroba", 200),
    ("body", "hirosaki", 403), ("viewer", "hirosaki", 403),
])
def test_update_region_by_role(login: Callable[[str], Logged], user: str, region: str, status: int) -> None:
    u = login(user)
    current = u.client.get(f"/api/regions/{region}").json()
    doc = current["document"] | {"notes": ["更新テスト"]}
    r = u.client.put(f"/api/regions/{region}", json={"document": doc, "version": current["version"]}, headers=u.headers())
    assert r.status_code == status, r.text


def test_stale_region_edit_is_a_conflict(login: Callable[[str], Logged]) -> None:
    a, b = login("region"), login("admin")
    start = a.client.get("/api/regions/hirosaki").json()
    ok = a.client.put("/api/regions/hirosaki", json={"document": start["document"] | {"notes": ["A"]},
                                                      "version": start["version"]}, headers=a.headers())
    assert ok.status_code == 200
    late = b.client.put("/api/regions/hirosaki", json={"document": start["document"] | {"notes": ["B"]},
                                                        "version": start["version"]}, headers=b.headers())
    assert late.status_code == 409
    assert b.client.get("/api/regions/hirosaki").json()["document"]["notes"] == ["A"]


# ----- facilities ---------------------------------------------------------------------------------------

def _import(u: Logged, code: str, body: bytes, name: str = "施設一覧.csv") -> object:
    return u.client.post(f"/api/facilities/{code}/import", files={"file": (name, body, "text/csv")},
                         headers=u.headers())


@pytest.mark.parametrize(("user", "code", "status"), [
    ("body", HIROSAKI, 200),  # 団体担当: own body
    ("body", KUROISHI, 403),  # 団体担当: another body
    ("other_body", HIROSAKI, 403),
    ("region", KUROISHI, 200),  # 圏域担当: a member of its region
    ("region", KAWANISHI, 403),  # 圏域担当: a body outside its region
    ("admin", KAWANISHI, 200),
    ("viewer", HIROSAKI, 403),
])
def test_import_facilities_by_role(login: Callable[[str], Logged], user: str, code: str, status: int) -> None:
    u = login(user)
    csv = template_csv([("F1", code, "第一体育館", "スポーツ・レクリエーション系施設", "1200")])
    r = _import(u, code, csv)
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    listed = u.client.get(f"/api/facilities?body={code}").json()["facilities"]
    assert [f["name"] for f in listed] == (["第一体育館"] if status == 200 else [])


def test_a_file_with_another_bodys_facility_is_refused_whole(login: Callable[[str], Logged]) -> None:
    u = login("body")
    csv = template_csv([("F1", HIROSAKI, "市民会館", "市民文化系施設", "3000"),
                        ("F2", KUROISHI, "黒石の体育館", "スポーツ・レクリエーション系施設", "900")])
    r = _import(u, HIROSAKI, csv)
    assert r.status_code == 403  # type: ignore[attr-defined]
    assert "黒石市" in r.json()["detail"]  # type: ignore[attr-defined]
    assert u.client.get(f"/api/facilities?body={HIROSAKI}").json()["facilities"] == []


def test_import_report_names_row_and_column(login: Callable[[str], Logged]) -> None:
    u = login("body")
    csv = template_csv([("F1", HIROSAKI, "市民会館", "市民文化系施設", "3000"),
                        ("F2", HIROSAKI, "図書館", "市民文化系施設", "たくさん")])
    r = _import(u, HIROSAKI, csv)
    assert r.status_code == 422  # type: ignore[attr-defined]
    report = r.json()  # type: ignore[attr-defined]
    assert not report["imported"] and report["status"] == "rejected"
    bad = report["rejected"]
    assert [(p["row"], p["letter"], p["column"], p["value"]) for p in bad] == [(3, "E", "延床面積", "たくさん")]
    assert "数値ではありません" in bad[0]["reason"]
    assert any("3行目 E列「延床面積」" in p for p in report["problems"])
    assert "何も取り込んでいません" in report["detail"]


def test_audit_log_records_the_import_and_only_admin_reads_it(login: Callable[[str], Logged]) -> None:
    u = login("body")
    assert _import(u, HIROSAKI, template_csv([("F9", HIROSAKI, "公民館", "社会教育系施設", "500")])).status_code == 200  # type: ignore[attr-defined]
    assert u.client.get("/api/audit").status_code == 403
    entries = login("admin").client.get("/api/audit").json()["entries"]
    imp = next(e for e in entries if e["action"] == "import" and e["entity_id"] == f"団体:{HIROSAKI}")
    assert imp["user"] == "body"
    assert imp["after"]["facility_count"] == 1
    assert imp["at"]


# ----- scenarios ----------------------------------------------------------------------------------------

def _seed_facilities(admin: Logged) -> None:
    csv = template_csv([("H1", HIROSAKI, "弘前体育館", "スポーツ・レクリエーション系施設", "2000")])
    assert _import(admin, HIROSAKI, csv).status_code == 200  # type: ignore[attr-defined]
    csv = template_csv([("K1", KUROISHI, "黒石体育館", "スポーツ・レクリエーション系施設", "1500")])
    assert _import(admin, KUROISHI, csv).status_code == 200  # type: ignore[attr-defined]


SCENARIO = {"start_fiscal_year": 2026, "horizon_years": 10, "actions": [
    {"id": "a1", "type": "consolidate", "fiscal_year": 2028, "lead_body": HIROSAKI, "sources": ["K1"], "target": "H1"}]}


@pytest.mark.parametrize(("user", "status"), [("admin", 201), ("region", 201), ("body", 403), ("viewer", 403)])
def test_create_scenario_by_role(login: Callable[[str], Logged], user: str, status: int) -> None:
    _seed_facilities(login("admin"))
    u = login(user)
    r = u.client.post("/api/regions/hirosaki/scenarios", json={"name": "体育館の集約", "document": SCENARIO},
                      headers=u.headers())
    assert r.status_code == status, r.text


def test_scenario_evaluation_and_optimistic_locking(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    _seed_facilities(admin)
    region_user = login("region")
    created = region_user.client.post("/api/regions/hirosaki/scenarios", json={"name": "集約案", "document": SCENARIO},
                                      headers=region_user.headers()).json()
    sid, version = created["id"], created["version"]
    ev = region_user.client.get(f"/api/scenarios/{sid}").json()["evaluation"]
    assert ev["floor_area"]["before_m2"] == "3500" and ev["floor_area"]["after_m2"] == "2000"
    assert ev["counts"][KUROISHI] == {"before": 1, "after": 0}
    first = region_user.client.put(f"/api/scenarios/{sid}", json={"name": "集約案（改）", "document": SCENARIO,
                                                                   "version": version}, headers=region_user.headers())
    assert first.status_code == 200 and first.json()["version"] == version + 1
    second = admin.client.put(f"/api/scenarios/{sid}", json={"name": "別の案", "document": SCENARIO, "version": version},
                              headers=admin.headers())
    assert second.status_code == 409
    assert "他の利用者" in second.json()["detail"]
    assert admin.client.get(f"/api/scenarios/{sid}").json()["name"] == "集約案（改）"


def test_invalid_scenario_names_the_field(login: Callable[[str], Logged]) -> None:
    u = login("region")
    bad = {"actions": [{"id": "a1", "type": "consolidate", "fiscal_year": 2028, "lead_body": HIROSAKI, "sources": []}]}
    r = u.client.post("/api/regions/hirosaki/scenarios", json={"name": "誤り", "document": bad}, headers=u.headers())
    assert r.status_code == 400
    assert "sources" in r.json()["detail"]


# ----- sessions -----------------------------------------------------------------------------------------

def test_sessions_expire(login: Callable[[str], Logged], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOUIKI_SESSION_HOURS", "0")
    u = login("viewer")
    assert u.client.get("/api/regions").status_code == 401


def test_logout_ends_the_session(login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    cookie = u.client.cookies.get("kouiki_session")
    assert u.client.post("/api/logout", headers=u.headers()).status_code == 200
    u.client.cookies.set("kouiki_session", cookie or "")
    assert u.client.get("/api/regions").status_code == 401


def test_user_management_is_admin_only(login: Callable[[str], Logged]) -> None:
    region = login("region")
    body = {"username": "new", "password": "long-enough-pw", "role": "viewer"}
    assert region.client.post("/api/users", json=body, headers=region.headers()).status_code == 403
    admin = login("admin")
    assert admin.client.post("/api/users", json=body, headers=admin.headers()).status_code == 201
    assert "new" in {u["username"] for u in admin.client.get("/api/users").json()["users"]}


def test_openapi_document_lists_the_api(anon: TestClient) -> None:
    paths = anon.get("/openapi.json").json()["paths"]
    assert {"/api/regions", "/api/regions/{region_id}", "/api/facilities/{code}/import",
            "/api/scenarios/{scenario_id}"} <= set(paths)
