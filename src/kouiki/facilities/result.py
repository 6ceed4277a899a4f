"""The typed result of a facility scenario evaluation (:func:`kouiki.facilities.evaluate.evaluate`).

Every surface (CLI text, Excel/CSV/PDF through :mod:`kouiki.reports.scenario`, the web pages) reads these
attributes; :meth:`ScenarioResult.to_dict` is the one place the JSON form is made (``--json``, the JSON API).
Areas are ``Decimal`` ㎡, money is ``int`` yen, 年度 are 西暦 start years (``int``); the JSON form carries areas
as strings and 年度 keys as strings, as it always has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kouiki.facilities.access import AccessChange
from kouiki.facilities.council import Council
from kouiki.facilities.fees import FeeResult
from kouiki.facilities.finance import CostLine, Financing


def _s(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


def _years(ys: dict[int, int]) -> dict[str, int]:
    return {str(y): v for y, v in sorted(ys.items())}


# ---- scenario ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    description: str | None
    bodies: list[str]
    source: dict[str, Any] | None  # where the scenario came from (e.g. the optimiser's run)
    start_fiscal_year: int
    horizon_years: int
    actions: list[dict[str, Any]]  # the actions as written (JSON form), lead bodies resolved

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "bodies": self.bodies, "source": self.source,
                "start_fiscal_year": self.start_fiscal_year, "horizon_years": self.horizon_years,
                "actions": self.actions}


# ---- floor area ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaChange:
    before_m2: Decimal
    after_m2: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"before_m2": str(self.before_m2), "after_m2": str(self.after_m2)}


@dataclass(frozen=True)
class CaseFloorArea:
    """One 集約化 case: floor areas summed over every participating body (the 公適債 condition)."""

    action: str
    bodies: list[str]
    before_m2: Decimal | None
    after_m2: Decimal | None
    reduced: bool | None
    reason: str | None
    includes_imputed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "bodies": self.bodies, "before_m2": _s(self.before_m2),
                "after_m2": _s(self.after_m2), "reduced": self.reduced, "reason": self.reason,
                "includes_imputed": self.includes_imputed}


@dataclass(frozen=True)
class Excluded:
    """A facility left out of one figure, and why (in Japanese)."""

    facility_id: str
    name: str
    reason: str
    municipality_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"facility_id": self.facility_id, "name": self.name}
        if self.municipality_code is not None:
            out["municipality_code"] = self.municipality_code
        out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class ImputedArea:
    facility_id: str
    floor_area_m2: Decimal
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {"facility_id": self.facility_id, "floor_area_m2": str(self.floor_area_m2), "rule": self.rule}


@dataclass(frozen=True)
class FloorArea:
    before_m2: Decimal
    after_m2: Decimal
    reduced: bool | None
    reduced_rule: str
    by_municipality: dict[str, AreaChange]
    by_category: dict[str, AreaChange]
    cases: list[CaseFloorArea]
    excluded: list[Excluded]
    imputed: list[ImputedArea]

    @property
    def change_m2(self) -> Decimal:
        return self.after_m2 - self.before_m2

    @property
    def imputed_note(self) -> str | None:
        return "推計値（imputed）を含みます: 実測値ではありません" if self.imputed else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "before_m2": str(self.before_m2), "after_m2": str(self.after_m2), "change_m2": str(self.change_m2),
            "reduced": self.reduced, "reduced_rule": self.reduced_rule,
            "by_municipality": {b: a.to_dict() for b, a in self.by_municipality.items()},
            "by_category": {c: a.to_dict() for c, a in self.by_category.items()},
            "cases": [c.to_dict() for c in self.cases],
            "excluded": [e.to_dict() for e in self.excluded],
            "imputed": [i.to_dict() for i in self.imputed],
            "imputed_note": self.imputed_note,
        }


# ---- access --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemandSummary:
    points: int
    population: int
    approximate: bool
    rule: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"points": self.points, "population": self.population, "approximate": self.approximate, "rule": self.rule}


@dataclass(frozen=True)
class Access:
    """Access per 大分類 (and 中分類) touched by the scenario; ``evaluated`` is False when nothing could be measured."""

    categories: list[str]
    excluded: list[Excluded]
    by_category: dict[str, AccessChange] = field(default_factory=dict)
    by_subcategory: dict[str, AccessChange] = field(default_factory=dict)
    travel: dict[str, Any] | None = None  # provenance of the travel times (method, formula, citation …)
    demand: DemandSummary | None = None
    scope: str | None = None
    rule: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def evaluated(self) -> bool:
        return self.demand is not None

    @property
    def travel_ja(self) -> str | None:
        """How the travel times were made, in Japanese only (the JSON keeps the formula and its English labels)."""
        t = self.travel or {}
        if not t:
            return None
        method = str(t.get("method", ""))
        if method == "road_graph":
            text = "道路ネットワーク上の最短所要時間"
        elif "matrix" in method:
            text = "所要時間行列（ファイル）による所要時間"
        else:
            parts = [f"{k} {t[key]}{unit}" for k, key, unit in (("迂回率", "circuity", ""), ("時速", "speed_kmh", "km"))
                     if t.get(key) is not None]
            text = "直線距離 × 迂回率 ÷ 速度" + (f"（{'、'.join(parts)}）" if parts else "")
        if t.get("mode_label"):
            text += f"、手段: {t['mode_label']}"
        return text

    def to_dict(self) -> dict[str, Any]:
        if not self.evaluated:
            return {"categories": self.categories, "excluded": [e.to_dict() for e in self.excluded],
                    "by_category": {}, "notes": self.notes}
        assert self.demand is not None
        return {
            "categories": self.categories, "travel": self.travel, "demand": self.demand.to_dict(),
            "scope": self.scope, "rule": self.rule,
            "by_category": {c: ch.to_dict() for c, ch in self.by_category.items()},
            "by_subcategory": {c: ch.to_dict() for c, ch in self.by_subcategory.items()},
            "excluded": [e.to_dict() for e in self.excluded],
        }


# ---- costs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostSeries:
    """Costs per 年度 (yen), aligned with :attr:`Costs.years`; ``capital`` is empty for the baseline."""

    renewal_yen: list[int]
    operating_yen: list[int]
    capital_yen: list[int] | None = None

    @property
    def total_yen(self) -> list[int]:
        cap = self.capital_yen or [0] * len(self.renewal_yen)
        return [a + b + c for a, b, c in zip(self.renewal_yen, self.operating_yen, cap, strict=True)]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"renewal_yen": self.renewal_yen, "operating_yen": self.operating_yen}
        if self.capital_yen is not None:
            out["capital_yen"] = self.capital_yen
        out["total_yen"] = self.total_yen
        return out


@dataclass(frozen=True)
class Comparison:
    """Baseline vs scenario over the horizon; ``savings_yen`` is None when the headline is withheld."""

    baseline_yen: int
    scenario_yen: int
    savings_yen: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"baseline_yen": self.baseline_yen, "scenario_yen": self.scenario_yen, "savings_yen": self.savings_yen}


@dataclass(frozen=True)
class FacilityCost:
    name: str
    municipality_code: str
    renewal_baseline_yen: int
    renewal_scenario_yen: int
    operating_baseline_yen: int
    operating_scenario_yen: int
    out_of_service_from: int | None
    by_action: str | None
    imputed: list[str]
    operating_cost_from_scenario: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "municipality_code": self.municipality_code,
            "renewal_baseline_yen": self.renewal_baseline_yen, "renewal_scenario_yen": self.renewal_scenario_yen,
            "operating_baseline_yen": self.operating_baseline_yen, "operating_scenario_yen": self.operating_scenario_yen,
            "out_of_service_from": self.out_of_service_from, "by_action": self.by_action, "imputed": self.imputed,
            "operating_cost_from_scenario": self.operating_cost_from_scenario,
        }


@dataclass(frozen=True)
class ImputedOperatingCost:
    """A new building's 年間運営費 estimated by the documented rule (推計), not given in the scenario."""

    facility_id: str
    name: str
    annual_operating_cost_yen: int
    rule: str
    basis: str  # the figures the estimate came from

    def to_dict(self) -> dict[str, Any]:
        return {"facility_id": self.facility_id, "name": self.name,
                "annual_operating_cost_yen": self.annual_operating_cost_yen, "imputed": True,
                "rule": self.rule, "basis": self.basis}


@dataclass(frozen=True)
class Costs:
    years: list[int]
    discount_rate: Decimal
    discount_rule: str
    baseline: CostSeries
    scenario: CostSeries
    capital_by_kind: dict[str, int]
    nominal: Comparison
    discounted: Comparison
    by_municipality: dict[str, Comparison]
    by_facility: dict[str, FacilityCost]
    excluded_renewal: list[dict[str, Any]]
    excluded_operating: list[Excluded]
    operating_cost_from_scenario: list[str]
    costs_outside_horizon: list[CostLine]
    renewal_parameters: str
    imputed_operating: list[ImputedOperatingCost] = field(default_factory=list)
    savings_withheld: list[str] = field(default_factory=list)  # why no 削減額 is headlined (missing inputs)
    notes: list[str] = field(default_factory=list)

    BY_MUNICIPALITY_RULE = "施設の所在団体ごとの更新費用・運営費と、各費用を計上した団体の事業費（負担金による按分前）"

    @property
    def operating_cost_note(self) -> str | None:
        if not self.operating_cost_from_scenario:
            return None
        return "運営費のうち operating_cost_from_scenario の施設の値は台帳ではなくシナリオで指定した値です"

    @property
    def discounted_explanation(self) -> str:
        """The discounted figure in words (for every surface)."""
        return f"割引率{percent(self.discount_rate)}で現在価値に換算した差額"

    def to_dict(self) -> dict[str, Any]:
        return {
            "years": self.years, "discount_rate": str(self.discount_rate), "discount_rule": self.discount_rule,
            "discounted_explanation": self.discounted_explanation,
            "baseline": self.baseline.to_dict(), "scenario": self.scenario.to_dict(),
            "capital_by_kind": self.capital_by_kind,
            "nominal": self.nominal.to_dict(), "discounted": self.discounted.to_dict(),
            "by_municipality": {b: c.to_dict() for b, c in self.by_municipality.items()},
            "by_municipality_rule": self.BY_MUNICIPALITY_RULE,
            "by_facility": {k: v.to_dict() for k, v in self.by_facility.items()},
            "excluded_renewal": self.excluded_renewal,
            "excluded_operating": [e.to_dict() for e in self.excluded_operating],
            "operating_cost_from_scenario": self.operating_cost_from_scenario,
            "operating_cost_note": self.operating_cost_note,
            "imputed_operating": [i.to_dict() for i in self.imputed_operating],
            "savings_withheld": self.savings_withheld,
            "notes": self.notes,
            "costs_outside_horizon": [c.to_dict() for c in self.costs_outside_horizon],
            "renewal_parameters": self.renewal_parameters,
        }


def percent(rate: Decimal) -> str:
    """0.04 → 「4%」, 0.025 → 「2.5%」."""
    p = (rate * 100).normalize()
    return f"{p:f}%"


# ---- sharing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionShare:
    """One action's net burden split among its bodies (負担金) by its rule."""

    rule: str
    bodies: list[str]
    shares: dict[str, Decimal] | None  # None for ``own`` (each body bears its own)
    by_municipality: dict[str, dict[int, int]]

    @property
    def total_by_municipality(self) -> dict[str, int]:
        return {b: sum(ys.values()) for b, ys in self.by_municipality.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "bodies": self.bodies,
            "shares": None if self.shares is None else {b: str(x) for b, x in self.shares.items()},
            "by_municipality": {b: _years(ys) for b, ys in self.by_municipality.items()},
            "total_by_municipality": self.total_by_municipality,
        }


@dataclass(frozen=True)
class Sharing:
    """実質負担 per body and 年度 after the 負担金 split; ``evaluated`` is False without a fiscal result."""

    rule: str = ""
    by_action: dict[str, ActionShare] = field(default_factory=dict)
    net_burden_by_municipality: dict[str, dict[int, int]] = field(default_factory=dict)
    cash_burden_by_municipality: dict[str, dict[int, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    evaluated: bool = True

    CASH_RULE = "普通交付税算入額を差し引かない負担（不交付団体の現金ベース）。それ以外は実質負担と同じ"

    @property
    def net_burden_total_by_municipality(self) -> dict[str, int]:
        return {b: sum(ys.values()) for b, ys in self.net_burden_by_municipality.items()}

    @property
    def cash_burden_total_by_municipality(self) -> dict[str, int]:
        return {b: sum(ys.values()) for b, ys in self.cash_burden_by_municipality.items()}

    def to_dict(self) -> dict[str, Any]:
        if not self.evaluated:
            return {"notes": self.notes}
        return {
            "rule": self.rule,
            "by_action": {a: s.to_dict() for a, s in self.by_action.items()},
            "net_burden_by_municipality": {b: _years(ys) for b, ys in self.net_burden_by_municipality.items()},
            "net_burden_total_by_municipality": self.net_burden_total_by_municipality,
            "cash_burden_by_municipality": {b: _years(ys) for b, ys in self.cash_burden_by_municipality.items()},
            "cash_burden_total_by_municipality": self.cash_burden_total_by_municipality,
            "cash_burden_rule": self.CASH_RULE,
        }


# ---- counts and the whole ------------------------------------------------------------------------


@dataclass(frozen=True)
class FacilityCount:
    before: int
    after: int

    def to_dict(self) -> dict[str, int]:
        return {"before": self.before, "after": self.after}


@dataclass(frozen=True)
class InventoryInfo:
    facilities: int
    sources: list[str]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"facilities": self.facilities, "sources": self.sources, "notes": self.notes}


@dataclass
class ScenarioResult:
    """Floor area, access, costs, financing, sharing, fees, council and facility counts of one scenario."""

    scenario: ScenarioInfo
    floor_area: FloorArea
    access: Access
    costs: Costs
    cost_lines: list[CostLine]
    financing: Financing
    sharing: Sharing
    fees: list[FeeResult]
    council: Council | None
    inventory: InventoryInfo
    counts: dict[str, FacilityCount]
    closed_ids: list[str]
    facility_names: dict[str, str] = field(default_factory=dict)  # facility id → name (台帳 and new sites)

    @property
    def warnings(self) -> list[str]:
        """Everything a reader must see beside the figures: the fiscal engine's warnings (e.g. a rate assumed
        beyond its period), withheld savings, estimated inputs — in Japanese, one line each."""
        out = list(self.costs.savings_withheld)
        out += [f"{i.name}の年間運営費は推計値です（{i.annual_operating_cost_yen:,}円/年、{i.rule}）"
                for i in self.costs.imputed_operating]
        out += self.costs.notes
        out += self.financing.warning_texts(self.action_labels)
        return out

    @property
    def action_labels(self) -> dict[str, str]:
        """Action id → its label (the id when it has none): how people name an action on a page."""
        return {str(a["id"]): str(a.get("label") or a["id"]) for a in self.scenario.actions}

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``kouiki facilities evaluate --json`` and the JSON API)."""
        return {
            "scenario": self.scenario.to_dict(),
            "floor_area": self.floor_area.to_dict(),
            "access": self.access.to_dict(),
            "costs": self.costs.to_dict(),
            "cost_lines": [c.to_dict() for c in self.cost_lines],
            "financing": self.financing.to_dict(),
            "sharing": self.sharing.to_dict(),
            "fees": [r.to_dict() for r in self.fees],
            "council": None if self.council is None else self.council.to_dict(),
            "inventory": self.inventory.to_dict(),
            "counts": {b: c.to_dict() for b, c in self.counts.items()},
            "closed_ids": self.closed_ids,
            "warnings": self.warnings,
        }
