"""Browser test of the fiscal result page (issue 15): the visible text carries no ASCII identifier and the
団体 × 年度 tables are there. Debian's /usr/bin/chromium through Playwright (never downloaded)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kouiki.fiscal.plan import MEASURE_FIELDS
from kouiki.store import session
from kouiki.store.fiscal_plans import save_plan
from tests.web.test_browser import CHROMIUM, _login, live_server, page  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium がありません（apt-get install chromium）"),
]

KINDS = ("special_allocation_tax", "ordinary_allocation_tax", "national_subsidy", "bond", "loan")
# comprehensive_central, consolidation_study, facility_bond …, the kinds, and any snake_case word
ASCII_ID = re.compile(r"\b(" + "|".join([*MEASURE_FIELDS, *KINDS]) + r")\b|\b[a-z]+(?:_[a-z0-9]+)+\b")
PLAN = {"items": [
    {"measure": "comprehensive_central", "municipality": "282278", "fiscal_year": 2025, "cost_yen": 100_000_000,
     "has_vision": True},
    {"measure": "comprehensive_neighbor", "municipality": "282278", "fiscal_year": 2025, "cost_yen": 20_000_000,
     "has_vision": True},
    {"measure": "consolidation_study", "municipality": "282278", "fiscal_year": 2026, "cost_yen": 12_000_000,
     "partner_bodies": ["282278", "282081"]},
    {"measure": "facility_bond", "municipality": "282081", "fiscal_year": 2027, "cost_yen": 300_000_000,
     "category": "longevity"},
]}


def test_fiscal_result_page_shows_japanese_names_only_and_the_body_year_tables(page: Any, live_server: str) -> None:  # noqa: F811
    with session() as s:
        save_plan(s, "harima-kagaku-koen", {"items": PLAN["items"], "overrides": []}, user="test", expected_version=None)
    _login(page, live_server)
    page.goto(f"{live_server}/fiscal?region=harima-kagaku-koen")
    tables = page.locator("#fiscal-body-year table.body-year-table")
    assert tables.count() == 2
    captions = [tables.nth(i).locator("caption").inner_text() for i in range(2)]
    assert captions[0].startswith("特別交付税（計画の年度）") and captions[1].startswith("交付税算入（地方債の元利償還金）")
    header = tables.nth(1).locator("thead th").all_inner_texts()
    assert header[0] == "団体" and header[1].startswith("令和") and header[-1] == "計"
    assert tables.nth(1).get_by_role("rowheader", name=re.compile("相生市")).count() == 1
    # a 20-year schedule scrolls sideways instead of folding 団体 and 年度 into one-character columns
    font = float(page.evaluate("parseFloat(getComputedStyle(document.querySelector('.body-year-table th')).fontSize)"))
    widths = page.evaluate("[...document.querySelectorAll('.body-year-table th')].map(th => th.getBoundingClientRect().width)")
    assert min(widths) >= 2 * font, widths
    heights = page.evaluate("[...document.querySelectorAll('.body-year-table thead th')].map(th => th.getBoundingClientRect().height)")
    assert max(heights) < 2.5 * font, heights  # one line each: 「令和10年度」 is not folded
    shown = {sel: page.locator(sel).inner_text() for sel in
             ("#fiscal-result", "#fiscal-body-year", "#fiscal-lines", "#fiscal-warnings")}
    for sel, text in shown.items():
        assert not ASCII_ID.search(text), (sel, ASCII_ID.search(text))
    assert "包括的財政措置（近隣市町村）" in shown["#fiscal-lines"]
    assert "項目 2: " in shown["#fiscal-warnings"] and "項目 0" not in shown["#fiscal-warnings"]
    # an explanation opened by the reader keeps the Japanese names first (paths only on hover)
    page.locator("#fiscal-lines tr.explain-row details summary").first.click()
    opened = page.locator("#fiscal-lines tr.explain-row details").first.inner_text()
    assert "使った値: " in opened and not re.search(r"使った値: [a-z_]+\.", opened)
