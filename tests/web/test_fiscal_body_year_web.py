"""団体 × 年度 and Japanese names on the fiscal result page and its exports (issue 15 points 1, 2, 4)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from openpyxl import load_workbook

from kouiki.fiscal.plan import MEASURE_FIELDS
from tests.web.conftest import Logged

PLAN = {"items": [
    {"measure": "comprehensive_neighbor", "municipality": "282278", "fiscal_year": 2025, "cost_yen": 20_000_000,
     "has_vision": True},
    {"measure": "facility_bond", "municipality": "282081", "fiscal_year": 2027, "cost_yen": 300_000_000,
     "category": "longevity"},
]}
IDS = re.compile(r"\b(" + "|".join(MEASURE_FIELDS) + r"|special_allocation_tax|ordinary_allocation_tax)\b")


def _saved(login: Callable[[str], Logged]) -> Logged:
    a = login("admin")
    r = a.client.put("/api/regions/harima-kagaku-koen/fiscal-plan", json={"items": PLAN["items"]}, headers=a.headers())
    assert r.status_code == 200, r.text
    return a


def test_the_result_page_has_one_body_year_table_per_kind_with_its_own_total(login: Callable[[str], Logged]) -> None:
    a = _saved(login)
    html = a.client.get("/fiscal?region=harima-kagaku-koen").text
    result = a.client.get("/api/regions/harima-kagaku-koen/fiscal-plan").json()["result"]
    blocks = {b["kind"]: b for b in result["summary"]["blocks"]}
    assert set(blocks) == {"special_allocation_tax", "ordinary_allocation_tax"}
    assert 'id="fiscal-body-year"' in html
    assert html.count('class="data body-year-table"') == 2
    for b in blocks.values():
        assert f"{b['label']}（単位：千円）　計 {round(b['total_yen'] / 1000):,} 千円" in html
        assert f"<dt>{b['label']}</dt><dd>{round(b['total_yen'] / 1000):,} 千円</dd>" in html  # the headline
    both = round((blocks["special_allocation_tax"]["total_yen"] + blocks["ordinary_allocation_tax"]["total_yen"]) / 1000)
    assert f"{both:,} 千円" not in html  # never added together
    assert "令和10年度" in html and "宍粟市" in html and "相生市" in html


def test_the_lines_and_warnings_show_japanese_names_and_items_from_one(login: Callable[[str], Logged]) -> None:
    a = _saved(login)
    html = a.client.get("/fiscal?region=harima-kagaku-koen").text
    lines = html.split('id="fiscal-lines"')[1].split("</table>")[0]
    assert "<td>包括的財政措置（近隣市町村）</td>" in lines and '<td class="num">1</td>' in lines
    assert '<td class="num">0</td><td>' not in lines
    warnings = html.split('id="fiscal-warnings"')[1].split("</section>")[0]
    assert "項目 1: " in warnings and "項目 0: " not in warnings
    # paths go to the hover title; the visible text is the Japanese name
    visible = re.sub(r"<[^>]+>", "", warnings)
    assert not IDS.search(visible), visible


def test_excel_has_a_sheet_per_kind_and_the_csv_summary_keeps_the_kinds_apart(login: Callable[[str], Logged]) -> None:
    a = _saved(login)
    xlsx = a.client.get("/export/fiscal/harima-kagaku-koen.xlsx")
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert {"団体×年度_特別交付税", "団体×年度_交付税算入"} <= set(wb.sheetnames)
    cells = [str(c) for row in wb["明細"].iter_rows(values_only=True) for c in row if c is not None]
    assert "包括的財政措置（近隣市町村）" in cells and "comprehensive_neighbor" not in cells
    sheet = [list(row) for row in wb["団体×年度_交付税算入"].iter_rows(values_only=True)]
    header = next(r for r in sheet if r and r[0] == "団体")
    assert header[1] == "団体コード" and header[2].startswith("令和") and header[-1] == "計"
    body = next(r for r in sheet if r and r[0] == "相生市")
    assert body[1] == "282081"
    res = a.client.get("/export/fiscal/harima-kagaku-koen.csv?table=summary&encoding=utf-8-sig")
    assert res.status_code == 200
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"))))
    totals = [r for r in rows if len(r) > 1 and r[1] == "計"]
    assert [r[0] for r in totals] == ["特別交付税（計画の年度）", "交付税算入（地方債の元利償還金）"]
    assert a.client.get("/export/fiscal/harima-kagaku-koen.csv?table=nope").status_code == 400


def test_the_region_dashboard_shows_each_kind_of_support_apart_never_one_total(login: Callable[[str], Logged]) -> None:
    a = _saved(login)
    summary = a.client.get("/api/regions/harima-kagaku-koen").json()["fiscal_summary"]
    assert [b["label"] for b in summary["blocks"]] == ["特別交付税（計画の年度）", "交付税算入（地方債の元利償還金）"]
    page = a.client.get("/regions/harima-kagaku-koen").text
    for b in summary["blocks"]:
        assert f'<th scope="row">{b["label"]}</th><td class="num">{round(b["total_yen"] / 1000):,}</td>' in page
    assert "措置額 合計" not in page
