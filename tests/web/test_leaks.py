"""Nothing internal reaches a Japanese screen or download (issue 15).

The detector (``tests.web.leaks``) finds each kind of leak and passes Japanese text; the scanner visits every page
of the navigation and of each demo region (弘前圏域, 播磨科学公園都市圏域, 大和まほろば) with the demo data of
``kouiki serve --demo`` loaded, follows the Excel/CSV downloads those pages link, and fails on any parameter path,
code, Python value, ISO date or UTC time a person would read there."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from urllib.parse import urljoin, urlsplit

import pytest
from openpyxl import load_workbook

from tests.web.conftest import Logged
from tests.web.leaks import in_context, leaks, scan, visible


@pytest.mark.parametrize("text", [
    "包括的財政措置（comprehensive_neighbor）",
    "措置の有無: True",
    "要件: False",
    "上限額: None",
    "補正: {'method': 'flat'}",
    "派遣の種類: ['agreement']",
    "使った値: facility_bond.longevity.bond_rate@2025",
    "ファイル: parameters/comprehensive_central.yaml",
    "rate_schedule",
])
def test_a_leak_is_found(text: str) -> None:
    assert leaks(text), text


@pytest.mark.parametrize("text", [
    "包括的財政措置（近隣市町村） 令和7年度 20,000千円",
    "JSON ・ Excel（.xlsx）・ PDF で保存できます。距離 12.3 km、R7〜R9",
    "措置の有無: はい ／ 補正: 方法: 定額",
    "https://www.soumu.go.jp/main_sosiki/kenkyu/teijyu/index.html",
])
def test_japanese_text_is_not_a_leak(text: str) -> None:
    assert leaks(text) == []


def test_the_scanner_finds_codes_dates_and_reprs_that_leaks_alone_lets_pass() -> None:
    for text in ("役割: central", "ギャップ gap 0.1", "対象: []", "金額 Decimal('1')", "開始 2025-04-01",
                 "更新 2026-12-03 01:30:00+00:00", "（specialist_recruitment.cap@2024）", "時刻（UTC）",
                 "圏域 renkei-kagoshima", "（seed:000_75a76e4477727004.txt）", "確度 C-web", "単価 unknown",
                 "需要（demand）がありません"):
        assert scan(text), text
    for text in ("令和7年4月1日 10:30（日本時間）", "出典: ja.wikipedia mirror、www.soumu.go.jp の資料",
                 "https://www.city.hirosaki.aomori.jp/a_b.html", "R7〜R9 12.3 km"):
        assert scan(text) == [], text
    text, links = visible('<main><p class="x_y" id="a_b">説明<a href="/export/x.xlsx?a_b=1">Excel</a></p>'
                          '<code>training.in_force</code><textarea>a_b: 1</textarea><input value="2025-04-01">'
                          '<div hidden>hidden_text</div><script>var a_b</script></main>')
    assert scan(text) == [] and links == ["/export/x.xlsx?a_b=1"]


DEMO_REGIONS = ("hirosaki", "harima-kagaku-koen", "yamato-mahoroba")
NAVIGATION = ["/regions", "/formation", "/formation/status", "/formation/rules", "/formation/candidates",
              "/formation/census", "/facilities", "/facilities/infrastructure", "/fiscal", "/staffing",
              "/staffing/training", "/staffing/advisor?body=西目屋村&field=広域連携", "/parameters",
              "/admin/users", "/admin/users/1", "/admin/audit", "/account"]
REGION_PAGES = ["/regions/{r}", "/regions/{r}/central", "/regions/{r}/neighbours", "/regions/{r}/procedure",
                "/regions/{r}/council", "/regions/{r}/scenarios", "/regions/{r}/edit", "/fiscal?region={r}",
                "/staffing?region={r}", "/staffing/plan?region={r}", "/facilities?region={r}",
                "/facilities/renewal?region={r}", "/facilities/indicators?region={r}", "/facilities/share?region={r}",
                "/facilities/access?region={r}", "/facilities/fees?region={r}"]


@pytest.fixture
def demo_admin(login: Callable[[str], Logged]) -> Iterator[Logged]:
    from kouiki.store import session
    from kouiki.web.demo import load_demo_data

    with session() as s:
        load_demo_data(s)
    yield login("admin")


def _export_text(body: bytes, content_type: str) -> str:
    if "spreadsheetml" in content_type:
        wb = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                         for v in row if isinstance(v, str))
    if "csv" in content_type:
        charset = "cp932" if "shift_jis" in content_type else "utf-8-sig"
        return "\n".join(" ".join(row) for row in csv.reader(io.StringIO(body.decode(charset))))
    if "pdf" in content_type and shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-layout", "-", "-"], input=body, capture_output=True, check=True
                              ).stdout.decode("utf-8")
    return ""


def _local(base: str, href: str) -> str | None:
    parts = urlsplit(urljoin("http://testserver" + base, href))
    if parts.netloc != "testserver":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


# Sheets a person fills in for the program (the plan templates: their column keys are the file format).
INPUT_FORMS = re.compile(r"/(?:plan-template|input)\.xlsx$|/infrastructure-template\.csv$|/template\.xlsx$")


ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
USERNAMES = re.compile(r"\b(?:other_body)\b")


# Pages reached from the listed ones, one step further (a facility's カルテ, a job, a scenario, a form),
# of the demo regions only: the other 130 regions' pages are the same templates.
FOLLOW = re.compile(r"^/(?:facilities/karte|staffing/advisor|jobs/|scenarios/\d+|"
                    r"regions/(?:hirosaki|harima-kagaku-koen|yamato-mahoroba)/)")
FOLLOW_AT_MOST = 40


def scan_site(admin: Logged, pages: list[str], pdf: bool = False) -> dict[str, list[str]]:
    """{page or download: its leaks in context} over ``pages``, the pages they link under :data:`FOLLOW` and the
    downloads they link."""
    found: dict[str, list[str]] = {}
    downloads: dict[str, None] = {}
    queue, seen, followed = list(pages), set(pages), 0
    while queue:
        page = queue.pop(0)
        r = admin.client.get(page)
        # a page that needs a choice first (a 圏域 without a 派遣計画) answers with the Japanese error page: read it too
        assert r.status_code < 500 and "<html" in r.text, (page, r.status_code, r.text[:200])
        text, links = visible(r.text)
        text = USERNAMES.sub(" ", text)  # the test's user names (other_body) are what their users typed
        if hits := scan(text):
            found[page] = in_context(text, hits)
        for href in links:
            url = _local(page, href)
            if url and url.startswith(("/export/", "/scenarios/")) and re.search(r"\.(xlsx|csv|pdf)(\?|$)", url):
                downloads.setdefault(url)
            elif url and url not in seen and FOLLOW.match(url) and not re.search(r"\.\w+(\?|$)", url.split("?")[0][-8:]) \
                    and followed < FOLLOW_AT_MOST:
                seen.add(url)
                queue.append(url)
                followed += 1
    for url in downloads:
        if INPUT_FORMS.search(urlsplit(url).path) or (url.split("?")[0].endswith(".pdf") and not pdf):
            continue
        r = admin.client.get(url)
        if r.status_code != 200:  # a download that needs a choice first (a 基準日, a 半径) is not offered as is
            continue
        text = _export_text(r.content, r.headers.get("content-type", ""))
        hits = scan(text)
        if "csv" in r.headers.get("content-type", ""):
            # A CSV's 日付 columns stay ISO (2015-03-27) for the software that reads them; Excel shows them as dates.
            hits = [h for h in hits if not ISO.fullmatch(h)]
        if hits:
            found[url] = in_context(text, hits)
    return found


def _demo_pages(admin: Logged) -> list[str]:
    from kouiki.store import session
    from kouiki.store.scenarios import list_scenarios

    with session() as s:
        scenarios = [sc.id for sc in list_scenarios(s, "hirosaki")]
    return [*NAVIGATION, *(p.format(r=r) for r in DEMO_REGIONS for p in REGION_PAGES),
            *(f"/scenarios/{sid}" for sid in scenarios)]


def test_no_page_or_download_of_the_demo_shows_an_internal_word(demo_admin: Logged) -> None:
    found = scan_site(demo_admin, _demo_pages(demo_admin))
    assert not found, "\n".join(f"{where}: {ctx}" for where, ctx in found.items())


@pytest.mark.slow
def test_a_region_officer_sees_no_internal_word_either(demo_admin: Logged, login: Callable[[str], Logged]) -> None:
    """圏域担当 (弘前圏域) sees other buttons and notes than the 管理者: the pages of the navigation once more."""
    region = login("region")
    pages = [p for p in NAVIGATION if not p.startswith("/admin")] + [p.format(r="hirosaki") for p in REGION_PAGES]
    found = scan_site(region, pages)
    assert not found, "\n".join(f"{where}: {ctx}" for where, ctx in found.items())


@pytest.mark.slow
def test_no_pdf_of_the_demo_shows_an_internal_word(demo_admin: Logged) -> None:
    """The PDF downloads (the scenario report) read by pdftotext: slow, the PDF embeds the Japanese font."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext がありません（apt-get install poppler-utils）")
    pages = [p for p in _demo_pages(demo_admin) if p.startswith(("/scenarios/", "/regions/hirosaki"))]
    found = scan_site(demo_admin, pages, pdf=True)
    assert not found, "\n".join(f"{where}: {ctx}" for where, ctx in found.items())


@pytest.mark.slow
def test_an_optimiser_result_and_its_scenario_show_no_internal_word(demo_admin: Logged) -> None:
    """A 最大被覆 (MCLP) job of 弘前圏域's 市民文化系施設: its job page, the scenario it made and its downloads."""
    import time

    req = {"model": "mclp", "keep": 4, "threshold_km": 5, "category": "市民文化系施設", "fiscal_year": "R10",
           "time_limit": 60}
    r = demo_admin.client.post("/api/regions/hirosaki/optimize", json=req, headers=demo_admin.headers())
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    deadline = time.monotonic() + 180  # a safety net only: the job's own limit is 60 s
    job = demo_admin.client.get(f"/api/jobs/{job_id}").json()
    while job["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.3)
        job = demo_admin.client.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "done", job
    found = scan_site(demo_admin, [f"/jobs/{job['id']}", f"/scenarios/{job['scenario_id']}",
                                   "/regions/hirosaki/scenarios"])
    assert not found, "\n".join(f"{where}: {ctx}" for where, ctx in found.items())
