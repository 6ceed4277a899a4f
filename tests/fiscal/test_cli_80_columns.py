"""`kouiki fiscal evaluate`, `kouiki fiscal measures` and `kouiki regions status` stay readable in an 80-column
terminal (issue 15 point 7): no line wider than 80, long remarks and sources as numbered notes below the table
(never a narrow column folding a sentence over ten lines), the Japanese name first, no raw Python value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from rich.cells import cell_len
from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.cli.common import Notes, console

runner = CliRunner()
PLAN = {"items": [
    {"measure": "comprehensive_central", "municipality": "282294", "fiscal_year": 2025, "cost_yen": 100_000_000,
     "has_vision": True},
    {"measure": "consolidation_study", "municipality": "282278", "fiscal_year": 2026, "cost_yen": 12_000_000,
     "partner_bodies": ["282278", "282081"]},
    {"measure": "facility_bond", "municipality": "282081", "fiscal_year": 2027, "cost_yen": 300_000_000,
     "category": "longevity"},
]}
RAW = re.compile(r"\b(True|False|None)\b|\{['\"]|\[['\"]")


@pytest.fixture
def narrow() -> Iterator[None]:
    width = console.width
    console.width = 80
    yield
    console.width = width


def _lines(args: list[str]) -> list[str]:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    too_wide = [ln for ln in lines if cell_len(ln) > 80]
    assert not too_wide, too_wide[:3]
    assert not RAW.search(res.stdout), RAW.search(res.stdout)
    return lines


def _longest_run_of_folded_rows(lines: list[str]) -> int:
    """The most consecutive table lines whose first column is empty (one row folded over many lines)."""
    best = run = 0
    for ln in lines:
        run = run + 1 if re.match(r"^│\s+│", ln) else 0
        best = max(best, run)
    return best


def test_evaluate_puts_long_remarks_below_the_table_as_numbered_notes(tmp_path: Path, narrow: None) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(PLAN, allow_unicode=True), encoding="utf-8")
    lines = _lines(["fiscal", "evaluate", str(plan)])
    assert _longest_run_of_folded_rows(lines) <= 1
    rows = [ln for ln in lines if ln.startswith("│ R10 ")]
    assert rows and re.search(r"注[\d,]+ +│$", rows[0]), rows
    notes = [ln for ln in lines if re.match(r"^\s+注\d+ ", ln)]
    assert any("元利償還金" in ln for ln in notes)
    # the same remark on twenty lines of 償還 is one note, not twenty
    assert sum("不交付団体には現金の交付なし" in ln for ln in notes) == 1


def test_measures_print_the_japanese_name_first_and_the_id_in_the_notes(narrow: None) -> None:
    lines = _lines(["fiscal", "measures"])
    assert lines[0].startswith("包括的財政措置（中心市）")
    assert _longest_run_of_folded_rows(lines) <= 2
    assert any(re.match(r"^\s+注\d+ ID：comprehensive_central\.base_cap", ln) for ln in lines)
    row = next(ln for ln in lines if "人口・面積等による上限額の補" in ln)
    assert "方法: 定額" in row


def test_regions_status_lists_its_sources_below_the_table(narrow: None) -> None:
    lines = _lines(["regions", "status"])
    assert _longest_run_of_folded_rows(lines) == 0
    assert any(re.match(r"^\s+出典1 ", ln) for ln in lines)


def test_what_if_help_names_the_value_in_japanese_beside_the_id() -> None:
    res = runner.invoke(app, ["fiscal", "evaluate", "--help"], env={"COLUMNS": "200"})
    assert "措置上限額" in res.stdout and "consolidation_study.cap@2025" in res.stdout


def test_notes_number_each_text_once() -> None:
    notes = Notes()
    assert notes.ref("a", "b") == "注1,2"
    assert notes.ref("b", "", "c") == "注2,3"
    assert notes.ref() == ""
