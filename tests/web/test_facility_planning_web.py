"""Facility-planning pages (更新費用・計画の指標・施設カルテ・所要時間・費用按分・使用料・協議会): pages with the
demo inventories, their JSON twins equal to the engines, downloads, roles on the council write, errors."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import pytest
from openpyxl import load_workbook

from kouiki.facilities import sharing
from kouiki.facilities.council import Council
from kouiki.facilities.fees import FeeGroup
from kouiki.facilities.fees import evaluate as evaluate_fees
from kouiki.facilities.indicators import plan_indicators
from kouiki.facilities.renewal import project
from kouiki.fiscal import evaluate
from kouiki.store import session
from kouiki.store.audit import recent
from kouiki.web.demo_facilities import load_demo_inventories
from kouiki.web.inventories import facilities_of
from tests.web.conftest import HIROSAKI, KUROISHI, Logged

CITATION_LINK = re.compile(r'<a href="https?://[^"]*" rel="external noopener noreferrer"(?= *>)')
URL_ATTR = re.compile(r'(?:src|href|action|data-[a-z-]+)="([^"]*)"')
HIROSAKI_MEMBERS = ["022021", "022047", "022101", "023434", "023612", "023621", "023671", "023817"]


@pytest.fixture
def demo(app_users: None) -> Iterator[None]:
    with session() as s:
        load_demo_inventories(s)
    yield


def _local_only(html: str) -> None:
    assert '<html lang="ja">' in html
    # A citation (「出典」 of a region page) may link to its source on the web as a plain <a rel="external">, which
    # loads nothing by itself (the same rule as test_pages_exports); every other URL must be local.
    html = CITATION_LINK.sub("<a", html)
    for url in URL_ATTR.findall(html):
        assert not re.match(r"^(https?:)?//", url), url


# ----- pages render with the demo data ----------------------------------------------------------------------

def test_every_planning_page_renders_in_japanese_with_local_urls(demo: None, login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    pages = ["/facilities/renewal", "/facilities/renewal?region=hirosaki", f"/facilities/renewal?body={HIROSAKI}",
             "/facilities/indicators?region=hirosaki", "/facilities/access?region=hirosaki",
             "/facilities/access?region=hirosaki&category=市民文化系施設", "/facilities/share?region=hirosaki",
             "/facilities/fees?region=hirosaki", "/regions/hirosaki/council", "/regions/hirosaki", f"/facilities?body={HIROSAKI}"]
    for path in pages:
        r = u.client.get(path)
        assert r.status_code == 200, (path, r.text[:400])
        _local_only(r.text)
        assert "default-src 'self'" in r.headers["content-security-policy"]
    dash = u.client.get("/regions/hirosaki").text
    for link in ("/facilities/renewal?region=hirosaki", "/regions/hirosaki/council", "/facilities/share?region=hirosaki"):
        assert link in dash


def test_pages_need_login(demo: None, anon: object) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(anon, TestClient)
    r = anon.get("/facilities/renewal?region=hirosaki", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert anon.get("/api/facilities/renewal?region=hirosaki").status_code == 401
    assert anon.get("/export/facility-planning/renewal.xlsx?region=hirosaki").status_code == 401


# ----- 1. 更新費用 ------------------------------------------------------------------------------------------

def test_renewal_json_equals_the_engine_and_marks_imputed(demo: None, login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    data = u.client.get("/api/facilities/renewal?region=hirosaki&start=R7").json()
    with session() as s:
        inv = facilities_of(s, HIROSAKI_MEMBERS)
    expected = project(inv, 2025)
    assert data["renewal"]["total_yen"] == expected.total_yen
    assert data["summary"]["total_yen"] == expected.total
    assert len(data["rows"]) == 40 and data["rows"][0]["wareki"] == "令和7年度"
    assert sum(r["total_yen"] for r in data["rows"]) == data["totals"]["total_yen"] == expected.total
    assert data["imputed"], "the demo inventory imputes floor areas: the page must say so"
    assert any(a.startswith("推計") for a in data["assumptions"])
    html = u.client.get("/facilities/renewal?region=hirosaki&start=R7").text
    assert "推計" in html and "前提条件" in html and "令和46年度" in html
    assert "/facilities/renewal/chart.png?region=hirosaki" in html
    assert "データは下の表" in html  # the chart says which table holds its data


def test_renewal_chart_is_a_png_from_our_origin(demo: None, login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    r = u.client.get(f"/facilities/renewal/chart.png?body={HIROSAKI}&start=2025")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_renewal_excel_has_title_unit_source_and_wareki(demo: None, login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    r = u.client.get("/export/facility-planning/renewal.xlsx?region=hirosaki&start=2025")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[:3] == ["大分類別", "種類別", "前提条件"]
    cells = [str(c.value) for row in wb["大分類別"].iter_rows() for c in row if c.value is not None]
    assert any("将来の更新費用の推計" in c for c in cells)
    assert "（単位：千円）" in cells and "令和7年度" in cells
    assert any(c.startswith("出典") for c in cells)
    csv = u.client.get("/export/facility-planning/renewal.csv?region=hirosaki&start=2025")
    assert csv.status_code == 200 and "令和7年度" in csv.content.decode("cp932")


def test_renewal_bad_start_year_is_a_japanese_400(demo: None, login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    r = u.client.get("/facilities/renewal?region=hirosaki&start=abc")
    assert r.status_code == 400 and "試算開始年度" in r.text
    r = u.client.get("/api/facilities/renewal")
    assert r.status_code == 400 and "団体" in r.json()["detail"]


# ----- 2. 計画の指標 -----------------------------------------------------------------------------------------

def test_indicators_equal_the_engine_with_chart_and_table(demo: None, login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    data = u.client.get(f"/api/facilities/indicators?body={HIROSAKI}").json()
    with session() as s:
        expected = plan_indicators(facilities_of(s, [HIROSAKI]))
    assert data["indicators"]["floor_area"]["total_m2"] == expected["floor_area"]["total_m2"]
    assert data["indicators"]["per_capita"] == expected["per_capita"]
    html = u.client.get(f"/facilities/indicators?body={HIROSAKI}").text
    assert "建築年度別の延床面積" in html and 'id="built-years"' in html
    png = u.client.get(f"/facilities/indicators/chart.png?body={HIROSAKI}")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    x = u.client.get("/export/facility-planning/indicators.xlsx?region=hirosaki")
    assert x.status_code == 200 and "大分類別延床面積" in load_workbook(io.BytesIO(x.content)).sheetnames


# ----- 3. 施設カルテ ----------------------------------------------------------------------------------------

def test_karte_is_linked_from_the_inventory_and_shows_imputed(demo: None, login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    html = u.client.get(f"/facilities?body={HIROSAKI}").text
    link = re.search(r'href="(/facilities/karte\?body=\d+&amp;id=[^"]+)"', html)
    assert link, "the inventory table links each facility to its karte"
    r = u.client.get(link.group(1).replace("&amp;", "&"))
    assert r.status_code == 200, r.text[:300]
    assert "施設カルテ" in r.text and "推計" in r.text
    fid = re.search(r"id=([^&\"]+)", link.group(1).replace("&amp;", "&"))
    assert fid
    data = u.client.get(f"/api/facilities/karte?body={HIROSAKI}&id={fid.group(1)}").json()
    assert data["karte"]["municipality_code"] == HIROSAKI and data["karte"]["imputed"]
    assert u.client.get(f"/export/facility-planning/karte.xlsx?body={HIROSAKI}&id={fid.group(1)}").status_code == 200
    missing = u.client.get(f"/facilities/karte?body={HIROSAKI}&id=NO-SUCH")
    assert missing.status_code == 400 and "施設が見つかりません" in missing.text


# ----- 4. 所要時間 ------------------------------------------------------------------------------------------

def test_access_per_body_with_table_and_downloads(demo: None, login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    data = u.client.get("/api/facilities/access?region=hirosaki&category=市民文化系施設&threshold=20").json()
    assert data["result"]["threshold_minutes"] == "20"
    assert {r["code"] for r in data["rows"]} == set(HIROSAKI_MEMBERS)
    assert all(r["mean_minutes"] is not None and r["percentile_minutes"] is not None for r in data["rows"])
    assert data["overall"]["population"] == sum(r["population"] for r in data["rows"])
    assert data["demand"]["approximate"] is True and data["notes"]
    html = u.client.get("/facilities/access?region=hirosaki&category=市民文化系施設").text
    assert 'id="access-table"' in html and "90パーセンタイル" in html and "概算" in html
    assert u.client.get("/export/facility-planning/access.csv?region=hirosaki&category=市民文化系施設").status_code == 200
    bad = u.client.get("/facilities/access?region=hirosaki&category=宇宙港")
    assert bad.status_code == 400 and "大分類「宇宙港」" in bad.text


# ----- 5. 費用按分 ------------------------------------------------------------------------------------------

def test_share_form_gives_exact_yen_equal_to_the_engine(demo: None, login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    q = "region=hirosaki&total_yen=10,000,001&method=mix&w_equal=0.1&w_population=0.9"
    data = u.client.get(f"/api/facilities/share?{q}").json()
    rule = sharing.ShareRule.from_dict({"method": "mix", "weights": {"equal": "0.1", "population": "0.9"}})
    assert data["by_municipality"] == sharing.split(10_000_001, rule, HIROSAKI_MEMBERS)
    assert data["sum_yen"] == 10_000_001
    html = u.client.get(f"/facilities/share?{q}").text
    assert 'id="share-table"' in html and "10,000,001" in html
    posted = u.client.post("/api/facilities/share", json={"total_yen": 1000, "municipalities": [HIROSAKI, KUROISHI], "rule": "均等割"})
    assert posted.json()["by_municipality"] == {HIROSAKI: 500, KUROISHI: 500}
    x = u.client.get(f"/export/facility-planning/share.xlsx?{q}")
    assert x.status_code == 200


def test_share_errors_name_the_field(demo: None, login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    r = u.client.get("/facilities/share?region=hirosaki&total_yen=12.5&method=population")
    assert r.status_code == 400 and "按分する額" in r.text
    r = u.client.get("/facilities/share?region=hirosaki&total_yen=1000&method=usage&usage_022021=10")
    assert r.status_code == 400 and "利用割" in r.text
    r = u.client.get("/facilities/share?region=hirosaki&total_yen=1000&method=population&usage_022021=abc")
    assert r.status_code == 400 and "利用者数（弘前市）" in r.text


# ----- 6. 使用料 --------------------------------------------------------------------------------------------

def test_fees_form_gives_the_unified_fee_and_steps(demo: None, login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    q = (f"region=hirosaki&facility_type=ホール（1時間）&rule=max&start_fiscal_year=2026"
         f"&current_{HIROSAKI}=1000&current_{KUROISHI}=2000&uses_{HIROSAKI}=100&uses_{KUROISHI}=50")
    data = u.client.get(f"/api/facilities/fees?{q}").json()
    expected = evaluate_fees(FeeGroup.from_dict({"facility_type": "ホール（1時間）", "rule": "max", "start_fiscal_year": 2026,
                                                 "current": {HIROSAKI: 1000, KUROISHI: 2000},
                                                 "uses": {HIROSAKI: 100, KUROISHI: 50}})).to_dict()
    assert data["result"] == expected
    assert data["result"]["unified_fee_yen"] == 2000
    assert data["years"][0] == 2026 and len(data["years"]) > 1  # ×1.2 a year: 1000 → 2000 takes several 年度
    html = u.client.get(f"/facilities/fees?{q}").text
    assert 'id="fee-table"' in html and "令和8年度" in html and "2,000" in html
    assert u.client.get(f"/export/facility-planning/fees.xlsx?{q}").status_code == 200
    posted = u.client.post("/api/facilities/fees", json={"fees": [{"facility_type": "体育館", "rule": "min", "current": {HIROSAKI: 500, KUROISHI: 700}}]})
    assert posted.status_code == 200 and posted.json()["fees"][0]["unified_fee_yen"] == 500


def test_fees_errors_are_japanese_400(demo: None, login: Callable[[str], Logged]) -> None:
    u = login("viewer")
    r = u.client.get("/facilities/fees?region=hirosaki&facility_type=ホール&rule=max")
    assert r.status_code == 400 and "現行料金" in r.text
    r = u.client.get(f"/facilities/fees?region=hirosaki&facility_type=ホール&rule=fixed&current_{HIROSAKI}=100")
    assert r.status_code == 400 and "fixed_fee_yen" in r.text


# ----- 7. 協議会 --------------------------------------------------------------------------------------------

def _add(u: Logged, version: int, kind: str = "study_cost", **record: object) -> object:
    body = {"kind": kind, "version": version,
            "record": record or {"fiscal_year": "R8", "what": "施設利用実態調査委託", "cost_yen": 3_000_001}}
    return u.client.post("/api/regions/hirosaki/council/records", json=body, headers=u.headers())


def test_council_roles_on_adding_a_record(demo: None, login: Callable[[str], Logged]) -> None:
    for name in ("viewer", "body"):
        r = _add(login(name), 0)
        assert r.status_code == 403, (name, r.text)  # type: ignore[attr-defined]
    region = login("region")
    r = region.client.post("/api/regions/hirosaki/council/records",
                           json={"kind": "study_cost", "version": 0, "record": {"fiscal_year": 2026, "what": "x", "cost_yen": 1}})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]  # no token
    r = _add(region, 0)
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    data = r.json()  # type: ignore[attr-defined]
    assert data["version"] == 1
    # the joint cost is shared equally among the 8 members, exactly
    assert sum(row["total_yen"] for row in data["cost_rows"]) == 3_000_001
    expected = Council.from_dict({"members": HIROSAKI_MEMBERS, "sharing": "equal",
                                  "study_costs": [{"fiscal_year": 2026, "what": "施設利用実態調査委託", "cost_yen": 3_000_001}]})
    assert {r["code"]: r["total_yen"] for r in data["cost_rows"]} == {b: sum(ys.values()) for b, ys in expected.costs_by_body_year().items()}
    assert len(data["plan_items"]) == 8 and data["plan_items"][0]["measure"] == "consolidation_study"
    support = evaluate({"items": data["plan_items"]}).to_dict()  # the state's support comes from the fiscal engine
    assert data["support"]["total_yen"] == support["totals"]["support_yen"] > 0
    assert [x["amount_yen"] for x in data["support"]["lines"]] == [x["amount_yen"] for x in support["lines"]]
    admin = login("admin")
    r = _add(admin, 1, kind="meeting", date="2026-05-20", title="第1回 協議会", cost_yen=50_000)
    assert r.status_code == 201  # type: ignore[attr-defined]
    with session() as s:
        entries = [e for e in recent(s) if e.entity == "facility_council"]
    assert [(e.user, e.action) for e in entries] == [("admin", "update"), ("region", "insert")]
    assert login("viewer").client.get("/api/regions/hirosaki/council").json()["version"] == 2


def test_council_stale_version_is_409_and_bad_record_400(demo: None, login: Callable[[str], Logged]) -> None:
    region = login("region")
    assert _add(region, 0).status_code == 201  # type: ignore[attr-defined]
    r = _add(region, 0)
    assert r.status_code == 409  # type: ignore[attr-defined]
    r = _add(region, 1, fiscal_year="R8", what="委託", cost_yen="12.5")
    assert r.status_code == 400 and "経費" in r.json()["detail"]  # type: ignore[attr-defined]
    r = _add(region, 1, fiscal_year="R8", what="委託", cost_yen=100, municipality="293636")
    assert r.status_code == 400 and "構成団体ではありません" in r.json()["detail"]  # type: ignore[attr-defined]
    assert login("viewer").client.get("/api/regions/hirosaki/council").json()["version"] == 1  # nothing half-written


def test_council_form_adds_a_record_and_keeps_input_on_error(demo: None, login: Callable[[str], Logged]) -> None:
    region = login("region")
    page = region.client.get("/regions/hirosaki/council").text
    assert "記録の追加" in page and 'for="s-what"' in page
    form = {"csrf_token": region.csrf, "version": "0", "kind": "study_cost", "fiscal_year": "R8", "what": "需要調査",
            "cost_yen": "800000", "municipality": HIROSAKI}
    r = region.client.post("/regions/hirosaki/council", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    html = region.client.get("/regions/hirosaki/council").text
    assert "需要調査" in html and "令和8年度" in html
    bad = region.client.post("/regions/hirosaki/council", data={**form, "version": "1", "what": "再調査", "fiscal_year": "abc"})
    assert bad.status_code == 400 and "年度" in bad.text and 'value="再調査"' in bad.text
    no_csrf = region.client.post("/regions/hirosaki/council", data={**form, "csrf_token": "x"})
    assert no_csrf.status_code == 403
    viewer = login("viewer")
    assert "記録の追加" not in viewer.client.get("/regions/hirosaki/council").text
    denied = viewer.client.post("/regions/hirosaki/council", data={**form, "csrf_token": viewer.csrf, "version": "1"})
    assert denied.status_code == 403
    x = viewer.client.get("/export/regions/hirosaki/council.xlsx")
    assert x.status_code == 200 and load_workbook(io.BytesIO(x.content)).sheetnames[0] == "調査検討経費"


def test_forms_are_labelled_tables_captioned_and_charts_name_their_table(demo: None, login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    pages = ["/facilities/renewal?region=hirosaki", "/facilities/indicators?region=hirosaki",
             "/facilities/access?region=hirosaki&category=市民文化系施設", "/facilities/share?region=hirosaki&total_yen=1000",
             f"/facilities/fees?region=hirosaki&facility_type=x&rule=min&current_{HIROSAKI}=100",
             "/regions/hirosaki/council"]
    for path in pages:
        html = admin.client.get(path).text
        ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
        labels = set(re.findall(r'<label for="([^"]+)"', html))
        assert ids <= labels, (path, ids - labels)
        assert not re.search(r'<input(?![^>]*type="hidden")(?![^>]*\bid=)[^>]*>', html), path  # every visible field has an id
        assert html.count("<table") == html.count("<caption>"), path
        assert not re.search(r"<th[ >](?![^>]*scope=)", html.replace("<th>", "<th >")), path
        for img in re.findall(r"<img[^>]*>", html):  # every chart says which table holds its data
            assert re.search(r'alt="[^"]*表「', img), (path, img)



def test_pages_open_on_the_viewers_own_body_or_region(demo: None, login: Callable[[str], Logged]) -> None:
    assert "更新費用の推計 — 弘前市" in login("body").client.get("/facilities/renewal").text
    region = login("region")
    assert "計画の指標 — 弘前圏域" in region.client.get("/facilities/indicators").text
    assert "費用按分 — 弘前圏域" in region.client.get("/facilities/share").text
    assert "圏域または団体を選んでください" in login("viewer").client.get("/facilities/renewal").text
