"""The facilities capability's Excel workbooks: the 更新費用 projection for the 協議会 packet
(:func:`renewal_workbook`) and the empty inventory template users fill in (:func:`inventory_template`).

Report builders live in ``kouiki.reports`` (engines build no report; this was ``facilities/excel.py``).

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
    src = f"kouiki 更新費用試算（{result.parameters.rules_label}）"
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
    rows = [["前提", p.title], ["規則", p.rules_label], ["出典", p.citation], ["端数処理", p.rounding.rule.label],
            ["建替え後の周期の繰返し", "する" if p.repeat_after_rebuild else "しない"]]
    for e in p.events:
        bl = f"、積み残し: 経過{e.backlog.from_age}〜{e.backlog.until_age or ''}年を{e.backlog.spread_years}年度で均等" if e.backlog else ""
        rows.append([e.label, f"経過{e.at_age}年、{e.spread_years}年度に分散、単価「{e.table}」×{e.ratio}{bl}（確度 {e.confidence}）"])
    for cat, costs in p.unit_costs.items():
        rows.append([f"単価 {cat.value}", "、".join(f"{k} {v:,}円/㎡" for k, v in costs.items())])
    _sheet(wb, "前提条件", "試算の前提条件", ["項目", "内容"], rows, src, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    from kouiki.reference.cellsafe import defuse_workbook  # user text is never a live formula
    defuse_workbook(wb)
    wb.save(path)
    return path


TEMPLATE_HEADERS: tuple[tuple[str, str, str], ...] = (
    # (header as users see it, kouiki field, explanation)
    ("施設ID", "facility_id", "施設ごとに一意の記号。棟ごとに行を分けるときは同じ施設IDを繰り返す"),
    ("棟番号", "building_id", "棟ごとに行を分けるときの棟の番号（任意）"),
    ("団体コード", "municipality_code", "全国地方公共団体コード（6桁、5桁も可）"),
    ("施設名", "name", "必須"),
    ("大分類", "category", "一覧から選ぶ（空欄なら施設名から判定し、取込報告に表示）"),
    ("中分類", "subcategory", "任意（集会施設、学校 など）"),
    ("延床面積(㎡)", "floor_area_m2", "不明なら空欄（推計値を入れた場合は「推計項目」に書く）"),
    ("建築年度", "built_year", "西暦・和暦どちらでも（1981、S56、昭和56年度、1981/4/1）"),
    ("緯度", "lat", "世界測地系の10進数（例 34.5965）"),
    ("経度", "lon", "世界測地系の10進数（例 135.8349）"),
    ("定員", "capacity", "任意"),
    ("年間利用者数", "annual_users", "任意（人）"),
    ("年間運営費", "annual_operating_cost_yen", "任意（円）"),
    ("使用料収入", "annual_revenue_yen", "任意（円）"),
    ("使用料", "fee_yen", "任意（円、代表的な1回・1時間の料金）"),
    ("構造", "structure", "任意（RC造 など）"),
    ("所有", "owner", "任意"),
    ("所在地", "address", "任意"),
    ("取得価額", "acquisition_cost_yen", "任意（円、固定資産台帳から）"),
    ("減価償却累計額", "accumulated_depreciation_yen", "任意（円）"),
    ("推計項目", "imputed", "推計値を入れた項目と方法（例 floor_area_m2=設計図書から推計）"),
)


def inventory_template(path: Path | str) -> Path:
    """An empty kouiki inventory template (.xlsx) with a 大分類 drop-down, an example and an explanation sheet."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from kouiki.facilities.model import MajorCategory

    path = Path(path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "施設台帳"
    ws.append([h for h, _f, _e in TEMPLATE_HEADERS])
    fill = PatternFill("solid", fgColor="FFF2CC")  # the yellow input cells users know from the 試算ソフト
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2, max_row=501, max_col=len(TEMPLATE_HEADERS)):
        for c in row:
            c.fill = fill
    dv = DataValidation(type="list", formula1='"' + ",".join(c.value for c in MajorCategory) + '"', allow_blank=True)
    dv.error = "大分類は一覧から選んでください"
    ws.add_data_validation(dv)
    dv.add("E2:E501")
    ws.freeze_panes = "A2"
    for i, (h, _f, _e) in enumerate(TEMPLATE_HEADERS, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(10, len(h) * 2 + 2)
    ex = wb.create_sheet("記入例")
    ex.append([h for h, _f, _e in TEMPLATE_HEADERS])
    ex.append(["S001", "1", "292044", "天理市立朝和小学校", "学校教育系施設", "学校", 3200.5, "昭和56年度", 34.5627, 135.8444,
               None, None, None, None, None, "RC造", "天理市", "奈良県天理市柳本町1003", None, None, None])
    ex.append(["S001", "2", "292044", "天理市立朝和小学校", "学校教育系施設", "学校", 800, "H3", 34.5627, 135.8444,
               None, None, None, None, None, "S造", "天理市", "奈良県天理市柳本町1003", None, None, None])
    ex.append(["H001", None, "292044", "天理市立式上公民館", "市民文化系施設", "集会施設", 650, 1988, 34.558562, 135.825408,
               200, 12000, 15000000, 1500000, 2000, "RC造", "天理市", "奈良県天理市遠田町45-9", None, None,
               "floor_area_m2=設計図書から推計"])
    ex.append(["（記入例の値は架空です）"])
    doc = wb.create_sheet("説明")
    doc.append(["列", "kouiki の項目名", "説明"])
    for h, f, e in TEMPLATE_HEADERS:
        doc.append([h, f, e])
    doc.append([])
    doc.append(["取込み: kouiki facilities import このファイル.xlsx（先頭シート「施設台帳」を読みます）"])
    path.parent.mkdir(parents=True, exist_ok=True)
    from kouiki.reference.cellsafe import defuse_workbook  # user text is never a live formula
    defuse_workbook(wb)
    wb.save(path)
    return path
