"""End-to-end: `kouiki fiscal …` through the real CLI (Typer runner), JSON and human output, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.fiscal.plan import MEASURE_FIELDS, json_schema

runner = CliRunner()

SEED_PLAN = {
    "items": [
        {"measure": "facility_bond", "municipality": "292044", "fiscal_year": "R7", "cost_yen": 1_000_000_000,
         "category": "consolidation", "national_subsidy_rate": "0.5", "floor_area_before_m2": 12000,
         "floor_area_after_m2": 8000, "interest_rate": 0, "term_years": 20, "grace_years": 3,
         "repayment": "annuity", "first_redemption_fiscal_year": 2026},
        {"measure": "consolidation_study", "municipality": "292044", "fiscal_year": 2025, "cost_yen": 12_000_000,
         "partner_bodies": "292044, 293229"},
    ]
}


def _write(tmp_path: Path, data: object, name: str = "plan.yaml") -> Path:
    p = tmp_path / name
    if name.endswith(".json"):
        p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_evaluate_json_gives_the_seed_72_5_percent(tmp_path: Path) -> None:
    res = runner.invoke(app, ["fiscal", "evaluate", str(_write(tmp_path, SEED_PLAN)), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["errors"] == []
    assert out["totals"]["by_kind"]["national_subsidy"] == 500_000_000
    assert out["totals"]["by_kind"]["bond"] == 450_000_000
    assert out["totals"]["by_kind"]["ordinary_allocation_tax"] == 225_000_000
    assert out["totals"]["support_yen"] == 725_000_000 + 5_000_000
    assert out["totals"]["by_municipality"]["292044"]["special_allocation_tax"] == 5_000_000
    assert out["totals"]["by_fiscal_year"]["2025"]["special_allocation_tax"] == 5_000_000
    study = next(ln for ln in out["lines"] if ln["item"] == 1)
    assert study["cap_yen"] == 5_000_000 and study["rate"] == "0.5" and "上限額を適用" in study["notes"]
    assert "consolidation_study.rate@2025" in study["parameters"]


def test_evaluate_human_output_shows_wareki_and_sen_yen(tmp_path: Path) -> None:
    res = runner.invoke(app, ["fiscal", "evaluate", str(_write(tmp_path, SEED_PLAN, "plan.json"))])
    assert res.exit_code == 0, res.output
    assert "令和7年度" in res.stdout
    assert "千円" in res.stdout
    assert "725,000" in res.stdout or "730,000" in res.stdout


def test_set_overrides_a_cap_from_the_cli(tmp_path: Path) -> None:
    p = _write(tmp_path, SEED_PLAN)
    res = runner.invoke(app, ["fiscal", "evaluate", str(p), "--json", "--set", "consolidation_study.cap@2025=6000000"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [ln["amount_yen"] for ln in out["lines"] if ln["item"] == 1] == [6_000_000]
    assert out["scenario"] == ["consolidation_study.cap@2025=6000000"]


def test_unknown_parameter_in_set_is_one_line_error(tmp_path: Path) -> None:
    res = runner.invoke(app, ["fiscal", "evaluate", str(_write(tmp_path, SEED_PLAN)), "--set", "consolidation_study.kap@2025=1"])
    assert res.exit_code == 1
    assert "consolidation_study.kap" in res.output
    assert "Traceback" not in res.output


def test_bad_plan_exits_non_zero_with_errors_naming_item_and_field(tmp_path: Path) -> None:
    bad = {"items": [SEED_PLAN["items"][1], {**SEED_PLAN["items"][1], "municipality": "292045"}]}
    p = _write(tmp_path, bad)
    res = runner.invoke(app, ["fiscal", "evaluate", str(p), "--json"])
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["lines"] == []
    (err,) = out["errors"]
    assert (err["item"], err["field"]) == (1, "municipality")
    assert err["row"] > 1  # the YAML line where item 1 starts
    assert "292044" in out["errors"][0]["message"]  # the expected check digit
    res = runner.invoke(app, ["fiscal", "evaluate", str(p)])
    assert res.exit_code == 1
    assert "項目2" in res.output and "団体コード" in res.output and "検査数字が一致しません（正: 292044）" in res.output  # items are numbered from 1 where people read
    assert err["item_no"] == 2
    assert "Traceback" not in res.output


def test_unreadable_and_missing_files_are_one_line_errors(tmp_path: Path) -> None:
    p = tmp_path / "plan.yaml"
    p.write_text("items: [\n  {measure: x", encoding="utf-8")
    res = runner.invoke(app, ["fiscal", "evaluate", str(p), "--json"])
    assert res.exit_code == 1
    assert json.loads(res.stdout)["errors"]
    res = runner.invoke(app, ["fiscal", "evaluate", str(tmp_path / "none.yaml")])
    assert res.exit_code == 1
    assert "見つかりません" in res.output


def test_measures_lists_every_measure_with_values_citations_and_confidence() -> None:
    res = runner.invoke(app, ["fiscal", "measures", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    ids = {m["measure"] for m in out["measures"]}
    assert set(MEASURE_FIELDS) <= ids
    for m in out["measures"]:
        for p in m["parameters"]:
            cur = p["current"]
            assert cur["citation"]["title"] and cur["confidence"] in ("confirmed", "unverified", "gap")
    human = runner.invoke(app, ["fiscal", "measures", "--year", "R7"])
    assert human.exit_code == 0
    for word in ("包括的財政措置（中心市）", "公共施設等適正管理推進事業債", "人材確保", "確認済", "未確認", "不明（既定値）"):
        assert word in human.stdout, word
    assert "（comprehensive_central）" not in human.stdout  # the Japanese name only, as on the web


def test_explain_prints_the_trace_in_japanese(tmp_path: Path) -> None:
    p = _write(tmp_path, SEED_PLAN)
    res = runner.invoke(app, ["fiscal", "explain", str(p), "--item", "2"])  # numbered from 1, as evaluate prints
    assert res.exit_code == 0, res.output
    for word in ("措置率", "上限額", "円未満切捨て", "consolidation_study.cap@2025", "出典"):
        assert word in res.stdout, word
    js = runner.invoke(app, ["fiscal", "explain", str(p), "--item", "1", "--json"])
    out = json.loads(js.stdout)
    assert out["lines"][0]["trace"] and (out["item"], out["item_no"]) == (0, 1)
    assert runner.invoke(app, ["fiscal", "explain", str(p), "--item", "0"]).exit_code == 1
    missing = runner.invoke(app, ["fiscal", "explain", str(p), "--item", "9"])
    assert missing.exit_code == 1


def test_excel_template_round_trip_and_row_errors(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "plan.xlsx"
    res = runner.invoke(app, ["fiscal", "template", str(out), "--examples"])
    assert res.exit_code == 0, res.output
    ok = runner.invoke(app, ["fiscal", "evaluate", str(out), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["totals"]["support_yen"] > 0
    wb = load_workbook(out)
    ws = wb["計画"]
    ws.cell(5, 4, "たくさん")  # row 5 = item 1, column D = cost_yen
    wb.save(out)
    bad = runner.invoke(app, ["fiscal", "evaluate", str(out), "--json"])
    assert bad.exit_code == 1
    (err,) = json.loads(bad.stdout)["errors"]
    assert (err["item"], err["field"], err["row"]) == (1, "cost_yen", 5)


def test_shipped_schema_and_template_are_current() -> None:
    from importlib import resources

    shipped = json.loads(resources.files("kouiki.fiscal").joinpath("data", "plan.schema.json").read_text(encoding="utf-8"))
    assert shipped == json_schema(), "regenerate: python -m kouiki.fiscal.template"
    from openpyxl import load_workbook

    from kouiki.fiscal.template import HEADER_ROW, columns

    with resources.as_file(resources.files("kouiki.fiscal").joinpath("data", "plan_template.xlsx")) as p:
        ws = load_workbook(p)["計画"]
        assert [c.value for c in ws[HEADER_ROW] if c.value] == columns()


def test_schema_validates_the_example_plan() -> None:
    import jsonschema

    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)  # checked once above (validate() re-checks every call)
    validator.validate(json.loads(json.dumps(SEED_PLAN)))
    by_name = {"items": [{**SEED_PLAN["items"][1], "municipality": "奈良県生駒市"}]}
    validator.validate(by_name)  # names are accepted as the engine accepts them
    bad = {"items": [{**SEED_PLAN["items"][1], "colour": "red"}]}
    try:
        validator.validate(bad)
        raise AssertionError("schema accepted an unknown field")
    except jsonschema.ValidationError:
        pass
    res = runner.invoke(app, ["fiscal", "schema"])
    assert res.exit_code == 0 and json.loads(res.stdout)["title"].startswith("kouiki")


def test_compare_shows_baseline_scenario_and_delta(tmp_path: Path) -> None:
    from kouiki.fiscal import compare

    out = compare(SEED_PLAN, ["facility_bond.consolidation.allocation_tax_rate@2025=0.6"])
    assert out["totals"]["delta_support_yen"] == 45_000_000
    row = next(r for r in out["items"] if r["kind"] == "ordinary_allocation_tax")
    assert (row["baseline_yen"], row["scenario_yen"]) == (225_000_000, 270_000_000)
    assert out["scenario"] == ["facility_bond.consolidation.allocation_tax_rate@2025=0.6"]
    p = _write(tmp_path, SEED_PLAN)
    res = runner.invoke(app, ["fiscal", "compare", str(p), "--set", "consolidation_study.cap@2025=4000000"])
    assert res.exit_code == 0, res.output
    assert "-1,000" in res.stdout
    assert runner.invoke(app, ["fiscal", "compare", str(p)]).exit_code == 1


def test_yaml_errors_name_the_line_of_the_item(tmp_path: Path) -> None:
    p = tmp_path / "plan.yaml"
    p.write_text(
        "# 計画\nitems:\n  - measure: remote_medicine\n    municipality: 285013\n    fiscal_year: R7\n    cost_yen: 1000\n"
        "  - measure: remote_medicine\n    municipality: 285014\n    fiscal_year: R7\n    cost_yen: 1000\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["fiscal", "evaluate", str(p), "--json"])
    assert res.exit_code == 1
    (err,) = json.loads(res.stdout)["errors"]
    assert (err["item"], err["field"], err["row"]) == (1, "municipality", 7)
    assert "285013" in err["message"]


def test_scenario_file_with_set_overriding_it(tmp_path: Path) -> None:
    p = _write(tmp_path, SEED_PLAN)
    sc = tmp_path / "scenario.yaml"
    sc.write_text(
        "title: 上限引上げ案\noverrides:\n  consolidation_study.cap@2025: 7000000\n"
        "  facility_bond.longevity.allocation_tax_rate@2025: [{fsi_below: '0.5', rate: '0.5'}, {fsi_below: null, rate: '0.3'}]\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["fiscal", "evaluate", str(p), "--json", "--scenario", str(sc)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [ln["amount_yen"] for ln in out["lines"] if ln["item"] == 1] == [6_000_000]
    res = runner.invoke(app, ["fiscal", "evaluate", str(p), "--json", "--scenario", str(sc),
                              "--set", "consolidation_study.cap@2025=5500000"])
    assert [ln["amount_yen"] for ln in json.loads(res.stdout)["lines"] if ln["item"] == 1] == [5_500_000]
    sc.write_text("overrides:\n  consolidation_study.cap@2025: -1\n", encoding="utf-8")
    bad = runner.invoke(app, ["fiscal", "compare", str(p), "--scenario", str(sc)])
    assert bad.exit_code == 1 and "consolidation_study.cap@2025" in bad.output


def test_non_finite_numbers_and_folders_are_clear_errors(tmp_path: Path) -> None:
    from kouiki.fiscal import evaluate

    r = evaluate([{"measure": "remote_medicine", "municipality": "285013", "fiscal_year": 2025, "cost_yen": float("inf")}])
    assert [(e["item"], e["field"]) for e in r.errors] == [(0, "cost_yen")]
    res = runner.invoke(app, ["fiscal", "evaluate", str(tmp_path), "--json"])
    assert res.exit_code == 1 and "フォルダ" in res.stdout
