"""Issue 15 points 2 and 4 on the fiscal CLI: Japanese measure names (also accepted as input), parameter paths
with their Japanese label, Japanese errors, items numbered from 1 and Excel errors naming sheet, row and column."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.fiscal import evaluate
from kouiki.fiscal.params import packaged, parameter_name
from kouiki.fiscal.plan import MEASURE_FIELDS

runner = CliRunner()
IDS = re.compile("|".join(sorted(MEASURE_FIELDS, key=len, reverse=True)))
NEIGHBOR = {"measure": "comprehensive_neighbor", "municipality": "282278", "fiscal_year": 2025, "cost_yen": 20_000_000,
            "has_vision": True}


def _write(tmp_path: Path, items: list[dict[str, object]]) -> Path:
    p = tmp_path / "plan.yaml"
    p.write_text(yaml.safe_dump({"items": items}, allow_unicode=True), encoding="utf-8")
    return p


def test_a_plan_may_name_a_measure_by_its_japanese_name_as_in_the_template_list() -> None:
    by_id = evaluate({"items": [NEIGHBOR]})
    label = packaged().measures["comprehensive_neighbor"].label
    assert label == "包括的財政措置（近隣市町村）"
    for name in (label, "包括的財政措置(近隣市町村)", " 包括的財政措置（近隣市町村） "):
        by_name = evaluate({"items": [{**NEIGHBOR, "measure": name}]})
        assert by_name.ok, by_name.errors
        assert [ln.to_dict() for ln in by_name.lines] == [ln.to_dict() for ln in by_id.lines]
        assert by_name.lines[0].measure == "comprehensive_neighbor"
    wrong = evaluate({"items": [{**NEIGHBOR, "measure": "包括的財政措置（近隣市）"}]})
    assert "措置「包括的財政措置（近隣市）」はありません" in wrong.errors[0]["message"]
    assert "包括的財政措置（近隣市町村）" in wrong.errors[0]["message"]  # the nearest name is suggested


def test_lines_carry_the_japanese_measure_name_and_explanations_name_kinds_in_japanese() -> None:
    r = evaluate({"items": [NEIGHBOR]})
    d = r.lines[0].to_dict(include_trace=True)
    assert d["measure"] == "comprehensive_neighbor" and d["measure_label"] == "包括的財政措置（近隣市町村）"
    assert d["trace"][-1].startswith("→ 特別交付税: ")
    assert not any("special_allocation_tax" in step for step in d["trace"])


def test_warnings_naming_a_parameter_give_its_japanese_name_with_the_path_beside() -> None:
    r = evaluate({"items": [NEIGHBOR]})
    named = [w for w in r.warnings if w.get("parameter")]
    assert named, r.warnings
    for w in named:
        assert f"{parameter_name(w['parameter'])}（{w['parameter']}）" in w["message"]
        assert not w["message"].startswith(w["parameter"].split(".")[0])


def test_cli_text_and_compare_show_japanese_measure_names_never_the_ids(tmp_path: Path) -> None:
    plan = _write(tmp_path, [NEIGHBOR, {"measure": "consolidation_study", "municipality": "282278", "fiscal_year": 2025,
                                        "cost_yen": 12_000_000, "partner_bodies": ["282278", "282081"]}])
    res = runner.invoke(app, ["fiscal", "evaluate", str(plan)], env={"COLUMNS": "120"})
    assert res.exit_code == 0, res.output
    assert "項目1　包括的財政措置（近隣市町村）" in res.output and "項目0" not in res.output
    for line in res.output.splitlines():  # an ID appears only as a parameter path beside its Japanese name
        for m in IDS.finditer(line):
            assert line[m.start() - 1] == "（", line
    cmp = runner.invoke(app, ["fiscal", "compare", str(plan), "--set", "consolidation_study.cap@2025=6000000"],
                        env={"COLUMNS": "160"})
    assert cmp.exit_code == 0, cmp.output
    table = cmp.output.split("\n", 1)[1]  # below the title (which lists the override as typed)
    assert "複数団体による" in table  # the start of the Japanese name (the column may fold it at 80 columns)
    assert "consolidation_study" not in table.split("支援合計の差")[0].split("\n", 1)[1]
    out = json.loads(runner.invoke(app, ["fiscal", "compare", str(plan), "--json", "--set",
                                         "consolidation_study.cap@2025=6000000"]).stdout)
    assert {r["measure_label"] for r in out["items"]} >= {packaged().measures["consolidation_study"].label}


def test_cli_errors_are_japanese_and_number_items_from_one(tmp_path: Path) -> None:
    plan = _write(tmp_path, [NEIGHBOR, {**NEIGHBOR, "municipality": "282277", "fiscal_year": "R99x"}])
    res = runner.invoke(app, ["fiscal", "evaluate", str(plan)])
    assert res.exit_code == 1
    assert "項目2" in res.output and "項目0" not in res.output
    assert "検査数字が一致しません（正: 282278）" in res.output
    assert "年度「R99x」を解釈できません" in res.output
    assert not re.search(r"\((check digit|expected|ambiguous)", res.output)
    out = json.loads(runner.invoke(app, ["fiscal", "evaluate", str(plan), "--json"]).stdout)
    assert {(e["item"], e["item_no"]) for e in out["errors"]} == {(1, 2)}
    assert {e["field_label"] for e in out["errors"]} == {"団体コード", "年度"}


def test_excel_errors_in_the_cli_name_the_sheet_the_row_and_the_column_letter(tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    assert runner.invoke(app, ["fiscal", "template", str(template), "--examples"]).exit_code == 0
    wb = load_workbook(template)
    ws = wb["計画"]
    ws["A4"] = "存在しない措置"
    ws["C5"] = "R99x"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    res = runner.invoke(app, ["fiscal", "evaluate", str(bad)])
    assert res.exit_code == 1
    assert "シート「計画」" in res.output
    assert "4行目 A列（措置・measure）: 措置「存在しない措置」はありません" in res.output
    assert "5行目 C列（年度・fiscal_year）" in res.output
    out = json.loads(runner.invoke(app, ["fiscal", "evaluate", str(bad), "--json"]).stdout)
    first = out["errors"][0]
    assert (first["sheet"], first["row"], first["column"], first["item"], first["item_no"]) == ("計画", 4, "A", 0, 1)


def test_a_filled_template_may_name_measures_by_id_as_in_its_list_sheet(tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    assert runner.invoke(app, ["fiscal", "template", str(template), "--examples"]).exit_code == 0
    wb = load_workbook(template)
    ids_of = {row[0]: row[1] for row in wb["措置一覧"].iter_rows(min_row=2, values_only=True)}
    ws = wb["計画"]
    ids = []
    for row in range(4, ws.max_row + 1):
        label = ws.cell(row, 1).value
        if label:
            ids.append(ids_of[label])
            ws.cell(row, 1, ids_of[label])  # comprehensive_central instead of 「包括的財政措置（中心市）」
    named = tmp_path / "named.xlsx"
    wb.save(named)
    template, named = named, template  # the template itself names the measures in Japanese
    by_name, by_id = evaluate(named), evaluate(template)
    assert ids and by_name.ok, by_name.errors
    assert [ln.measure for ln in by_name.lines] == [ln.measure for ln in by_id.lines]
    assert by_name.totals.to_dict() == by_id.totals.to_dict()


def test_the_template_speaks_the_officers_words_and_reads_them_back(tmp_path: Path) -> None:
    """Measures by name, choices in Japanese, はい/いいえ — no English code an officer would have to type."""
    from kouiki.fiscal.plan import REPAYMENT_CHOICES, SECONDMENT_CHOICES, choice_words
    from kouiki.fiscal.template import HEADER_ROW

    template = tmp_path / "t.xlsx"
    assert runner.invoke(app, ["fiscal", "template", str(template), "--examples"]).exit_code == 0
    wb = load_workbook(template)
    ws = wb["計画"]
    col = {c.value: c.column_letter for c in ws[HEADER_ROW] if c.value}
    cells = [c.value for row in ws.iter_rows(min_row=HEADER_ROW + 1) for c in row if isinstance(c.value, str)]
    assert cells
    english = [v for v in cells if re.fullmatch(r"[a-z_]+", v)]
    assert not english, english  # 「facility_bond」「annuity」「agreement」 were written before
    assert "元利均等" in cells and "連携協約に基づく派遣" in cells and "はい" in cells
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists[f"{col['repayment']}4"] == '"' + ",".join(choice_words(REPAYMENT_CHOICES)) + '"' == '"元利均等,元金均等"'
    assert "連携協約に基づく派遣" in lists[f"{col['secondment']}4"] and "agreement" not in lists[f"{col['secondment']}4"]
    assert set(choice_words(SECONDMENT_CHOICES)) == {"連携協約に基づく派遣", "自治法派遣"}
    assert lists["A4"].startswith("='措置一覧'!$A$2")
    assert wb["措置一覧"]["A2"].value == "包括的財政措置（中心市）" and wb["措置一覧"]["B2"].value == "comprehensive_central"
    res = runner.invoke(app, ["fiscal", "evaluate", str(template), "--json"])
    assert res.exit_code == 0, res.output
    lines = json.loads(res.stdout)["lines"]
    assert {ln["measure"] for ln in lines} >= {"facility_bond", "specialist_salary", "training"}


def test_a_wrong_choice_is_refused_naming_the_japanese_words() -> None:
    from kouiki.fiscal.plan import convert as convert_field
    from kouiki.fiscal.plan import fields_of

    with pytest.raises(ValueError, match="「年賦」は使えません（元利均等、元金均等 のいずれか）"):
        convert_field(fields_of("facility_bond")["repayment"], "年賦")
