"""Figures by 年度 per facility (施設カルテ): users, operating cost, revenue … from a CSV/XLSX.

One row per facility and 年度: ``facility_id, fiscal_year, annual_users, operating_cost_yen, revenue_yen``
(Japanese headers: 施設ID, 年度, 利用者数, 運営費/維持管理費/総経費, 使用料収入/利用料金等収入, 指定管理料,
稼働率). 年度 in 西暦 or 和暦 (R5, 令和5年度). Amounts in 円 or 千円 (``unit``). The figures are merged
into ``Facility.yearly`` of an existing inventory; rows naming an unknown facility are rejected.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from kouiki.facilities.importers.common import (
    ImportReport,
    InventoryImportError,
    ValueProblem,
    cell,
    known_headers,
    match_columns,
    parse_decimal,
    read_table,
    start_report,
    text_or_none,
)
from kouiki.facilities.model import YEARLY_BOUNDS, Inventory
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import FiscalYearError

ALIASES: dict[str, tuple[str, ...]] = {
    "facility_id": ("施設ID", "施設番号", "施設コード"),
    "fiscal_year": ("年度", "会計年度"),
    "annual_users": ("利用者数", "延べ利用者数", "年間利用者数"),
    "operating_cost_yen": ("運営費", "維持管理費", "総経費", "年間運営費"),
    "revenue_yen": ("使用料収入", "利用料金等収入", "利用料金収入", "収入"),
    "management_fee_yen": ("指定管理料",),
    "utilization_permille": ("稼働率‰",),
}
MONEY = ("operating_cost_yen", "revenue_yen", "management_fee_yen")


def import_yearly_figures(
    path: Path | str, inventory: Inventory, *, unit: str = "円", strict: bool = False
) -> tuple[Inventory, ImportReport]:
    path = Path(path)
    if unit not in ("円", "千円"):
        raise InventoryImportError(f"単位は「円」か「千円」です: {unit!r}")
    factor = 1000 if unit == "千円" else 1
    table = read_table(path, known=known_headers(ALIASES))
    report = start_report(table, path, "yearly_figures", ALIASES)
    idx, cols, unmatched = match_columns(table.header, ALIASES)
    report.columns, report.unmatched_columns = cols, unmatched
    for req in ("facility_id", "fiscal_year"):
        if req not in idx:
            raise InventoryImportError(f"{path.name}: 必須の列がありません: {ALIASES[req][0]}（{req}）", report)
    known = inventory.by_id()
    figures: dict[str, dict[int, dict[str, int]]] = {}
    for lineno, cells in table.rows:
        report.rows_read += 1
        fid = text_or_none(cell(cells, idx["facility_id"]))
        if not fid or fid not in known:
            report.reject(lineno, cols["facility_id"], "施設IDが施設台帳にありません", fid)
            continue
        raw_year = cell(cells, idx["fiscal_year"])
        try:
            year = FiscalYear.parse(int(raw_year) if isinstance(raw_year, int | float) else str(raw_year)[:40]).year
        except (FiscalYearError, ValueError, OverflowError):
            report.reject(lineno, cols["fiscal_year"], "年度を解釈できません（例: 2023, R5, 令和5年度）", raw_year)
            continue
        row: dict[str, Any] = {}
        ok = True
        for f in ALIASES:
            if f in ("facility_id", "fiscal_year") or f not in idx:
                continue
            try:
                d = parse_decimal(cell(cells, idx[f]), cols[f])
            except ValueProblem as exc:
                report.reject(lineno, cols[f], str(exc), cell(cells, idx[f]))
                ok = False
                continue
            if d is None:
                continue
            v = d * factor if f in MONEY else d
            if v != v.to_integral_value():
                report.reject(lineno, cols[f], f"{cols[f]}は整数（円・人）で指定してください", cell(cells, idx[f]))
                ok = False
                continue
            reason = YEARLY_BOUNDS[f].problem(v)
            if reason:
                report.reject(lineno, cols[f], reason, cell(cells, idx[f]))
                ok = False
                continue
            row[f] = int(v)
        if not ok:
            continue
        figures.setdefault(fid, {})[year] = row
    if strict and report.rejected:
        raise InventoryImportError(f"{path.name}: {report.rows_rejected}行に誤りがあるため取り込みません", report)
    merged = [
        replace(f, yearly={**f.yearly, **figures[f.facility_id]}) if f.facility_id in figures else f
        for f in inventory.facilities
    ]
    report.facilities = len(figures)
    report.notes.append(f"{len(figures)}施設の年度別の数値を取り込みました（金額の単位: {unit}）")
    return Inventory(merged, sources=[*inventory.sources, path.name], notes=list(inventory.notes)), report
