"""Users administration (管理者: edit, 利用停止/再開, password reset), one's own password, and the fiscal plan
Excel upload on /fiscal (template prefilled with the saved plan; errors name sheet/row/column)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from kouiki.fiscal.plan import measure_label
from kouiki.store import session
from kouiki.store.audit import recent
from kouiki.store.users import get_user
from tests.web.conftest import PASSWORD, Logged


def _user_id(admin: Logged, username: str) -> int:
    users = admin.client.get("/api/users").json()["users"]
    return next(u["id"] for u in users if u["username"] == username)


# ----- users (管理者) ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("user", "status"), [("admin", 200), ("region", 403), ("body", 403), ("viewer", 403)])
def test_only_admin_edits_a_user(login: Callable[[str], Logged], user: str, status: int) -> None:
    admin = login("admin")
    uid = _user_id(admin, "viewer")
    u = admin if user == "admin" else login(user)
    r = u.client.put(f"/api/users/{uid}", json={"display_name": "閲覧 太郎", "role": "viewer"}, headers=u.headers())
    assert r.status_code == status, r.text
    shown = admin.client.get(f"/api/users/{uid}").json()
    assert (shown["display_name"] == "閲覧 太郎") is (status == 200)


def test_edit_user_role_region_and_version_conflict(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    uid = _user_id(admin, "viewer")
    v0 = admin.client.get(f"/api/users/{uid}").json()["version"]
    r = admin.client.put(f"/api/users/{uid}", json={"display_name": "圏域の人", "role": "region",
                                                    "region_id": "hirosaki", "version": v0}, headers=admin.headers())
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "region" and r.json()["region_id"] == "hirosaki" and r.json()["version"] == v0 + 1
    stale = admin.client.put(f"/api/users/{uid}", json={"display_name": "x", "role": "viewer", "version": v0},
                             headers=admin.headers())
    assert stale.status_code == 409 and "他の管理者" in stale.json()["detail"]
    missing = admin.client.put(f"/api/users/{uid}", json={"display_name": "x", "role": "body"}, headers=admin.headers())
    assert missing.status_code == 400 and "body_code" in missing.json()["detail"]
    with session() as s:
        entries = [e for e in recent(s) if e.entity == "user" and e.entity_id == "viewer" and e.action == "update"]
    assert len(entries) == 1  # the refused edits wrote nothing
    assert entries[0].before["role"] == "viewer" and entries[0].after["role"] == "region"
    assert "password_hash" not in str(entries[0].after)


def test_deactivated_user_cannot_log_in_and_loses_sessions(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    viewer = login("viewer")
    uid = _user_id(admin, "viewer")
    r = admin.client.put(f"/api/users/{uid}", json={"display_name": "viewer", "role": "viewer", "active": False},
                         headers=admin.headers())
    assert r.status_code == 200 and r.json()["active"] is False
    assert viewer.client.get("/api/me").status_code == 401  # the open session ended
    again = viewer.client.post("/api/login", json={"username": "viewer", "password": PASSWORD})
    assert again.status_code == 401
    # the page form reactivates
    page = admin.client.post(f"/admin/users/{uid}/active", data={"active": "1", "csrf_token": admin.csrf},
                             follow_redirects=False)
    assert page.status_code == 303
    assert viewer.client.post("/api/login", json={"username": "viewer", "password": PASSWORD}).status_code == 200


def test_last_active_admin_cannot_be_deactivated_or_demoted(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    uid = _user_id(admin, "admin")
    demote = admin.client.put(f"/api/users/{uid}", json={"display_name": "admin", "role": "viewer"},
                              headers=admin.headers())
    assert demote.status_code == 400 and "最後の有効な管理者" in demote.json()["detail"]
    off = admin.client.post(f"/admin/users/{uid}/active", data={"active": "0", "csrf_token": admin.csrf})
    assert off.status_code == 400 and "最後の有効な管理者" in off.text
    with session() as s:
        assert get_user(s, "admin").active and get_user(s, "admin").role == "admin"
    # with a second admin, the first may step down
    other = _user_id(admin, "viewer")
    assert admin.client.put(f"/api/users/{other}", json={"display_name": "二人目", "role": "admin"},
                            headers=admin.headers()).status_code == 200
    assert admin.client.put(f"/api/users/{uid}", json={"display_name": "admin", "role": "viewer"},
                            headers=admin.headers()).status_code == 200


def test_admin_resets_a_password(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    body = login("body")
    uid = _user_id(admin, "body")
    short = admin.client.post(f"/api/users/{uid}/password", json={"password": "short"}, headers=admin.headers())
    assert short.status_code == 400 and "8文字" in short.json()["detail"]
    denied = body.client.post(f"/api/users/{uid}/password", json={"password": "new-password-1"}, headers=body.headers())
    assert denied.status_code == 403
    ok = admin.client.post(f"/api/users/{uid}/password", json={"password": "new-password-1"}, headers=admin.headers())
    assert ok.status_code == 200
    assert body.client.get("/api/me").status_code == 401
    assert body.client.post("/api/login", json={"username": "body", "password": "new-password-1"}).status_code == 200
    with session() as s:
        assert all("$argon2" not in str(e.after) and "$argon2" not in str(e.before) for e in recent(s))


def test_users_pages_render_and_edit_form_saves(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    uid = _user_id(admin, "region")
    page = admin.client.get("/admin/users")
    assert page.status_code == 200 and f'href="/admin/users/{uid}"' in page.text
    edit = admin.client.get(f"/admin/users/{uid}")
    assert edit.status_code == 200 and '<label for="display_name">' in edit.text and "利用停止にする" in edit.text
    r = admin.client.post(f"/admin/users/{uid}", data={"display_name": "弘前 担当", "role": "region",
                                                       "region_id": "hirosaki", "csrf_token": admin.csrf},
                          follow_redirects=False)
    assert r.status_code == 303
    assert admin.client.get(f"/api/users/{uid}").json()["display_name"] == "弘前 担当"
    bad = admin.client.post(f"/admin/users/{uid}", data={"display_name": "x", "role": "body", "csrf_token": admin.csrf})
    assert bad.status_code == 400 and "団体コード" in bad.text and 'role="alert"' in bad.text
    assert login("viewer").client.get(f"/admin/users/{uid}").status_code == 403


# ----- own account ------------------------------------------------------------------------------------------

def test_own_password_change_ends_other_sessions(login: Callable[[str], Logged]) -> None:
    first = login("viewer")
    second = login("viewer")
    wrong = first.client.post("/api/account/password", json={"current_password": "nope-nope", "new_password": "brand-new-pw"},
                              headers=first.headers())
    assert wrong.status_code == 400 and "現在のパスワード" in wrong.json()["detail"]
    short = first.client.post("/api/account/password", json={"current_password": PASSWORD, "new_password": "short"},
                              headers=first.headers())
    assert short.status_code == 400
    no_csrf = first.client.post("/api/account/password", json={"current_password": PASSWORD, "new_password": "brand-new-pw"})
    assert no_csrf.status_code == 403
    ok = first.client.post("/api/account/password", json={"current_password": PASSWORD, "new_password": "brand-new-pw"},
                           headers=first.headers())
    assert ok.status_code == 200
    assert first.client.get("/api/me").status_code == 200  # this session stays
    assert second.client.get("/api/me").status_code == 401  # the other one ended
    assert first.client.post("/api/login", json={"username": "viewer", "password": PASSWORD}).status_code == 401


def test_account_page_and_form(login: Callable[[str], Logged], anon: TestClient) -> None:
    assert anon.get("/account", follow_redirects=False).status_code == 303
    assert anon.post("/api/account/password", json={"current_password": "a", "new_password": "b"}).status_code == 401
    u = login("body")
    page = u.client.get("/account")
    assert page.status_code == 200 and 'href="/account"' in page.text and "パスワードの変更" in page.text
    mismatch = u.client.post("/account/password", data={"current_password": PASSWORD, "new_password": "new-password-2",
                                                        "new_password_again": "other-password", "csrf_token": u.csrf})
    assert mismatch.status_code == 400 and "一致しません" in mismatch.text
    ok = u.client.post("/account/password", data={"current_password": PASSWORD, "new_password": "new-password-2",
                                                  "new_password_again": "new-password-2", "csrf_token": u.csrf})
    assert ok.status_code == 200 and "変更しました" in ok.text


# ----- fiscal plan: Excel template download and upload ---------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _template(u: Logged, region: str = "hirosaki") -> bytes:
    r = u.client.get(f"/export/fiscal/{region}/plan-template.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith(XLSX_TYPE)
    return r.content


def _edit(data: bytes, row: int, field: str, value: object) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb["計画"]
    col = next(c.column for c in ws[3] if c.value == field)
    ws.cell(row, col, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_template_round_trip_saves_the_plan_with_its_version(login: Callable[[str], Logged]) -> None:
    u = login("region")
    before = u.client.get("/api/regions/hirosaki/fiscal-plan").json()
    assert before["saved"] is False
    data = _template(u)
    ws = load_workbook(io.BytesIO(data))["計画"]
    # prefilled from the example plan, the measure by its Japanese name (as an officer types it)
    assert ws.cell(4, 1).value == measure_label(before["plan"]["items"][0]["measure"]) == "包括的財政措置（中心市）"
    r = u.client.post("/fiscal/xlsx", data={"region": "hirosaki", "version": "", "csrf_token": u.csrf},
                      files={"file": ("計画.xlsx", data, XLSX_TYPE)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    after = u.client.get("/api/regions/hirosaki/fiscal-plan").json()
    assert after["saved"] is True and after["version"] == 1
    assert after["result"]["totals"] == before["result"]["totals"]
    assert [i["municipality"] for i in after["plan"]["items"]] == [i["municipality"] for i in before["plan"]["items"]]
    # the prefilled template now holds the saved plan; the JSON twin saves a change on the current version
    changed = _edit(_template(u), 4, "cost_yen", 90_000_000)
    stale = u.client.post("/api/regions/hirosaki/fiscal-plan/xlsx", data={"version": "0"}, headers=u.headers(),
                          files={"file": ("計画.xlsx", changed, XLSX_TYPE)})
    assert stale.status_code == 409
    ok = u.client.post("/api/regions/hirosaki/fiscal-plan/xlsx", data={"version": "1"}, headers=u.headers(),
                       files={"file": ("計画.xlsx", changed, XLSX_TYPE)})
    assert ok.status_code == 200, ok.text
    assert ok.json()["version"] == 2
    assert u.client.get("/api/regions/hirosaki/fiscal-plan").json()["plan"]["items"][0]["cost_yen"] == 90_000_000
    with session() as s:
        assert [e.action for e in recent(s) if e.entity == "fiscal_plan"][:2] == ["update", "insert"]


def test_bad_row_names_sheet_row_and_column_and_saves_nothing(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    data = _edit(_template(u), 5, "cost_yen", "たくさん")
    wb = load_workbook(io.BytesIO(data))
    col = next(c.column_letter for c in wb["計画"][3] if c.value == "cost_yen")
    page = u.client.post("/fiscal/xlsx", data={"region": "hirosaki", "csrf_token": u.csrf},
                         files={"file": ("計画.xlsx", data, XLSX_TYPE)})
    assert page.status_code == 400
    assert "シート「計画」 5行目" in page.text and f"{col}列" in page.text and "保存しませんでした" in page.text
    api = u.client.post("/api/regions/hirosaki/fiscal-plan/xlsx", headers=u.headers(),
                        files={"file": ("計画.xlsx", data, XLSX_TYPE)})
    assert api.status_code == 400
    err = api.json()["errors"][0]
    assert (err["sheet"], err["row"], err["column"], err["field"]) == ("計画", 5, col, "cost_yen")
    not_excel = u.client.post("/api/regions/hirosaki/fiscal-plan/xlsx", headers=u.headers(),
                              files={"file": ("plan.csv", b"a,b", "text/csv")})
    assert not_excel.status_code == 400 and ".xlsx" in not_excel.json()["detail"]
    broken = u.client.post("/api/regions/hirosaki/fiscal-plan/xlsx", headers=u.headers(),
                           files={"file": ("壊れた.xlsx", b"not a zip", XLSX_TYPE)})
    assert broken.status_code == 400 and "壊れた.xlsx: " in broken.json()["detail"]
    assert "開けません" in broken.json()["detail"]
    assert u.client.get("/api/regions/hirosaki/fiscal-plan").json()["saved"] is False


@pytest.mark.parametrize(("user", "status"), [("admin", 200), ("region", 200), ("body", 403), ("viewer", 403)])
def test_excel_upload_roles(login: Callable[[str], Logged], user: str, status: int) -> None:
    u = login(user)
    data = _template(u)
    r = u.client.post("/api/regions/hirosaki/fiscal-plan/xlsx", headers=u.headers(),
                      files={"file": ("計画.xlsx", data, XLSX_TYPE)})
    assert r.status_code == status, r.text
    if user == "region":  # 圏域担当 of 弘前圏域 only: not another region
        other = u.client.post("/api/regions/yamato-mahoroba/fiscal-plan/xlsx", headers=u.headers(),
                              files={"file": ("計画.xlsx", _template(u, "yamato-mahoroba"), XLSX_TYPE)})
        assert other.status_code == 403
    no_csrf = u.client.post("/api/regions/hirosaki/fiscal-plan/xlsx", files={"file": ("計画.xlsx", data, XLSX_TYPE)})
    assert no_csrf.status_code == 403


def test_fiscal_page_offers_the_excel_form_to_editors_only(login: Callable[[str], Logged]) -> None:
    page = login("region").client.get("/fiscal?region=hirosaki")
    assert page.status_code == 200 and 'action="/fiscal/xlsx"' in page.text and '<label for="plan-file">' in page.text
    assert "/export/fiscal/hirosaki/plan-template.xlsx" in page.text
    viewer_page = login("viewer").client.get("/fiscal?region=hirosaki")
    assert 'action="/fiscal/xlsx"' not in viewer_page.text and "plan-template.xlsx" in viewer_page.text
