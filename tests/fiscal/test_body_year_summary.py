"""団体 × 年度 (issue 15): one block per kind of support, each with its own total, never added together; the
same summary in the typed result, ``--json`` (keyed by 団体コード then 年度) and the CLI text."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.fiscal import evaluate

runner = CliRunner()

# 特別交付税 of the plan's year (宍粟市, R7) and a 公適債 whose 交付税算入 runs over 20 years (相生市, from R9).
PLAN = {"items": [
    {"measure": "comprehensive_neighbor", "municipality": "282278", "fiscal_year": 2025, "cost_yen": 20_000_000,
     "has_vision": True},
    {"measure": "consolidation_study", "municipality": "282278", "fiscal_year": 2026, "cost_yen": 12_000_000,
     "partner_bodies": ["282278", "282081"]},
    {"measure": "facility_bond", "municipality": "282081", "fiscal_year": 2027, "cost_yen": 300_000_000,
     "category": "longevity"},
]}


def _plan(tmp_path: Path) -> Path:
    p = tmp_path / "plan.yaml"
    p.write_text(yaml.safe_dump(PLAN, allow_unicode=True), encoding="utf-8")
    return p


def test_the_summary_keeps_special_allocation_tax_apart_from_the_allocation_of_bond_repayments() -> None:
    r = evaluate(PLAN)
    assert r.ok, r.errors
    kinds = [b.kind for b in r.summary.blocks]
    assert kinds == ["special_allocation_tax", "ordinary_allocation_tax"]
    for b in r.summary.blocks:
        from_lines = sum(ln.amount_yen for ln in r.lines if ln.kind == b.kind)
        assert b.total_yen == from_lines > 0  # each block's total is that kind only
        for row in b.rows:
            assert row.total_yen == sum(row.by_fiscal_year.values())
        assert b.total_yen == sum(b.year_totals.values()) == sum(row.total_yen for row in b.rows)
    sat, oat = r.summary.blocks
    assert sat.fiscal_years == [2025, 2026]  # the plan's years
    assert oat.fiscal_years[0] >= 2028 and len(oat.fiscal_years) >= 15  # the 償還 years
    assert [row.code for row in oat.rows] == ["282081"] and oat.rows[0].name == "相生市"
    assert {row.name for row in sat.rows} >= {"宍粟市"}


def test_json_has_the_summary_keyed_by_body_code_then_fiscal_year(tmp_path: Path) -> None:
    res = runner.invoke(app, ["fiscal", "evaluate", str(_plan(tmp_path)), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    summary = out["summary"]
    sat_2025 = sum(ln["amount_yen"] for ln in out["lines"]
                   if ln["municipality"] == "282278" and ln["fiscal_year"] == 2025 and ln["kind"] == "special_allocation_tax")
    assert sat_2025 > 0
    assert summary["by_body"]["282278"]["2025"] == {"special_allocation_tax": sat_2025}
    years = summary["by_body"]["282081"]
    assert all(set(v) == {"ordinary_allocation_tax"} for y, v in years.items() if int(y) >= 2028)
    blocks = {b["kind"]: b for b in summary["blocks"]}
    assert blocks["ordinary_allocation_tax"]["label"] == "交付税算入（地方債の元利償還金）"
    total_oat = sum(ln["amount_yen"] for ln in out["lines"] if ln["kind"] == "ordinary_allocation_tax")
    assert blocks["ordinary_allocation_tax"]["total_yen"] == total_oat
    assert summary["names"]["282081"] == "相生市"


def test_the_cli_headline_prints_two_labelled_figures_and_never_their_sum(tmp_path: Path) -> None:
    res = runner.invoke(app, ["fiscal", "evaluate", str(_plan(tmp_path))], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    r = evaluate(PLAN)
    sat, oat = (b.total_yen for b in r.summary.blocks)
    text = res.output
    assert f"特別交付税（計画の年度）: {round(sat / 1000):,}千円" in text
    assert f"交付税算入（地方債の元利償還金）: {round(oat / 1000):,}千円" in text
    assert f"{round((sat + oat) / 1000):,}" not in text and f"{round(r.totals.support_yen / 1000):,}千円" not in text
    assert "国等の負担（支援）合計" not in text
    assert "団体 × 年度" in text and "宍粟市（282278）" in text and "相生市（282081）" in text
    assert "R7" in text and "R28" in text  # 和暦 columns, the 償還 years split over several 80-column tables
    assert all(len(line) <= 80 for line in text.splitlines() if line.startswith(("┃", "│", "┏", "└")))
