"""Tables of the staffing pages (専門人材), built once and shown as HTML, JSON and Excel/CSV (``kouiki.reports``).

Thin: every figure comes from ``kouiki.staffing`` (which evaluates through ``kouiki.fiscal``); these functions
only lay the engine's rows out with 和暦 年度 and 出典.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kouiki.reference.calendar import FiscalYear
from kouiki.reports.table import Column, ColumnKind, ReportTable
from kouiki.staffing.support import MEASURE_JA, body_name

SOURCE = ("kouiki 専門人材（kouiki.staffing）と財政措置エンジン（kouiki.fiscal）: 地方公務員の人材確保に係る"
          "特別交付税措置（R6創設）。各行の出典は JSON 出力の citation 欄")
YEARLESS = "—"


def wareki(year: Any) -> str:
    return FiscalYear(int(year)).wareki() if year is not None else YEARLESS


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def decorate_support(result: dict[str, Any]) -> dict[str, Any]:
    """The support result with 和暦 and Japanese labels beside the engine's fields (for the page)."""
    for b in result.get("bodies", []):
        b["fiscal_year_wareki"] = wareki(b["fiscal_year"])
    for ln in result.get("lines", []):
        o = ln.get("origin") or {}
        ln["fiscal_year_wareki"] = wareki(ln.get("fiscal_year"))
        ln["municipality_name"] = body_name(str(ln["municipality"])) if ln.get("municipality") else ""
        ln["measure_label"] = MEASURE_JA.get(str(ln.get("measure")), str(ln.get("measure")))
        ln["route"] = f"{o.get('post', '')}→{body_name(o['receiver'])}" if o.get("receiver") else ""
    return result


def support_tables(result: dict[str, Any]) -> list[ReportTable]:
    title = result.get("title") or "専門人材"
    bodies = [[b["name"], wareki(b["fiscal_year"]), b.get("salary_yen"), b.get("recruiting_yen"),
               b.get("contribution_paid_yen"), b.get("contribution_received_yen"), b.get("support_yen"),
               b.get("net_cost_yen")] for b in result.get("bodies", [])]
    money = ("人件費（派遣分）", "募集経費", "負担金 支払", "負担金 受取", "措置額", "実質負担")
    t1 = ReportTable(
        title=f"{title} 団体・年度別の負担と措置", sheet_name="団体別の負担と措置",
        columns=[Column("団体", width=16), Column("年度"), *[Column(h, ColumnKind.YEN) for h in money]],
        rows=bodies, source=SOURCE,
        notes=["実質負担 ＝ 人件費（派遣分）＋募集経費＋負担金（支払）－負担金（受取）－措置額",
               *[str(w) for w in result.get("warnings", [])][:20]],
    )
    lines = []
    for ln in decorate_support(result).get("lines", []):
        lines.append([ln["fiscal_year_wareki"], ln["municipality_name"], ln["measure_label"], ln["route"],
                      ln.get("base_yen"), ln.get("amount_yen"), "／".join(ln.get("notes") or []),
                      ln.get("citation") or ""])
    t2 = ReportTable(
        title=f"{title} 措置の明細（対象外は理由つき）", sheet_name="措置の明細",
        columns=[Column("年度"), Column("団体", width=16), Column("措置", width=24), Column("ポスト→派遣先", width=20),
                 Column("基礎額", ColumnKind.YEN), Column("措置額", ColumnKind.YEN), Column("理由・注記", width=40),
                 Column("出典", width=40)],
        rows=lines, source=SOURCE,
    )
    return [t1, t2]


def plan_tables(title: str, plan: dict[str, Any]) -> list[ReportTable]:
    assigned, unmet = [], []
    for y in plan.get("years", []):
        fy = wareki(y["fiscal_year"])
        for a in y.get("assignments", []):
            assigned.append([fy, a["post"], a.get("specialist_type_name") or a["specialist_type"], body_name(a["base"]),
                             body_name(a["receiver"]), _dec(a["days_per_week"]), _dec(a["km_one_way"]),
                             _dec(a["km_per_week"]), "○" if a.get("kept") else ""])
        for u in y.get("unmet", []):
            unmet.append([fy, body_name(u["body"]), u.get("specialist_type_name") or u["specialist_type"],
                          _dec(u["demand_days_per_week"]), _dec(u["unmet_days_per_week"]), u["reason"]])
    src = ("kouiki 専門人材 共同活用計画（kouiki.staffing.sharing: 整数計画 HiGHS）。距離は庁舎間の直線距離×往復"
           "（道路距離ではありません）")
    return [
        ReportTable(
            title=f"{title} 派遣の割当（案）", sheet_name="派遣の割当",
            columns=[Column("年度"), Column("ポスト"), Column("職種"), Column("勤務拠点", width=14),
                     Column("派遣先", width=14), Column("週日数", ColumnKind.DECIMAL),
                     Column("片道km（直線）", ColumnKind.DECIMAL), Column("km/週", ColumnKind.DECIMAL), Column("既存")],
            rows=assigned, source=src, notes=[str(n) for n in plan.get("notes", [])][:20],
        ),
        ReportTable(
            title=f"{title} 充足できない需要", sheet_name="充足できない需要",
            columns=[Column("年度"), Column("団体", width=14), Column("職種"), Column("需要（週日数）", ColumnKind.DECIMAL),
                     Column("不足（週日数）", ColumnKind.DECIMAL), Column("理由", width=40)],
            rows=unmet, source=src,
        ),
    ]


COND = {True: "○", False: "×", None: "—"}


def training_tables(result: dict[str, Any]) -> list[ReportTable]:
    title = result.get("title") or "人材育成"
    checks = [[p["name"], p["programme"], p.get("programme_name") or "", p.get("issue") or "",
               "広域" if p.get("wide_area") else "自団体", COND[p.get("priority_in_plan")],
               COND[p.get("systematic_program")], COND[p.get("numeric_target")], COND[p.get("all_met")],
               "／".join(p.get("reasons") or [])] for p in result.get("programmes", [])]
    lines = [[wareki(ln.get("fiscal_year")), body_name(str(ln["municipality"])), ln.get("programme") or "",
              ln.get("base_yen"), ln.get("amount_yen"), "／".join(ln.get("notes") or []), ln.get("citation") or ""]
             for ln in result.get("lines", [])]
    src = "kouiki 人材育成（kouiki.staffing.training）と財政措置エンジン（kouiki.fiscal）の training"
    return [
        ReportTable(
            title=f"{title} 要件①②③の判定", sheet_name="要件の判定",
            columns=[Column("団体"), Column("研修ID"), Column("研修", width=28), Column("重点課題"), Column("区分"),
                     Column("①"), Column("②"), Column("③"), Column("要件を満たす"), Column("理由", width=40)],
            rows=checks, source=src,
            notes=["① 重点課題が中長期計画に明示され基本方針に位置づけ ② 体系的なプログラム ③ 育成する職員数の数値目標"],
        ),
        ReportTable(
            title=f"{title} 措置の明細", sheet_name="措置の明細",
            columns=[Column("年度"), Column("団体"), Column("研修ID"), Column("対象経費", ColumnKind.YEN),
                     Column("措置額", ColumnKind.YEN), Column("注記", width=40), Column("出典", width=40)],
            rows=lines, source=src,
        ),
    ]
