"""Excel output of a sharing plan and its support (for the 協議会 and the 財政課): one sheet per table.

Money stays in integer yen in the cells (formatted ``#,##0``); 年度 are shown in 和暦 with the 西暦 beside.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kouiki.fiscal.model import KIND_SHORT
from kouiki.reference.calendar import FiscalYear
from kouiki.staffing.sharing import SharingPlan
from kouiki.staffing.support import MEASURE_JA, SupportResult, body_name

YEN = "#,##0"


def _sheet(wb: Any, title: str, header: list[str], rows: list[list[Any]], money_cols: set[int]) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col in money_cols:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
            cell.number_format = YEN
    for i, h in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, min(60, len(h) * 2 + 4))
    ws.freeze_panes = "A2"


def _fy(year: int) -> str:
    return FiscalYear(year).label(with_western=True)


def write_xlsx(path: Path, support: SupportResult, plan: SharingPlan | None = None) -> None:
    """Write the plan (if any) and the support result to ``path`` (.xlsx)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    case = support.case
    if plan is not None:
        _sheet(
            wb,
            "派遣の割当",
            ["年度", "ポスト", "職種", "勤務拠点", "派遣先", "団体コード", "週日数", "片道km（直線）", "km/週"],
            [
                [_fy(y.fiscal_year), a["post"], case.type_name(a["specialist_type"]), body_name(a["base"]),
                 body_name(a["receiver"]), a["receiver"], float(a["days_per_week"]), float(a["km_one_way"]),
                 float(a["km_per_week"])]
                for y in plan.years
                for a in y.assignments
            ],
            set(),
        )
        _sheet(
            wb,
            "充足できない需要",
            ["年度", "団体", "団体コード", "職種", "需要（週日数）", "不足（週日数）", "理由"],
            [
                [_fy(y.fiscal_year), body_name(u["body"]), u["body"], case.type_name(u["specialist_type"]),
                 float(u["demand_days_per_week"]), float(u["unmet_days_per_week"]), u["reason"]]
                for y in plan.years
                for u in y.unmet
            ],
            set(),
        )
    _sheet(
        wb,
        "団体別の負担と措置",
        ["年度", "団体", "団体コード", "人件費（派遣分）", "募集経費", "負担金 支払", "負担金 受取", "措置額", "実質負担",
         "参考: 自団体業務分の人件費"],
        [
            [_fy(b["fiscal_year"]), b["name"], b["municipality"], b["salary_yen"], b["recruiting_yen"],
             b["contribution_paid_yen"], b["contribution_received_yen"],
             "不明" if b["support_yen"] is None else b["support_yen"],
             "不明" if b["net_cost_yen"] is None else b["net_cost_yen"], b.get("own_work_salary_yen", 0)]
            for b in support.bodies
        ],
        {3, 4, 5, 6, 7, 8, 9},
    )
    _sheet(
        wb,
        "措置の明細",
        ["年度", "団体", "措置", "区分", "ポスト", "派遣先", "基礎額", "率", "上限額", "措置額", "理由・注記", "出典", "判定"],
        [
            [_fy(int(ln["fiscal_year"])), body_name(str(ln["municipality"])),
             MEASURE_JA.get(str(ln["measure"]), str(ln["measure"])), KIND_SHORT.get(str(ln.get("kind")), ln.get("kind")),
             (ln.get("origin") or {}).get("post"), body_name((ln.get("origin") or {}).get("receiver") or ""),
             int(ln.get("base_yen") or 0), None if ln.get("rate") is None else str(ln["rate"]), ln.get("cap_yen"),
             int(ln.get("amount_yen") or 0), "；".join(ln.get("notes") or []),
             ln.get("citation") if isinstance(ln.get("citation"), str) else None,
             "財政措置エンジン" if ln.get("source") == "fiscal" else "staffing（協約・雇用形態）"]
            for ln in support.lines
        ],
        {6, 8, 9},
    )
    notes = [[w] for w in support.warnings] + ([[n] for n in plan.notes] if plan is not None else [])
    _sheet(wb, "注意", ["注意・前提"], notes, set())
    from kouiki.reference.cellsafe import defuse_workbook  # user text is never a live formula
    defuse_workbook(wb)
    wb.save(path)
