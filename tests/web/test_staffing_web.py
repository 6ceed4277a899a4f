"""Staffing (専門人材) in the web app: the region's plan persisted (roles, version conflict, audit, bad input),
the sharing plan, 人材育成 and アドバイザー派遣 pages with their JSON twins, and the Excel/CSV downloads."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook

from kouiki.staffing import case_from_dict, evaluate_support, plan_sharing, recommend
from kouiki.staffing.io import read_mapping, strip_lines
from kouiki.store import session
from kouiki.store.audit import recent
from kouiki.store.staffing import get_staffing_plan
from tests.web.conftest import Logged


def demo_case() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(strip_lines(read_mapping("demo")[0]), default=str))
    return data


def _smaller(case: dict[str, Any]) -> dict[str, Any]:
    """The demo with one secondment fewer (a change that moves the totals)."""
    return {**case, "secondments": case["secondments"][1:]}


@pytest.mark.parametrize(("user", "status"), [("admin", 200), ("region", 200), ("body", 403), ("viewer", 403)])
def test_saving_the_region_plan_roles(login: Callable[[str], Logged], user: str, status: int) -> None:
    u = login(user)
    r = u.client.put("/api/regions/hirosaki/staffing", json={"case": demo_case()}, headers=u.headers())
    assert r.status_code == status, r.text
    with session() as s:
        assert (get_staffing_plan(s, "hirosaki") is not None) is (status == 200)
    assert u.client.put("/api/regions/hirosaki/staffing", json={"case": demo_case()}).status_code == 403  # no CSRF


def test_region_user_cannot_save_another_region(login: Callable[[str], Logged]) -> None:
    u = login("region")
    r = u.client.put("/api/regions/yamato-mahoroba/staffing", json={"case": demo_case()}, headers=u.headers())
    assert r.status_code == 403
    page = u.client.post("/staffing", data={"region": "yamato-mahoroba", "case": json.dumps(demo_case()),
                                            "action": "save", "csrf_token": u.csrf})
    assert page.status_code == 403


def test_save_then_conflict_then_update_with_audit(login: Callable[[str], Logged]) -> None:
    u = login("region")
    case = demo_case()
    first = u.client.put("/api/regions/hirosaki/staffing", json={"case": case}, headers=u.headers())
    assert first.status_code == 200 and first.json()["version"] == 1
    expected = evaluate_support(case_from_dict(case, "x")).to_dict()["totals"]
    assert first.json()["totals"]["support_yen"] == expected["support_yen"]
    got = u.client.get("/api/regions/hirosaki/staffing").json()
    assert got["saved"] is True and got["version"] == 1 and got["case"]["title"] == case["title"]
    # a second "first save" and a stale version are refused with 409
    again = u.client.put("/api/regions/hirosaki/staffing", json={"case": case}, headers=u.headers())
    assert again.status_code == 409 and "他の利用者" in again.json()["detail"]
    changed = _smaller(case)
    ok = u.client.put("/api/regions/hirosaki/staffing", json={"case": changed, "version": 1}, headers=u.headers())
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = u.client.put("/api/regions/hirosaki/staffing", json={"case": case, "version": 1}, headers=u.headers())
    assert stale.status_code == 409
    assert len(u.client.get("/api/regions/hirosaki/staffing").json()["case"]["secondments"]) == len(case["secondments"]) - 1
    # the page form keeps what was typed and says someone saved first
    typed = json.dumps(case, ensure_ascii=False)
    page = u.client.post("/staffing", data={"region": "hirosaki", "case": typed, "action": "save", "version": "1",
                                            "csrf_token": u.csrf})
    assert page.status_code == 409 and "他の利用者が更新しました" in page.text and case["title"] in page.text
    with session() as s:
        actions = [e.action for e in recent(s) if e.entity == "staffing_plan"]
    assert actions == ["update", "insert"]


def test_bad_case_is_refused_and_nothing_is_saved(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    bad = demo_case()
    bad["secondments"] = [{**bad["secondments"][0], "post": "NO-SUCH-POST"}]
    r = u.client.put("/api/regions/hirosaki/staffing", json={"case": bad}, headers=u.headers())
    assert r.status_code == 400 and "NO-SUCH-POST" in r.json()["detail"]
    page = u.client.post("/staffing", data={"region": "hirosaki", "case": "posts: [1", "action": "save",
                                            "csrf_token": u.csrf})
    assert page.status_code == 400 and "行目" in page.text
    with session() as s:
        assert get_staffing_plan(s, "hirosaki") is None


def test_page_form_saves_and_shows_the_saved_plan(login: Callable[[str], Logged]) -> None:
    u = login("region")
    page = u.client.get("/staffing?region=hirosaki")
    assert page.status_code == 200 and "まだ保存されていません" in page.text and 'value="save"' in page.text
    changed = _smaller(demo_case())
    r = u.client.post("/staffing", data={"region": "hirosaki", "case": json.dumps(changed, ensure_ascii=False),
                                         "action": "save", "version": "", "csrf_token": u.csrf}, follow_redirects=False)
    assert r.status_code == 303
    shown = u.client.get("/staffing?region=hirosaki&saved=1")
    expected = evaluate_support(case_from_dict(changed, "x")).to_dict()["totals"]
    assert "保存しました（版 1）" in shown.text and f"{round(expected['support_yen'] / 1000):,} 千円" in shown.text
    assert 'value="save"' not in login("viewer").client.get("/staffing?region=hirosaki").text


def test_sharing_plan_page_and_twin_match_the_engine(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    case = demo_case()
    engine = plan_sharing(case_from_dict(case, "x"))
    got = v.client.get("/api/regions/hirosaki/staffing/plan").json()
    assert got["saved"] is False
    assert [(a["post"], a["receiver"], a["days_per_week"]) for a in got["years"][0]["assignments"]] == [
        (a["post"], a["receiver"], str(a["days_per_week"])) for a in engine.years[0].assignments]
    same = v.client.post("/api/staffing/plan", json={"case": case}).json()
    assert same["support"]["totals"] == got["support"]["totals"]
    page = v.client.get("/staffing/plan?region=hirosaki")
    assert page.status_code == 200 and "令和7年度 派遣の割当" in page.text and "<caption>" in page.text


def test_staffing_downloads_use_the_report_layout(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    r = v.client.get("/export/staffing/hirosaki.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    cells = [str(c.value) for row in ws.iter_rows(max_row=4) for c in row if c.value is not None]
    assert any("団体・年度別の負担と措置" in c for c in cells) and any("千円" in c for c in cells)
    assert any(str(c.value) == "令和7年度" for row in ws.iter_rows() for c in row)
    assert any(str(c.value).startswith("出典") for row in ws.iter_rows() for c in row if c.value)
    plan = v.client.get("/export/staffing/hirosaki/plan.xlsx")
    assert plan.status_code == 200 and "派遣の割当" in load_workbook(io.BytesIO(plan.content)).sheetnames
    csv = v.client.get("/export/staffing/hirosaki.csv")
    assert csv.status_code == 200 and "団体".encode("cp932") in csv.content
    inp = v.client.get("/export/staffing/hirosaki/input.xlsx")
    assert inp.status_code == 200
    from kouiki.staffing.xlsx import read_workbook

    path = __import__("pathlib").Path(__import__("tempfile").mkdtemp()) / "in.xlsx"
    path.write_bytes(inp.content)
    back = case_from_dict(read_workbook(path), "in.xlsx")  # the input workbook reads back as the same case
    assert len(back.secondments) == len(demo_case()["secondments"])


def test_training_page_twin_and_download(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    data = json.loads(json.dumps(strip_lines(read_mapping("training-demo")[0]), default=str))
    twin = v.client.post("/api/staffing/training", json={"case": data})
    assert twin.status_code == 200
    checks = {p["programme"]: p["all_met"] for p in twin.json()["programmes"]}
    assert checks["PREF-GX"] is True and checks["PREF-DX"] is False
    page = v.client.get("/staffing/training")
    assert page.status_code == 200 and "PREF-DX" in page.text and "数値目標" in page.text
    bad = v.client.post("/staffing/training", data={"case": "title: x", "csrf_token": v.csrf})
    assert bad.status_code == 400 and "policies" in bad.text
    text = json.dumps(data, ensure_ascii=False)
    xlsx = v.client.post("/staffing/training/export", data={"case": text, "csrf_token": v.csrf})
    assert xlsx.status_code == 200 and "要件の判定" in load_workbook(io.BytesIO(xlsx.content)).sheetnames
    assert v.client.post("/staffing/training/export", data={"case": text}).status_code == 403
    assert v.client.get("/export/staffing/training/demo.csv").status_code == 200


def test_advisor_page_and_twin(login: Callable[[str], Logged]) -> None:
    v = login("body")
    expected = recommend("西目屋村", "専門人材の確保", "advice", "R7").to_dict()
    got = v.client.get("/api/staffing/advisor", params={"body": "西目屋村", "field": "専門人材の確保"}).json()
    assert got["mode"] == expected["mode"] and got["cost_to_body_yen"] == expected["cost_to_body_yen"] == 0
    page = v.client.get("/staffing/advisor", params={"body": "西目屋村", "field": "専門人材の確保"})
    assert page.status_code == 200 and expected["mode"]["name"] in page.text and "令和7年度" in page.text
    bad = v.client.get("/api/staffing/advisor", params={"body": "西目屋村", "field": "x", "purpose": "party"})
    assert bad.status_code == 400 and "purpose" in bad.json()["detail"]
    assert v.client.get("/staffing/advisor").status_code == 200
