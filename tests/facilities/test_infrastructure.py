"""インフラ資産の更新費用: hand-computed figures from the packaged rules, the reader's errors, the CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.facilities.infrastructure import (
    InfrastructureAsset,
    InfrastructureError,
    InfrastructureParameters,
    project_infrastructure,
    read_assets,
)

HIROSAKI = "022021"


def asset(kind: str, qty: str, **kw: object) -> InfrastructureAsset:
    return InfrastructureAsset(HIROSAKI, kind, Decimal(qty), **kw)  # type: ignore[arg-type]


def test_packaged_rules_carry_their_sources() -> None:
    p = InfrastructureParameters.load()
    assert p.assets["道路"].cycle_years == 15 and p.assets["道路"].unit_costs["一般道路"] == 4700
    assert p.assets["橋梁"].unit_costs["橋梁"] == 448_000 and p.assets["橋梁"].cycle_years == 60
    assert p.assets["上水道管"].unit_costs == {}  # no default by 口径: not found, not guessed
    assert p.assets["下水道管"].unit_costs["更生管"] == 134_000
    assert all(a.source for a in p.assets.values())


def test_roads_are_renewed_by_fifteenths_every_year() -> None:
    r = project_infrastructure([asset("道路", "150000"), asset("道路", "1000", asset_class="自転車歩行者道")], 2025, 3)
    assert r.by_asset["道路"] == [47_000_000 + 180_000] * 3  # 150,000㎡×4,700÷15 and 1,000㎡×2,700÷15


def test_bridges_by_year_and_unknown_years_spread() -> None:
    r = project_infrastructure([asset("橋梁", "100", built_year=1970), asset("橋梁", "600")], 2025, 10)
    known = [0] * 10
    known[5] = 44_800_000  # 1970 + 60 = 2030: 100㎡ × 448,000
    assert r.by_asset["橋梁"] == [k + 4_480_000 for k in known]  # 600㎡ × 448,000 ÷ 60 every 年度


def test_overdue_pipes_are_caught_up_as_backlog_and_water_pipes_need_a_unit_cost() -> None:
    r = project_infrastructure([
        asset("下水道管", "200", asset_class="更生管", built_year=1960),  # due 2010: overdue at 2025
        asset("上水道管", "50", built_year=1990),  # no default 単価 → excluded with the reason
        asset("上水道管", "50", built_year=1990, unit_cost_yen=100_000),  # due 2030
        asset("ガス管", "10"),
    ], 2025, 12)
    assert r.by_kind["積み残し"] == [2_680_000] * 10 + [0, 0]  # 200 m × 134,000 over 10 年度
    assert r.by_asset["上水道管"][5] == 5_000_000 and sum(r.by_asset["上水道管"]) == 5_000_000
    reasons = [e["reason"] for e in r.excluded]
    assert len(reasons) == 2 and "単価" in reasons[0] and "ガス管" in reasons[1]
    assert r.total == sum(r.by_kind["積み残し"]) + sum(r.by_kind["更新"])
    assert sum(sum(v) for v in r.by_municipality.values()) == r.total


def test_reader_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "インフラ.csv"
    bad.write_bytes("団体コード,種別,区分,数量,整備年度\r\n022021,道路,一般道路,abc,\r\n022021,,,5,\r\n".encode("cp932"))
    with pytest.raises(InfrastructureError) as exc:
        read_assets(bad)
    text = str(exc.value)
    assert "インフラ.csv 2行目" in text and "数量が数値ではありません" in text
    assert "3行目 列「種別」" in text and "何も取り込んでいません" in text


def test_cli_json_and_excel_reconcile(tmp_path: Path) -> None:
    f = tmp_path / "assets.csv"
    f.write_bytes(("種別,区分,数量,整備年度,単価\r\n道路,一般道路,30000,,\r\n橋梁,,120,昭和45年度,\r\n"
                   "下水道管,塩ビ管,800,H2,\r\n").encode("cp932"))
    x = tmp_path / "infra.xlsx"
    res = CliRunner().invoke(app, ["facilities", "infrastructure", str(f), "--body", HIROSAKI, "--start-year", "R7",
                                   "--years", "40", "--xlsx", str(x), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["summary"]["rows_included"] == 3 and d["years"][0] == 2025
    assert d["by_asset"]["下水道管"][2040 - 2025] == 800 * 124_000  # 1990 + 50 = 2040
    import openpyxl

    ws = openpyxl.load_workbook(x)["年度別"]
    total_row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "合計")
    assert total_row[-1] == d["summary"]["total_yen"]
