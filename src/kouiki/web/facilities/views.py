"""Data of the facility-planning pages (公共施設マネジメント): built once, shown as page, JSON and Excel/CSV.

Thin on purpose: every figure comes from ``kouiki.facilities`` (renewal, indicators, karte, access, sharing,
fees, council). This module only picks the facilities of a body or a region from the store, passes the
user's input to the engines, and arranges their results into rows. No rate, cap or threshold is applied here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kouiki.facilities import access as accessmod
from kouiki.facilities import sharing as sharingmod
from kouiki.facilities.council import Council
from kouiki.facilities.fees import FeeGroup
from kouiki.facilities.fees import evaluate as evaluate_fees
from kouiki.facilities.indicators import find_facility, karte, plan_indicators
from kouiki.facilities.model import Inventory, MajorCategory
from kouiki.facilities.renewal import RenewalParameters, RenewalResult, project
from kouiki.reference import codes
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.money import to_yen
from kouiki.reference.municipalities import LATEST_CENSUS_YEAR, registry
from kouiki.reference.parameters import file_label
from kouiki.reference.regions import Region
from kouiki.reports.table import Column, ColumnKind, ReportTable
from kouiki.store.facility_council import get_council
from kouiki.store.regions import list_regions
from kouiki.web import service
from kouiki.web.inventories import facilities_of

INVENTORY_SOURCE = "各団体の公共施設一覧（kouiki に取り込んだ台帳。デモは国土地理院 指定緊急避難場所データから作成し延床面積等を推計）"


def name_of(code: str) -> str:
    try:
        return registry().by_code(code).name
    except KouikiError:
        return code


def wareki(year: int) -> str:
    return FiscalYear(year).wareki()


# ----- scope: one body or one region ---------------------------------------------------------------------

@dataclass
class Scope:
    """The facilities a page is about: one body's, or those of a region's members."""

    label: str
    codes: list[str]
    query: str  # "body=022021" or "region=hirosaki" (links between the pages)
    inventory: Inventory
    region: Region | None = None

    def public(self) -> dict[str, Any]:
        return {"label": self.label, "municipalities": self.codes, "query": self.query,
                "region_id": None if self.region is None else self.region.id, "facilities": len(self.inventory.facilities),
                "sources": self.inventory.sources, "notes": self.inventory.notes}


def scope_of(s: Session, body: str | None, region: str | None) -> Scope | None:
    """``region`` wins over ``body``; neither → None (the page shows the chooser)."""
    if region:
        r = service.region_or_404(s, region)
        member_codes = r.member_codes()
        return Scope(r.display_name, member_codes, f"region={r.id}", facilities_of(s, member_codes), r)
    if body:
        code = codes.normalize(body)
        return Scope(name_of(code), [code], f"body={code}", facilities_of(s, [code]))
    return None


def require_scope(s: Session, body: str | None, region: str | None) -> Scope:
    scope = scope_of(s, body, region)
    if scope is None:
        raise KouikiError("団体（body=団体コード）または圏域（region=圏域ID）を指定してください")
    return scope


def choices(s: Session) -> dict[str, Any]:
    """The regions and bodies a user can pick on every facility-planning page."""
    regions = list_regions(s)
    bodies: dict[str, dict[str, Any]] = {}
    for r in regions:
        for c in r.member_codes():
            bodies.setdefault(c, {"code": c, "name": name_of(c)})
    return {"regions": [{"id": r.id, "name": r.display_name} for r in regions],
            "bodies": sorted(bodies.values(), key=lambda b: b["code"])}


def _imputed_note(inv: Inventory) -> list[str]:
    n = sum(1 for f in inv.facilities if f.imputed)
    return [f"推計値（実際の値ではない延床面積・建築年度など）を含む施設が {n} 件あります。推計の規則は各施設の推計欄（JSON 出力）"] if n else []


# ----- 1. 更新費用の推計 -----------------------------------------------------------------------------------

def renewal_result(scope: Scope, start_year: int, scenario: str = "mic") -> RenewalResult:
    params = RenewalParameters.load(scenario=scenario)
    return project(scope.inventory, start_year, None, params)


def renewal_assumptions(result: RenewalResult) -> list[str]:
    """The assumptions of the projection, in words, straight from the parameter file the engine used."""
    p = result.parameters
    out = [f"試算の方法: {p.title}（{p.citation}）", f"規則: {p.rules_label}（シナリオ {p.scenario}）",
           f"試算期間: {wareki(result.years[0])}から{len(result.years)}年間", f"端数処理: {p.rounding.rule.label}"]
    for e in p.to_dict()["events"]:
        line = f"{e['label']}: 築{e['at_age']}年で、{e['spread_years']}年に分けて計上（単価 {e['unit_cost']} × {e['ratio']}、確度 {e['confidence']}）"
        if e["backlog"]:
            b = e["backlog"]
            ages = f"築{b['from_age']}〜{b['until_age']}年" if b["until_age"] is not None else f"築{b['from_age']}年以上"
            line += f"。試算開始時に{ages}のものは積み残しとして{b['spread_years']}年で計上"
        out.append(line)
    if p.repeat_after_rebuild:
        out.append("建替え後も同じ周期で改修・建替えを繰り返す")
    if p.annual_repair_yen_per_m2 is not None:
        out.append(f"毎年の修繕: {p.annual_repair_yen_per_m2}円/㎡")
    for c, table in p.unit_costs.items():
        out.append(f"単価（円/㎡） {c.value}: " + "、".join(f"{k} {Decimal(v):,}" for k, v in table.items()))
    if result.imputed:
        out.append(f"推計: 延床面積・建築年度に推計値（実際の値ではない）を使った施設 {len(result.imputed)} 件を含みます（表の「推計」）")
    if result.excluded:
        out.append(f"除外: 延床面積または建築年度が不明の {len({e['facility_id'] for e in result.excluded})} 施設は計上していません")
    return out


def renewal_view(scope: Scope, result: RenewalResult) -> dict[str, Any]:
    categories = [c for c, v in result.by_category.items() if any(v)]
    kinds = [k for k, v in result.by_kind.items() if any(v)]
    rows = [{"fiscal_year": y, "wareki": wareki(y), "by_category": [result.by_category[c][i] for c in categories],
             "by_kind": [result.by_kind[k][i] for k in kinds], "total_yen": result.total_yen[i]}
            for i, y in enumerate(result.years)]
    totals = {"by_category": [sum(result.by_category[c]) for c in categories],
              "by_kind": [sum(result.by_kind[k]) for k in kinds], "total_yen": result.total}
    return {"scope": scope.public(), "start_fiscal_year": result.years[0], "start_wareki": wareki(result.years[0]),
            "years": len(result.years), "categories": categories, "kinds": kinds, "rows": rows, "totals": totals,
            "summary": result.summary(), "assumptions": renewal_assumptions(result),
            "imputed": result.imputed, "excluded": result.excluded,
            "by_municipality": {c: sum(v) for c, v in result.by_municipality.items()},
            "municipality_names": {c: name_of(c) for c in result.by_municipality},
            "renewal": result.to_dict(), "notes": scope.inventory.notes, "rules_measure": result.parameters.measure}


def renewal_tables(scope: Scope, result: RenewalResult) -> list[ReportTable]:
    v = renewal_view(scope, result)
    source = f"kouiki 更新費用試算（{result.parameters.rules_label}）; {INVENTORY_SOURCE}"
    notes = [a for a in v["assumptions"] if a.startswith(("推計", "除外"))]
    head = f"{scope.label} 将来の更新費用の推計（{v['start_wareki']}から{v['years']}年間）"
    by_cat = ReportTable(
        title=f"{head} 大分類別", sheet_name="大分類別",
        columns=[Column("年度"), *[Column(c, ColumnKind.YEN) for c in v["categories"]], Column("合計", ColumnKind.YEN)],
        rows=[[r["wareki"], *r["by_category"], r["total_yen"]] for r in v["rows"]]
        + [["合計", *v["totals"]["by_category"], v["totals"]["total_yen"]]],
        source=source, notes=notes)
    by_kind = ReportTable(
        title=f"{head} 種類別", sheet_name="種類別",
        columns=[Column("年度"), *[Column(k, ColumnKind.YEN) for k in v["kinds"]], Column("合計", ColumnKind.YEN)],
        rows=[[r["wareki"], *r["by_kind"], r["total_yen"]] for r in v["rows"]]
        + [["合計", *v["totals"]["by_kind"], v["totals"]["total_yen"]]],
        source=source, notes=notes)
    assumptions = ReportTable(
        title=f"{head} 前提条件", sheet_name="前提条件", columns=[Column("前提条件", width=100)],
        rows=[[a] for a in v["assumptions"]], source=source)
    return [by_cat, by_kind, assumptions]


def renewal_chart_png(scope: Scope, result: RenewalResult, stack: str = "category") -> bytes:
    """The CLI's chart (kouiki.reports.charts.renewal_chart) as PNG bytes; the same data is the page's table."""
    from kouiki.reports.charts import renewal_chart

    with tempfile.TemporaryDirectory(prefix="kouiki-chart-") as tmp:
        path = renewal_chart(result, Path(tmp) / "renewal.png", stack=stack, body_label=scope.label)
        return path.read_bytes()


# ----- 2. 計画の指標 -------------------------------------------------------------------------------------

def indicators_view(scope: Scope, census_year: int | None = None) -> dict[str, Any]:
    data = plan_indicators(scope.inventory, census_year)
    fa = data["floor_area"]
    return {"scope": scope.public(), "indicators": data,
            "built_years": [{"fiscal_year": int(y), "wareki": wareki(int(y)), "by_category": row,
                             "total_m2": str(sum((Decimal(x) for x in row.values()), Decimal(0)))}
                            for y, row in fa["by_built_year"].items()],
            "municipality_names": {c: name_of(c) for c in data["per_capita"]["by_municipality"]},
            "notes": [*_imputed_note(scope.inventory), *scope.inventory.notes]}


def indicators_tables(scope: Scope, census_year: int | None = None) -> list[ReportTable]:
    v = indicators_view(scope, census_year)
    data = v["indicators"]
    fa, pc, dep = data["floor_area"], data["per_capita"], data["depreciation"]
    source = f"kouiki 計画の指標（パラメータ「{file_label('indicators')}」）; {INVENTORY_SOURCE}; 人口: 国勢調査{pc['census_year']}年"
    notes = v["notes"][:1]
    cat = ReportTable(
        title=f"{scope.label} 大分類別の延床面積", sheet_name="大分類別延床面積",
        columns=[Column("大分類", width=28), Column("延床面積（㎡）", ColumnKind.DECIMAL)],
        rows=[[k, Decimal(x)] for k, x in fa["by_category"].items()] + [["合計", Decimal(fa["total_m2"])]],
        source=source, notes=[*notes, f"うち推計値 {fa['imputed_m2']}㎡"])
    per = ReportTable(
        title=f"{scope.label} 住民一人当たり延床面積", sheet_name="一人当たり延床面積",
        columns=[Column("団体コード"), Column("団体名"), Column("延床面積（㎡）", ColumnKind.DECIMAL),
                 Column(f"人口（{pc['census_year']}年）", ColumnKind.INT), Column("㎡/人", ColumnKind.DECIMAL)],
        rows=[[c, r["name"], Decimal(r["floor_area_m2"]), r["population"],
               None if r["m2_per_person"] is None else Decimal(r["m2_per_person"])] for c, r in pc["by_municipality"].items()]
        + [["合計", "", Decimal(pc["total"]["floor_area_m2"]), pc["total"]["population"],
            None if pc["total"]["m2_per_person"] is None else Decimal(pc["total"]["m2_per_person"])]],
        source=source, notes=notes)
    years = ReportTable(
        title=f"{scope.label} 建築年度別の延床面積", sheet_name="建築年度別",
        columns=[Column("建築年度"), *[Column(c.value, ColumnKind.DECIMAL) for c in MajorCategory], Column("計", ColumnKind.DECIMAL)],
        rows=[[r["wareki"], *[Decimal(r["by_category"][c.value]) if c.value in r["by_category"] else None for c in MajorCategory],
               Decimal(r["total_m2"])] for r in v["built_years"]],
        source=source, notes=[*notes, f"{fa['seismic']['label']}: {fa['seismic']['old_m2']}㎡（{fa['seismic']['old_share_percent']}%）",
                              "空欄（不明）はその年度・大分類の施設がないことを示します"])
    summary = ReportTable(
        title=f"{scope.label} 有形固定資産減価償却率", sheet_name="減価償却率",
        columns=[Column("項目", width=30), Column("値", width=30)],
        rows=[["有形固定資産減価償却率（%）", dep["ratio_percent"] or "不明（取得価額のデータなし）"],
              ["取得価額（円）", str(dep["acquisition_cost_yen"])], ["減価償却累計額（円）", str(dep["accumulated_depreciation_yen"])],
              ["集計した施設", str(dep["facilities_counted"])]],
        source=f"{source}; {dep['citation']}")
    return [cat, per, years, summary]


def indicators_chart_png(scope: Scope) -> bytes:
    from kouiki.facilities.indicators import floor_area
    from kouiki.reports.charts import floor_area_by_year_chart

    with tempfile.TemporaryDirectory(prefix="kouiki-chart-") as tmp:
        path = floor_area_by_year_chart(floor_area(scope.inventory), Path(tmp) / "floor.png",
                                        title=f"{scope.label} 建築年度別の延床面積")
        return path.read_bytes()


# ----- 3. 施設カルテ -------------------------------------------------------------------------------------

def karte_view(s: Session, body: str, facility_id: str, reference_year: int) -> dict[str, Any]:
    code = codes.normalize(body)
    inv = facilities_of(s, [code])
    f = find_facility(inv, facility_id)
    r = project([f], reference_year, keep_bookings=False)
    data = karte(f, reference_year, renewal_yen=r.total if not r.excluded else None)
    for row in data["figures"]:
        row["wareki"] = wareki(row["fiscal_year"])
    return {"karte": data, "municipality_name": name_of(code), "reference_wareki": wareki(reference_year),
            "built_wareki": None if f.built_year is None else wareki(f.built_year),
            "renewal_years": len(r.years), "renewal_excluded": r.excluded}


def karte_tables(v: dict[str, Any]) -> list[ReportTable]:
    k = v["karte"]
    imp = k["imputed"] or {}
    def mark(key: str) -> str:
        return "（推計）" if key in imp else ""
    rows = [["施設ID", k["facility_id"]], ["施設名", k["name"]], ["団体", f"{v['municipality_name']}（{k['municipality_code']}）"],
            ["大分類", k["category"]], ["中分類", k["subcategory"] or "不明"], ["所在地", k["address"] or "不明"],
            ["延床面積（㎡）", (k["floor_area_m2"] or "不明") + mark("floor_area_m2")],
            ["建築年度", (v["built_wareki"] or "不明") + mark("built_year")],
            [f"経過年数（{v['reference_wareki']}時点）", "不明" if k["age_years"] is None else str(k["age_years"])],
            ["耐震基準", k["seismic"] or "不明"],
            ["有形固定資産減価償却率（%）", k["depreciation_ratio_percent"] or "不明"],
            [f"更新費用（{v['renewal_years']}年間、円）", "不明" if k["renewal_yen"] is None else f"{k['renewal_yen']:,}"]]
    basic = ReportTable(title=f"施設カルテ: {k['name']}", sheet_name="基本情報",
                        columns=[Column("項目", width=30), Column("内容", width=50)], rows=rows,
                        source=f"{k['source'] or INVENTORY_SOURCE}; kouiki 施設カルテ",
                        notes=[f"推計: {key}: {rule}" for key, rule in imp.items()])
    fig = ReportTable(
        title=f"施設カルテ: {k['name']} 年度別の状況", sheet_name="年度別",
        columns=[Column("年度"), Column("利用者数", ColumnKind.INT), Column("運営費", ColumnKind.YEN), Column("使用料収入", ColumnKind.YEN),
                 Column("利用者1人当たり運営費（円）"), Column("延床1㎡当たり運営費（円）"), Column("受益者負担率（%）")],
        rows=[[r["wareki"], r.get("annual_users"), r.get("operating_cost_yen"), r.get("revenue_yen"),
               r["cost_per_user_yen"], r["cost_per_m2_yen"], r["cost_recovery_percent"]] for r in k["figures"]],
        source=f"{k['source'] or INVENTORY_SOURCE}; kouiki 施設カルテ")
    return [basic, fig]


# ----- 4. 最寄り施設までの所要時間 -----------------------------------------------------------------------

def access_view(scope: Scope, category: str, threshold: str | None = None,
                census_year: int = LATEST_CENSUS_YEAR) -> dict[str, Any]:
    """Population-weighted access to the nearest facility of one 大分類 (great-circle times, approximate demand)."""
    from kouiki.facilities.demand import approximate_demand
    from kouiki.facilities.travel import Site, travel_mode

    try:
        cat = MajorCategory(category)
    except ValueError:
        raise KouikiError(f"大分類「{category}」は13区分のどれでもありません") from None
    try:
        t = Decimal(threshold) if threshold else None
    except ArithmeticError:
        raise KouikiError(f"T分圏の分数「{threshold}」は数値ではありません") from None
    if t is not None and t <= 0:
        raise KouikiError(f"T分圏の分数は正の数です: {threshold}")
    facs = [f for f in scope.inventory.facilities if f.category == cat]
    located = [f for f in facs if f.lat is not None and f.lon is not None]
    no_location = [{"facility_id": f.facility_id, "name": f.name} for f in facs if f.lat is None or f.lon is None]
    mode = travel_mode()
    base: dict[str, Any] = {"scope": scope.public(), "category": cat.value, "facilities": len(located),
                            "excluded_no_location": no_location,
                            "travel": {"method": "great_circle", "mode": mode.label, "circuity": str(mode.circuity),
                                       "speed_kmh": str(mode.speed_kmh), "citation": mode.citation, "confidence": mode.confidence},
                            "result": None, "rows": []}
    if not located:
        base["notes"] = [f"{scope.label}には位置の分かる{cat.value}がないため、所要時間を計算できません"]
        return base
    points = approximate_demand(scope.codes, census_year)
    sites = [Site(f.facility_id, f.lat or 0.0, f.lon or 0.0) for f in located]
    result = accessmod.evaluate_great_circle(points, sites, [x.id for x in sites], mode, t).to_dict()
    pkey = next(k for k in result["overall"] if k.startswith("p") and k.endswith("_minutes"))
    rows = [{"code": c, "name": name_of(c), **r, "percentile_minutes": r[pkey]} for c, r in result["by_municipality"].items()]
    rules = sorted({p.rule for p in points if p.rule})
    base.update(result=result, rows=rows, percentile_key=pkey, percentile_label=pkey[1:-8],
                overall={**result["overall"], "percentile_minutes": result["overall"][pkey]},
                notes=[*rules, *result["notes"], *_imputed_note(scope.inventory)],
                demand={"points": len(points), "population": sum(p.population for p in points), "census_year": census_year,
                        "approximate": any(p.approximate for p in points)})
    return base


def access_tables(v: dict[str, Any]) -> list[ReportTable]:
    r = v["result"]
    t = "不明" if r is None else r["threshold_minutes"]
    label = v.get("percentile_label", "90")
    def row(name: str, x: dict[str, Any]) -> list[Any]:
        share = x.get("share_within")
        return [name, x["population"], None if x["mean_minutes"] is None else Decimal(str(x["mean_minutes"])),
                None if x["percentile_minutes"] is None else Decimal(str(x["percentile_minutes"])),
                None if share is None else (Decimal(str(share)) * 100).quantize(Decimal("0.1")), x["unreachable_population"]]
    rows = [row(f"{x['name']}（{x['code']}）", x) for x in v["rows"]]
    if r is not None:
        rows.append(row("全体", v["overall"]))
    tr = v["travel"]
    return [ReportTable(
        title=f"{v['scope']['label']} {v['category']}: 最寄り施設までの所要時間", sheet_name="所要時間",
        columns=[Column("団体", width=24), Column("人口", ColumnKind.INT), Column("人口加重平均（分）", ColumnKind.DECIMAL),
                 Column(f"{label}パーセンタイル（分）", ColumnKind.DECIMAL), Column(f"{t}分圏人口割合（%）", ColumnKind.DECIMAL),
                 Column("到達できない人口", ColumnKind.INT)],
        rows=rows,
        source=f"kouiki 所要時間（直線距離×迂回率{tr['circuity']}÷{tr['speed_kmh']}km/h, {tr['mode']}; {tr['citation']}）; "
               f"需要点: 国勢調査人口の概算配分; {INVENTORY_SOURCE}",
        notes=list(v.get("notes") or []))]


# ----- 5. 費用按分 --------------------------------------------------------------------------------------

SHARE_METHODS = {"equal": "均等割", "population": "人口割", "usage": "利用割", "fixed": "固定割合", "mix": "組合せ（均等割・人口割・利用割）"}


def _int_field(raw: str | None, label: str) -> int | None:
    if raw is None or not raw.strip():
        return None
    try:
        return to_yen(raw.strip().replace(",", ""), label)
    except KouikiError as exc:
        raise KouikiError(f"{label}: {exc}") from None


def share_rule_input(form: Mapping[str, str], bodies: list[str]) -> dict[str, Any]:
    """The form fields (``method``, ``w_<key>``, ``usage_<code>``, ``share_<code>``) → the engine's rule dict."""
    method = (form.get("method") or "population").strip()
    rule: dict[str, Any] = {"method": method}
    if method == "mix":
        rule["weights"] = {k: form[f"w_{k}"].strip() for k in ("equal", "population", "usage") if (form.get(f"w_{k}") or "").strip()}
    usage = {}
    for c in bodies:
        n = _int_field(form.get(f"usage_{c}"), f"利用者数（{name_of(c)}）")
        if n is not None:
            usage[c] = n
    if usage:
        rule["usage"] = usage
    if method == "fixed":
        rule["shares"] = {c: form[f"share_{c}"].strip() for c in bodies if (form.get(f"share_{c}") or "").strip()}
    return rule


def share_view(total_yen: int, rule_input: Mapping[str, Any], bodies: list[str]) -> dict[str, Any]:
    if total_yen < 0:
        raise KouikiError(f"按分する額が負です: {total_yen}")
    if not bodies:
        raise KouikiError("按分する団体を1つ以上選んでください")
    rule = sharingmod.ShareRule.from_dict(dict(rule_input), "按分方法")
    parts = sharingmod.split(total_yen, rule, bodies)
    fractions = sharingmod.shares(rule, bodies)
    rows = [{"code": c, "name": name_of(c), "share": str(fractions[c].quantize(Decimal("0.000001"))),
             "share_percent": str((fractions[c] * 100).quantize(Decimal("0.01"))), "amount_yen": v,
             "population": registry().by_code(c).population(rule.census_year), "usage": rule.usage.get(c)}
            for c, v in parts.items()]
    return {"total_yen": total_yen, "rule": rule.describe(), "rule_detail": rule.to_dict(), "census_year": rule.census_year,
            "by_municipality": parts, "rows": rows, "sum_yen": sum(parts.values())}


def share_tables(v: dict[str, Any], label: str) -> list[ReportTable]:
    return [ReportTable(
        title=f"{label} 費用按分（{v['rule']}）", sheet_name="費用按分",
        columns=[Column("団体コード"), Column("団体名"), Column("割合（%）", ColumnKind.DECIMAL),
                 Column(f"人口（{v['census_year']}年）", ColumnKind.INT), Column("利用者数", ColumnKind.INT), Column("負担額", ColumnKind.YEN)],
        rows=[[r["code"], r["name"], Decimal(r["share_percent"]), r["population"], r["usage"], r["amount_yen"]] for r in v["rows"]]
        + [["合計", "", Decimal(100), None, None, v["sum_yen"]]],
        source="kouiki 費用按分（kouiki.facilities.sharing: 1円単位で合計が一致するよう配分）; 人口: 国勢調査",
        notes=[f"按分する額 {v['total_yen']:,}円（負担額の合計と一致）"])]


# ----- 6. 使用料の統一 ------------------------------------------------------------------------------------

FEE_RULES = {"population_weighted": "現行料金の人口加重平均", "min": "現行料金の最低額", "max": "現行料金の最高額",
             "cost_recovery": "原価回収（年間運営費×受益者負担率÷利用件数）", "fixed": "指定額"}


def fee_input(form: Mapping[str, str], bodies: list[str]) -> dict[str, Any]:
    """The fee form (``current_<code>``, ``uses_<code>``, rule, …) → the engine's fee group dict."""
    d: dict[str, Any] = {"facility_type": (form.get("facility_type") or "").strip(), "rule": (form.get("rule") or "population_weighted").strip()}
    if not d["facility_type"]:
        raise KouikiError("施設の種類（例: ホール（1時間））を入力してください")
    current: dict[str, int] = {}
    uses: dict[str, int] = {}
    for c in bodies:
        fee = _int_field(form.get(f"current_{c}"), f"現行料金（{name_of(c)}）")
        if fee is not None:
            current[c] = fee
        n = _int_field(form.get(f"uses_{c}"), f"年間利用件数（{name_of(c)}）")
        if n is not None:
            uses[c] = n
    if not current:
        raise KouikiError("現行料金を1団体以上入力してください（円）")
    d["current"], d["uses"] = current, uses
    start = (form.get("start_fiscal_year") or "").strip()
    if start:
        try:
            d["start_fiscal_year"] = FiscalYear.parse(start).year
        except (KouikiError, ValueError):
            raise KouikiError(f"開始年度「{start}」が読めません（例: 2026、R8、令和8年度）") from None
    for key, label in (("fixed_fee_yen", "指定額"), ("annual_cost_yen", "年間運営費")):
        v = _int_field(form.get(key), label)
        if v is not None:
            d[key] = v
    for key, label in (("step_cap", "激変緩和の上限倍率"), ("recovery_rate", "受益者負担率")):
        raw = (form.get(key) or "").strip()
        if raw:
            try:
                Decimal(raw)
            except ArithmeticError:
                raise KouikiError(f"{label}「{raw}」は数値ではありません") from None
            d[key] = raw
    return d


def fee_view(group_input: Mapping[str, Any]) -> dict[str, Any]:
    try:
        result = evaluate_fees(FeeGroup.from_dict(group_input, "使用料")).to_dict()
    except (ArithmeticError, TypeError) as exc:
        raise KouikiError(f"使用料: 入力が正しくありません（{exc}）") from None
    years = sorted({s["fiscal_year"] for r in result["by_municipality"].values() for s in r["schedule"]})
    rows = []
    for c, r in result["by_municipality"].items():
        fees = {s["fiscal_year"]: s["fee_yen"] for s in r["schedule"]}
        # a 年度 after the body's last step keeps the unified fee; before its first step nothing changes yet
        rows.append({"code": c, "name": name_of(c), **r,
                     "steps": [fees.get(y, r["unified_fee_yen"]) for y in years]})
    return {"input": dict(group_input), "result": result, "years": years, "years_wareki": [wareki(y) for y in years],
            "rows": rows}


def fee_tables(v: dict[str, Any], label: str) -> list[ReportTable]:
    r = v["result"]
    steps = ReportTable(
        title=f"{label} 使用料の統一: {r['facility_type']}（統一料金 {r['unified_fee_yen']:,}円）", sheet_name="激変緩和の段階",
        columns=[Column("団体コード"), Column("団体名"), Column("現行料金（円）", ColumnKind.INT),
                 *[Column(f"{w}（円）", ColumnKind.INT) for w in v["years_wareki"]],
                 Column("年間利用件数", ColumnKind.INT), Column("収入の変化（年）", ColumnKind.YEN), Column("激変緩和の費用", ColumnKind.YEN)],
        rows=[[x["code"], x["name"], x["current_fee_yen"], *x["steps"], x["annual_uses"],
               x.get("revenue_change_yen_per_year"), x.get("smoothing_cost_yen")] for x in v["rows"]],
        source=f"kouiki 使用料の統一（上限倍率・端数処理: パラメータ「{file_label('fees')}」）",
        notes=[f"統一料金の算定: {r['basis']}", f"激変緩和: 各年度の引上げは前年度の×{r['step_cap']}まで", r["smoothing_cost_rule"]])
    return [steps]


# ----- 7. 協議会 -----------------------------------------------------------------------------------------

COUNCIL_KINDS = {"meeting": "会議の開催", "expert": "有識者の招聘", "study_cost": "調査検討の経費"}


def default_council(region: Region) -> dict[str, Any]:
    return {"name": f"{region.name} 公共施設の広域的な議論の場", "members": region.member_codes(),
            "convenor": region.central[0] if region.central else None, "sharing": "equal",
            "meetings": [], "experts": [], "study_costs": []}


def council_document(s: Session, region: Region) -> tuple[dict[str, Any], int]:
    """(document, version); version 0 = nothing recorded yet (the default document is shown)."""
    row = get_council(s, region.id)
    if row is None:
        return default_council(region), 0
    return dict(row.document), row.version


def council_view(s: Session, region: Region) -> dict[str, Any]:
    doc, version = council_document(s, region)
    c = Council.from_dict(doc, "協議会の記録")
    data = c.to_dict()
    by = c.costs_by_body_year()
    years = sorted({y for ys in by.values() for y in ys})
    cost_rows = [{"code": b, "name": name_of(b), "by_year": [ys.get(y, 0) for y in years], "total_yen": sum(ys.values())}
                 for b, ys in by.items()]
    year_totals = [sum(ys.get(y, 0) for ys in by.values()) for y in years]
    for m in data["meetings"]:
        m["wareki"] = wareki(m["fiscal_year"])
    for key in ("experts", "study_costs"):
        for x in data[key]:
            x["wareki"] = wareki(x["fiscal_year"])
            x["payer"] = "共同（按分）" if not x["municipality"] else name_of(x["municipality"])
    return {"region": {"id": region.id, "name": region.display_name}, "version": version, "recorded": version > 0,
            "council": data, "members": [{"code": m, "name": name_of(m)} for m in c.members],
            "convenor_name": None if c.convenor is None else name_of(c.convenor),
            "years": years, "years_wareki": [wareki(y) for y in years], "cost_rows": cost_rows,
            "year_totals": year_totals, "total_yen": sum(year_totals), "plan_items": c.plan_items(),
            "sharing_label": c.sharing.describe(), "support": council_support(c)}


def council_support(c: Council) -> dict[str, Any] | None:
    """The state's support for the study costs (特別交付税 調査検討経費), computed by the fiscal engine."""
    items = c.plan_items()
    engine = service.fiscal_engine()
    if not items or engine is None:
        return None
    result = engine({"items": items})
    lines = [dict(line, name=name_of(line["municipality"]), wareki=wareki(line["fiscal_year"]))
             for line in result.get("lines", [])]
    return {"lines": lines, "total_yen": result.get("totals", {}).get("support_yen", 0),
            "warnings": [w.get("message", str(w)) if isinstance(w, dict) else str(w) for w in result.get("warnings", [])],
            "errors": [e.get("message", str(e)) if isinstance(e, dict) else str(e) for e in result.get("errors", [])]}


def council_record(kind: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """One new record (form or JSON fields) in the council format; the engine validates it with the rest."""
    def text(key: str, label: str, required: bool = True) -> str | None:
        v = str(form.get(key) or "").strip()
        if required and not v:
            raise KouikiError(f"{COUNCIL_KINDS.get(kind, kind)}: {label}を入力してください")
        return v or None

    def yen(key: str, label: str) -> int:
        v = _int_field(str(form.get(key) or "0"), f"{COUNCIL_KINDS[kind]}: {label}")
        return v or 0

    payer = text("municipality", "負担する団体", required=False)
    if kind == "meeting":
        return {"date": text("date", "開催日（YYYY-MM-DD）"), "title": text("title", "会議名"), "cost_yen": yen("cost_yen", "経費（円）"),
                "summary": text("summary", "概要", required=False)}
    if kind == "expert":
        return {"name": text("name", "氏名"), "fiscal_year": text("fiscal_year", "年度"), "fee_yen": yen("fee_yen", "謝金・旅費（円）"),
                "affiliation": text("affiliation", "所属", required=False), "role": text("role", "役割", required=False),
                "municipality": payer}
    if kind == "study_cost":
        return {"fiscal_year": text("fiscal_year", "年度"), "what": text("what", "内容"), "cost_yen": yen("cost_yen", "経費（円）"),
                "municipality": payer}
    raise KouikiError(f"記録の種類が不明です: {kind!r}（{', '.join(COUNCIL_KINDS)}）")


def council_with_record(doc: dict[str, Any], kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """The document with one more record, validated as a whole by the council engine (stored as its JSON)."""
    key = {"meeting": "meetings", "expert": "experts", "study_cost": "study_costs"}[kind]
    new = dict(doc)
    new[key] = [*(doc.get(key) or []), {k: v for k, v in record.items() if v is not None}]
    Council.from_dict(new, "協議会の記録")  # raises CouncilError naming the field
    return new


def council_tables(v: dict[str, Any]) -> list[ReportTable]:
    c = v["council"]
    source = f"{v['region']['name']} 協議会の記録（kouiki）; 調査検討経費の按分: kouiki.facilities.council（{v['sharing_label']}）"
    costs = ReportTable(
        title=f"{c['name']} 調査検討経費（団体・年度別）", sheet_name="調査検討経費",
        columns=[Column("団体コード"), Column("団体名"), *[Column.fiscal_year(y) for y in v["years"]], Column("計", ColumnKind.YEN)],
        rows=[[r["code"], r["name"], *r["by_year"], r["total_yen"]] for r in v["cost_rows"]]
        + [["合計", "", *v["year_totals"], v["total_yen"]]],
        source=source, notes=["共同の経費（負担する団体の指定がないもの）は構成団体で按分しています"])
    meetings = ReportTable(
        title=f"{c['name']} 会議", sheet_name="会議",
        columns=[Column("開催日"), Column("年度"), Column("会議名", width=30), Column("経費", ColumnKind.YEN), Column("概要", width=40)],
        rows=[[m["date"], m["wareki"], m["title"], m["cost_yen"], m["summary"] or ""] for m in c["meetings"]], source=source)
    experts = ReportTable(
        title=f"{c['name']} 有識者", sheet_name="有識者",
        columns=[Column("年度"), Column("氏名"), Column("所属"), Column("役割"), Column("負担"), Column("謝金・旅費", ColumnKind.YEN)],
        rows=[[e["wareki"], e["name"], e["affiliation"] or "", e["role"] or "", e["payer"], e["fee_yen"]] for e in c["experts"]],
        source=source)
    studies = ReportTable(
        title=f"{c['name']} 調査・分析", sheet_name="調査分析",
        columns=[Column("年度"), Column("内容", width=30), Column("負担"), Column("経費", ColumnKind.YEN)],
        rows=[[x["wareki"], x["what"], x["payer"], x["cost_yen"]] for x in c["study_costs"]], source=source)
    tables = [costs, meetings, experts, studies]
    sup = v["support"]
    if sup is not None:
        tables.append(ReportTable(
            title=f"{c['name']} 調査検討経費に対する措置（財政措置エンジン）", sheet_name="措置",
            columns=[Column("団体"), Column("年度"), Column("措置の種類"), Column("対象経費", ColumnKind.YEN), Column("率"),
                     Column("上限", ColumnKind.YEN), Column("措置額", ColumnKind.YEN), Column("確度")],
            rows=[[x["name"], x["wareki"], x["kind"], x.get("base_yen"), x.get("rate"), x.get("cap_yen"), x["amount_yen"],
                   x.get("confidence")] for x in sup["lines"]],
            source="kouiki 財政措置エンジン（kouiki.fiscal、parameters の値・出典）; " + "; ".join(sorted({x["citation"] for x in sup["lines"] if x.get("citation")})),
            notes=[*sup["warnings"], *sup["errors"]]))
    return tables
