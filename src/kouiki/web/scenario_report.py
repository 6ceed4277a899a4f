"""The scenario report for the 協議会, from the facility-planning evaluation: tables (Excel/CSV) and A4 PDF.

Every figure comes from :func:`kouiki.facilities.evaluate.evaluate`; this module only lays it out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kouiki.facilities.model import Facility
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Region
from kouiki.reports.table import Column, ColumnKind, ReportTable
from kouiki.store.scenarios import ScenarioRow

SOURCE = ("kouiki 施設計画シナリオ評価（kouiki.facilities.evaluate）: 施設データは各団体の公共施設一覧、"
          "更新費用は総務省 更新費用試算ソフトの既定値（renewal.yaml）による")


def _dec(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def body_rows(evaluation: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per body: 施設数, 延床面積 and 40-year costs before/after (all from the evaluation)."""
    fa = evaluation["floor_area"]["by_municipality"]
    costs = evaluation["costs"].get("by_municipality", {})
    counts = evaluation.get("counts", {})
    out = []
    for code in evaluation["scenario"]["bodies"]:
        f = fa.get(code, {})
        c = costs.get(code, {})
        n = counts.get(code, {})
        out.append({
            "code": code, "name": registry().by_code(code).name,
            "count_before": n.get("before", 0), "count_after": n.get("after", 0),
            "area_before": _dec(f.get("before_m2")), "area_after": _dec(f.get("after_m2")),
            "cost_before": c.get("baseline_yen"), "cost_after": c.get("scenario_yen"), "savings": c.get("savings_yen"),
        })
    return out


def before_after_table(region: Region, row: ScenarioRow, evaluation: dict[str, Any]) -> ReportTable:
    years = evaluation["costs"]["years"]
    period = f"{FiscalYear(years[0]).wareki()}〜{FiscalYear(years[-1]).wareki()}" if years else ""
    rows = [[b["code"], b["name"], b["count_before"], b["count_after"], b["area_before"], b["area_after"],
             b["cost_before"], b["cost_after"], b["savings"]] for b in body_rows(evaluation)]
    fa = evaluation["floor_area"]
    nominal = evaluation["costs"]["nominal"]
    counts = evaluation.get("counts", {})
    rows.append(["", "合計", sum(c["before"] for c in counts.values()), sum(c["after"] for c in counts.values()),
                 _dec(fa["before_m2"]), _dec(fa["after_m2"]), nominal["baseline_yen"], nominal["scenario_yen"],
                 nominal["savings_yen"]])
    notes = []
    if fa.get("imputed"):
        notes.append(f"{fa.get('imputed_note', '推計値を含みます')}（{len(fa['imputed'])}件）")
    if fa.get("excluded"):
        notes.append(f"延床面積が不明で集計から除いた施設 {len(fa['excluded'])}件")
    notes.append(f"費用は{period}の名目額（更新費用＋運営費＋事業費）。割引後の差額は"
                 f"{evaluation['costs']['discounted']['savings_yen']:,}円（割引率 {evaluation['costs']['discount_rate']}）")
    return ReportTable(
        title=f"{region.name} シナリオ「{row.name}」団体別の前後比較", sheet_name="団体別前後比較",
        columns=[Column("団体コード"), Column("団体名", width=14), Column("施設数（前）", ColumnKind.INT),
                 Column("施設数（後）", ColumnKind.INT), Column("延床面積㎡（前）", ColumnKind.DECIMAL),
                 Column("延床面積㎡（後）", ColumnKind.DECIMAL), Column("40年費用（前）", ColumnKind.YEN),
                 Column("40年費用（後）", ColumnKind.YEN), Column("削減額", ColumnKind.YEN)],
        rows=rows, source=SOURCE, notes=notes,
    )


def yearly_cost_table(region: Region, row: ScenarioRow, evaluation: dict[str, Any]) -> ReportTable:
    """年度別費用: 和暦の年度を列見出しに、現状維持とシナリオの総費用."""
    costs = evaluation["costs"]
    years: list[int] = costs["years"]
    base, scen = costs["baseline"], costs["scenario"]
    rows: list[list[Any]] = [
        ["現状維持", "更新費用", *base["renewal_yen"]],
        ["現状維持", "運営費", *base["operating_yen"]],
        ["現状維持", "合計", *base["total_yen"]],
        ["シナリオ", "更新費用", *scen["renewal_yen"]],
        ["シナリオ", "運営費", *scen["operating_yen"]],
        ["シナリオ", "事業費", *scen["capital_yen"]],
        ["シナリオ", "合計", *scen["total_yen"]],
    ]
    return ReportTable(
        title=f"{region.name} シナリオ「{row.name}」年度別費用", sheet_name="年度別費用",
        columns=[Column("区分"), Column("費目"), *[Column.fiscal_year(y) for y in years]],
        rows=rows, source=SOURCE,
    )


def financing_table(region: Region, row: ScenarioRow, evaluation: dict[str, Any]) -> ReportTable:
    """財源（年度別）: the fiscal engine's lines summed per 年度 and kind; notes say when it is not installed."""
    fin = evaluation.get("financing", {})
    result = fin.get("engine") or fin.get("result") or {}
    lines = result.get("lines", []) if isinstance(result, dict) else []
    kinds = {"special_allocation_tax": "特別交付税", "ordinary_allocation_tax": "普通交付税（基準財政需要額算入）",
             "national_subsidy": "国庫補助", "bond": "地方債", "loan": "貸付・融資"}
    by: dict[tuple[str, int], int] = {}
    years: set[int] = set()
    for ln in lines:
        fy = int(ln["fiscal_year"])
        years.add(fy)
        by[(ln["kind"], fy)] = by.get((ln["kind"], fy), 0) + int(ln["amount_yen"])
    ordered = sorted(years)
    rows = [[label, *[by.get((kind, y), 0) for y in ordered]] for kind, label in kinds.items()
            if any((kind, y) in by for y in ordered)]
    notes = list(fin.get("notes", []))
    if not lines:
        notes.append("財源の行はありません（財政措置エンジンの結果がないか、対象の取組がありません）")
    return ReportTable(
        title=f"{region.name} シナリオ「{row.name}」財源（年度別）", sheet_name="財源",
        columns=[Column("種類", width=30), *[Column.fiscal_year(y) for y in ordered]],
        rows=rows, source="kouiki 財政措置エンジン（kouiki.fiscal）: 各行の根拠・出典は JSON 出力の lines に記載", notes=notes,
    )


def actions_table(region: Region, row: ScenarioRow) -> ReportTable:
    labels = {"consolidate": "集約化・複合化", "close": "廃止", "demolish": "除却", "convert": "転用",
              "mutual_use": "相互利用"}
    rows: list[list[Any]] = []
    for a in row.document.get("actions", []):
        targets = a.get("sources") or a.get("facilities") or []
        into = a.get("target") or (a.get("new_site") or {}).get("name") or "—"
        rows.append([a.get("id"), labels.get(a.get("type", ""), a.get("type")), "、".join(targets), into,
                     registry().by_code(a["lead_body"]).name if a.get("lead_body") else "—",
                     FiscalYear(int(a["fiscal_year"])).wareki() if a.get("fiscal_year") else "—",
                     int(a.get("construction_cost_yen", 0) or a.get("cost_yen", 0))])
    return ReportTable(
        title=f"{region.name} シナリオ「{row.name}」の取組", sheet_name="取組",
        columns=[Column("ID"), Column("種類"), Column("対象施設", width=30), Column("統合先"), Column("事業主体"),
                 Column("実施年度"), Column("事業費", ColumnKind.YEN)],
        rows=rows, source="シナリオの定義（kouiki 施設計画シナリオ形式）",
    )


def scenario_tables(region: Region, row: ScenarioRow, evaluation: dict[str, Any]) -> list[ReportTable]:
    return [before_after_table(region, row, evaluation), yearly_cost_table(region, row, evaluation),
            financing_table(region, row, evaluation), actions_table(region, row)]


def scenario_pdf(region: Region, row: ScenarioRow, evaluation: dict[str, Any], facilities: list[Facility]) -> bytes:
    from kouiki.reports.pdf import scenario_report_pdf
    from kouiki.web.maps import feature_collection
    from kouiki.web.views import member_rows

    return scenario_report_pdf(region, row.name, evaluation, facilities, scenario_tables(region, row, evaluation),
                               boundaries=feature_collection(member_rows(region)))
