"""Excel workbook of a scenario evaluation (協議会資料): summary, net burden by body × 年度, fiscal lines, costs,
access and fees. A surface only: every figure is copied from :func:`kouiki.facilities.evaluate.evaluate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import get as get_body

YEN = "#,##0"
HEAD = PatternFill("solid", fgColor="DDEBF7")
KIND_LABEL = {
    "national_subsidy": "国庫補助", "special_allocation_tax": "特別交付税", "ordinary_allocation_tax": "普通交付税算入",
    "bond": "地方債", "loan": "貸付", "info": "情報",
}


def _name(code: str) -> str:
    try:
        return get_body(code).name
    except KouikiError:
        return code


def _header(ws: Any, row: int, values: list[Any]) -> None:
    for c, v in enumerate(values, start=1):
        cell = ws.cell(row=row, column=c, value=v)
        cell.font = Font(bold=True)
        cell.fill = HEAD
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _widths(ws: Any, widths: list[int]) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def write(result: dict[str, Any], path: Path) -> Path:
    """Write the evaluation ``result`` to an .xlsx file; amounts are integer yen with 3-digit grouping."""
    wb = Workbook()
    _summary(wb.active, result)
    _net_burden(wb.create_sheet("実質負担"), result)
    _net_burden(wb.create_sheet("現金負担（不交付団体）"), result, cash=True)
    _lines(wb.create_sheet("財政措置明細"), result)
    _costs(wb.create_sheet("40年の費用"), result)
    _access(wb.create_sheet("アクセス"), result)
    _fees(wb.create_sheet("使用料"), result)
    wb.save(path)
    return Path(path)


def _summary(ws: Any, r: dict[str, Any]) -> None:
    ws.title = "概要"
    s, f, c = r["scenario"], r["floor_area"], r["costs"]
    fin = r["financing"].get("engine") or {}
    totals = fin.get("totals") or {}
    rows: list[tuple[str, Any]] = [
        ("シナリオ", s["name"]),
        ("期間", f"{FiscalYear(s['start_fiscal_year']).wareki()}から{s['horizon_years']}年間"),
        ("対象団体", "、".join(_name(b) for b in s["bodies"])),
        ("延床面積（前）㎡", float(f["before_m2"])),
        ("延床面積（後）㎡", float(f["after_m2"])),
        ("延床面積の減少（公適債の要件）", {True: "満たす", False: "満たさない", None: "判定不能"}[f["reduced"]]),
        ("40年の費用 現状（名目, 円）", c["nominal"]["baseline_yen"]),
        ("40年の費用 シナリオ（名目, 円）", c["nominal"]["scenario_yen"]),
        ("削減額（名目, 円）", c["nominal"]["savings_yen"]),
        (f"削減額（割引率{c['discount_rate']}, 円）", c["discounted"]["savings_yen"]),
        ("国等の支援（補助・特交・交付税算入, 円）", totals.get("support_yen")),
        ("地方債（円）", totals.get("financing_yen")),
    ]
    _header(ws, 1, ["項目", "値"])
    for i, (k, v) in enumerate(rows, start=2):
        ws.cell(row=i, column=1, value=k)
        cell = ws.cell(row=i, column=2, value=v)
        if isinstance(v, int):
            cell.number_format = YEN
    notes = []
    if f.get("imputed_note"):
        notes.append(f"延床面積に推計値を含みます（{len(f['imputed'])} 施設）。実測値ではありません。")
    demand = (r.get("access") or {}).get("demand") or {}
    if demand.get("approximate"):
        notes.append(str(demand.get("rule")))
    if c.get("operating_cost_note"):
        notes.append(c["operating_cost_note"])
    notes += r["financing"].get("notes") or []
    notes.append("普通交付税算入は基準財政需要額への算入で、不交付団体には現金の交付はありません。")
    row = len(rows) + 3
    ws.cell(row=row, column=1, value="注記").font = Font(bold=True)
    for i, n in enumerate(notes, start=row + 1):
        ws.cell(row=i, column=1, value=n)
    _widths(ws, [44, 60])


def _net_burden(ws: Any, r: dict[str, Any], cash: bool = False) -> None:
    key = "cash_burden_by_municipality" if cash else "net_burden_by_municipality"
    nb: dict[str, dict[str, int]] = (r.get("sharing") or {}).get(key) or {}
    years = sorted({int(y) for ys in nb.values() for y in ys})
    title = ("現金ベースの負担（普通交付税算入を差し引かない: 不交付団体の場合、負担金按分後、円）" if cash else
             "実質負担（事業費 − 国庫補助 − 地方債 + 元利償還金 − 特別交付税 − 普通交付税算入、負担金按分後、円）")
    ws.cell(row=1, column=1, value=title)
    _header(ws, 2, ["団体", *[FiscalYear(y).wareki() for y in years], "計"])
    for i, (body, ys) in enumerate(sorted(nb.items()), start=3):
        ws.cell(row=i, column=1, value=_name(body))
        for j, y in enumerate(years, start=2):
            ws.cell(row=i, column=j, value=ys.get(str(y), 0)).number_format = YEN
        ws.cell(row=i, column=len(years) + 2, value=sum(ys.values())).number_format = YEN
    _widths(ws, [12] + [14] * (len(years) + 1))


def _lines(ws: Any, r: dict[str, Any]) -> None:
    fin = r["financing"]
    items = fin.get("plan_items") or []
    lines = (fin.get("engine") or {}).get("lines") or []
    _header(ws, 1, ["明細", "action", "措置", "団体", "年度", "種類", "基礎額", "率", "上限", "額", "注記", "根拠"])
    for i, ln in enumerate(lines, start=2):
        it = items[ln["item"]] if 0 <= ln["item"] < len(items) else {}
        vals = [ln["item"], it.get("action"), ln["measure"], _name(ln["municipality"]), FiscalYear(ln["fiscal_year"]).wareki(),
                KIND_LABEL.get(ln["kind"], ln["kind"]), ln["base_yen"], ln.get("rate"), ln.get("cap_yen"), ln["amount_yen"],
                " / ".join(ln.get("notes") or []), ln.get("citation")]
        for j, v in enumerate(vals, start=1):
            cell = ws.cell(row=i, column=j, value=v)
            if j in (7, 9, 10) and isinstance(v, int):
                cell.number_format = YEN
    _widths(ws, [6, 14, 26, 10, 12, 14, 16, 8, 14, 16, 60, 40])


def _costs(ws: Any, r: dict[str, Any]) -> None:
    c = r["costs"]
    _header(ws, 1, ["年度", "現状 更新費用", "現状 運営費", "現状 計", "シナリオ 更新費用", "シナリオ 運営費", "シナリオ 事業費", "シナリオ 計"])
    for i, y in enumerate(c["years"]):
        vals = [FiscalYear(y).wareki(), c["baseline"]["renewal_yen"][i], c["baseline"]["operating_yen"][i],
                c["baseline"]["total_yen"][i], c["scenario"]["renewal_yen"][i], c["scenario"]["operating_yen"][i],
                c["scenario"]["capital_yen"][i], c["scenario"]["total_yen"][i]]
        for j, v in enumerate(vals, start=1):
            cell = ws.cell(row=i + 2, column=j, value=v)
            if j > 1:
                cell.number_format = YEN
    _widths(ws, [12] + [18] * 7)


def _access(ws: Any, r: dict[str, Any]) -> None:
    acc = r.get("access") or {}
    groups = list((acc.get("by_category") or {}).items()) + [
        (f"中分類 {k}", v) for k, v in (acc.get("by_subcategory") or {}).items()]
    row = 1
    for name, ch in groups:
        t = ch["before"]["threshold_minutes"]
        ws.cell(row=row, column=1, value=f"{name}: 最寄り施設までの所要時間（分）").font = Font(bold=True)
        _header(ws, row + 1, ["団体", "人口", "平均 前", "平均 後", "90% 前", "90% 後", f"{t}分圏 前", f"{t}分圏 後", "圏外になる人口"])
        lost = ch["lose_access"]["by_municipality"]
        row += 2
        for body in sorted(ch["before"]["by_municipality"]):
            b, a = ch["before"]["by_municipality"][body], ch["after"]["by_municipality"].get(body, {})
            vals = [_name(body), b["population"], b["mean_minutes"], a.get("mean_minutes"), b["p90_minutes"], a.get("p90_minutes"),
                    b["share_within"], a.get("share_within"), lost.get(body, 0)]
            for j, v in enumerate(vals, start=1):
                cell = ws.cell(row=row, column=j, value=v)
                if j in (7, 8):
                    cell.number_format = "0.0%"
            row += 1
        row += 1
    _widths(ws, [14, 10, 10, 10, 10, 10, 10, 10, 14])


def _fees(ws: Any, r: dict[str, Any]) -> None:
    row = 1
    for fee in r.get("fees") or []:
        ws.cell(row=row, column=1, value=f"{fee['facility_type']}: 統一料金 {fee['unified_fee_yen']:,}円（{fee['basis']}）").font = Font(bold=True)
        _header(ws, row + 1, ["団体", "現行料金", "段階（年度: 料金）", "収入の変化/年", "激変緩和の費用"])
        row += 2
        for body, b in fee["by_municipality"].items():
            steps = "、".join(f"{FiscalYear(s['fiscal_year']).wareki()}: {s['fee_yen']:,}円" for s in b["schedule"])
            vals = [_name(body), b["current_fee_yen"], steps, b.get("revenue_change_yen_per_year"), b.get("smoothing_cost_yen")]
            for j, v in enumerate(vals, start=1):
                cell = ws.cell(row=row, column=j, value=v)
                if j in (2, 4, 5) and isinstance(v, int):
                    cell.number_format = YEN
            row += 1
        row += 1
    _widths(ws, [12, 12, 60, 16, 16])
