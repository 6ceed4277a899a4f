"""Report tables of the インフラ資産 更新費用 projection (Excel / CSV through :mod:`kouiki.reports.table`).

Moved out of ``facilities/infrastructure.py`` (issue 17): the engine computes, the report layer lays it out.
"""

from __future__ import annotations

from decimal import Decimal

from kouiki.facilities.infrastructure import KINDS, InfrastructureResult
from kouiki.reports.table import Column, ColumnKind, ReportTable


def infrastructure_tables(result: InfrastructureResult, label: str) -> list[ReportTable]:
    """年度 × 種別 and the row list, as :class:`kouiki.reports.table.ReportTable` (千円 display, exact yen)."""
    p = result.parameters
    source = f"{p.title}（{p.rules_label}）; {p.citation}"
    yearly = ReportTable(
        title=f"{label} インフラ資産の更新費用", sheet_name="年度別",
        columns=[Column("年度", width=14), *[Column(a, ColumnKind.YEN) for a in result.by_asset],
                 *[Column(k, ColumnKind.YEN) for k in KINDS], Column("合計", ColumnKind.YEN)],
        rows=[[Column.fiscal_year(y).header, *[v[i] for v in result.by_asset.values()],
               *[result.by_kind[k][i] for k in KINDS], result.total_yen[i]] for i, y in enumerate(result.years)]
        + [["合計", *[sum(v) for v in result.by_asset.values()], *[sum(result.by_kind[k]) for k in KINDS], result.total]],
        source=source,
        notes=[f"積み残し: 耐用年数を超えた資産を最初の{p.overdue_spread_years}年度で均等に更新（kouiki の規則、確度 {p.overdue_confidence}）"],
    )
    rows_table = ReportTable(
        title=f"{label} インフラ資産（行ごとの根拠）", sheet_name="資産",
        columns=[Column("行", ColumnKind.INT), Column("団体コード"), Column("種別"), Column("区分"), Column("名称", width=20),
                 Column("数量", ColumnKind.DECIMAL), Column("単位"), Column("整備年度"), Column("単価（円）", ColumnKind.INT),
                 Column("単価の出所"), Column("計算", width=48), Column("期間内の更新費用", ColumnKind.YEN)],
        rows=[[ln["row"], ln["municipality_code"], ln["asset"], ln["asset_class"], ln["name"], Decimal(ln["quantity"]),
               ln["unit"], "不明" if ln["built_year"] is None else Column.fiscal_year(ln["built_year"]).header,
               ln["unit_cost_yen"], ln["unit_cost_from"], ln["rule"], ln["in_horizon_yen"]] for ln in result.lines],
        source=source,
        notes=[f"除外 {e['row']}行目（{e['asset']}）: {e['reason']}" for e in result.excluded],
    )
    return [yearly, rows_table]
