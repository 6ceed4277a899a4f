"""The scenario report (協議会資料) from a :class:`~kouiki.facilities.result.ScenarioResult`: the one builder that
the CLI (``kouiki facilities evaluate --xlsx/--pdf``) and the web (``/export/scenarios/{id}.xlsx|csv|pdf``) use.

:func:`scenario_tables` lays the result out as :class:`~kouiki.reports.table.ReportTable` s (Japanese headers, 和暦
年度, money as exact yen shown in 千円); :func:`workbook` writes them through :mod:`kouiki.reports.excel` (A4 print
set-up), :func:`csv` the body-by-body table through :mod:`kouiki.reports.csv`, :func:`pdf` the A4 report through
:mod:`kouiki.reports.pdf`. Every figure is copied from the result; nothing is computed here but sums for 合計 rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kouiki.facilities.result import ScenarioResult, percent
from kouiki.fiscal.model import KIND_LABEL as FISCAL_KIND_LABEL
from kouiki.fiscal.model import KIND_SHORT as FISCAL_KIND_SHORT
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reports.table import Column, ColumnKind, Named, ReportTable

SOURCE = ("kouiki 施設計画シナリオ評価: 施設データは各団体の公共施設一覧、更新費用は総務省 更新費用試算ソフトの"
          "既定単価（renewal.yaml）、財政措置は kouiki 財政措置エンジンによる")
FISCAL_SOURCE = "kouiki 財政措置エンジン（各行の根拠・出典は「財政措置明細」の根拠列と JSON 出力に記載）"
_KIND_ORDER = ("national_subsidy", "special_allocation_tax", "ordinary_allocation_tax", "bond", "loan", "info")
KIND_LABEL = {k: FISCAL_KIND_SHORT[k] if k == "info" else FISCAL_KIND_LABEL[k] for k in _KIND_ORDER}  # the report's order
ACTION_LABEL = {"consolidate": "集約化・複合化", "close": "廃止", "demolish": "除却", "convert": "転用",
                "mutual_use": "相互利用"}
COST_KIND_LABEL = {"construction": "建設・改修", "demolition": "除却", "conversion": "転用", "smoothing": "円滑化経費",
                   "fee_smoothing": "使用料の激変緩和", "council": "協議会の調査検討"}


def body_name(code: str) -> str:
    from kouiki.reference.municipalities import get as get_body

    try:
        return get_body(code).name
    except KouikiError:
        return code


def measure_label(measure: str) -> str:
    """The fiscal measure's Japanese name from its parameter file (the id when the file does not know it)."""
    from kouiki.fiscal import params

    info = params.current().measures.get(measure)
    return info.label if info is not None else (measure or "—")


def wareki(year: int) -> str:
    return FiscalYear(year).wareki()


@dataclass
class ReportContext:
    """What the surface knows beyond the result: the region's name (web) and where the figures came from."""

    region_name: str | None = None
    body_names: Mapping[str, str] = field(default_factory=dict)

    def name(self, code: str) -> str:
        return self.body_names.get(code) or body_name(code)

    def title(self, result: ScenarioResult, what: str) -> str:
        head = f"{self.region_name} " if self.region_name else ""
        return f"{head}シナリオ「{result.scenario.name}」{what}"


# ---- words ---------------------------------------------------------------------------------------


def _sen(yen: int | None) -> str:
    return "—" if yen is None else f"{(Decimal(yen) / 1000).quantize(Decimal(1)):,} 千円"


def headline_lines(result: ScenarioResult) -> list[str]:
    """The summary sentences every surface prints (CLI text, PDF first page, Excel 概要 notes, web)."""
    fa, c = result.floor_area, result.costs
    mark = {True: "減少（公適債の要件を満たす）", False: "減少しない（公適債の対象外）", None: "判定不能（延床面積が不明）"}[fa.reduced]
    lines = [f"延床面積: {fa.before_m2:,} ㎡ → {fa.after_m2:,} ㎡（{fa.change_m2:+,} ㎡、{mark}）"]
    period = f"{wareki(c.years[0])}〜{wareki(c.years[-1])}" if c.years else ""
    lines.append(f"{len(c.years)}年間（{period}）の費用（名目）: 現状維持 {_sen(c.nominal.baseline_yen)}、"
                 f"シナリオ {_sen(c.nominal.scenario_yen)}")
    if c.nominal.savings_yen is None:
        lines.append("削減額: 示していません（入力が足りません。下の注意を参照）")
    else:
        lines.append(f"削減額（名目）: {_sen(c.nominal.savings_yen)}")
        lines.append(f"削減額（現在価値）: {_sen(c.discounted.savings_yen)} — {c.discounted_explanation}")
    return lines


def notes(result: ScenarioResult) -> list[str]:
    """Warnings first (fiscal engine, withheld or estimated inputs), then how to read the figures."""
    out = list(result.warnings)
    fa = result.floor_area
    if fa.imputed:
        out.append(f"延床面積に推計値を含みます（{len(fa.imputed)} 施設）。実測値ではありません")
    if fa.excluded:
        out.append(f"延床面積が不明で集計から除いた施設 {len(fa.excluded)} 件")
    if result.costs.excluded_operating:
        names = "、".join(e.name for e in result.costs.excluded_operating[:5])
        more = " ほか" if len(result.costs.excluded_operating) > 5 else ""
        out.append(f"年間運営費が不明で運営費に含めていない施設 {len(result.costs.excluded_operating)} 件（{names}{more}）")
    if result.costs.operating_cost_from_scenario:
        out.append("運営費の一部は台帳ではなくシナリオで指定した値です")
    demand = result.access.demand
    if demand is not None and demand.approximate and demand.rule:
        out.append(demand.rule)
    out += result.financing.notes
    out.append("普通交付税算入は基準財政需要額への算入で、不交付団体には現金の交付はありません")
    return out


def _japanese_only(text: str) -> str:
    """A rule text for a Japanese page: the YAML keys given in parentheses for engineers are left out."""
    return re.sub(r"（[a-z_]+）", "", " ".join(text.split()))


# ---- tables --------------------------------------------------------------------------------------


def summary_table(result: ScenarioResult, ctx: ReportContext) -> ReportTable:
    s, c = result.scenario, result.costs
    totals = result.financing.totals
    rows: list[list[Any]] = [
        ["シナリオ", s.name],
        ["期間", f"{wareki(s.start_fiscal_year)}から{s.horizon_years}年間"],
        ["対象団体", "、".join(ctx.name(b) for b in s.bodies)],
        *[["要約", line] for line in headline_lines(result)],
        ["現在価値とは", f"{c.discounted_explanation}（将来の費用ほど小さく数える）。根拠: {' '.join(c.discount_rule.split())}"],
        ["国等の支援（補助・特別交付税・交付税算入）", _sen(totals.get("support_yen"))],
        ["地方債", _sen(totals.get("financing_yen"))],
    ]
    if result.sharing.evaluated:
        for b, total in result.sharing.net_burden_total_by_municipality.items():
            rows.append([f"実質負担（{ctx.name(b)}、{len(c.years)}年間）", _sen(total)])
    return ReportTable(
        title=ctx.title(result, "概要"), sheet_name="概要",
        columns=[Column("項目", width=36), Column("内容", width=90)],
        rows=rows, source=SOURCE, notes=notes(result),
    )


def before_after_table(result: ScenarioResult, ctx: ReportContext) -> ReportTable:
    """団体別の前後比較: 施設数, 延床面積 and the horizon's costs per body."""
    fa, c = result.floor_area, result.costs
    rows: list[list[Any]] = []
    for code in result.scenario.bodies:
        n = result.counts.get(code)
        a = fa.by_municipality.get(code)
        m = c.by_municipality.get(code)
        rows.append([ctx.name(code), n.before if n else 0, n.after if n else 0,
                     a.before_m2 if a else None, a.after_m2 if a else None,
                     m.baseline_yen if m else None, m.scenario_yen if m else None, m.savings_yen if m else None])
    rows.append(["合計", sum(n.before for n in result.counts.values()), sum(n.after for n in result.counts.values()),
                 fa.before_m2, fa.after_m2, c.nominal.baseline_yen, c.nominal.scenario_yen, c.nominal.savings_yen])
    n_years = len(c.years)
    return ReportTable(
        title=ctx.title(result, "団体別の前後比較"), sheet_name="団体別前後比較",
        columns=[Column("団体", width=16), Column("施設数（前）", ColumnKind.INT), Column("施設数（後）", ColumnKind.INT),
                 Column("延床面積㎡（前）", ColumnKind.DECIMAL, 14), Column("延床面積㎡（後）", ColumnKind.DECIMAL, 14),
                 Column(f"{n_years}年費用（前）", ColumnKind.YEN, 14), Column(f"{n_years}年費用（後）", ColumnKind.YEN, 14),
                 Column("削減額", ColumnKind.YEN, 14)],
        rows=rows, source=SOURCE,
        notes=[f"費用は名目額（更新費用＋運営費＋事業費、負担金による按分前）。{c.discounted_explanation}は「概要」に記載",
               *result.costs.savings_withheld],
    )


def _burden_table(result: ScenarioResult, ctx: ReportContext, cash: bool) -> ReportTable:
    nb = result.sharing.cash_burden_by_municipality if cash else result.sharing.net_burden_by_municipality
    years = sorted({y for ys in nb.values() for y in ys})
    rows = [[ctx.name(b), *[ys.get(y, 0) for y in years], sum(ys.values())] for b, ys in nb.items()]
    if cash:
        title, sheet = "現金ベースの負担（不交付団体: 普通交付税算入を差し引かない、負担金按分後）", "現金負担（不交付団体）"
    else:
        title, sheet = "実質負担（負担金按分後）", "実質負担"
    notes = [result.financing.to_dict()["net_burden_rule"]] if not cash else [result.sharing.CASH_RULE]
    if not result.sharing.evaluated:
        notes += result.sharing.notes or ["財政措置の結果がないため実質負担は計算していません"]
    return ReportTable(
        title=ctx.title(result, title), sheet_name=sheet,
        columns=[Column("団体", width=14), *[Column.fiscal_year(y) for y in years], Column("計", ColumnKind.YEN, 14)],
        rows=rows, source=FISCAL_SOURCE, notes=notes,
    )


def sharing_table(result: ScenarioResult, ctx: ReportContext) -> ReportTable:
    """負担の按分: each action's rule and each body's share and total (負担金)."""
    labels = {a["id"]: a.get("label") or a["id"] for a in result.scenario.actions}
    rows: list[list[Any]] = []
    for act, sh in result.sharing.by_action.items():
        what = labels.get(act) or ("協議会の調査検討" if act.startswith("council:") else
                                   "使用料の激変緩和" if act.startswith("fees:") else act)
        totals = sh.total_by_municipality
        for b in sh.bodies:
            share = sh.shares.get(b) if sh.shares else None
            rows.append([what, sh.rule, ctx.name(b), "—" if share is None else (share * 100).quantize(Decimal("0.01")),
                         totals.get(b, 0)])
    return ReportTable(
        title=ctx.title(result, "負担の按分（実質負担の団体間の分け方）"), sheet_name="負担の按分",
        columns=[Column("取組", width=28), Column("按分の方法", width=30), Column("団体", width=14),
                 Column("割合（%）", ColumnKind.DECIMAL), Column("実質負担の計", ColumnKind.YEN, 14)],
        rows=rows, source=FISCAL_SOURCE,
        notes=[_japanese_only(result.sharing.rule)] if result.sharing.rule else list(result.sharing.notes),
    )


def financing_table(result: ScenarioResult, ctx: ReportContext) -> ReportTable:
    """財源（年度別）: the fiscal engine's lines summed per 年度 and kind."""
    by: dict[tuple[str, int], int] = {}
    years: set[int] = set()
    for ln in result.financing.engine_lines:
        fy = int(ln["fiscal_year"])
        years.add(fy)
        by[(ln["kind"], fy)] = by.get((ln["kind"], fy), 0) + int(ln["amount_yen"])
    ordered = sorted(years)
    kinds = [k for k in KIND_LABEL if k != "info"]
    rows = [[KIND_LABEL[kind], *[by.get((kind, y), 0) for y in ordered]] for kind in kinds
            if any((kind, y) in by for y in ordered)]
    notes = [*result.financing.warning_texts(result.action_labels), *result.financing.notes]
    if not ordered:
        notes.append("財源の行はありません（財政措置エンジンの結果がないか、対象の取組がありません）")
    return ReportTable(
        title=ctx.title(result, "財源（年度別）"), sheet_name="財源",
        columns=[Column("種類", width=30), *[Column.fiscal_year(y) for y in ordered]],
        rows=rows, source=FISCAL_SOURCE, notes=notes,
    )


def lines_table(result: ScenarioResult, ctx: ReportContext) -> ReportTable:
    """財政措置明細: one row per line of the fiscal engine."""
    items = result.financing.items
    rows: list[list[Any]] = []
    for ln in result.financing.engine_lines:
        i = int(ln.get("item", -1))
        act = result.action_labels.get(items[i].action, items[i].action) if 0 <= i < len(items) else ""
        rate = ln.get("rate")
        rows.append([i + 1, act, measure_label(str(ln.get("measure", ""))), ctx.name(str(ln["municipality"])),
                     wareki(int(ln["fiscal_year"])), KIND_LABEL.get(str(ln["kind"]), str(ln["kind"])), ln.get("base_yen"),
                     None if rate is None else percent(Decimal(str(rate))), ln.get("cap_yen"), int(ln["amount_yen"]),
                     " / ".join(ln.get("notes") or []), ln.get("citation") or ""])
    return ReportTable(
        title=ctx.title(result, "財政措置明細"), sheet_name="財政措置明細",
        columns=[Column("明細", ColumnKind.INT, 6), Column("取組", width=14), Column("措置", width=30), Column("団体", width=10),
                 Column("年度", width=12), Column("種類", width=14), Column("基礎額", ColumnKind.YEN, 14), Column("率", width=8),
                 Column("上限", ColumnKind.YEN, 14), Column("額", ColumnKind.YEN, 14), Column("注記", width=50),
                 Column("根拠", width=40)],
        rows=rows, source=FISCAL_SOURCE,
    )


def yearly_cost_table(result: ScenarioResult, ctx: ReportContext) -> ReportTable:
    """年度別費用: 和暦 年度 as column headers, 現状維持 vs シナリオ by cost kind."""
    c = result.costs
    base, scen = c.baseline, c.scenario
    rows: list[list[Any]] = [
        ["現状維持", "更新費用", *base.renewal_yen],
        ["現状維持", "運営費", *base.operating_yen],
        ["現状維持", "合計", *base.total_yen],
        ["シナリオ", "更新費用", *scen.renewal_yen],
        ["シナリオ", "運営費", *scen.operating_yen],
        ["シナリオ", "事業費", *(scen.capital_yen or [0] * len(c.years))],
        ["シナリオ", "合計", *scen.total_yen],
    ]
    return ReportTable(
        title=ctx.title(result, "年度別費用"), sheet_name="年度別費用",
        columns=[Column("区分", width=10), Column("費目", width=10), *[Column.fiscal_year(y) for y in c.years]],
        rows=rows, source=SOURCE,
        notes=[f"{i.name}の運営費は推計値（{i.basis}）" for i in c.imputed_operating] + c.savings_withheld,
    )


def access_table(result: ScenarioResult, ctx: ReportContext) -> ReportTable:
    """最寄り施設までの所要時間（分）per 大分類/中分類 and body, before → after."""
    rows: list[list[Any]] = []
    groups = [(k, v) for k, v in result.access.by_category.items()] + [
        (f"中分類 {k}", v) for k, v in result.access.by_subcategory.items()]
    threshold = None
    for name, ch in groups:
        d = ch.to_dict()
        threshold = d["before"]["threshold_minutes"]
        lost = d["lose_access"]["by_municipality"]
        for body, b in d["before"]["by_municipality"].items():
            a = d["after"]["by_municipality"].get(body, {})

            def m(v: Any) -> Decimal | None:
                return None if v is None else Decimal(str(v))

            def pct(v: Any) -> Decimal | None:
                return None if v is None else (Decimal(str(v)) * 100).quantize(Decimal("0.1"))

            rows.append([name, ctx.name(body), b["population"], m(b["mean_minutes"]), m(a.get("mean_minutes")),
                         pct(b["share_within"]), pct(a.get("share_within")), lost.get(body, 0)])
    if threshold is None:
        from kouiki.facilities.access import default_threshold

        threshold = str(default_threshold())
    t = f"{threshold}分"
    notes = list(result.access.notes)
    if result.access.rule:
        notes.append(" ".join(result.access.rule.split()))
    return ReportTable(
        title=ctx.title(result, "アクセス（最寄りの施設までの所要時間）"), sheet_name="アクセス",
        columns=[Column("施設の分類", width=20), Column("団体", width=12), Column("人口", ColumnKind.INT),
                 Column("平均（分）前", ColumnKind.DECIMAL), Column("平均（分）後", ColumnKind.DECIMAL),
                 Column(f"{t}以内の割合（%）前", ColumnKind.DECIMAL), Column(f"{t}以内の割合（%）後", ColumnKind.DECIMAL),
                 Column(f"{t}圏外になる人口", ColumnKind.INT)],
        rows=rows, source="kouiki アクセス評価（需要点から最寄りの開いている施設までの所要時間、人口加重）", notes=notes,
    )


def fees_table(result: ScenarioResult, ctx: ReportContext) -> ReportTable:
    rows: list[list[Any]] = []
    for fee in result.fees:
        for body, b in fee.by_body.items():
            steps = "、".join(f"{wareki(s['fiscal_year'])} {s['fee_yen']:,}円" for s in b["schedule"])
            rows.append([fee.group.facility_type, ctx.name(body), b["current_fee_yen"], fee.unified_fee_yen, steps,
                         b.get("revenue_change_yen_per_year"), b.get("smoothing_cost_yen")])
    return ReportTable(
        title=ctx.title(result, "使用料の統一と激変緩和"), sheet_name="使用料",
        columns=[Column("施設の種類", width=22), Column("団体", width=12), Column("現行料金（円）", ColumnKind.INT),
                 Column("統一料金（円）", ColumnKind.INT), Column("段階（年度 料金）", width=60),
                 Column("収入の変化/年", ColumnKind.YEN), Column("激変緩和の費用", ColumnKind.YEN)],
        rows=rows, source="シナリオの使用料の定義（fees）と kouiki 使用料の統一（fees.yaml）",
        notes=[f"{f.group.facility_type}: {f.basis}" for f in result.fees],
    )


def actions_table(result: ScenarioResult, ctx: ReportContext) -> ReportTable:
    """取組: type, facilities (names, IDs as a second line), lead body, 年度, cost."""
    names = result.facility_names
    rows: list[list[Any]] = []
    for a in result.scenario.actions:
        targets = a.get("sources") or a.get("facilities") or []
        into: list[tuple[str, str]] = []
        if a.get("target"):
            into = [(names.get(a["target"], a["target"]), a["target"])]
        elif a.get("new_site"):
            into = [(a["new_site"]["name"] + "（新築）", a["new_site"]["id"])]
        cost = int(a.get("construction_cost_yen", 0) or a.get("cost_yen", 0))
        rows.append([a.get("label") or a["id"], ACTION_LABEL.get(a.get("type", ""), a.get("type")),
                     Named([(names.get(f, f), f) for f in targets]), Named(into),
                     ctx.name(a["lead_body"]) if a.get("lead_body") else "—",
                     wareki(int(a["fiscal_year"])) if a.get("fiscal_year") else "—", cost])
    return ReportTable(
        title=ctx.title(result, "の取組"), sheet_name="取組",
        columns=[Column("取組", width=24), Column("種類", width=12), Column("対象施設", width=40), Column("統合先", width=24),
                 Column("事業主体", width=10), Column("実施年度", width=12), Column("事業費", ColumnKind.YEN, 14)],
        rows=rows, source="シナリオの定義（kouiki 施設計画シナリオ形式）",
    )


def scenario_tables(result: ScenarioResult, ctx: ReportContext | None = None) -> list[ReportTable]:
    """Every table of the report, in sheet order; 使用料 only when the scenario unifies fees."""
    ctx = ctx or ReportContext()
    tables = [summary_table(result, ctx), before_after_table(result, ctx), actions_table(result, ctx),
              _burden_table(result, ctx, cash=False), _burden_table(result, ctx, cash=True), sharing_table(result, ctx),
              financing_table(result, ctx), lines_table(result, ctx), yearly_cost_table(result, ctx),
              access_table(result, ctx)]
    if result.fees:
        tables.append(fees_table(result, ctx))
    return tables


# ---- outputs -------------------------------------------------------------------------------------


def workbook(result: ScenarioResult, ctx: ReportContext | None = None) -> bytes:
    """The .xlsx of the report: one sheet per table, A4, 和暦, 千円 display over exact yen."""
    from kouiki.reports.excel import workbook_bytes

    return workbook_bytes(*scenario_tables(result, ctx))


def csv(result: ScenarioResult, ctx: ReportContext | None = None, encoding: str = "cp932") -> bytes:
    """The CSV of the report: the body-by-body before/after table (one table per CSV file)."""
    from kouiki.reports.csv import csv_bytes

    return csv_bytes(before_after_table(result, ctx or ReportContext()), encoding)


def pdf(result: ScenarioResult, ctx: ReportContext | None = None, facilities: Sequence[Any] = (),
        boundaries: dict[str, Any] | None = None) -> bytes:
    """The A4 協議会 report (PDF); ``facilities`` (with lat/lon) and ``boundaries`` (GeoJSON) draw the map."""
    from kouiki.reports.pdf import scenario_report_pdf

    ctx = ctx or ReportContext()
    return scenario_report_pdf(result, ctx, scenario_tables(result, ctx), facilities, boundaries,
                               headline=headline_lines(result), notes=notes(result))
