"""Fee unification per facility type (使用料の統一) with a 激変緩和 schedule.

Per facility type (e.g. ホール 1時間): the current fee of each body, a unified rule — ``min``, ``max``,
``population_weighted`` (人口加重平均), ``cost_recovery`` (運営費 × 受益者負担率 ÷ 利用件数) or ``fixed`` — then for
each body the path from its current fee to the unified one with each 年度's step capped (×1.2 by default,
``parameters/fees.yaml``), the revenue change against today, and the 激変緩和 cost (revenue not collected while
phasing in) which the scenario's financing claims as 円滑化経費. Fees are int yen, set in 10-yen steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

from kouiki.facilities.params import facility_parameters, horizon_years
from kouiki.reference import codes as codesmod
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import LATEST_CENSUS_YEAR
from kouiki.reference.municipalities import get as get_body


class FeeError(KouikiError, ValueError):
    """A fee group that cannot be evaluated (missing fee, unknown rule…)."""


def parameters() -> dict[str, Any]:
    """The rules of ``parameters/fees.yaml`` (with the user's overlay) as nested mappings."""
    return facility_parameters("fees")


RULES = ("min", "max", "population_weighted", "cost_recovery", "fixed")
_MODES = {"down": ROUND_DOWN, "half_up": ROUND_HALF_UP, "up": ROUND_UP}


def round_fee(value: Decimal, unit: int | None = None, mode: str | None = None) -> int:
    p = parameters()
    u = int(p["rounding_unit_yen"]) if unit is None else unit
    m = _MODES[str(p["rounding_mode"]) if mode is None else mode]
    return int((value / u).quantize(Decimal(1), rounding=m)) * u


@dataclass(frozen=True)
class FeeGroup:
    """One facility type whose fees are unified across bodies."""

    facility_type: str  # e.g. 「ホール（1時間）」
    current: Mapping[str, int]  # body code → current fee (yen per unit)
    uses: Mapping[str, int]  # body code → annual fee-paying uses at that body's facilities
    rule: str = "population_weighted"
    start_fiscal_year: int = 2025
    step_cap: Decimal | None = None
    fixed_fee_yen: int | None = None
    annual_cost_yen: int | None = None  # cost_recovery: Σ 運営費 of the facilities of this type
    recovery_rate: Decimal | None = None  # cost_recovery: 受益者負担率
    population: Mapping[str, int] = field(default_factory=dict)  # overrides census population
    census_year: int = LATEST_CENSUS_YEAR  # the bundled census (reference.municipalities)
    max_years: int = field(default_factory=horizon_years)  # the phase-in stops within the horizon (renewal.horizon_years)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "fees") -> FeeGroup:
        def codes_map(key: str) -> dict[str, int]:
            raw = d.get(key) or {}
            out = {}
            for k, v in raw.items():
                try:
                    out[codesmod.normalize(str(k))] = int(v)
                except (ValueError, TypeError):
                    raise FeeError(f"{where}.{key}.{k}: 整数（円・件数）で指定してください: {v!r}") from None
            return out

        if "facility_type" not in d:
            raise FeeError(f"{where}: facility_type（施設の種類）がありません")
        rule = str(d.get("rule", "population_weighted"))
        if rule not in RULES:
            raise FeeError(f"{where}.rule: 統一の規則が不明です: {rule!r}（{', '.join(RULES)}）")
        rr = d.get("recovery_rate")
        cap = d.get("step_cap")
        return cls(
            facility_type=str(d["facility_type"]),
            current=codes_map("current"),
            uses=codes_map("uses"),
            rule=rule,
            start_fiscal_year=FiscalYear.parse(d.get("start_fiscal_year", 2025)).year,
            step_cap=None if cap is None else Decimal(str(cap)),
            fixed_fee_yen=None if d.get("fixed_fee_yen") is None else int(d["fixed_fee_yen"]),
            annual_cost_yen=None if d.get("annual_cost_yen") is None else int(d["annual_cost_yen"]),
            recovery_rate=None if rr is None else Decimal(str(rr)),
            population=codes_map("population"),
            census_year=int(d.get("census_year", LATEST_CENSUS_YEAR)),
        )


def unified_fee(group: FeeGroup) -> tuple[int, str]:
    """The unified fee and how it was derived (Japanese)."""
    if not group.current:
        raise FeeError(f"{group.facility_type}: 現行料金（current）がありません")
    fees = group.current
    if group.rule == "min":
        return min(fees.values()), "現行料金の最低額"
    if group.rule == "max":
        return max(fees.values()), "現行料金の最高額"
    if group.rule == "fixed":
        if group.fixed_fee_yen is None:
            raise FeeError(f"{group.facility_type}: rule=fixed には fixed_fee_yen が必要です")
        return group.fixed_fee_yen, "指定額"
    if group.rule == "population_weighted":
        pops = {}
        for b in fees:
            pop = group.population.get(b)
            if pop is None:
                pop = get_body(b).population(group.census_year)
            if pop is None:
                raise FeeError(f"{group.facility_type}: {b} の人口が不明です")
            pops[b] = pop
        total = sum(pops.values())
        value = sum((Decimal(fees[b]) * pops[b] for b in fees), Decimal(0)) / total
        return round_fee(value), f"現行料金の人口加重平均（{group.census_year}年国勢調査人口, {value:.1f}円を端数処理）"
    # cost_recovery
    if group.annual_cost_yen is None:
        raise FeeError(f"{group.facility_type}: rule=cost_recovery には annual_cost_yen（年間運営費）が必要です")
    uses = sum(group.uses.values())
    if uses <= 0:
        raise FeeError(f"{group.facility_type}: rule=cost_recovery には利用件数（uses）が必要です")
    p = parameters()
    rate = group.recovery_rate if group.recovery_rate is not None else Decimal(str(p["cost_recovery_rate"]))
    value = Decimal(group.annual_cost_yen) * rate / uses
    note = "" if group.recovery_rate is not None else "（既定値: シナリオで未指定）"
    return round_fee(value), f"原価回収: 年間運営費 × 受益者負担率{rate}{note} ÷ 年間利用件数{uses}"


def phase_in(current: int, target: int, cap: Decimal, max_years: int | None = None) -> list[int]:
    """Fees by 年度 from the first step until ``target`` is reached; increases capped at ×``cap`` per step, at most
    ``max_years`` steps (None: the horizon of the parameters, ``renewal.horizon_years``)."""
    if max_years is None:
        max_years = horizon_years()
    if target <= current or current <= 0:
        return [target]  # decreases (and fees introduced from zero) apply at once — see parameters.decrease
    path: list[int] = []
    fee = current
    while fee < target and len(path) < max_years:
        nxt = min(target, round_fee(Decimal(fee) * cap))
        if nxt <= fee:  # rounding would stall: move one unit
            nxt = min(target, fee + int(parameters()["rounding_unit_yen"]))
        fee = nxt
        path.append(fee)
    return path


@dataclass
class FeeResult:
    group: FeeGroup
    unified_fee_yen: int
    basis: str
    step_cap: Decimal
    by_body: dict[str, dict[str, Any]]
    smoothing_cost_by_body_year: dict[str, dict[int, int]]  # 激変緩和 cost → 円滑化経費
    revenue_change_by_body_year: dict[str, dict[int, int]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "facility_type": self.group.facility_type,
            "rule": self.group.rule,
            "unified_fee_yen": self.unified_fee_yen,
            "basis": self.basis,
            "step_cap": str(self.step_cap),
            "by_municipality": self.by_body,
            "smoothing_cost_yen": {b: {str(y): v for y, v in ys.items()} for b, ys in self.smoothing_cost_by_body_year.items()},
            "smoothing_cost_rule": str(parameters()["smoothing_cost_rule"]).strip(),
        }


def evaluate(group: FeeGroup) -> FeeResult:
    """Unified fee, the 激変緩和 path per body, revenue change and the phase-in cost per body and 年度."""
    target, basis = unified_fee(group)
    cap = group.step_cap if group.step_cap is not None else Decimal(str(parameters()["step_cap"]))
    if cap <= 1:
        raise FeeError(f"{group.facility_type}: step_cap は1より大きい値です: {cap}")
    by_body: dict[str, dict[str, Any]] = {}
    smoothing: dict[str, dict[int, int]] = {}
    revenue: dict[str, dict[int, int]] = {}
    for b, cur in sorted(group.current.items()):
        uses = group.uses.get(b)
        path = phase_in(cur, target, cap, group.max_years)
        years = [group.start_fiscal_year + i for i in range(len(path))]
        row: dict[str, Any] = {
            "current_fee_yen": cur,
            "unified_fee_yen": target,
            "schedule": [{"fiscal_year": y, "fee_yen": f} for y, f in zip(years, path, strict=True)],
            "annual_uses": uses,
        }
        if uses is None:
            row["revenue_change_yen_per_year"] = None
            row["note"] = "利用件数が不明のため収入の変化・激変緩和費用は計算していません"
        else:
            row["revenue_before_yen"] = cur * uses
            row["revenue_after_yen"] = target * uses
            row["revenue_change_yen_per_year"] = (target - cur) * uses
            revenue[b] = {y: (f - cur) * uses for y, f in zip(years, path, strict=True)}
            cost = {y: (target - f) * uses for y, f in zip(years, path, strict=True) if f < target}
            if cost:
                smoothing[b] = cost
            row["smoothing_cost_yen"] = sum(cost.values())
        by_body[b] = row
    return FeeResult(group, target, basis, cap, by_body, smoothing, revenue)
