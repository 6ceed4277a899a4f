"""Issue 18 (hold the line): membership only by 管理者, safe exports, download names, and friends.

Each test here failed on the main branch it was written against."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from kouiki.store import session
from kouiki.store.audit import recent
from tests.web.conftest import HIROSAKI, KAWANISHI, PASSWORD, Logged, template_csv

INJECTION = '=HYPERLINK("http://evil.example/","click")'


# ----- 1. membership -------------------------------------------------------------------------------------

def _region(u: Logged, region_id: str) -> dict[str, object]:
    return u.client.get(f"/api/regions/{region_id}").json()  # type: ignore[no-any-return]


def test_a_region_officer_cannot_add_another_regions_body_to_its_region(login: Callable[[str], Logged]) -> None:
    hirosaki = login("region")
    current = _region(hirosaki, "hirosaki")
    doc = dict(current["document"])  # type: ignore[call-overload]
    doc["members"] = [*doc["members"], {"code": KAWANISHI, "role": "neighbor"}]
    r = hirosaki.client.put("/api/regions/hirosaki", json={"document": doc, "version": current["version"]},
                            headers=hirosaki.headers())
    assert r.status_code == 403, r.text
    assert "管理者" in r.json()["detail"]
    # and so it gains no right over that body's facilities
    csv_body = template_csv([("X1", KAWANISHI, "乗っ取り", "市民文化系施設", "100")])
    imp = hirosaki.client.post(f"/api/facilities/{KAWANISHI}/import", files={"file": ("a.csv", csv_body, "text/csv")},
                               headers=hirosaki.headers())
    assert imp.status_code == 403
    assert KAWANISHI not in {m["code"] for m in _region(hirosaki, "hirosaki")["document"]["members"]}  # type: ignore[index]


def test_a_region_officer_cannot_drop_a_member_or_change_its_role(login: Callable[[str], Logged]) -> None:
    hirosaki = login("region")
    current = _region(hirosaki, "hirosaki")
    doc = dict(current["document"])  # type: ignore[call-overload]
    dropped = doc | {"members": doc["members"][:-1]}
    r = hirosaki.client.put("/api/regions/hirosaki", json={"document": dropped, "version": current["version"]},
                            headers=hirosaki.headers())
    assert r.status_code == 403


def test_a_region_officer_may_still_edit_other_fields_of_its_region(login: Callable[[str], Logged]) -> None:
    hirosaki = login("region")
    current = _region(hirosaki, "hirosaki")
    doc = dict(current["document"]) | {"notes": ["会議の日程を追記"]}  # type: ignore[call-overload]
    r = hirosaki.client.put("/api/regions/hirosaki", json={"document": doc, "version": current["version"]},
                            headers=hirosaki.headers())
    assert r.status_code == 200, r.text


def test_an_admin_changes_members_and_the_change_is_audited_with_before_and_after(
    login: Callable[[str], Logged],
) -> None:
    admin = login("admin")
    current = _region(admin, "hirosaki")
    doc = dict(current["document"])  # type: ignore[call-overload]
    doc["members"] = [*doc["members"], {"code": KAWANISHI, "role": "neighbor"}]
    r = admin.client.put("/api/regions/hirosaki", json={"document": doc, "version": current["version"]},
                         headers=admin.headers())
    assert r.status_code == 200, r.text
    with session() as s:
        entry = next(e for e in recent(s) if e.entity == "region_members")
    assert entry.user == "admin" and entry.entity_id == "hirosaki"
    assert KAWANISHI not in entry.before and entry.after[KAWANISHI] == "neighbor"


# ----- 2. formula injection in exports -------------------------------------------------------------------

def _import_named(u: Logged, code: str, name: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["施設ID", "団体コード", "施設名", "大分類", "延床面積", "建築年度", "緯度", "経度"])
    w.writerow(["F1", code, name, "市民文化系施設", "1200", "1985", "40.60", "140.46"])
    body = buf.getvalue().encode("utf-8")
    r = u.client.post(f"/api/facilities/{code}/import", files={"file": ("a.csv", body, "text/csv")}, headers=u.headers())
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("name", [INJECTION, "+cmd|' /C calc'!A0", "-2+3+cmd", "@SUM(1+1)"])
def test_a_facility_named_like_a_formula_is_text_in_the_xlsx_and_csv_exports(
    login: Callable[[str], Logged], name: str
) -> None:
    admin = login("admin")
    _import_named(admin, HIROSAKI, name)
    x = admin.client.get(f"/export/facilities/{HIROSAKI}.xlsx")
    wb = load_workbook(io.BytesIO(x.content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == name and c.data_type == "s" for c in cells)
    text = admin.client.get(f"/export/facilities/{HIROSAKI}.csv?encoding=utf-8-sig").content.decode("utf-8-sig")
    fields = [f for row in csv.reader(io.StringIO(text)) for f in row]
    assert "'" + name in fields
    assert name not in fields


def test_a_scenario_named_like_a_formula_is_text_in_its_excel_title() -> None:
    from kouiki.reports.excel import workbook_bytes
    from kouiki.reports.table import Column, ReportTable

    table = ReportTable(title=INJECTION, columns=[Column("名前")], rows=[["=1+1"], ["-12"]], source="=cmd")
    wb = load_workbook(io.BytesIO(workbook_bytes(table)))
    ws = wb.active
    assert ws is not None
    assert ws["A1"].value == INJECTION and ws["A1"].data_type == "s"
    assert ws["A4"].data_type == "s"


def test_csv_cells_keep_signed_numbers_but_prefix_formula_triggers() -> None:
    from kouiki.reference.cellsafe import csv_cell

    assert csv_cell("-1234") == "-1234" and csv_cell("+3.5") == "+3.5" and csv_cell(-5) == -5
    for trigger in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(trigger + "A1") == "'" + trigger + "A1"
    assert csv_cell("普通の名前") == "普通の名前"


# ----- 3. download names ---------------------------------------------------------------------------------

def test_a_quote_or_line_break_in_a_scenario_name_does_not_break_the_download_header(
    login: Callable[[str], Logged],
) -> None:
    admin = login("admin")
    r = admin.client.post("/api/regions/hirosaki/scenarios", json={"name": 'A"案\r\nX; filename=evil.exe',
                                                                   "document": {"actions": []}},
                          headers=admin.headers())
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    for fmt in ("xlsx", "csv", "pdf"):
        got = admin.client.get(f"/export/scenarios/{sid}.{fmt}")
        assert got.status_code == 200, (fmt, got.text[:200])
        disposition = got.headers["content-disposition"]
        assert disposition.count("filename=") == 1 and "\r" not in disposition and "\n" not in disposition
        assert 'filename="' in disposition and "filename*=UTF-8''" in disposition
        fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
        assert fallback.isascii() and fallback.endswith(f".{fmt}")


# ----- 4. logins -----------------------------------------------------------------------------------------

def test_repeated_wrong_passwords_are_throttled_by_user_and_audited(anon: TestClient) -> None:
    for _ in range(5):
        r = anon.post("/api/login", json={"username": "region", "password": "wrong-password"})
        assert r.status_code == 401
    r = anon.post("/api/login", json={"username": "region", "password": PASSWORD})  # even the right one now waits
    assert r.status_code == 429
    assert "しばらくログインできません" in r.json()["detail"] and int(r.headers["retry-after"]) > 0
    assert anon.post("/api/login", json={"username": "admin", "password": PASSWORD}).status_code == 200  # others not
    with session() as s:
        failed = [e for e in recent(s) if e.action == "login_failed"]
    assert len(failed) == 5 and {e.entity_id for e in failed} == {"region"}
    assert failed[0].after == {"address": "testclient"}


def test_the_login_form_is_throttled_too(anon: TestClient) -> None:
    for _ in range(5):
        anon.post("/login", data={"username": "viewer", "password": "nope-nope-nope"})
    r = anon.post("/login", data={"username": "viewer", "password": PASSWORD})
    assert r.status_code == 429 and "しばらくログインできません" in r.text


def test_many_wrong_logins_from_one_address_are_throttled_across_user_names(
    anon: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOUIKI_LOGIN_MAX_FAILURES_PER_ADDRESS", "6")
    for i in range(6):
        assert anon.post("/api/login", json={"username": f"guess{i}", "password": "x" * 9}).status_code == 401
    assert anon.post("/api/login", json={"username": "admin", "password": PASSWORD}).status_code == 429


def test_a_successful_login_clears_the_users_failures(anon: TestClient) -> None:
    for _ in range(4):
        anon.post("/api/login", json={"username": "admin", "password": "wrong-password"})
    assert anon.post("/api/login", json={"username": "admin", "password": PASSWORD}).status_code == 200
    for _ in range(4):
        assert anon.post("/api/login", json={"username": "admin", "password": "wrong-password"}).status_code == 401


def test_failures_older_than_the_window_no_longer_count() -> None:
    import datetime as dt

    from kouiki.store.login_throttle import note_failure, seconds_to_wait, user_key

    window = dt.timedelta(minutes=15)
    t0 = dt.datetime(2026, 12, 1, 9, 0)
    with session() as s:
        for k in range(5):
            note_failure(s, [user_key("u")], window, now=t0 + dt.timedelta(minutes=k))
        assert seconds_to_wait(s, user_key("u"), 5, window, now=t0 + dt.timedelta(minutes=5)) == 10 * 60 + 1
        assert seconds_to_wait(s, user_key("u"), 5, window, now=t0 + dt.timedelta(minutes=15, seconds=1)) == 0


@pytest.mark.parametrize("weak", ["12345678", "password1", "kouikikouiki", "qwertyuiop", "newbie2026"])
def test_common_and_weak_passwords_are_refused_with_a_japanese_reason(
    login: Callable[[str], Logged], weak: str
) -> None:
    admin = login("admin")
    r = admin.client.post("/api/users", json={"username": "newbie", "password": weak, "role": "viewer"},
                          headers=admin.headers())
    assert r.status_code == 400, r.text
    assert "パスワード" in r.json()["detail"]


def test_a_strong_password_is_accepted_and_demo_passwords_pass_the_rule() -> None:
    from kouiki.store.users import check_password
    from kouiki.web.demo import ensure_demo_logins

    check_password("夏の弘前でりんご狩り", username="x")
    with session() as s:
        logins = ensure_demo_logins(s)
    for demo in logins:
        check_password(demo.password, username=demo.username)


# ----- 9. conflicting saves ------------------------------------------------------------------------------

def test_a_save_that_loses_the_race_is_a_409_with_the_current_version(
    login: Callable[[str], Logged], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both saves read version 1; the other commits first while this one is validating (StaleDataError on main)."""
    from kouiki.store.scenarios import update_scenario
    from kouiki.web import service

    admin = login("admin")
    made = admin.client.post("/api/regions/hirosaki/scenarios", json={"name": "A案", "document": {"actions": []}},
                             headers=admin.headers())
    sid, version = made.json()["id"], made.json()["version"]
    original = service.validate_scenario

    def validate_while_someone_else_saves(*args: object, **kwargs: object) -> object:
        with session() as other:
            row = update_scenario(other, sid, name="他の人のA案", document={"actions": []}, user="other",
                                  expected_version=version)
            assert row.version == version + 1
        monkeypatch.setattr(service, "validate_scenario", original)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "validate_scenario", validate_while_someone_else_saves)
    r = admin.client.put(f"/api/scenarios/{sid}", json={"name": "私のA案", "document": {"actions": []},
                                                        "version": version}, headers=admin.headers())
    assert r.status_code == 409, r.text
    assert "他の利用者が更新しました" in r.json()["detail"]
    assert r.json()["current_version"] == version + 1
    assert admin.client.get(f"/api/scenarios/{sid}").json()["name"] == "他の人のA案"


def test_two_first_saves_of_a_fiscal_plan_give_one_winner_and_one_conflict() -> None:
    """The loser read "no plan yet" before the winner inserted (IntegrityError on main)."""
    from sqlalchemy.orm import Session

    from kouiki.store import engine
    from kouiki.store.fiscal_plans import get_plan, save_plan
    from kouiki.store.regions import ConflictError

    class ReadBeforeTheOtherCommitted(Session):
        def get(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
            return None

    with session() as s:
        assert get_plan(s, "hirosaki") is None
        assert save_plan(s, "hirosaki", {"items": []}, user="winner", expected_version=None) == 1
    loser = ReadBeforeTheOtherCommitted(engine())
    with pytest.raises(ConflictError) as caught, loser, loser.begin():
        save_plan(loser, "hirosaki", {"items": [{"x": 1}]}, user="loser", expected_version=None)
    assert caught.value.current_version == 1 and "他の利用者が更新しました" in str(caught.value)
    with session() as s:
        plan = get_plan(s, "hirosaki")
        assert plan is not None and plan.updated_by == "winner"


# ----- 5. HTTPS behind a proxy ---------------------------------------------------------------------------

def test_serve_trusts_proxy_headers_only_from_the_given_addresses() -> None:
    from kouiki.cli.serve import uvicorn_options

    assert uvicorn_options("127.0.0.1", 8000, 1, None)["proxy_headers"] is False
    opts = uvicorn_options("0.0.0.0", 8000, 2, "10.0.0.5, 10.0.0.6")
    assert opts["proxy_headers"] is True and opts["forwarded_allow_ips"] == "10.0.0.5,10.0.0.6"


def test_serve_passes_the_proxy_setting_to_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from kouiki.cli.serve import app

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: seen.update(kw))
    result = CliRunner().invoke(app, ["--forwarded-allow-ips", "192.0.2.10"])
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == "192.0.2.10"


def test_behind_a_trusted_https_proxy_the_login_cookie_is_secure(app_users: None) -> None:
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from kouiki.web import create_app

    proxied = ProxyHeadersMiddleware(create_app(), trusted_hosts="testclient")
    with TestClient(proxied) as c:  # type: ignore[arg-type]
        r = c.post("/api/login", json={"username": "admin", "password": PASSWORD},
                   headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})
    assert r.status_code == 200
    assert "secure" in r.headers["set-cookie"].lower()


# ----- 6. bounded uploads --------------------------------------------------------------------------------

def test_an_upload_above_the_size_cap_is_413_with_a_japanese_message(
    login: Callable[[str], Logged], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOUIKI_MAX_UPLOAD_MB", "1")
    admin = login("admin")
    big = template_csv([(f"F{i}", HIROSAKI, f"施設{i}", "市民文化系施設", "100") for i in range(30000)])
    assert len(big) > 1024 * 1024
    r = admin.client.post(f"/api/facilities/{HIROSAKI}/import", files={"file": ("big.csv", big, "text/csv")},
                          headers=admin.headers())
    assert r.status_code == 413
    assert r.json()["detail"] == "ファイルが大きすぎます（上限 1MB）"
    page = admin.client.post(f"/facilities/{HIROSAKI}/import", files={"file": ("big.csv", big, "text/csv")},
                             data={"csrf_token": admin.csrf})
    assert page.status_code == 413 and "ファイルが大きすぎます（上限 1MB）" in page.text
    assert admin.client.get(f"/api/facilities?body={HIROSAKI}").json()["facilities"] == []


def test_the_default_size_cap_is_20mb() -> None:
    from kouiki.web.limits import max_upload_bytes, too_large_message

    assert max_upload_bytes() == 20 * 1024 * 1024
    assert too_large_message() == "ファイルが大きすぎます（上限 20MB）"


def test_a_body_streamed_without_a_length_is_cut_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from kouiki.web.uploads import BodyLimit

    monkeypatch.setenv("KOUIKI_MAX_UPLOAD_MB", "1")
    sent: list[dict[str, object]] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        while True:
            message = await receive()  # type: ignore[operator]
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"stored"})  # type: ignore[operator]

    chunks = [{"type": "http.request", "body": b"x" * 300_000, "more_body": True} for _ in range(10)]

    async def receive() -> dict[str, object]:
        return chunks.pop(0)

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    asyncio.run(BodyLimit(app)({"type": "http", "path": "/api/x", "headers": []}, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 413 and b"stored" not in b"".join(m.get("body", b"") for m in sent)  # type: ignore[misc]


def test_a_file_with_more_rows_than_the_cap_is_refused_before_import(
    login: Callable[[str], Logged], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOUIKI_MAX_IMPORT_ROWS", "100")
    admin = login("admin")
    rows = template_csv([(f"F{i}", HIROSAKI, f"施設{i}", "市民文化系施設", "100") for i in range(101)])
    r = admin.client.post(f"/api/facilities/{HIROSAKI}/import", files={"file": ("many.csv", rows, "text/csv")},
                          headers=admin.headers())
    assert r.status_code == 413 and "行数が多すぎます" in r.json()["detail"] and "上限 100 行" in r.json()["detail"]
    ok = template_csv([(f"F{i}", HIROSAKI, f"施設{i}", "市民文化系施設", "100") for i in range(100)])
    r = admin.client.post(f"/api/facilities/{HIROSAKI}/import", files={"file": ("ok.csv", ok, "text/csv")},
                          headers=admin.headers())
    assert r.status_code == 200, r.text
    assert r.json()["facilities"] == 100


def test_rows_of_an_excel_upload_are_counted() -> None:
    from openpyxl import Workbook

    from kouiki.web.uploads import count_rows

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for i in range(31):
        ws.append([f"F{i}", "名前"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    assert count_rows(buf, "a.xlsx") == 30
    assert buf.tell() == 0
    assert count_rows(io.BytesIO(b"h\r\na\r\nb"), "a.csv") == 2


def test_the_facility_page_shows_50_facilities_a_page(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    rows = template_csv([(f"F{i:03d}", HIROSAKI, f"施設{i:03d}", "市民文化系施設", "100") for i in range(120)])
    r = admin.client.post(f"/api/facilities/{HIROSAKI}/import", files={"file": ("a.csv", rows, "text/csv")},
                          headers=admin.headers())
    assert r.status_code == 200
    first = admin.client.get(f"/facilities?body={HIROSAKI}").text
    assert first.count("/facilities/karte?") == 50 and "120 件のうち 1〜50 件目" in first
    assert "1 / 3 ページ" in first and "page=2" in first
    last = admin.client.get(f"/facilities?body={HIROSAKI}&page=3").text
    assert last.count("/facilities/karte?") == 20 and "101〜120 件目" in last
    assert admin.client.get(f"/facilities?body={HIROSAKI}&page=99").status_code == 200  # the last page
    assert admin.client.get(f"/facilities?body={HIROSAKI}&page=0").status_code == 422


# ----- 8. no 500 for bad input ---------------------------------------------------------------------------

HUGE_ID = 99999999999999999999999


@pytest.mark.parametrize("path", [f"/api/scenarios/{HUGE_ID}", f"/scenarios/{HUGE_ID}", f"/export/scenarios/{HUGE_ID}.xlsx",
                                  f"/api/scenarios/{HUGE_ID}/form",
                                  f"/api/regions/hirosaki/scenarios/compare?ids={HUGE_ID}"])
def test_an_id_beyond_int64_is_a_4xx_with_a_japanese_message(login: Callable[[str], Logged], path: str) -> None:
    admin = login("admin")
    admin.client.headers["accept"] = "application/json"
    r = admin.client.get(path)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
    assert any("\u3040" <= ch <= "\u9fff" for ch in r.json()["detail"])


def test_saving_a_scenario_with_an_id_beyond_int64_is_a_4xx(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    r = admin.client.put(f"/api/scenarios/{HUGE_ID}", json={"name": "x", "document": {}, "version": 1},
                         headers=admin.headers())
    assert 400 <= r.status_code < 500


def test_an_absurd_amount_in_a_fiscal_plan_is_refused_not_a_500(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    item = {"measure": "comprehensive_central", "municipality": HIROSAKI, "fiscal_year": 2026, "cost_yen": 10**30,
            "has_vision": True}
    evaluated = admin.client.post("/api/fiscal/evaluate", json={"plan": {"items": [item]}}, headers=admin.headers())
    assert evaluated.status_code == 200, evaluated.text
    assert "金額が大きすぎます" in evaluated.json()["errors"][0]["message"]
    saved = admin.client.put("/api/regions/hirosaki/fiscal-plan", json={"items": [item], "version": None},
                             headers=admin.headers())
    assert saved.status_code == 422 and "金額が大きすぎます" in saved.text
    assert admin.client.get("/api/regions/hirosaki/fiscal-plan").json()["saved"] is False


@pytest.mark.parametrize("action", [
    {"type": "demolish", "facilities": ["F1"], "cost_yen": 10**30},
    {"type": "consolidate", "sources": ["F2"], "target": "F1", "construction_cost_yen": 10**30},
    {"type": "demolish", "facilities": ["F1"], "fiscal_year": 10**7},
])
def test_a_scenario_with_an_absurd_amount_or_year_is_refused_and_not_stored(
    login: Callable[[str], Logged], action: dict[str, object]
) -> None:
    admin = login("admin")
    facilities = template_csv([("F1", HIROSAKI, "体育館", "スポーツ・レクリエーション系施設", "1000"),
                               ("F2", HIROSAKI, "体育館2", "スポーツ・レクリエーション系施設", "1000")])
    admin.client.post(f"/api/facilities/{HIROSAKI}/import", files={"file": ("a.csv", facilities, "text/csv")},
                      headers=admin.headers())
    doc = {"actions": [{"id": "a1", "fiscal_year": 2027, "lead_body": HIROSAKI} | action]}
    r = admin.client.post("/api/regions/hirosaki/scenarios", json={"name": "巨額", "document": doc}, headers=admin.headers())
    assert r.status_code == 400, r.text
    assert admin.client.get("/api/regions/hirosaki/scenarios").json()["scenarios"] == []


def test_an_api_import_where_every_row_is_rejected_is_422_naming_the_rows(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    bad = template_csv([("F1", HIROSAKI, "体育館", "スポーツ・レクリエーション系施設", "たくさん"),
                        ("F2", HIROSAKI, "", "謎の分類", "100")])
    r = admin.client.post(f"/api/facilities/{HIROSAKI}/import", files={"file": ("bad.csv", bad, "text/csv")},
                          headers=admin.headers())
    assert r.status_code == 422, r.text
    body = r.json()  # the summary in detail, every bad row (row, column, reason) in problems
    assert "bad.csv" in body["detail"] and len(body["problems"]) >= 2 and all("行目" in p for p in body["problems"])


def test_a_number_too_large_for_a_calculation_is_a_422_not_a_500(login: Callable[[str], Logged]) -> None:
    """The safety net behind the input bounds: an ArithmeticError from deep in a calculation is a 4xx."""
    from fastapi import FastAPI

    from kouiki.web import app as web_app

    def boom(app: FastAPI) -> None:
        @app.get("/api/test-overflow")
        def overflow() -> None:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")

    web_app._extensions.append(boom)
    try:
        admin = login("admin")
        r = admin.client.get("/api/test-overflow")
    finally:
        web_app._extensions.remove(boom)
    assert r.status_code == 422 and "範囲" in r.json()["detail"]


def test_a_password_reset_by_the_admin_lifts_the_login_lock(anon: TestClient) -> None:
    from kouiki.store.users import set_password

    for _ in range(5):
        anon.post("/api/login", json={"username": "viewer", "password": "wrong-password"})
    assert anon.post("/api/login", json={"username": "viewer", "password": PASSWORD}).status_code == 429
    with session() as s:
        set_password(s, "viewer", "another-long-passphrase", by="admin")
    assert anon.post("/api/login", json={"username": "viewer", "password": "another-long-passphrase"}).status_code == 200
