from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kouiki.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["facilities", *args])
    return r.exit_code, r.stdout


def test_renewal_json_contract_on_the_demo_region() -> None:
    code, out = run("renewal", "demo:大和まほろば", "--start-year", "2025", "--years", "40", "--json")
    assert code == 0, out
    d = json.loads(out)
    assert d["years"] == list(range(2025, 2065))
    assert len(d["total_yen"]) == 40
    assert set(d["by_municipality"]) == {"292044", "293229", "293610", "293628", "293636"}
    assert "学校教育系施設" in d["by_category"]
    assert list(d["by_kind"]) == ["大規模改修", "建替え", "積み残し"]
    assert d["excluded"] and all(e["reason"] for e in d["excluded"])
    assert d["imputed"]
    assert sum(d["total_yen"]) == d["summary"]["total_yen"]


def test_renewal_with_demo_option_longevity_and_chart(tmp_path: Path) -> None:
    chart = tmp_path / "c.png"
    code, out = run("renewal", "--demo", "弘前圏域", "--start-year", "R7", "--longevity", "--chart", str(chart),
                    "--investment", "3000000000,3000000000,3000000000,3000000000,3000000000", "--json")
    assert code == 0, out
    d = json.loads(out)
    assert chart.exists()
    assert d["longevity"]["summary"]["effect_yen"] == d["summary"]["total_yen"] - d["longevity"]["summary"]["longevity_yen"]
    assert d["summary"]["recent_investment_average_yen"] == 3_000_000_000
    assert any("藤崎町" in n for n in d["notes"])


def test_import_with_bad_rows_stores_nothing_and_exits_1_without_strict(fixtures: Path) -> None:
    code, out = run("import", str(fixtures / "293628_template.csv"), "--name", "三宅町", "--json")
    assert code == 1, out
    d = json.loads(out)
    assert d["stored_as"] is None and d["report"]["rows_rejected"] == 2
    assert "何も取り込んでいません" in d["errors"][0]
    code, out = run("inventories", "--json")
    assert json.loads(out) == []


def test_import_lands_in_the_store_and_is_usable_by_name(fixtures: Path) -> None:
    code, out = run("import", str(fixtures / "293628_template.csv"), "--name", "三宅町", "--only-valid", "--yes", "--json")
    assert code == 0, out
    d = json.loads(out)
    assert d["stored_as"] == "三宅町" and d["report"]["rows_rejected"] == 2
    assert d["plan"]["before"] == 0 and d["plan"]["after"] == d["facilities"]
    code, out = run("inventories", "--json")
    assert [r["name"] for r in json.loads(out)] == ["三宅町"]
    code, out = run("renewal", "三宅町", "--json")
    assert code == 0
    assert set(json.loads(out)["by_municipality"]) == {"293628"}


def test_strict_import_writes_nothing(fixtures: Path) -> None:
    code, out = run("import", str(fixtures / "293628_public_facility_broken.csv"), "--strict", "--name", "x", "--json")
    assert code == 1
    d = json.loads(out)
    assert d["report"]["rows_rejected"] == 5 and d["errors"]
    code, out = run("inventories", "--json")
    assert json.loads(out) == []


def test_bad_input_is_one_line_in_japanese(tmp_path: Path) -> None:
    r = runner.invoke(app, ["facilities", "renewal", "存在しない台帳"])
    assert r.exit_code == 1
    assert "保存されていません" in r.output and "Traceback" not in r.output


def test_indicators_karte_and_demo_commands(tmp_path: Path) -> None:
    code, out = run("indicators", "demo:播磨科学公園都市圏域", "--json", "--chart", str(tmp_path / "fa.svg"))
    assert code == 0, out
    d = json.loads(out)
    assert d["per_capita"]["total"]["population"] > 100_000
    assert d["depreciation"]["ratio_percent"] is None
    code, out = run("karte", "demo:大和まほろば", "天理市民会館", "--json")
    assert code == 0, out
    k = json.loads(out)
    assert k["imputed"] and k["renewal_yen"] > 0
    code, out = run("demo", "大和まほろば", "--json", "--out", str(tmp_path / "demo.csv"))
    assert code == 0
    assert json.loads(out)["facilities"] > 50
    code, out = run("import", str(tmp_path / "demo.csv"), "--no-store", "--json")
    assert code == 0 and json.loads(out)["report"]["rows_rejected"] == 0


def test_human_output_runs() -> None:
    code, out = run("renewal", "demo:大和まほろば", "--years", "5", "--start-year", "R7")
    assert code == 0 and "令和7年度" in out
    code, out = run("indicators", "demo:大和まほろば")
    assert code == 0 and "一人当たり" in out


def test_renewal_starts_in_the_current_fiscal_year_by_default() -> None:
    import datetime as dt

    from kouiki.reference.calendar import FiscalYear

    code, out = run("renewal", "demo:大和まほろば", "--years", "1", "--json")
    assert code == 0, out
    assert json.loads(out)["years"] == [FiscalYear.of_date(dt.date.today()).year]


def test_import_with_figures_and_karte(fixtures: Path) -> None:
    code, out = run("import", str(fixtures / "293628_template.csv"), "--name", "三宅", "--figures",
                    str(fixtures / "293628_figures.csv"), "--figures-unit", "千円", "--only-valid", "--yes", "--json")
    assert code == 0, out
    assert json.loads(out)["figures_report"]["facilities"] == 1
    code, out = run("karte", "三宅", "B01", "--json")
    assert code == 0, out
    assert len(json.loads(out)["figures"]) == 3
    code, out = run("karte", "三宅", "B01")
    assert code == 0 and "10.0%" in out  # 受益者負担率 of 令和4年度


def test_renewal_xlsx_reconciles_to_the_yen(tmp_path: Path) -> None:
    import openpyxl

    x = tmp_path / "r.xlsx"
    code, out = run("renewal", "demo:大和まほろば", "--xlsx", str(x), "--json", "--start-year", "2025")
    assert code == 0, out
    d = json.loads(out)
    wb = openpyxl.load_workbook(x)
    assert wb.sheetnames == ["更新費用", "大分類別", "団体別", "除外", "推計値", "前提条件"]
    ws = wb["更新費用"]
    assert ws["A2"].value == "（単位：千円）" and ws["A4"].value == "令和7年度"
    total_row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] == "合計")
    assert total_row[-1] == d["summary"]["total_yen"]
    assert ws["B4"].number_format == "#,##0,"


def test_list_marks_imputed_values() -> None:
    code, out = run("list", "demo:大和まほろば", "--municipality", "29362", "--json")
    assert code == 0, out
    d = json.loads(out)
    assert d["facilities"] and {f["municipality_code"] for f in d["facilities"]} == {"293628"}
    assert all(f["imputed"] for f in d["facilities"] if f["floor_area_m2"] is not None)
    code, out = run("list", "demo:大和まほろば")
    assert code == 0 and "推計" in out


def test_rejected_rows_of_a_file_argument_are_reported_not_dropped_silently(fixtures: Path) -> None:
    r = runner.invoke(app, ["facilities", "renewal", str(fixtures / "293628_template.csv"), "--json"])
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert any("2行は誤り" in n for n in d["notes"])


def test_ledger_import_saves_its_mapping_for_next_time(fixtures: Path, tmp_path: Path) -> None:
    m = tmp_path / "map.yaml"
    code, out = run("import", str(fixtures / "293628_ledger.csv"), "--unit", "千円", "--code", "293628",
                    "--save-mapping", str(m), "--no-store", "--json")
    assert code == 0, out
    text = m.read_text("utf-8")
    assert "unit: 千円" in text and "facility_key: 施設名" in text
    code, out = run("import", str(fixtures / "293628_ledger.csv"), "--mapping", str(m), "--no-store", "--json")
    assert code == 0, out
    assert json.loads(out)["facilities"] == 3


def test_demo_can_be_stored() -> None:
    code, out = run("demo", "播磨科学公園都市圏域", "--store", "--json")
    assert code == 0, out
    code, out = run("inventories", "--json")
    assert [r["name"] for r in json.loads(out)] == ["demo:播磨科学公園都市圏域"]


def test_excel_template_filled_in_imports(tmp_path: Path) -> None:
    import openpyxl

    t = tmp_path / "t.xlsx"
    code, out = run("template", str(t), "--json")
    assert code == 0
    assert json.loads(out)["columns"][3] == {"header": "施設名", "field": "name", "note": "必須"}
    wb = openpyxl.load_workbook(t)
    assert wb.sheetnames == ["施設台帳", "記入例", "説明"]
    ws = wb["施設台帳"]
    ws.append(["A", None, "293628", "三宅町中央公民館", "市民文化系施設", "集会施設", 1234.5, "S60", 34.572, 135.777])
    wb.save(t)
    code, out = run("import", str(t), "--no-store", "--json")
    assert code == 0, out
    d = json.loads(out)
    assert d["report"]["format"] == "template" and d["report"]["rows_rejected"] == 0 and d["facilities"] == 1
    # the example sheet is an import test too
    ex = tmp_path / "ex.xlsx"
    wb2 = openpyxl.load_workbook(t)
    wb2.move_sheet("記入例", offset=-1)
    wb2.active = 0
    wb2.save(ex)
    code, out = run("import", str(ex), "--sheet", "記入例", "--no-store", "--json")
    assert code == 1, out  # all-or-nothing: the note row is an error
    code, out = run("import", str(ex), "--sheet", "記入例", "--no-store", "--only-valid", "--json")
    assert code == 0, out
    d = json.loads(out)
    assert d["facilities"] == 2  # S001 (2 棟) and H001; the note row is rejected (施設名が空)


def test_indicators_human_output_groups_thousands() -> None:
    from typer.testing import CliRunner

    from kouiki.cli import app

    res = CliRunner().invoke(app, ["facilities", "indicators", "--demo", "弘前圏域"])
    assert res.exit_code == 0, res.output
    import re

    assert re.search(r"延床面積 \d{1,3}(,\d{3})+㎡", res.output), res.output
    assert not re.search(r"\d{4,}\.\d\d", res.output)  # no 540100.00-style figures


def test_a_demo_region_name_given_as_inventory_points_to_the_demo() -> None:
    from typer.testing import CliRunner

    from kouiki.cli import app

    res = CliRunner().invoke(app, ["facilities", "renewal", "弘前圏域"])
    assert res.exit_code == 1 and "demo:弘前圏域" in res.output
