"""圏域形成 pages: candidates, rules, neighbours, procedure (record the next step), national status, census import.

Each page renders with the real bundled data, its JSON twin equals the formation engine, every write is
checked for role / login / CSRF / audit / optimistic locking, and bad input is a Japanese 400 that writes nothing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from kouiki.formation import bundled_census, neighbour_indicators
from kouiki.formation.central import check_many
from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Framework, bundled_regions
from kouiki.store import session
from kouiki.store.users import create_user
from tests.web.conftest import HIROSAKI, KUROISHI, PASSWORD, Logged

FIXTURES = Path(__file__).parents[1] / "formation" / "fixtures"
TENRI = "292044"  # 天理市
URL_ATTR = re.compile(r'(?:src|href|action|data-[a-z-]+)="([^"]*)"')
PAGES = ["/formation", "/formation/candidates?prefecture=青森県", "/formation/rules", "/formation/neighbours",
         "/formation/neighbours?body=弘前市&radius_km=30", "/regions/hirosaki/neighbours", "/regions/hirosaki/procedure",
         "/formation/status", "/formation/census"]


def _version(u: Logged, region: str = "hirosaki") -> int:
    return int(u.client.get(f"/api/regions/{region}/procedure").json()["version"])


def _step(u: Logged, region: str = "hirosaki", version: int | None = None, **fields: object) -> object:
    body = {"step": "agreement", "date": "2011-10-01", "member": KUROISHI, **fields}
    body["version"] = _version(u, region) if version is None else version
    return u.client.post(f"/api/regions/{region}/procedure", json=body, headers=u.headers())


# ----- pages ----------------------------------------------------------------------------------------------

def test_every_formation_page_is_japanese_local_and_linked(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    for path in PAGES:
        r = v.client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert '<html lang="ja">' in r.text
        for url in URL_ATTR.findall(r.text):
            assert not re.match(r"^(https?:)?//", url), (path, url)
        assert "<caption>" in r.text or path in ("/formation/neighbours",)
    assert '<a href="/formation">圏域形成</a>' in v.client.get("/regions").text  # one nav entry
    dash = v.client.get("/regions/hirosaki").text
    assert 'href="/regions/hirosaki/procedure"' in dash and 'href="/regions/hirosaki/neighbours"' in dash


def test_pages_need_a_login(anon: TestClient) -> None:
    page = anon.get("/formation/candidates", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert anon.get("/api/formation/candidates").status_code == 401
    assert anon.get("/export/formation/status.csv").status_code == 401
    assert anon.post("/api/regions/hirosaki/procedure", json={"step": "vision", "date": "2025-04-01"}).status_code == 401
    assert anon.post("/api/formation/census", files={"file": ("a.csv", b"x")}).status_code == 401


# ----- 中心市候補 and 判定基準 ----------------------------------------------------------------------------

def test_candidates_json_equals_the_engine(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    data = v.client.get("/api/formation/candidates", params={"prefecture": "青森県"}).json()
    pool = [b for b in registry().municipalities() if b.kind.is_city and b.prefecture == "青森県"]
    recorded = {c for r in bundled_regions() for c in r.central}
    expected = {r.bodies[0].code: r.eligible for r in check_many(pool, bundled_census(), recorded_central=recorded)}
    assert {r["code"]: r["eligible"] for r in data["results"]} == expected
    assert data["counts"]["eligible"] == sum(1 for e in expected.values() if e is True)
    hirosaki = next(r for r in data["results"] if r["code"] == HIROSAKI)
    assert hirosaki["eligible"] is True and [c["result"] for c in hirosaki["criteria"]] == ["pass"] * 4
    kuroishi = next(r for r in data["results"] if r["code"] == KUROISHI)
    pop = next(c for c in kuroishi["criteria"] if c["id"] == "population")
    assert pop["result"] == "fail" and "31,946" in pop["reason"]  # the reason names the figure
    only = v.client.get("/api/formation/candidates", params={"prefecture": "青森県", "only": "unknown"}).json()
    assert only["shown"] == data["counts"]["unknown"] and all(r["eligible"] is None for r in only["results"])
    page = v.client.get("/formation/candidates?prefecture=青森県").text
    assert "判定できない（不明な数値あり）" in page and "判定基準" in page


def test_candidates_nationwide_and_bad_filters(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    data = v.client.get("/api/formation/candidates").json()
    assert data["total"] == sum(1 for b in registry().municipalities() if b.kind.is_city)
    assert sum(data["counts"].values()) == data["total"]
    r = v.client.get("/api/formation/candidates", params={"prefecture": "弘前市"})
    assert r.status_code == 400 and "都道府県ではありません" in r.json()["detail"]
    r = v.client.get("/formation/candidates?only=maybe")
    assert r.status_code == 400 and "eligible / unknown / ineligible" in r.text


def test_rules_carry_values_and_citations(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    data = v.client.get("/api/formation/rules").json()
    pop = next(r for r in data["rules"] if r["id"] == "population_min")
    assert pop["value"] == "40,000人" and "むつ市" in pop["citation"]
    guide = next(r for r in data["rules"] if r["id"] == "neighbours")
    assert guide["blocking"] is False and "要件ではない" in guide["value"]
    assert "通勤通学割合の目安" in v.client.get("/formation/rules").text


def test_rule_confidence_reads_in_japanese_on_the_pages(login: Callable[[str], Logged]) -> None:
    """The tag stays in the JSON; the pages show its word (「recalled」 or 「confirmed」 never reach a screen)."""
    v = login("viewer")
    rules = v.client.get("/api/formation/rules").json()["rules"]
    assert {r["confidence"] for r in rules} >= {"confirmed", "recalled"}
    assert {r["confidence_label"] for r in rules} >= {"確認済", "未確認（記憶による）"}
    for page in ("/formation/rules", "/regions/hirosaki/central"):
        text = v.client.get(page).text
        assert "確認済" in text
        for tag in ("recalled", "confirmed", "unverified"):
            assert f">{tag}<" not in text, (page, tag)


# ----- 近隣市町村の指標 -----------------------------------------------------------------------------------

def test_neighbours_json_equals_the_engine_and_says_why_unknown(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    data = v.client.get("/api/formation/neighbours", params={"body": "弘前市"}).json()
    expected = neighbour_indicators(HIROSAKI, bundled_census(), regions=bundled_regions())
    assert [n["code"] for n in data["neighbours"]] == [n.body.code for n in expected]
    assert [n["commuting_share_percent"] for n in data["neighbours"]] == [n.share_percent for n in expected]
    assert data["guideline_is_blocking"] is False
    unknown = [n for n in data["neighbours"] if n["commuting_share_percent"] is None]
    assert unknown and all(n["share_label"] == "不明" for n in unknown)
    assert all(n["share_unknown_reason"] or n["notes"] for n in unknown)  # every 不明 says why
    region = v.client.get("/api/regions/hirosaki/neighbours").json()
    members = {n["code"] for n in region["neighbours"] if n["is_member"]}
    assert KUROISHI in members and "022098" not in members  # つがる市 borders but is not a member
    page = v.client.get("/regions/hirosaki/neighbours").text
    assert "通勤通学の数値がありません" in page and "要件ではありません" in page


def test_neighbours_of_a_candidate_before_a_region_exists(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    data = v.client.get("/api/formation/neighbours", params={"body": "十和田市", "radius_km": 25}).json()
    assert data["region"] is None and data["neighbours"]
    assert all(not n["is_member"] for n in data["neighbours"])
    r = v.client.get("/api/formation/neighbours", params={"body": "藤崎町"})
    assert r.status_code == 400 and "市ではありません" in r.json()["detail"]
    assert v.client.get("/api/formation/neighbours", params={"body": "弘前市", "radius_km": 900}).status_code == 400


# ----- 形成手続 ------------------------------------------------------------------------------------------

def test_procedure_json_and_timeline(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    d = v.client.get("/api/regions/hirosaki/procedure", params={"on": "2012-01-01"}).json()
    assert d["timeline"][0]["label"] == "中心市宣言" and d["timeline"][0]["date"] == "2011-03-23"
    fujisaki = next(m for m in d["members"] if m["code"] == "023612")
    assert fujisaki["step"] == "agreed" and fujisaki["agreement_wareki"] == "平成23年12月13日"
    kuroishi = next(m for m in d["members"] if m["code"] == KUROISHI)
    assert kuroishi["step"] == "declared" and kuroishi["uncertain"] is True
    agreement = next(n for n in d["next_steps"] if n["step"] == "agreement")
    assert KUROISHI in [m["code"] for m in agreement["members"]]
    assert v.client.get("/api/regions/hirosaki/procedure", params={"on": "yesterday"}).status_code == 400
    page = v.client.get("/regions/hirosaki/procedure").text
    assert "次の手続を記録する" not in page  # 閲覧者 sees no form


@pytest.mark.parametrize(("user", "status"), [("admin", 200), ("region", 200), ("body", 403), ("viewer", 403),
                                              ("other_region", 403)])
def test_record_step_by_role(login: Callable[[str], Logged], user: str, status: int) -> None:
    with session() as s:
        create_user(s, username="other_region", password=PASSWORD, by="test", role="region", region_id="yamato-mahoroba")
    u = login(user)
    before = _version(u)
    r = _step(u)
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    after = login("admin").client.get("/api/regions/hirosaki/procedure").json()
    kuroishi = next(m for m in after["members"] if m["code"] == KUROISHI)
    if status == 200:
        assert r.json()["version"] == before + 1  # type: ignore[attr-defined]
        assert kuroishi["agreement_date"] == "2011-10-01"
    else:
        assert after["version"] == before and kuroishi["agreement_date"] is None


def test_record_step_needs_csrf_and_is_audited(login: Callable[[str], Logged]) -> None:
    u = login("region")
    r = u.client.post("/api/regions/hirosaki/procedure",
                      json={"step": "agreement", "date": "2011-10-01", "member": KUROISHI, "version": _version(u)})
    assert r.status_code == 403
    assert _step(u, central_vote_date="2011-09-20", member_vote_date="平成23年9月21日",
                 source_title="弘前市 定住自立圏形成協定").status_code == 200  # type: ignore[attr-defined]
    entries = login("admin").client.get("/api/audit").json()["entries"]
    proc = next(e for e in entries if e["entity"] == "region_procedure")
    assert proc["user"] == "region" and proc["after"]["member"] == KUROISHI
    assert proc["after"]["member_vote_date"] == "2011-09-21"
    assert any(e["entity"] == "region" and e["action"] == "update" and e["entity_id"] == "hirosaki" for e in entries)


def test_stale_version_is_a_conflict_and_the_form_keeps_the_input(login: Callable[[str], Logged]) -> None:
    u = login("region")
    old = _version(u)
    assert _step(u, version=old).status_code == 200  # type: ignore[attr-defined]
    r = _step(u, version=old, member="022101")  # 平川市, on the version read before the first save
    assert r.status_code == 409 and "他の利用者が更新しました" in r.json()["detail"]  # type: ignore[attr-defined]
    form = {"csrf_token": u.csrf, "version": str(old), "step": "agreement", "date": "2011-10-02", "member": "022101",
            "source_title": "平川市の協定書"}
    page = u.client.post("/regions/hirosaki/procedure", data=form)
    assert page.status_code == 409 and "他の利用者が更新しました" in page.text
    assert 'value="平川市の協定書"' in page.text  # what the user typed is kept


def test_steps_out_of_order_are_refused_in_japanese_and_nothing_is_written(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    v0 = _version(u)
    r = _step(u, date="2011-01-01")  # before the 中心市宣言 (2011-03-23)
    assert r.status_code == 400 and "中心市宣言" in r.json()["detail"] and "より前" in r.json()["detail"]  # type: ignore[attr-defined]
    r = _step(u, step="vision", date="2011-06-01", title="第1次ビジョン")  # before the first agreement (2011-12-13)
    assert r.status_code == 400 and "形成協定" in r.json()["detail"]  # type: ignore[attr-defined]
    r = _step(u, member="023612")  # 藤崎町: already recorded
    assert r.status_code == 400 and "既に記録" in r.json()["detail"]  # type: ignore[attr-defined]
    r = _step(u, date="2011年13月1日")
    assert r.status_code == 400 and "日付" in r.json()["detail"]  # type: ignore[attr-defined]
    r = _step(u, step="declaration", date="2012-01-01")
    assert r.status_code == 400 and "既に記録" in r.json()["detail"]  # type: ignore[attr-defined]
    assert _version(u) == v0
    page = u.client.post("/regions/hirosaki/procedure", data={"csrf_token": u.csrf, "version": str(v0),
                                                              "step": "agreement", "date": "2011-01-01", "member": KUROISHI})
    assert page.status_code == 400 and "より前です" in page.text and 'value="2011-01-01"' in page.text


def test_form_records_declaration_vision_and_redirects(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    harima = u.client.get("/api/regions/harima-kagaku-koen/procedure").json()
    assert harima["next_steps"][0]["step"] == "declaration"
    form = {"csrf_token": u.csrf, "version": str(harima["version"]), "step": "declaration", "date": "平成27年10月1日"}
    r = u.client.post("/regions/harima-kagaku-koen/procedure", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/procedure?saved=1")
    page = u.client.get(r.headers["location"]).text
    assert "手続を記録しました" in page and "平成27年10月1日" in page
    r = _step(u, region="harima-kagaku-koen", step="vision", date="2026-03-20", title="第2次共生ビジョン",
              start_fiscal_year="R8", end_fiscal_year="令和12年度")
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    d = u.client.get("/api/regions/harima-kagaku-koen/procedure").json()
    assert any(e["label"] == "共生ビジョン" and "令和8年度〜令和12年度" in (e["note"] or "") for e in d["timeline"])
    assert _step(u, region="harima-kagaku-koen", step="declaration",  # too late now: the agreements of 2016-03-30
                 date="2017-01-01").status_code == 400  # type: ignore[attr-defined]


# ----- 全国の状況 ----------------------------------------------------------------------------------------

def test_status_json_and_page(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    d = v.client.get("/api/formation/status").json()
    assert d["national"]["latest"]["regions"] == 131 and d["national"]["latest"]["gap_to_kpi"] == 9
    assert d["national"]["latest"]["as_of_wareki"] == "令和7年4月1日"
    assert d["registry"]["registered_regions"] == len([r for r in bundled_regions() if r.framework is Framework.TEIJU])
    page = v.client.get("/formation/status").text
    assert "140 圏域" in page and "131 圏域" in page and "不明" in page


# ----- 国勢調査の取込 ------------------------------------------------------------------------------------

def _upload(u: Logged, name: str, data: bytes | None = None, **form: str) -> object:
    content = (FIXTURES / name).read_bytes() if data is None else data
    return u.client.post("/api/formation/census", files={"file": (name, content)}, data=form, headers=u.headers())


@pytest.mark.parametrize(("user", "status"), [("admin", 200), ("region", 403), ("body", 403), ("viewer", 403)])
def test_census_import_is_admin_only(login: Callable[[str], Logged], user: str, status: int) -> None:
    u = login(user)
    r = _upload(u, "estat_daytime_table.csv")
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    counts = u.client.get("/api/formation/census").json()["imported"]
    assert counts.get("daytime", 0) == (0 if status != 200 else r.json()["written"])  # type: ignore[attr-defined]


def test_census_import_changes_the_checks_and_is_audited(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    before = u.client.get("/api/formation/candidates", params={"prefecture": "奈良県"}).json()
    tenri = next(r for r in before["results"] if r["code"] == TENRI)
    assert next(c for c in tenri["criteria"] if c["id"] == "daytime_ratio")["result"] == "unknown"
    r = _upload(u, "estat_daytime_table.csv")
    report = r.json()  # type: ignore[attr-defined]
    assert report["census_year"] == 2020 and report["written"] >= 5 and report["file"] == "estat_daytime_table.csv"
    assert any(k["reason"] for k in report["skipped"])  # '-', 'x', '…' became unknown, listed with their line
    after = u.client.get("/api/formation/candidates", params={"prefecture": "奈良県"}).json()
    tenri = next(r for r in after["results"] if r["code"] == TENRI)
    assert next(c for c in tenri["criteria"] if c["id"] == "daytime_ratio")["result"] == "pass"
    entries = u.client.get("/api/audit").json()["entries"]
    assert any(e["entity"] == "census_figure" and e["entity_id"] == "estat_daytime_table.csv" for e in entries)


def test_bad_census_file_names_row_and_field_and_writes_nothing(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    r = _upload(u, "estat_daytime_bad.csv")
    assert r.status_code == 400  # type: ignore[attr-defined]
    detail = r.json()["detail"]  # type: ignore[attr-defined]
    assert detail.startswith("estat_daytime_bad.csv: ") and "行目" in detail and "項目「" in detail and "二万" in detail
    assert "kouiki-census-" not in detail  # the temporary path never leaks
    assert u.client.get("/api/formation/census").json()["imported"] == {}
    r = _upload(u, "x.xlsx", b"PK")
    assert r.status_code == 400 and "CSV" in r.json()["detail"]  # type: ignore[attr-defined]
    r = _upload(u, "estat_daytime_table.csv", year="二〇二〇")
    assert r.status_code == 400 and "国勢調査の年" in r.json()["detail"]  # type: ignore[attr-defined]


def test_census_page_upload_utf8_and_error(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    text = (FIXTURES / "estat_daytime_table.csv").read_bytes().decode("cp932").encode("utf-8-sig")
    page = u.client.post("/formation/census", data={"csrf_token": u.csrf},
                         files={"file": ("daytime_utf8.csv", text)})
    assert page.status_code == 200 and "取り込みました" in page.text and "不明として扱ったセル" in page.text
    bad = u.client.post("/formation/census", data={"csrf_token": u.csrf},
                        files={"file": ("bad.csv", (FIXTURES / "estat_daytime_bad.csv").read_bytes())})
    assert bad.status_code == 400 and "bad.csv: " in bad.text and "何も取り込んでいません" in bad.text
    assert u.client.post("/formation/census", files={"file": ("b.csv", b"x")}).status_code == 403  # no CSRF token
    v = login("viewer")
    assert "e-Stat の CSV を取り込む" not in v.client.get("/formation/census").text
    assert v.client.post("/formation/census", data={"csrf_token": v.csrf},
                         files={"file": ("b.csv", b"x")}).status_code == 403


# ----- downloads -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/export/formation/candidates.xlsx?prefecture=青森県",
                                  "/export/formation/neighbours/022021.xlsx?region=hirosaki",
                                  "/export/regions/hirosaki/procedure.xlsx", "/export/formation/status.xlsx",
                                  "/export/formation/rules.xlsx"])
def test_excel_downloads_have_title_and_source(login: Callable[[str], Logged], path: str) -> None:
    r = login("viewer").client.get(path)
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells[0] and any(c.startswith("出典") for c in cells), cells[:5]


def test_csv_downloads_are_cp932(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    r = v.client.get("/export/formation/candidates.csv?prefecture=青森県")
    assert r.status_code == 200 and "shift_jis" in r.headers["content-type"]
    text = r.content.decode("cp932")
    assert "弘前市" in text and "要件を満たす" in text
    assert "令和" in v.client.get("/export/regions/hirosaki/procedure.csv").content.decode("cp932")


def test_the_procedure_form_dates_and_vote_dates_are_date_inputs(login: Callable[[str], Logged]) -> None:
    """日付 and both 議決日 are picked in date inputs; an entry sent back that is not an ISO date (平成23年9月21日 typed
    through the API form) comes back in a text input as typed, never dropped."""
    u = login("admin")
    page = u.client.get("/regions/hirosaki/procedure").text
    for name in ("date", "central_vote_date", "member_vote_date"):
        tag = re.search(rf'<input id="{name}"[^>]*>', page)
        assert tag and 'type="date"' in tag.group(0), name
    page = u.client.post("/regions/hirosaki/procedure", data={
        "csrf_token": u.csrf, "version": str(_version(u)), "step": "agreement", "date": "2011-01-01",
        "member": KUROISHI, "central_vote_date": "2010-12-20", "member_vote_date": "平成22年12月21日"}).text
    tag = re.search(r'<input id="central_vote_date"[^>]*>', page)
    assert tag and 'type="date"' in tag.group(0) and 'value="2010-12-20"' in tag.group(0)
    tag = re.search(r'<input id="member_vote_date"[^>]*>', page)
    assert tag and 'type="text"' in tag.group(0) and 'value="平成22年12月21日"' in tag.group(0)


def test_a_census_file_naming_a_body_twice_is_not_an_edit_conflict(login: Callable[[str], Logged]) -> None:
    """The same line twice is one figure; the same body with other numbers is refused in Japanese (400), never the
    unique index's failure reported as 「他の利用者が更新しました」."""
    u = login("admin")
    raw = (FIXTURES / "estat_daytime_table.csv").read_bytes()
    lines = raw.split(b"\n")
    i = next(j for j, line in enumerate(lines) if b'"02202"' in line)  # 弘前市
    once = _upload(u, "once.csv", raw).json()  # type: ignore[attr-defined]
    twice = _upload(u, "twice.csv", b"\n".join([*lines[:i + 1], lines[i], *lines[i + 1:]]))
    assert twice.status_code == 200, twice.text  # type: ignore[attr-defined]
    assert twice.json()["written"] == once["written"]  # type: ignore[attr-defined]
    other = lines[i].replace(b'"107.2"', b'"107.3"')
    r = _upload(u, "other.csv", b"\n".join([*lines[:i + 1], other, *lines[i + 1:]]))
    assert r.status_code == 400, r.text  # type: ignore[attr-defined]
    detail = r.json()["detail"]  # type: ignore[attr-defined]
    assert "other.csv: 弘前市（022021）の昼夜間人口（2020年）が2回あり、値が違います" in detail and "他の利用者" not in detail
