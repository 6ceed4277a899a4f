"""The scenario report from the typed result: one builder (Excel, CSV, PDF) for the CLI and the web; honest costs
(a new building's running cost is estimated and marked 推計, or the savings are withheld), fiscal warnings on every
surface, the discounted figure in words, and an A4 PDF whose numbers are never split across lines."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from kouiki.cli.facilities import app
from kouiki.facilities import evaluate as ev
from kouiki.facilities import scenario as sc
from kouiki.facilities.inventory_source import InventorySource, InventorySourceError, SourceKind
from kouiki.facilities.model import Facility, Inventory, MajorCategory
from kouiki.facilities.result import ScenarioResult
from kouiki.reports import scenario as report

C = MajorCategory.CIVIC_CULTURE
runner = CliRunner()


def inventory(h3_cost: int | None = None) -> Inventory:
    return Inventory([
        Facility("H1", "292044", "天理ホール", C, "文化施設", Decimal("3000"), 1980, 34.5965, 135.8372, annual_operating_cost_yen=60_000_000),
        Facility("H2", "293610", "川西ホール", C, "文化施設", Decimal("1500"), 1985, 34.5846, 135.7740, annual_operating_cost_yen=20_000_000),
        Facility("H3", "293628", "三宅ホール", C, "文化施設", Decimal("800"), 1990, 34.5731, 135.7762, annual_operating_cost_yen=h3_cost),
        Facility("K1", "293636", "田原本公民館", C, "集会施設", Decimal("1000"), 2000, 34.5553, 135.7946, annual_operating_cost_yen=10_000_000),
    ])


def new_site_scenario(operating: int | None = None, sources: list[str] | None = None) -> sc.Scenario:
    site: dict[str, Any] = {"id": "N1", "name": "新ホール", "municipality_code": "292044", "lat": 34.60, "lon": 135.83,
                            "floor_area_m2": "2000"}
    if operating is not None:
        site["annual_operating_cost_yen"] = operating
    return sc.parse({"name": "新築案", "inventory": "x.csv", "horizon_years": 10, "actions": [
        {"id": "merge", "type": "consolidate", "label": "2ホールの統合", "fiscal_year": "R9", "lead_body": "292044",
         "sources": sources or ["H2", "H3"], "new_site": site, "construction_cost_yen": 800_000_000}]})


def warning_engine(plan: dict[str, Any]) -> dict[str, Any]:
    """A contract-shaped stand-in for kouiki.fiscal that also warns, as the engine does for a rate assumed beyond
    its period."""
    lines = []
    for i, it in enumerate(plan["items"]):
        base = {"item": i, "municipality": it["municipality"], "fiscal_year": it["fiscal_year"], "measure": it["measure"]}
        lines.append({**base, "kind": "special_allocation_tax", "amount_yen": int(it["cost_yen"]) * 8 // 10})
    return {"lines": lines, "totals": {"support_yen": sum(x["amount_yen"] for x in lines)},
            "warnings": [{"item": 0, "message": "facility_bond.consolidation.in_force: 令和8年度までとされる措置です。"
                                                 "令和9年度は最後の値を延長して計算しています"}], "errors": []}


def evaluated(operating: int | None = None, h3_cost: int | None = None, sources: list[str] | None = None) -> ScenarioResult:
    return ev.evaluate(new_site_scenario(operating, sources), inventory(h3_cost), demand=[], engine=warning_engine)


# ---- the typed result ----------------------------------------------------------------------------------------


def test_the_result_is_typed_and_its_json_form_is_made_in_one_place() -> None:
    r = evaluated(operating=50_000_000)
    assert isinstance(r.floor_area.before_m2, Decimal) and r.floor_area.change_m2 == Decimal("-300")
    assert r.costs.nominal.savings_yen == r.costs.nominal.baseline_yen - r.costs.nominal.scenario_yen
    assert r.counts["293610"].before == 1 and r.counts["293610"].after == 0
    d = r.to_dict()
    assert d["floor_area"]["before_m2"] == "6300" and d["floor_area"]["change_m2"] == "-300"
    assert d["costs"]["nominal"]["savings_yen"] == r.costs.nominal.savings_yen
    assert d["counts"]["293610"] == {"before": 1, "after": 0} and d["closed_ids"] == ["H2", "H3"]


# ---- point 5: a new building's running cost is never silently zero ---------------------------------------------


def test_a_new_building_without_running_cost_is_estimated_from_its_sources_and_marked_推計() -> None:
    r = evaluated(operating=None, h3_cost=None)  # only H2 has both cost and area: 20,000,000 ÷ 1,500㎡ × 2,000㎡
    [imp] = r.costs.imputed_operating
    assert imp.annual_operating_cost_yen == 26_666_667 and "推計" in " ".join(r.warnings)
    assert r.costs.nominal.savings_yen is not None
    d = r.to_dict()["costs"]["imputed_operating"][0]
    assert d["imputed"] is True and d["annual_operating_cost_yen"] == 26_666_667
    # the estimate is in the scenario's running cost from the service year (R9 = 2027)
    assert r.costs.scenario.operating_yen[2] - r.costs.scenario.operating_yen[1] == 26_666_667 - 20_000_000


def test_without_any_source_cost_the_savings_are_withheld_and_every_surface_says_which_input(tmp_path: Path) -> None:
    r = evaluated(operating=None, sources=["H3"], h3_cost=None)
    assert r.costs.nominal.savings_yen is None and r.costs.discounted.savings_yen is None
    missing = "new_site.annual_operating_cost_yen"
    assert any(missing in w for w in r.costs.savings_withheld)
    assert any("示していません" in line for line in report.headline_lines(r))
    wb = openpyxl.load_workbook(io.BytesIO(report.workbook(r)))
    summary = " ".join(str(c.value) for row in wb["概要"].iter_rows() for c in row if c.value)
    assert missing in summary and "示していません" in summary
    assert missing in _pdf_text(report.pdf(r))


# ---- points 6 and 8: warnings and the discounted figure in words on every surface -------------------------------


def test_fiscal_engine_warnings_reach_excel_pdf_and_the_json() -> None:
    r = evaluated(operating=50_000_000)
    [warning] = [w for w in r.warnings if "財政措置" in w]
    assert "2ホールの統合" in warning and "措置の有無" in warning  # the action's label, the parameter's Japanese name
    assert "facility_bond" not in warning
    assert warning in r.to_dict()["warnings"]
    wb = openpyxl.load_workbook(io.BytesIO(report.workbook(r)))
    assert any(warning in str(c.value) for row in wb["概要"].iter_rows() for c in row)
    assert "措置の有無" in _pdf_text(report.pdf(r))


def test_the_discounted_figure_is_explained_in_words() -> None:
    r = evaluated(operating=50_000_000)
    assert r.costs.discounted_explanation == "割引率4%で現在価値に換算した差額"
    assert any("割引率4%で現在価値に換算した差額" in line for line in report.headline_lines(r))
    assert "割引率4%で現在価値に換算した差額" in _pdf_text(report.pdf(r))


# ---- point 10: the workbook ------------------------------------------------------------------------------------


def test_the_workbook_is_japanese_a4_wareki_and_in_thousands_of_yen_over_exact_yen() -> None:
    r = evaluated(operating=50_000_000)
    wb = openpyxl.load_workbook(io.BytesIO(report.workbook(r)))
    assert "使用料" not in wb.sheetnames  # no fees in this scenario: the sheet is absent, not empty
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        headers = [c.value for c in ws[3] if c.value is not None]
        assert headers and not any(re.search(r"[A-Za-z]", str(h)) for h in headers), (ws.title, headers)
    years = [c.value for c in wb["年度別費用"][3]][2:]
    assert years[0] == "令和7年度"
    yen = [c for row in wb["実質負担"].iter_rows(min_row=4) for c in row if c.number_format == "#,##0,"]
    assert yen and all(isinstance(c.value, int) for c in yen)
    sheet = wb["負担の按分"]
    assert sheet.cell(row=4, column=1).value == "2ホールの統合"


def test_the_fees_sheet_is_filled_when_the_scenario_unifies_fees(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    res = runner.invoke(app, ["evaluate", "demo:yamato", "--xlsx", str(out)])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out)["使用料"]
    bodies = [ws.cell(row=r, column=2).value for r in range(4, ws.max_row + 1)]
    assert {"天理市", "川西町", "三宅町"} <= set(bodies)


def test_cli_and_web_tables_come_from_the_same_builder(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    assert runner.invoke(app, ["evaluate", "demo:yamato", "--xlsx", str(out)]).exit_code == 0
    cli = openpyxl.load_workbook(out).sheetnames
    built = [t.sheet_name for t in report.scenario_tables(ev.evaluate_file("demo:yamato"))]
    assert cli == built
    import importlib.util

    # the two writers that made the CLI and web outputs differ are gone
    assert importlib.util.find_spec("kouiki.facilities.scenario_xlsx") is None
    assert importlib.util.find_spec("kouiki.web.scenario_report") is None


# ---- point 9: the PDF ------------------------------------------------------------------------------------------


@cache
def _demo_pdf() -> bytes:
    return report.pdf(ev.evaluate_file("demo:yamato"))


def _pdf_text(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext がありません（apt-get install poppler-utils）")
    return subprocess.run([tool, "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode("utf-8")


def test_pdf_pages_are_a4_and_render(tmp_path: Path) -> None:
    tool = shutil.which("pdftoppm")
    if tool is None:
        pytest.skip("pdftoppm がありません（apt-get install poppler-utils）")
    (tmp_path / "r.pdf").write_bytes(_demo_pdf())
    subprocess.run([tool, "-r", "30", "-png", str(tmp_path / "r.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 4
    from PIL import Image

    for p in pages:
        w, h = Image.open(p).size
        assert abs(h / w - 297 / 210) < 0.01, p.name  # A4 portrait


def test_no_digit_group_is_split_across_lines_in_the_pdf() -> None:
    text = _pdf_text(_demo_pdf())
    tokens = re.findall(r"[\d,]*\d,[\d,]*|[\d,]*,\d[\d,]*", text)
    assert tokens
    bad = [t for t in tokens if not re.fullmatch(r"-?\d{1,3}(,\d{3})+", t.lstrip("-"))]
    assert bad == []
    # ㎡ carry separators too, and long amounts are grouped
    assert "196,300 ㎡" in text
    assert not re.search(r"\d{5,}", re.sub(r"\d{6}-gsi-\d{5}|\d{6}", "", text))  # no ungrouped long numbers


def test_the_pdf_shows_facility_names_with_ids_below_and_no_english() -> None:
    text = _pdf_text(_demo_pdf())
    assert "天理市民会館" in text and "292044-gsi-00021" in text
    assert text.index("天理市民会館") < text.index("292044-gsi-00021")
    for english in ("mic default", "formula", "great_circle", "in_force", "facility_bond", "bond_defaults", "own）"):
        assert english not in text
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text)  # no snake_case identifiers on the page
    # nor English field names or raw Python values in the notes (the demo inventory's notes once said 「dropped に記載」)
    assert not re.search(r"\b(dropped|imputed|true|false|none|null)\b", text, re.IGNORECASE), re.findall(
        r"[^\n]{0,30}\b(?:dropped|imputed|true|false|none|null)\b[^\n]{0,30}", text, re.IGNORECASE)


def test_the_pdf_shows_net_burden_per_body_and_the_sharing() -> None:
    text = _pdf_text(_demo_pdf())
    assert "実質負担（負担金按分後）" in text and "負担の按分" in text
    assert "均等割10% + 人口割90%" in text


# ---- one parser of inventory references ----------------------------------------------------------------------


def test_inventory_references_are_parsed_in_one_place(tmp_path: Path) -> None:
    assert InventorySource.parse("demo:大和まほろば").kind is SourceKind.DEMO
    store = InventorySource.parse("store:hirosaki")
    assert store.kind is SourceKind.STORE and store.value == "hirosaki" and store.ref == "store:hirosaki"
    f = InventorySource.parse("inv.csv", tmp_path)
    assert f.kind is SourceKind.FILE and f.path == tmp_path / "inv.csv"
    assert InventorySource.parse("保存した台帳", tmp_path, bare_name_is_store=True).kind is SourceKind.STORE
    with pytest.raises(InventorySourceError, match="保存した台帳はここでは読めません"):
        store.load()
    assert store.load(lambda name: inventory()).facilities[0].facility_id == "H1"
    with pytest.raises(InventorySourceError, match="ファイルがありません"):
        f.load()


def test_cli_text_withholds_the_savings_when_the_new_building_has_no_running_cost(tmp_path: Path) -> None:
    import yaml

    doc = yaml.safe_load(ev.demo_scenario_path("yamato").read_text(encoding="utf-8"))
    doc.pop("operating_costs_yen")  # the demo inventory has no running costs: nothing to estimate from
    del doc["actions"][0]["new_site"]["annual_operating_cost_yen"]
    doc.pop("fees")
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    res = runner.invoke(app, ["evaluate", str(path)])
    assert res.exit_code == 0, res.output
    text = "".join(res.output.split())
    assert "削減額:示していません" in text and "年間運営費" in text and "new_site.annual_operating_cost_yen" in text
    assert "割引率4%で現在価値に換算した差額" not in text  # no discounted headline either
    data = runner.invoke(app, ["evaluate", str(path), "--json"])
    import json

    costs = json.loads(data.stdout)["costs"]
    assert costs["nominal"]["savings_yen"] is None and costs["savings_withheld"]
