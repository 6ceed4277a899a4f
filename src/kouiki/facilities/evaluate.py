"""Evaluate a consolidation scenario: floor area, access, 40-year costs, financing, sharing, fees.

``evaluate(scenario, inventory)`` is pure over plain data (the inventory, demand points and an optional travel
matrix); :func:`evaluate_file` loads what the scenario file names. Both return a typed
:class:`~kouiki.facilities.result.ScenarioResult`; its ``to_dict()`` is ``kouiki facilities evaluate SCENARIO --json``
and the JSON API. Its sections:

* ``floor_area`` — before/after (㎡), by body, per 集約化 case, ``reduced`` (the 公適債 condition: every case's
  floor area after < before, totals across all its bodies), facilities excluded for unknown area, imputed areas;
* ``access`` — per 大分類 touched by the scenario: population-weighted mean / 90th percentile minutes to the
  nearest open facility, share within T, by body, before/after, residents losing access;
* ``costs`` — 更新費用 (A's :mod:`kouiki.facilities.renewal`) + operating costs + the scenario's capital costs over
  the horizon, nominal and discounted, baseline vs scenario, savings, by body; exclusions with reasons;
* ``financing`` — the fiscal engine's lines for every action and the net burden per body and 年度;
* ``sharing`` — each action's net burden split among bodies (負担金) per 年度;
* ``fees`` — unified fee per facility type with the 激変緩和 schedule and its cost (fed to 円滑化);
* ``council`` — the 広域的な議論の場 and its 調査検討 costs (fed to ``consolidation_study``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from kouiki.facilities import access as accessmod
from kouiki.facilities import demand as demandmod
from kouiki.facilities import fees as feesmod
from kouiki.facilities import finance, renewal, roadgraph, sharing
from kouiki.facilities.council import Council
from kouiki.facilities.inventory_source import InventorySource, StoreLookup
from kouiki.facilities.model import Facility, Inventory, MajorCategory
from kouiki.facilities.params import facility_parameters
from kouiki.facilities.result import (
    Access,
    ActionShare,
    AreaChange,
    CaseFloorArea,
    Comparison,
    Costs,
    CostSeries,
    DemandSummary,
    Excluded,
    FacilityCost,
    FacilityCount,
    FloorArea,
    ImputedArea,
    ImputedOperatingCost,
    InventoryInfo,
    ScenarioInfo,
    ScenarioResult,
    Sharing,
)
from kouiki.facilities.roadgraph import RoadGraph
from kouiki.facilities.scenario import Action, Scenario, ScenarioError
from kouiki.facilities.scenario import load as load_scenario
from kouiki.facilities.travel import Site, TravelMatrix, great_circle_matrix, travel_mode
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.money import split_evenly

Progress = Callable[[str], None]


def parameters() -> dict[str, Any]:
    """The rules of ``parameters/evaluate.yaml`` (with the user's overlay) as nested mappings."""
    return facility_parameters("evaluate")


def discount(amounts: Sequence[int], rate: Decimal) -> int:
    """Present value in yen: Σ amount_t ÷ (1+rate)^t (t = 0 for the first 年度), each term rounded half-up."""
    total = 0
    factor = Decimal(1)
    for a in amounts:
        total += int((Decimal(a) / factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        factor *= 1 + rate
    return total


# ---- context -------------------------------------------------------------------------------------


class _Ctx:
    def __init__(self, scenario: Scenario, inventory: Inventory):
        self.s = scenario
        self.inv = inventory
        bodies = scenario.bodies or inventory.municipalities()
        self.bodies = sorted(set(bodies))
        self.facilities = {f.facility_id: f for f in inventory.facilities if f.municipality_code in self.bodies}
        self.operating_from_scenario: list[str] = []
        for fid, yen in (scenario.operating_costs_yen or {}).items():
            if fid not in self.facilities:
                raise ScenarioError(f"operating_costs_yen: 施設ID {fid} は対象団体の台帳にありません")
            f = self.facilities[fid]
            if f.annual_operating_cost_yen is not None and f.annual_operating_cost_yen != yen:
                raise ScenarioError(f"operating_costs_yen: {fid} の運営費は台帳にあります（{f.annual_operating_cost_yen}円）")
            self.facilities[fid] = replace(f, annual_operating_cost_yen=yen)
            self.operating_from_scenario.append(fid)
        self.all_ids = {f.facility_id for f in inventory.facilities}
        self.years = scenario.years
        self._check_ids()
        # actions that left lead_body out (close, demolish, convert, mutual use): the owner of their first facility
        resolved = [a if a.lead_body is not None else a.model_copy(
            update={"lead_body": self.facilities[a.facilities[0]].municipality_code}) for a in scenario.actions]
        scenario = scenario.model_copy(update={"actions": resolved})
        self.s = scenario
        self.closed_at: dict[str, tuple[int, str]] = {}  # facility → (first 年度 out of service, action)
        for a in scenario.actions:
            for fid in a.closed_ids():
                year = a.fiscal_year
                if a.type == "demolish":
                    year = min(year, self.closed_at.get(fid, (year, ""))[0])
                self.closed_at[fid] = (year, a.id)
        self.new_sites: dict[str, tuple[Facility, Action]] = {}
        for a in scenario.actions:
            if a.type == "consolidate" and a.new_site is not None:
                ns = a.new_site
                cat = ns.category or self._source_category(a)
                self.new_sites[ns.id] = (Facility(
                    facility_id=ns.id, municipality_code=ns.municipality_code, name=ns.name, category=cat,
                    subcategory=ns.subcategory, floor_area_m2=ns.floor_area_m2, built_year=a.fiscal_year,
                    lat=ns.lat, lon=ns.lon, annual_operating_cost_yen=ns.annual_operating_cost_yen,
                    source=f"scenario action {a.id} (new_site)",
                ), a)

    def _check_ids(self) -> None:
        for a in self.s.actions:
            refs = list(a.sources) + list(a.facilities) + ([a.target] if a.target else []) + [d.facility for d in a.demolitions]
            for f in refs:
                if f not in self.facilities:
                    where = "台帳にありません" if f not in self.all_ids else "対象団体の施設ではありません"
                    raise ScenarioError(f"action {a.id}: 施設ID {f} は{where}")

    def _source_category(self, a: Action) -> MajorCategory:
        cats = {self.facilities[f].category for f in a.sources}
        if len(cats) != 1:
            raise ScenarioError(f"action {a.id}: 統合元の大分類が複数あるため new_site.category を指定してください")
        return cats.pop()

    def action_bodies(self, a: Action) -> list[str]:
        if a.bodies:
            return sorted(set(a.bodies) | {a.lead})
        ids = a.sources + a.facilities + ([a.target] if a.target else [])
        owners = {self.facilities[f].municipality_code for f in ids}
        return sorted(owners | {a.lead})

    def category_at_end(self, f: Facility) -> MajorCategory:
        for a in self.s.actions:
            if a.type == "convert" and f.facility_id in a.facilities and a.to_category is not None:
                return a.to_category
        return f.category


# ---- floor area ----------------------------------------------------------------------------------


def _floor_area(ctx: _Ctx) -> tuple[FloorArea, dict[str, finance.CaseArea]]:
    before_by: dict[str, Decimal] = defaultdict(Decimal)
    after_by: dict[str, Decimal] = defaultdict(Decimal)
    excluded: list[Excluded] = []
    imputed: list[ImputedArea] = []
    by_cat_before: dict[str, Decimal] = defaultdict(Decimal)
    by_cat_after: dict[str, Decimal] = defaultdict(Decimal)
    for f in ctx.facilities.values():
        if f.floor_area_m2 is None:
            excluded.append(Excluded(f.facility_id, f.name, "延床面積が不明", f.municipality_code))
            continue
        if f.is_imputed("floor_area_m2"):
            imputed.append(ImputedArea(f.facility_id, f.floor_area_m2, f.imputed["floor_area_m2"]))
        before_by[f.municipality_code] += f.floor_area_m2
        by_cat_before[f.category.value] += f.floor_area_m2
        if f.facility_id not in ctx.closed_at:
            after_by[f.municipality_code] += f.floor_area_m2
            by_cat_after[ctx.category_at_end(f).value] += f.floor_area_m2
    for nf, _ in ctx.new_sites.values():
        assert nf.floor_area_m2 is not None
        after_by[nf.municipality_code] += nf.floor_area_m2
        by_cat_after[nf.category.value] += nf.floor_area_m2
    cases: dict[str, finance.CaseArea] = {}
    case_out: list[CaseFloorArea] = []
    for a in ctx.s.actions:
        if a.type != "consolidate":
            continue
        members = [ctx.facilities[f] for f in a.sources] + ([ctx.facilities[a.target]] if a.target else [])
        unknown = [f.facility_id for f in members if f.floor_area_m2 is None]
        before = None if unknown else sum((f.floor_area_m2 or Decimal(0) for f in members), Decimal(0))
        if a.new_site is not None:
            after: Decimal | None = a.new_site.floor_area_m2
        else:
            t = ctx.facilities[a.target or ""]
            after = t.floor_area_m2
        ctype = a.consolidation_type or ("new_building" if a.new_site is not None else "function_only")
        cat = (ctx.new_sites[a.new_site.id][0].category if a.new_site else ctx.facilities[a.target or ""].category).value
        cases[a.id] = finance.CaseArea(before, after, cat, ctype)
        reduced = None if before is None or after is None else after < before
        case_out.append(CaseFloorArea(
            action=a.id, bodies=ctx.action_bodies(a), before_m2=before, after_m2=after, reduced=reduced,
            reason=None if reduced is not None else f"延床面積が不明な施設があります: {', '.join(unknown)}",
            includes_imputed=any(f.is_imputed("floor_area_m2") for f in members),
        ))
    tb, ta = sum(before_by.values(), Decimal(0)), sum(after_by.values(), Decimal(0))
    case_flags = [c.reduced for c in case_out]
    reduced_all: bool | None = None if any(x is None for x in case_flags) else (all(case_flags) and ta < tb)
    return FloorArea(
        before_m2=tb, after_m2=ta, reduced=reduced_all,
        reduced_rule="公適債（集約化・複合化）の要件: 各集約化の延床面積（参加する全団体の合計）が減少し、全体でも減少すること",
        by_municipality={b: AreaChange(before_by.get(b, Decimal(0)), after_by.get(b, Decimal(0))) for b in ctx.bodies},
        by_category={c: AreaChange(by_cat_before.get(c, Decimal(0)), by_cat_after.get(c, Decimal(0)))
                     for c in sorted(set(by_cat_before) | set(by_cat_after))},
        cases=case_out, excluded=excluded, imputed=imputed,
    ), cases


# ---- access --------------------------------------------------------------------------------------


def _access(ctx: _Ctx, demand: Sequence[demandmod.DemandPoint], matrix: TravelMatrix | None,
            progress: Progress | None, graph: RoadGraph | None = None,
            keep: dict[str, accessmod.AccessChange] | None = None) -> tuple[Access, TravelMatrix | None]:
    """Access per 大分類 (and 中分類); ``keep`` receives each 大分類's :class:`AccessChange` (per-point minutes)."""
    s = ctx.s
    cats: list[MajorCategory]
    if s.categories:
        cats = list(s.categories)
    else:
        touched: set[MajorCategory] = set()
        for a in s.actions:
            for f in a.sources + a.facilities + ([a.target] if a.target else []):
                touched.add(ctx.facilities[f].category)
            if a.to_category is not None:
                touched.add(a.to_category)
        touched |= {nf.category for nf, _ in ctx.new_sites.values()}
        cats = sorted(touched, key=lambda c: list(MajorCategory).index(c))
    subs = set(s.subcategories or [])
    sites: dict[str, Facility] = {fid: f for fid, f in ctx.facilities.items()
                                  if f.category in cats or ctx.category_at_end(f) in cats or f.subcategory in subs}
    sites.update({nid: nf for nid, (nf, _) in ctx.new_sites.items()})
    no_loc = [Excluded(f.facility_id, f.name, "位置（緯度・経度）が不明") for f in sites.values() if f.lat is None or f.lon is None]
    located = [f for f in sites.values() if f.lat is not None and f.lon is not None]
    if not located or not demand:
        return Access(categories=[c.value for c in cats], excluded=no_loc,
                      notes=["施設または需要点がないためアクセスは評価していません"]), matrix
    tr = s.travel
    mode = travel_mode(tr.mode, tr.circuity, tr.speed_kmh)
    located_sites = [Site(f.facility_id, f.lat or 0.0, f.lon or 0.0) for f in located]
    if matrix is None and s.access_scope == "own_body":
        # per-body nearest needs times to every facility: build the matrix (road graph or great circle)
        if progress:
            progress(f"所要時間の計算（需要点 {len(demand)} × 施設 {len(located)}）")
        matrix = (graph.travel_matrix([d.site() for d in demand], located_sites) if graph is not None
                  else great_circle_matrix([d.site() for d in demand], located_sites, mode))
    if matrix is not None:
        travel_info = matrix.provenance
    elif graph is not None:
        travel_info = graph.provenance() | {"search": "最寄り施設を1回の多始点探索で（行列を作らない）"}
    else:
        travel_info = great_circle_matrix([demand[0].site()], located_sites[:1], mode).provenance | {
            "search": "最寄り施設を単位ベクトルの最近傍探索で（行列を作らない）"}
    threshold = s.travel.threshold_minutes
    owner = {f.facility_id: f.municipality_code for f in located}
    shared: dict[str, set[str]] = defaultdict(set)  # body → facilities it may use after the scenario
    for a in s.actions:
        ids: list[str] = []
        if a.type == "mutual_use":
            ids = list(a.facilities)
        elif a.type == "consolidate":
            ids = [a.target] if a.target else [a.new_site.id] if a.new_site else []
        for b in ctx.action_bodies(a):
            shared[b].update(ids)
    demand_bodies = sorted({d.municipality_code or "unknown" for d in demand})

    def run(before: list[str], after: list[str]) -> accessmod.AccessChange:
        if matrix is None:
            if graph is not None:
                return accessmod.compare_network(demand, graph, located_sites, before, after, threshold)
            return accessmod.compare_great_circle(demand, located_sites, before, after, mode, threshold)
        if s.access_scope == "region":
            return accessmod.compare(demand, matrix, before, after, threshold)
        return accessmod.compare_scoped(
            demand, matrix,
            {b: [f for f in before if owner[f] == b] for b in demand_bodies},
            {b: [f for f in after if owner[f] == b or f in shared[b]] for b in demand_bodies},
            threshold,
        )

    out: dict[str, accessmod.AccessChange] = {}
    for cat in cats:
        before = [f.facility_id for f in located if f.category == cat and f.facility_id not in ctx.new_sites]
        after = [f.facility_id for f in located
                 if (ctx.category_at_end(f) == cat) and f.facility_id not in ctx.closed_at]
        change = run(before, after)
        if keep is not None:
            keep[cat.value] = change
        out[cat.value] = change
    by_sub: dict[str, accessmod.AccessChange] = {}
    for sub in s.subcategories or []:
        before = [f.facility_id for f in located if f.subcategory == sub and f.facility_id not in ctx.new_sites]
        after = [f.facility_id for f in located if f.subcategory == sub and f.facility_id not in ctx.closed_at]
        if not before and not after:
            raise ScenarioError(f"subcategories: 中分類「{sub}」の施設が（位置のある施設の中に）ありません")
        by_sub[sub] = run(before, after)
    return Access(
        categories=[c.value for c in cats],
        travel=travel_info,
        demand=DemandSummary(points=len(demand), population=sum(d.population for d in demand),
                             approximate=any(d.approximate for d in demand),
                             rule=next((d.rule for d in demand if d.rule), None)),
        scope=s.access_scope,
        rule=str(parameters()["access_rule"] if s.access_scope == "region" else parameters()["access_rule_own_body"]).strip(),
        by_category=out,
        by_subcategory=by_sub,
        excluded=no_loc,
    ), matrix


# ---- costs ---------------------------------------------------------------------------------------


def _renewal_series(facilities: Sequence[Facility], start: int, years: int) -> tuple[dict[str, list[int]], list[dict[str, Any]]]:
    """更新費用 per facility per 年度 (A's projection run one facility at a time) and exclusions."""
    out: dict[str, list[int]] = {}
    excluded: list[dict[str, Any]] = []
    for f in facilities:
        res = renewal.project([f], start_year=start, years=years, keep_bookings=False)
        out[f.facility_id] = list(res.total_yen)
        excluded.extend(res.excluded)
    return out, excluded


def _cost_lines(ctx: _Ctx, fee_results: list[feesmod.FeeResult], fee_cases: list[str],
                council: Council | None) -> list[finance.CostLine]:
    lines: list[finance.CostLine] = []
    n_before = int(parameters()["construction_years_before_service"])
    for a in ctx.s.actions:
        if a.type == "consolidate":
            if a.construction_cost_yen:
                sched = a.construction_schedule or dict(zip(
                    range(a.fiscal_year - n_before, a.fiscal_year), split_evenly(a.construction_cost_yen, n_before), strict=True))
                for y, v in sorted(sched.items()):
                    if v:
                        lines.append(finance.CostLine(a.id, "construction", a.lead, y, v, "新築・改修"))
            for d in a.demolitions:
                lines.append(finance.CostLine(a.id, "demolition", a.lead, d.fiscal_year, d.cost_yen, f"除却 {d.facility}"))
            for c in a.smoothing_costs:
                lines.append(finance.CostLine(a.id, "smoothing", c.municipality or a.lead, c.fiscal_year, c.cost_yen, c.what))
        elif a.type == "demolish" and a.cost_yen:
            lines.append(finance.CostLine(a.id, "demolition", a.lead, a.fiscal_year, a.cost_yen, "除却"))
        elif a.type == "convert" and a.cost_yen:
            lines.append(finance.CostLine(a.id, "conversion", a.lead, a.fiscal_year, a.cost_yen, "転用"))
    for res, case in zip(fee_results, fee_cases, strict=True):
        for body, years in res.smoothing_cost_by_body_year.items():
            for y, v in years.items():
                if v:
                    lines.append(finance.CostLine(f"fees:{case}", "fee_smoothing", body, y, v, f"使用料の激変緩和（{res.group.facility_type}）"))
    if council is not None:
        case = council.case or council.name
        for body, years in council.costs_by_body_year().items():
            for y, v in years.items():
                if v:
                    lines.append(finance.CostLine(f"council:{case}", "council", body, y, v, ",".join(council.members)))
    return lines


def _new_site_operating(ctx: _Ctx, nf: Facility, a: Action) -> tuple[int | None, ImputedOperatingCost | None]:
    """A new building's 年間運営費: the scenario's, else estimated from its sources' cost per ㎡ (推計), else None."""
    if nf.annual_operating_cost_yen is not None:
        return nf.annual_operating_cost_yen, None
    known = [ctx.facilities[f] for f in a.sources
             if ctx.facilities[f].annual_operating_cost_yen is not None and ctx.facilities[f].floor_area_m2]
    area = sum((f.floor_area_m2 or Decimal(0) for f in known), Decimal(0))
    if not known or area <= 0 or nf.floor_area_m2 is None:
        return None, None
    cost = sum(f.annual_operating_cost_yen or 0 for f in known)
    yen = int((Decimal(cost) / area * nf.floor_area_m2).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    basis = (f"統合元 {len(known)} 施設の運営費 {cost:,}円 ÷ 延床面積 {area:,}㎡ × 新施設 {nf.floor_area_m2:,}㎡")
    rule = " ".join(str(parameters()["new_site_operating_cost_rule"]).split())
    return yen, ImputedOperatingCost(nf.facility_id, nf.name, yen, "統合元施設の㎡当たり運営費 × 新施設の延床面積", basis + "。" + rule)


def _costs(ctx: _Ctx, cost_lines: list[finance.CostLine], progress: Progress | None) -> Costs:
    s = ctx.s
    n, start = s.horizon_years, s.start_fiscal_year
    rate = s.discount_rate if s.discount_rate is not None else Decimal(str(parameters()["discount_rate"]))
    if progress:
        progress(f"更新費用の試算（{len(ctx.facilities) + len(ctx.new_sites)} 施設 × {n} 年度）")
    existing = list(ctx.facilities.values())
    ren, ren_excl = _renewal_series(existing, start, n)
    # conversions: the 大分類 (unit cost) changes from the conversion 年度
    conv: dict[str, tuple[int, MajorCategory]] = {}
    for a in s.actions:
        if a.type == "convert" and a.to_category is not None:
            for fid in a.facilities:
                conv[fid] = (a.fiscal_year, a.to_category)
    conv_series, _ = _renewal_series([replace(ctx.facilities[fid], category=c) for fid, (_, c) in conv.items()], start, n)
    new_series, _ = _renewal_series([nf for nf, _ in ctx.new_sites.values()], start, n)
    zero = [0] * n
    base_ren, base_op = list(zero), list(zero)
    scen_ren, scen_op, scen_cap = list(zero), list(zero), list(zero)
    body_base: dict[str, int] = defaultdict(int)
    body_scen: dict[str, int] = defaultdict(int)
    op_excluded: list[Excluded] = []
    by_facility: dict[str, FacilityCost] = {}
    for f in existing:
        r = ren.get(f.facility_id, zero)
        op = f.annual_operating_cost_yen
        if op is None:
            op_excluded.append(Excluded(f.facility_id, f.name, "年間運営費（annual_operating_cost_yen）が不明"))
        closed = ctx.closed_at.get(f.facility_id)
        sums = {"renewal_baseline_yen": 0, "renewal_scenario_yen": 0, "operating_baseline_yen": 0, "operating_scenario_yen": 0}
        for i, y in enumerate(range(start, start + n)):
            rv = r[i]
            base_ren[i] += rv
            body_base[f.municipality_code] += rv + (op or 0)
            sums["renewal_baseline_yen"] += rv
            if op is not None:
                base_op[i] += op
                sums["operating_baseline_yen"] += op
            if closed is not None and y >= closed[0]:
                continue
            if f.facility_id in conv and y >= conv[f.facility_id][0]:
                rv = conv_series[f.facility_id][i]
            scen_ren[i] += rv
            body_scen[f.municipality_code] += rv + (op or 0)
            sums["renewal_scenario_yen"] += rv
            if op is not None:
                scen_op[i] += op
                sums["operating_scenario_yen"] += op
        by_facility[f.facility_id] = FacilityCost(
            name=f.name, municipality_code=f.municipality_code, **sums,
            out_of_service_from=None if closed is None else closed[0], by_action=None if closed is None else closed[1],
            imputed=sorted(f.imputed), operating_cost_from_scenario=f.facility_id in ctx.operating_from_scenario,
        )
    notes: list[str] = []
    for a in s.actions:
        if a.type == "consolidate" and a.target and a.target_operating_cost_change_yen:
            tf = ctx.facilities[a.target]
            for i, y in enumerate(range(start, start + n)):
                if y >= a.fiscal_year and not (tf.facility_id in ctx.closed_at and y >= ctx.closed_at[tf.facility_id][0]):
                    scen_op[i] += a.target_operating_cost_change_yen
                    body_scen[tf.municipality_code] += a.target_operating_cost_change_yen
        elif (a.type == "consolidate" and a.target and a.construction_cost_yen
              and "target_operating_cost_change_yen" not in a.model_fields_set):
            notes.append(f"取組 {a.id}: " + " ".join(str(parameters()["expanded_target_operating_note"]).split()))
    imputed_op: list[ImputedOperatingCost] = []
    withheld: list[str] = []
    for nid, (nf, a) in ctx.new_sites.items():
        r = new_series.get(nid, zero)
        op, imp = _new_site_operating(ctx, nf, a)
        if imp is not None:
            imputed_op.append(imp)
        if op is None:
            op_excluded.append(Excluded(nid, nf.name, "新施設の年間運営費が未指定（new_site.annual_operating_cost_yen）"))
            withheld.append(
                f"新施設「{nf.name}」の年間運営費（取組 {a.id} の new_site.annual_operating_cost_yen）がなく、統合元の運営費から"
                "推計することもできないため、削減額は示しません（運営費を入力してください）")
        for i, y in enumerate(range(start, start + n)):
            if y < a.fiscal_year:
                continue
            scen_ren[i] += r[i]
            scen_op[i] += op or 0
            body_scen[nf.municipality_code] += r[i] + (op or 0)
    capital_by_kind: dict[str, int] = defaultdict(int)
    outside: list[finance.CostLine] = []
    for c in cost_lines:
        if start <= c.fiscal_year < start + n:
            scen_cap[c.fiscal_year - start] += c.cost_yen
            body_scen[c.municipality] += c.cost_yen
            capital_by_kind[c.kind] += c.cost_yen
        else:
            outside.append(c)
    baseline = CostSeries(base_ren, base_op)
    scenario = CostSeries(scen_ren, scen_op, scen_cap)
    nominal_b, nominal_s = sum(baseline.total_yen), sum(scenario.total_yen)
    disc_b, disc_s = discount(baseline.total_yen, rate), discount(scenario.total_yen, rate)
    show = not withheld
    return Costs(
        years=list(range(start, start + n)),
        discount_rate=rate,
        discount_rule=str(parameters()["discount_rate_citation"]).strip(),
        baseline=baseline, scenario=scenario,
        capital_by_kind=dict(capital_by_kind),
        nominal=Comparison(nominal_b, nominal_s, nominal_b - nominal_s if show else None),
        discounted=Comparison(disc_b, disc_s, disc_b - disc_s if show else None),
        by_municipality={b: Comparison(body_base.get(b, 0), body_scen.get(b, 0),
                                       body_base.get(b, 0) - body_scen.get(b, 0) if show else None) for b in ctx.bodies},
        by_facility=by_facility,
        excluded_renewal=ren_excl,
        excluded_operating=op_excluded,
        operating_cost_from_scenario=ctx.operating_from_scenario,
        costs_outside_horizon=outside,
        renewal_parameters=renewal.RenewalParameters.load().id,
        imputed_operating=imputed_op,
        savings_withheld=withheld,
        notes=notes,
    )


# ---- sharing -------------------------------------------------------------------------------------


def _sharing(ctx: _Ctx, fin: finance.Financing, population: dict[str, int]) -> Sharing:
    """Each action's net burden per 年度 split among its bodies by its rule (負担金)."""
    rules: dict[str, tuple[sharing.ShareRule, list[str]]] = {}
    for a in ctx.s.actions:
        rule = sharing.ShareRule.from_dict(a.sharing, f"actions[{a.id}].sharing")
        if population and not rule.population and not rule.own:
            rule = replace(rule, population=dict(population))
        rules[a.id] = (rule, ctx.action_bodies(a))
    def split_by_rule(bodies: dict[str, dict[int, int]], rule: sharing.ShareRule, members: list[str]) -> dict[str, dict[int, int]]:
        if rule.own:
            return {b: dict(ys) for b, ys in bodies.items()}
        per_year: dict[int, int] = defaultdict(int)
        for ys in bodies.values():
            for y, v in ys.items():
                per_year[y] += v
        out: dict[str, dict[int, int]] = defaultdict(dict)
        for y, total in sorted(per_year.items()):
            if total == 0:
                continue
            parts = sharing.split(total, rule, members) if total > 0 else {
                k: -x for k, x in sharing.split(-total, rule, members).items()}
            for b, v in parts.items():
                out[b][y] = v
        return out

    by_action: dict[str, ActionShare] = {}
    totals: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    cash: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for act, bodies in fin.net_by_action.items():
        # the cash view leaves out 普通交付税算入 (not cash for a 不交付団体)
        cash_bodies = {b: {y: v + fin.components.get(act, {}).get(b, {}).get(y, {}).get("ordinary_allocation_tax_yen", 0)
                           for y, v in ys.items()} for b, ys in bodies.items()}
        shares: dict[str, Decimal] | None
        if act not in rules:  # council (council:…) and fee phase-in (fees:…) costs: each body bears its own
            split, split_cash = bodies, cash_bodies
            label, members, shares = "各団体が自らの分を負担", sorted(bodies), None
        else:
            rule, members = rules[act]
            split, split_cash = split_by_rule(bodies, rule, members), split_by_rule(cash_bodies, rule, members)
            label = rule.describe()
            shares = None if rule.own else {
                b: x.quantize(Decimal("0.000001")) for b, x in sharing.shares(rule, members).items()}
        for target, src in ((totals, split), (cash, split_cash)):
            for b, ys in src.items():
                for y, v in ys.items():
                    target[b][y] += v
        by_action[act] = ActionShare(
            rule=label, bodies=members, shares=shares,
            by_municipality={b: dict(sorted(ys.items())) for b, ys in sorted(split.items())},
        )
    return Sharing(
        rule=str(parameters()["cost_bearer_rule"]).strip(),
        by_action=by_action,
        net_burden_by_municipality={b: dict(sorted(ys.items())) for b, ys in sorted(totals.items())},
        cash_burden_by_municipality={b: dict(sorted(ys.items())) for b, ys in sorted(cash.items())},
    )


# ---- entry points --------------------------------------------------------------------------------


def evaluate(
    scenario: Scenario,
    inventory: Inventory,
    demand: Sequence[demandmod.DemandPoint] | None = None,
    matrix: TravelMatrix | None = None,
    engine: finance.Engine | None = None,
    progress: Progress | None = None,
    graph: RoadGraph | None = None,
) -> ScenarioResult:
    """Evaluate ``scenario`` on ``inventory``; ``demand`` defaults to the documented approximation.

    Travel times: ``matrix`` if given, else network times on ``graph``, else great circle × circuity ÷ speed.
    """
    ctx = _Ctx(scenario, inventory)
    scenario = ctx.s  # with lead bodies resolved
    floor, cases = _floor_area(ctx)
    if demand is None:
        if progress:
            progress("需要点の作成（国勢調査人口の概算配分）")
        demand = demandmod.approximate_demand(ctx.bodies, scenario.demand.census_year)
    acc, _ = _access(ctx, demand, matrix, progress, graph)
    # fees: 激変緩和 cost is a 円滑化 cost of the consolidation case it belongs to
    first_case = next((a for a in scenario.actions if a.type == "consolidate"), None)
    fee_results, fee_cases = [], []
    for i, raw in enumerate(scenario.fees):
        d = dict(raw)
        case = str(d.pop("case", first_case.id if first_case else "fees"))
        if "start_fiscal_year" not in d:
            act = next((a for a in scenario.actions if a.id == case), None)
            d["start_fiscal_year"] = act.fiscal_year if act else scenario.start_fiscal_year
        else:
            d["start_fiscal_year"] = FiscalYear.parse(d["start_fiscal_year"]).year
        fee_results.append(feesmod.evaluate(feesmod.FeeGroup.from_dict(d, f"fees[{i}]")))
        fee_cases.append(case)
    council = Council.from_dict(scenario.council) if scenario.council else None
    cost_lines = _cost_lines(ctx, fee_results, fee_cases, council)
    costs = _costs(ctx, cost_lines, progress)
    if progress:
        progress("財政措置の計算")
    bodies_by_action = {a.id: ctx.action_bodies(a) for a in scenario.actions}
    fin = finance.evaluate(scenario.actions, cost_lines, cases, bodies_by_action, engine=engine)
    population = {b: int(sum(d.population for d in demand if d.municipality_code == b)) for b in ctx.bodies}
    population = {b: p for b, p in population.items() if p > 0}
    share = _sharing(ctx, fin, population) if fin.result is not None else Sharing(notes=fin.notes, evaluated=False)
    names = {f.facility_id: f.name for f in inventory.facilities} | {nid: nf.name for nid, (nf, _) in ctx.new_sites.items()}
    return ScenarioResult(
        scenario=ScenarioInfo(
            name=scenario.name, description=scenario.description, bodies=ctx.bodies, source=scenario.source,
            start_fiscal_year=scenario.start_fiscal_year, horizon_years=scenario.horizon_years,
            actions=[a.model_dump(mode="json", exclude_none=True, exclude_defaults=True) for a in scenario.actions]),
        floor_area=floor,
        access=acc,
        costs=costs,
        cost_lines=cost_lines,
        financing=fin,
        sharing=share,
        fees=fee_results,
        council=council,
        inventory=InventoryInfo(facilities=len(ctx.facilities), sources=list(inventory.sources), notes=list(inventory.notes)),
        counts=facility_counts(scenario, inventory),
        closed_ids=sorted({fid for a in scenario.actions for fid in a.closed_ids()}),
        facility_names=names,
    )


def facility_counts(scenario: Scenario, inventory: Inventory) -> dict[str, FacilityCount]:
    """施設数 before/after per body of the inventory (closed = 統合元・廃止・除却 of the scenario's actions)."""
    closed = {fid for a in scenario.actions for fid in a.closed_ids()}
    before: dict[str, int] = defaultdict(int)
    after: dict[str, int] = defaultdict(int)
    for f in inventory.facilities:
        before[f.municipality_code] += 1
        after[f.municipality_code] += int(f.facility_id not in closed)
    return {b: FacilityCount(before[b], after[b]) for b in before}


def access_points(
    scenario: Scenario,
    inventory: Inventory,
    demand: Sequence[demandmod.DemandPoint] | None = None,
    matrix: TravelMatrix | None = None,
    graph: RoadGraph | None = None,
) -> tuple[list[demandmod.DemandPoint], dict[str, accessmod.AccessChange]]:
    """The access part of :func:`evaluate` with every demand point kept: (demand points, 大分類 → before/after
    minutes per point), for maps. Same demand, travel times and scope rules as :func:`evaluate`."""
    ctx = _Ctx(scenario, inventory)
    if demand is None:
        demand = demandmod.approximate_demand(ctx.bodies, ctx.s.demand.census_year)
    changes: dict[str, accessmod.AccessChange] = {}
    _access(ctx, demand, matrix, None, graph, keep=changes)
    return list(demand), changes


def load_inventory(ref: str, base_dir: Path, store_lookup: StoreLookup | None = None) -> Inventory:
    """The inventory a scenario names (:class:`InventorySource`: a file relative to the scenario, ``demo:<region>``,
    or ``store:<name>`` through ``store_lookup``)."""
    return InventorySource.parse(ref, base_dir).load(store_lookup)


def load_demand(scenario: Scenario, base_dir: Path, bodies: list[str]) -> list[demandmod.DemandPoint] | None:
    spec = scenario.demand
    if spec.source == "approximate":
        points = None
    else:
        path = base_dir / spec.source
        if path.suffix.lower() == ".csv":
            points = demandmod.read_demand_csv(path)
        else:
            points = demandmod.assign_bodies(demandmod.read_estat_mesh(path, spec.mesh_column), bodies)
    if spec.projection:
        if spec.projection_year is None:
            raise ScenarioError("demand.projection には projection_year（推計年）が必要です")
        proj = demandmod.read_ipss_projection(base_dir / spec.projection)
        points = demandmod.project_by_body(points or demandmod.approximate_demand(bodies, spec.census_year), proj, spec.projection_year)
    return points


DEMO_SCENARIOS = {
    "yamato": "yamato_three_halls.yaml",
    "大和まほろば": "yamato_three_halls.yaml",
    "yamato-existing": "yamato_into_existing.yaml",
}


def demo_scenario_path(name: str) -> Path:
    """The bundled demo scenario file (``demo:yamato``)."""
    file = DEMO_SCENARIOS.get(name, name if name.endswith(".yaml") else f"{name}.yaml")
    res = resources.files("kouiki.facilities").joinpath(f"data/scenarios/{file}")
    if not res.is_file():
        raise ScenarioError(f"同梱のシナリオがありません: {name}（あるのは: {', '.join(sorted(DEMO_SCENARIOS))}）")
    return Path(str(res))


def evaluate_file(path: Path | str, engine: finance.Engine | None = None, progress: Progress | None = None,
                  store_lookup: StoreLookup | None = None) -> ScenarioResult:
    """Load the scenario file (or ``demo:<name>``) and everything it names, then :func:`evaluate`."""
    path = demo_scenario_path(str(path)[len("demo:") :]) if str(path).startswith("demo:") else Path(path)
    scenario = load_scenario(path)
    base = path.parent
    inventory = load_inventory(scenario.inventory, base, store_lookup)
    bodies = sorted(set(scenario.bodies or inventory.municipalities()))
    demand = load_demand(scenario, base, bodies)
    matrix = None
    graph = None
    if scenario.travel.matrix:
        matrix = TravelMatrix.read(base / scenario.travel.matrix)
    elif scenario.travel.road_graph:
        if progress:
            progress("道路ネットワークの読み込み")
        graph = roadgraph.load(base / scenario.travel.road_graph)
    return evaluate(scenario, inventory, demand, matrix, engine, progress, graph)
