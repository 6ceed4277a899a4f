from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kouiki.cli import app

runner = CliRunner()


def _json(args: list[str]) -> dict:  # type: ignore[type-arg]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_plan_demo_json() -> None:
    out = _json(["staffing", "plan", "demo", "--json"])
    assert [y["fiscal_year"] for y in out["years"]] == [2025, 2026, 2027]
    assert out["years"][0]["assignments"]
    assert out["support"]["plan"]["items"]
    assert out["support"]["bodies"]


def test_plan_demo_xlsx_human() -> None:
    res = runner.invoke(app, ["staffing", "plan", "demo-xlsx"])
    assert res.exit_code == 0, res.output
    assert "令和7年度" in res.output and "充足できない需要" in res.output


def test_support_demo_json_and_items() -> None:
    out = _json(["staffing", "support", "demo", "--json"])
    assert any(ln["source"] == "staffing" for ln in out["lines"])
    items = _json(["staffing", "support", "demo", "--items"])
    assert items["items"] and items["refusals"]


def test_support_human() -> None:
    res = runner.invoke(app, ["staffing", "support", "demo"])
    assert res.exit_code == 0, res.output
    assert "団体別の負担と措置" in res.output


def test_training_and_advisor() -> None:
    out = _json(["staffing", "training", "training-demo", "--json"])
    assert {p["programme"] for p in out["programmes"]} == {"PREF-DX", "PREF-GX", "HIRO-MC"}
    adv = _json(["staffing", "advisor", "--body", "青森県", "--field", "広域連携", "--purpose", "training_event", "--json"])
    assert adv["mode"]["name"] == "啓発・研修事業"
    res = runner.invoke(app, ["staffing", "training", "training-demo"])
    assert res.exit_code == 0 and "要件" in res.output


def test_bad_input_is_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("posts:\n  - id: P1\n    employer: 青森県\n", encoding="utf-8")
    res = runner.invoke(app, ["staffing", "support", str(bad)])
    assert res.exit_code == 1
    assert "bad.yaml 2行目" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["staffing", "plan", str(tmp_path / "missing.yaml")])
    assert res.exit_code == 1 and "見つかりません" in res.output


def test_template(tmp_path: Path) -> None:
    from kouiki.staffing.io import load_case

    blank = tmp_path / "blank.xlsx"
    res = runner.invoke(app, ["staffing", "template", str(blank)])
    assert res.exit_code == 0, res.output
    import openpyxl

    assert openpyxl.load_workbook(blank).sheetnames == ["設定", "協約", "議会議決", "ポスト", "派遣", "需要", "記入例", "説明"]
    demo = tmp_path / "demo.xlsx"
    assert runner.invoke(app, ["staffing", "template", str(demo), "--demo"]).exit_code == 0
    assert load_case(demo).secondments == load_case("demo").secondments
    again = runner.invoke(app, ["staffing", "template", str(demo)])
    assert again.exit_code == 1 and "--force" in again.output


def test_what_if_override_reaches_the_engine() -> None:
    base = _json(["staffing", "support", "demo", "--json"])
    more = _json(["staffing", "support", "demo", "--json", "--set", "specialist_contribution.rate@2024=0.8"])
    owani = next(b for b in base["bodies"] if b["municipality"] == "023621" and b["fiscal_year"] == 2025)
    owani2 = next(b for b in more["bodies"] if b["municipality"] == "023621" and b["fiscal_year"] == 2025)
    # 大鰐町 claims on its 自治法派遣 負担金 of 3,000,000: 0.5 → 0.8
    assert owani2["support_yen"] - owani["support_yen"] == 900_000
    bad = runner.invoke(app, ["staffing", "support", "demo", "--set", "nope.rate@2025=1"])
    assert bad.exit_code == 1 and "Traceback" not in bad.output


def test_training_xlsx_and_template(tmp_path: Path) -> None:
    out = _json(["staffing", "training", "training-demo-xlsx", "--json"])
    assert {p["programme"] for p in out["programmes"]} == {"PREF-DX", "PREF-GX", "HIRO-MC"}
    book = tmp_path / "training.xlsx"
    assert runner.invoke(app, ["staffing", "template", str(book), "--training", "--demo"]).exit_code == 0
    again = _json(["staffing", "training", str(book), "--json"])
    assert again["programmes"] == out["programmes"]


def test_plan_and_support_to_excel(tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "plan.xlsx"
    res = runner.invoke(app, ["staffing", "plan", "demo", "--json", "--xlsx", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)  # the Excel note goes to stderr, stdout stays JSON
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["派遣の割当", "充足できない需要", "団体別の負担と措置", "措置の明細", "注意"]
    n_assign = sum(len(y["assignments"]) for y in data["years"])
    assert wb["派遣の割当"].max_row == n_assign + 1
    bodies = wb["団体別の負担と措置"]
    header = [c.value for c in bodies[1]]
    net_col = header.index("実質負担")
    assert sum(r[net_col] for r in bodies.iter_rows(min_row=2, values_only=True)) == data["support"]["totals"]["net_cost_yen"]
    sup = tmp_path / "support.xlsx"
    assert runner.invoke(app, ["staffing", "support", "demo", "--xlsx", str(sup)]).exit_code == 0
    assert openpyxl.load_workbook(sup).sheetnames == ["団体別の負担と措置", "措置の明細", "注意"]


def test_plan_keep_entered_demo() -> None:
    out = _json(["staffing", "plan", "demo", "--keep-entered", "--json"])
    r7 = out["years"][0]
    kept = {(a["post"], a["receiver"]) for a in r7["assignments"] if a["kept"]}
    assert ("CE-1", "023621") in kept  # the 自治法派遣 of the demo stays
    ce = next(a for a in r7["assignments"] if a["post"] == "CE-1" and a["receiver"] == "023621")
    assert ce["days_per_week"] == "3.0"  # entered 3 days although 大鰐町 asked for 2


def test_support_without_secondments(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("years: {from: R7, to: R7}\nposts:\n  - {id: P1, employer: 青森県, type: 保健師, employment: 任期付, salary_yen: 1, start_year: R7}\n", encoding="utf-8")
    res = runner.invoke(app, ["staffing", "support", str(path)])
    assert res.exit_code == 0 and "派遣がないため" in res.output


def test_types() -> None:
    rows = _json(["staffing", "types", "--json"])
    names = {r["name"] for r in rows}
    assert {"保健師", "保育士", "税務", "用地", "移住交流"} <= names
    assert all(r["source"] for r in rows)


def test_items_file_feeds_kouiki_fiscal_evaluate(tmp_path: Path) -> None:
    res = runner.invoke(app, ["staffing", "support", "demo", "--items"])
    assert res.exit_code == 0
    plan = tmp_path / "items.json"
    plan.write_text(res.stdout, encoding="utf-8")
    fiscal = _json(["fiscal", "evaluate", str(plan), "--json"])
    assert fiscal["errors"] == []
    ours = _json(["staffing", "support", "demo", "--json"])
    assert fiscal["totals"]["support_yen"] == ours["totals"]["support_yen"]


def test_training_demo_is_reached_by_the_word_demo_as_in_plan_and_support() -> None:
    assert _json(["staffing", "training", "demo", "--json"]) == _json(["staffing", "training", "training-demo", "--json"])


def test_training_table_shows_whole_cells() -> None:
    res = runner.invoke(app, ["staffing", "training", "demo"])
    assert res.exit_code == 0 and "…" not in res.stdout
