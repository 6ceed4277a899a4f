"""The 更新費用 projection as an Excel workbook (.xlsx) for the 協議会 packet.

Sheets: 更新費用 (年度 × kind), 大分類別, 団体別, 除外, 推計値, 前提条件. Values are exact integer yen with a
display format in 千円 (``#,##0,``) so totals reconcile; each sheet has a title, a 単位 row and an 出典 row,
和暦 年度 labels, frozen panes and an A4 landscape print setup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kouiki.facilities.renewal import RenewalResult
from kouiki.reference.calendar import FiscalYear

THOUSANDS = "#,##0,"  # shows 千円, keeps yen


def _sheet(wb: Any, title: str, heading: str, header: list[str], rows: list[list[Any]], source: str, money_from: int | None) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(title)
    ws.append([heading])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append(["（単位：千円）" if money_from is not None else ""])
    ws.append(header)
    for c in ws[3]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    if money_from is not None:
        for row in ws.iter_rows(min_row=4, max_row=3 + len(rows), min_col=money_from + 1):
            for c in row:
                if isinstance(c.value, int):
                    c.number_format = THOUSANDS
    ws.append([])
    ws.append([f"出典: {source}"])
    ws.freeze_panes = "B4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.column_dimensions["A"].width = 16


def renewal_workbook(result: RenewalResult, path: Path | str, *, label: str = "") -> Path:
    import openpyxl

    path = Path(path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    src = f"kouiki 更新費用試算（{result.parameters.title}; {result.parameters.source_file}）"
    if result.imputed:
        src += f"。延床面積・建築年度に推計値（実際の値ではない）を含む施設 {len(result.imputed)}件"
    years = [FiscalYear(y).wareki() for y in result.years]
    kinds = list(result.by_kind)
    rows = [[years[i], *[result.by_kind[k][i] for k in kinds], result.total_yen[i]] for i in range(len(years))]
    rows.append(["合計", *[sum(result.by_kind[k]) for k in kinds], result.total])
    _sheet(wb, "更新費用", f"{label} 将来の更新費用の推計".strip(), ["年度", *kinds, "合計"], rows, src, 1)
    cats = list(result.by_category)
    rows = [[years[i], *[result.by_category[c][i] for c in cats]] for i in range(len(years))]
    rows.append(["合計", *[sum(result.by_category[c]) for c in cats]])
    _sheet(wb, "大分類別", "大分類別の更新費用", ["年度", *cats], rows, src, 1)
    munis = list(result.by_municipality)
    rows = [[years[i], *[result.by_municipality[m][i] for m in munis]] for i in range(len(years))]
    rows.append(["合計", *[sum(result.by_municipality[m]) for m in munis]])
    _sheet(wb, "団体別", "団体別の更新費用（団体コード）", ["年度", *munis], rows, src, 1)
    _sheet(wb, "除外", "延床面積・建築年度が不明のため除外した施設", ["施設ID", "施設名", "棟", "理由"],
           [[e["facility_id"], e.get("name", ""), e.get("building_id", ""), e["reason"]] for e in result.excluded], src, None)
    _sheet(wb, "推計値", "推計値を使った施設（実際の値ではありません）", ["施設ID", "施設名", "項目", "推計の規則"],
           [[i["facility_id"], i["name"], k, v] for i in result.imputed for k, v in i["fields"].items()], src, None)
    p = result.parameters
    rows = [["前提", p.title], ["ファイル", p.source_file], ["出典", p.citation], ["端数処理", p.rounding.rule.label],
            ["建替え後の周期の繰返し", "する" if p.repeat_after_rebuild else "しない"]]
    for e in p.events:
        bl = f"、積み残し: 経過{e.backlog.from_age}〜{e.backlog.until_age or ''}年を{e.backlog.spread_years}年度で均等" if e.backlog else ""
        rows.append([e.label, f"経過{e.at_age}年、{e.spread_years}年度に分散、単価「{e.table}」×{e.ratio}{bl}（確度 {e.confidence}）"])
    for cat, costs in p.unit_costs.items():
        rows.append([f"単価 {cat.value}", "、".join(f"{k} {v:,}円/㎡" for k, v in costs.items())])
    _sheet(wb, "前提条件", "試算の前提条件", ["項目", "内容"], rows, src, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
