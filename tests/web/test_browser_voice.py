"""Browser tests of issue 15 (one Japanese voice) against the demo data, in Debian's /usr/bin/chromium.

What a person sees on the fiscal result, a facility scenario and the parameters page carries no English
identifier or raw Python value (``tests.web.leaks``; every ``<details>`` opened first, so nothing hides behind a
toggle); the 団体 × 年度 tables are on the fiscal result; a page opened for 播磨科学公園都市圏域 chooses that
region's bodies; result pages have a 印刷 button and a print stylesheet that hides the navigation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from kouiki.store import session
from kouiki.store.users import create_user
from tests.web.leaks import leaks
from tests.web.live import live_app
from tests.web.test_browser import CHROMIUM, PASSWORD, _login, page  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium がありません（apt-get install chromium）"),
]

HARIMA = "harima-kagaku-koen"


@pytest.fixture
def live_server() -> Iterator[str]:
    """The app with the demo data of ``kouiki serve --demo`` (inventories of the seed regions, one scenario)."""
    from kouiki.web.demo import load_demo_data

    with session() as s:
        create_user(s, username="admin", password=PASSWORD, role="admin", by="test")
        load_demo_data(s)
    with live_app() as base:
        yield base


def visible_text(pg: Any, selector: str = "main") -> str:
    """The text a reader sees in ``selector`` with every <details> opened (the editors' YAML text excluded:
    it is the 「詳細（テキストで編集）」 tab for those who want the file format; nor <code>: IDs labelled as such, such as
    the parameters page's 「ID（設定ファイル用）」 column)."""
    pg.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    return str(pg.evaluate(
        """sel => { const root = document.querySelector(sel).cloneNode(true);
             root.querySelectorAll('textarea, script, template, code, [hidden]').forEach(e => e.remove());
             document.body.appendChild(root); const t = root.innerText; root.remove(); return t; }""",
        selector))


def assert_no_leak(pg: Any, where: str, selector: str = "main") -> None:
    text = visible_text(pg, selector)
    found = leaks(text)
    context = [text[max(0, text.find(f) - 60): text.find(f) + 60].replace("\n", " ") for f in found[:5]]
    assert not found, (where, found[:20], context)


def assert_printable(pg: Any) -> None:
    """A 印刷 button, an @media print stylesheet, and in print media the navigation is hidden."""
    assert pg.locator("[data-print]").filter(has_text="印刷").count() >= 1
    has_print_rule = pg.evaluate(
        """() => [...document.styleSheets].some(sh => { try { return [...sh.cssRules].some(
             r => r.media && [...r.media].includes('print')); } catch (e) { return false; } })""")
    assert has_print_rule
    pg.emulate_media(media="print")
    try:
        assert not pg.locator("header.top nav, nav.crumbs").first.is_visible()
        assert not pg.locator("[data-print]").first.is_visible()
    finally:
        pg.emulate_media(media="screen")


def members(pg: Any, base: str, region: str) -> set[str]:
    doc = pg.evaluate(f"fetch('{base}/api/regions/{region}').then(r => r.json())")
    return {str(m["code"]) if isinstance(m, dict) else str(m) for m in doc["members"]}


def test_the_fiscal_result_of_harima_reads_in_japanese_with_its_body_year_tables(page: Any, live_server: str) -> None:  # noqa: F811
    _login(page, live_server)
    page.goto(f"{live_server}/fiscal?region={HARIMA}")
    tables = page.locator("#fiscal-body-year table.body-year-table")
    assert tables.count() >= 1
    assert tables.first.locator("thead th").first.inner_text() == "団体"
    assert re.match(r"令和\d+年度", tables.first.locator("thead th").nth(1).inner_text())
    assert_no_leak(page, "財政措置の結果", "#fiscal-result")
    assert_no_leak(page, "財政措置のページ")
    # region defaults: every body chosen on the page is a member of 播磨科学公園都市圏域, never 弘前市
    own = members(page, live_server, HARIMA)
    chosen = page.evaluate(
        "[...document.querySelectorAll('main select')].map(s => s.value).filter(v => /^\\d{6}$/.test(v))")
    assert chosen and set(chosen) <= own, (chosen, own)
    assert_printable(page)


def test_the_explanation_opens_below_the_line_without_squeezing_the_columns(page: Any, live_server: str) -> None:  # noqa: F811
    _login(page, live_server)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/fiscal?region={HARIMA}")
    line = page.locator("#fiscal-lines tbody tr:not(.explain-row)").first
    cells = [line.locator("td").nth(i) for i in (2, 3)]  # 団体, 年度
    before = [c.bounding_box()["width"] for c in cells]
    explain = page.locator("#fiscal-lines tbody tr.explain-row").first
    explain.locator("summary").click()
    assert explain.locator("details").get_attribute("open") is not None
    after = [c.bounding_box()["width"] for c in cells]
    # the explanation is the next row, as wide as the table; 団体 and 年度 keep at least four characters' width
    assert explain.bounding_box()["y"] > line.bounding_box()["y"]
    assert explain.bounding_box()["width"] > 0.9 * page.locator("#fiscal-lines").bounding_box()["width"]
    font = float(page.evaluate("parseFloat(getComputedStyle(document.querySelector('#fiscal-lines td')).fontSize)"))
    assert all(a >= 4 * font for a in after), (before, after, font)
    assert "使った値: " in explain.inner_text()


def test_a_facility_scenario_page_reads_in_japanese(page: Any, live_server: str) -> None:  # noqa: F811
    _login(page, live_server)
    scenarios = page.evaluate(f"fetch('{live_server}/api/regions/hirosaki/scenarios').then(r => r.json())")
    rows = scenarios["scenarios"] if isinstance(scenarios, dict) else scenarios
    page.goto(f"{live_server}/scenarios/{rows[0]['id']}")
    sync = pytest.importorskip("playwright.sync_api")
    sync.expect(page.get_by_role("heading", level=1)).to_contain_text("デモ: 2施設の集約")
    assert_no_leak(page, "シナリオ")
    assert_printable(page)


def test_the_parameters_page_reads_in_japanese_and_opens_one_measure_at_a_time(page: Any, live_server: str) -> None:  # noqa: F811
    _login(page, live_server)
    page.goto(f"{live_server}/parameters")
    groups = page.locator("main details.measure")
    assert groups.count() >= 20
    assert page.evaluate("[...document.querySelectorAll('main details.measure')].every(d => !d.open)")
    assert re.search(r"\d+件", groups.first.locator("summary").inner_text())
    assert_no_leak(page, "パラメータ")


def test_pages_opened_for_harima_choose_its_bodies(page: Any, live_server: str) -> None:  # noqa: F811
    _login(page, live_server)
    own = members(page, live_server, HARIMA)
    for url in (f"/facilities/renewal?region={HARIMA}", f"/facilities/indicators?region={HARIMA}",
                f"/facilities/access?region={HARIMA}", f"/staffing?region={HARIMA}"):
        page.goto(live_server + url)
        chosen = page.evaluate(
            "[...document.querySelectorAll('main select')].map(s => s.value).filter(v => /^\\d{6}$/.test(v))")
        assert set(chosen) <= own, (url, chosen)
        assert "弘前市" not in " ".join(page.locator("main select option:checked").all_inner_texts()), url


def test_the_form_editors_of_a_scenario_and_a_region_read_in_japanese(page: Any, live_server: str) -> None:  # noqa: F811
    """The scenario form (every 除却 and 円滑化経費 row) and the region form (new and edit) show no identifier."""
    _login(page, live_server)
    scenarios = page.evaluate(f"fetch('{live_server}/api/regions/hirosaki/scenarios').then(r => r.json())")
    rows = scenarios["scenarios"] if isinstance(scenarios, dict) else scenarios
    page.goto(f"{live_server}/scenarios/{rows[0]['id']}/edit")
    assert page.locator("#scenario-form").count() == 1
    assert_no_leak(page, "シナリオのフォーム編集")
    page.goto(f"{live_server}/regions/new")
    assert page.locator("#region-form").count() == 1
    assert_no_leak(page, "圏域の登録")
    page.goto(f"{live_server}/regions/{HARIMA}/edit")
    assert page.locator("#r-name").input_value()
    assert_no_leak(page, "圏域の定義の編集")
