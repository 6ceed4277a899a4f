"""更新費用 projection of buildings (建築物) — the 総務省「公共施設等更新費用試算ソフト」 method.

For each building (棟) with a known 延床面積 A, 建築年度 b and 大分類 c, and a projection starting in
年度 S over N 年度 (age = S − b):

- each *event* of the parameter file (大規模改修 at 30 over 2 年度, 建替え at 60 over 3 年度 by default) costs
  A × unit cost(c) (rounded once, by the file's rule) and falls in 年度 b + at_age …; parts outside the
  horizon are left out;
- an event already missed at the start is caught up as 積み残し when the age is in its backlog range
  (改修: 31–50 → evenly over the first 10 年度; 建替え: past 60 → over 10 年度, flag R); otherwise dropped
  (aged 51–59: no catch-up 改修, straight to 建替え at 60);
- a cost spread over n 年度 is split into integer yen that sum exactly to the whole, remainder in the
  last 年度 (:func:`kouiki.reference.money.split_evenly`).

Facilities without buildings are one building with the facility's figures. Buildings missing 延床面積
or 建築年度 are listed in ``excluded`` with the reason; imputed figures are used and listed in ``imputed``.
All rules (unit costs, ages, spreads, backlog) come from ``parameters/renewal*.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from kouiki.facilities.model import Building, Facility, Inventory, MajorCategory
from kouiki.facilities.params import RulesFile, horizon_years, parameter_set
from kouiki.reference.errors import KouikiError
from kouiki.reference.money import Rounding, split_evenly
from kouiki.reference.parameters import FileHeader, ParameterSet
from kouiki.reference.textfile import read_user_yaml

KINDS = ("大規模改修", "建替え", "積み残し")
SCENARIOS = {"mic": "renewal.yaml", "単純更新": "renewal.yaml", "longevity": "renewal_longevity.yaml", "長寿命化": "renewal_longevity.yaml"}


class RenewalParameterError(KouikiError, ValueError):
    """A renewal parameter file that is incomplete or inconsistent."""


@dataclass(frozen=True)
class Backlog:
    from_age: int
    until_age: int | None
    spread_years: int
    kind: str


@dataclass(frozen=True)
class Event:
    kind: str  # 大規模改修 | 建替え (the by_kind bucket)
    label: str
    at_age: int
    spread_years: int
    table: str  # which unit-cost column
    ratio: Decimal  # share of that unit cost
    backlog: Backlog | None
    confidence: str


@dataclass(frozen=True)
class RenewalParameters(RulesFile):
    id: str
    title: str
    version: int
    scenario: str
    citation: str
    rounding: Rounding
    unit_costs: dict[MajorCategory, dict[str, int]]  # 円/㎡ by 大分類 and table
    events: tuple[Event, ...]
    repeat_after_rebuild: bool
    horizon_years: int
    source_file: str
    annual_repair_yen_per_m2: Decimal | None = None  # 修繕 every 年度 (長寿命化 scenarios), None = not counted
    annual_repair_kind: str = "修繕"

    @classmethod
    def load(cls, path: Path | str | None = None, scenario: str = "mic") -> RenewalParameters:
        """Load a parameter file (default: the packaged one of ``scenario``: mic | longevity)."""
        if path is None:
            if scenario not in SCENARIOS:
                raise RenewalParameterError(f"シナリオが不明です: {scenario}（mic, longevity）")
            return _packaged(SCENARIOS[scenario])
        return cls.from_dict(read_user_yaml(path, RenewalParameterError, "更新費用のパラメータ"), str(path))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str) -> RenewalParameters:
        try:
            values = raw["unit_costs"]["values"]
            unit_costs: dict[MajorCategory, dict[str, int]] = {}
            for name, cols in values.items():
                unit_costs[MajorCategory(name)] = {str(k): int(v) for k, v in cols.items()}
            missing = [c.value for c in MajorCategory if c not in unit_costs]
            if missing:
                raise RenewalParameterError(f"{source}: 単価のない大分類があります: {', '.join(missing)}")
            events = []
            for e in raw["events"]:
                b = e.get("backlog")
                cost = e["cost"]
                ev = Event(
                    kind=str(e["kind"]),
                    label=str(e.get("label") or e["kind"]),
                    at_age=int(e["at_age"]),
                    spread_years=int(e["spread_years"]),
                    table=str(cost["table"]),
                    ratio=Decimal(str(cost.get("ratio", "1"))),
                    backlog=Backlog(int(b["from_age"]), None if b.get("until_age") is None else int(b["until_age"]), int(b["spread_years"]), str(b.get("kind", "積み残し"))) if b else None,
                    confidence=str(e.get("confidence", "R")),
                )
                if ev.spread_years < 1 or (ev.backlog and ev.backlog.spread_years < 1):
                    raise RenewalParameterError(f"{source}: {ev.label} の分散年数は1以上です")
                for cat, cols in unit_costs.items():
                    if ev.table not in cols:
                        raise RenewalParameterError(f"{source}: {cat.value} に単価「{ev.table}」がありません")
                events.append(ev)
            ar = raw.get("annual_repair")
            rep = raw.get("repeat_after_rebuild", {"value": False})
            hz = raw.get("horizon_years", {"value": horizon_years()})  # a user's file without one: the packaged
            return cls(
                id=str(raw["id"]),
                title=str(raw["title"]),
                version=int(raw.get("version", 1)),
                scenario=str(raw.get("scenario", raw["id"])),
                citation=str(raw.get("citation", "")).strip(),
                rounding=Rounding.by_id(str(raw.get("rounding", "yen_floor"))),
                unit_costs=unit_costs,
                events=tuple(sorted(events, key=lambda e: e.at_age)),
                repeat_after_rebuild=bool(rep["value"] if isinstance(rep, dict) else rep),
                horizon_years=int(hz["value"] if isinstance(hz, dict) else hz),
                source_file=source,
                annual_repair_yen_per_m2=None if not ar else Decimal(str(ar["yen_per_m2"])),
                annual_repair_kind=str(ar.get("kind", "修繕")) if ar else "修繕",
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, RenewalParameterError):
                raise
            raise RenewalParameterError(f"{source}: 更新費用のパラメータが不完全です: {exc!r}") from exc

    def unit_cost(self, category: MajorCategory, event: Event) -> Decimal:
        return Decimal(self.unit_costs[category][event.table]) * event.ratio

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "version": self.version,
            "scenario": self.scenario,
            "citation": self.citation,
            "rounding": self.rounding.rule.label,
            "file": self.source_file,
            "unit_costs_yen_per_m2": {c.value: v for c, v in self.unit_costs.items()},
            "events": [
                {
                    "kind": e.kind,
                    "label": e.label,
                    "at_age": e.at_age,
                    "spread_years": e.spread_years,
                    "unit_cost": e.table,
                    "ratio": str(e.ratio),
                    "confidence": e.confidence,
                    "backlog": None
                    if e.backlog is None
                    else {
                        "from_age": e.backlog.from_age,
                        "until_age": e.backlog.until_age,
                        "spread_years": e.backlog.spread_years,
                        "kind": e.backlog.kind,
                    },
                }
                for e in self.events
            ],
            "repeat_after_rebuild": self.repeat_after_rebuild,
            "annual_repair_yen_per_m2": None if self.annual_repair_yen_per_m2 is None else str(self.annual_repair_yen_per_m2),
        }


def _packaged(name: str) -> RenewalParameters:
    """The packaged rule set ``name`` (renewal.yaml, renewal_longevity.yaml) with the user's overlay."""
    return _from_set(parameter_set(), name)


@cache
def _from_set(pset: ParameterSet[FileHeader], name: str) -> RenewalParameters:
    return RenewalParameters.from_dict(pset.tree(name.removesuffix(".yaml")), f"kouiki/facilities/parameters/{name}")


def rules_dict(name: str = "renewal.yaml") -> dict[str, Any]:
    """The values of a packaged rule set (with the user's overlay) as the mapping :meth:`RenewalParameters.from_dict`
    reads — the layout of a whole rule set given with ``--parameters FILE``. A fresh copy."""
    return parameter_set().tree(name.removesuffix(".yaml"))


@dataclass(frozen=True)
class Booking:
    """One event of one building: what, when, how much (traceable to the parameters)."""

    facility_id: str
    building_id: str
    kind: str  # by_kind bucket
    label: str
    first_year: int
    years: int
    floor_area_m2: Decimal
    unit_cost_yen_per_m2: Decimal
    cost_yen: int  # whole cost (also the parts outside the horizon)
    in_horizon_yen: int
    backlog: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "facility_id": self.facility_id,
            "building_id": self.building_id,
            "kind": self.kind,
            "label": self.label,
            "first_year": self.first_year,
            "years": self.years,
            "floor_area_m2": str(self.floor_area_m2),
            "unit_cost_yen_per_m2": str(self.unit_cost_yen_per_m2),
            "cost_yen": self.cost_yen,
            "in_horizon_yen": self.in_horizon_yen,
            "backlog": self.backlog,
        }


@dataclass
class RenewalResult:
    """The projection: yearly totals by 大分類, body and kind; excluded and imputed facilities."""

    years: list[int]
    total_yen: list[int]
    by_category: dict[str, list[int]]
    by_municipality: dict[str, list[int]]
    by_kind: dict[str, list[int]]
    excluded: list[dict[str, str]]
    imputed: list[dict[str, Any]]
    parameters: RenewalParameters
    bookings: list[Booking] = field(default_factory=list)
    by_facility: dict[str, list[int]] = field(default_factory=dict)  # facility_id → yen by 年度 (traceability)
    floor_area_m2: Decimal = Decimal(0)  # 延床面積 of the buildings included
    recent_investment_yen: list[int] | None = None  # 直近5年の投資的経費（既存更新分）実績
    facilities_total: int = 0  # facilities in the inventory (included or not)
    units_included: int = 0  # buildings (or facilities without 棟) with both 延床面積 and 建築年度

    @property
    def all_excluded(self) -> bool:
        """True when the inventory has facilities but not one of them has both 延床面積 and 建築年度: every
        figure of the projection would be 0, which is no answer."""
        return self.facilities_total > 0 and self.units_included == 0

    def coverage_message(self) -> str | None:
        """When :attr:`all_excluded`: 「230 件すべて除外: 延床面積・建築年度がありません」 and what to do."""
        if not self.all_excluded:
            return None
        reasons = {e["reason"] for e in self.excluded}
        if reasons == {"延床面積が不明"}:
            missing = "延床面積"
        elif reasons == {"建築年度が不明"}:
            missing = "建築年度"
        else:
            missing = "延床面積・建築年度"
        return (
            f"{self.facilities_total:,} 件すべて除外: {missing}がありません。更新費用は計算できません。"
            f"{missing}を記入した施設台帳テンプレート"
            "（kouiki facilities template、Web では施設一覧の「施設台帳テンプレート」）か固定資産台帳で取り込み直してください"
        )

    @property
    def total(self) -> int:
        return sum(self.total_yen)

    @property
    def annual_average_yen(self) -> int:
        return self.total // len(self.years) if self.years else 0

    def recent_average_yen(self) -> int | None:
        inv = self.recent_investment_yen
        return sum(inv) // len(inv) if inv else None

    def summary(self) -> dict[str, Any]:
        avg = self.recent_average_yen()
        return {
            "total_yen": self.total,
            "annual_average_yen": self.annual_average_yen,
            "floor_area_m2": str(self.floor_area_m2),
            "facilities_included": len({b.facility_id for b in self.bookings}) if self.bookings else None,
            "facilities_excluded": len({e["facility_id"] for e in self.excluded}),
            "recent_investment_average_yen": avg,
            "ratio_to_recent_investment": None if not avg else str((Decimal(self.annual_average_yen) / avg).quantize(Decimal("0.01"))),
            "all_excluded": self.all_excluded,
            "message": self.coverage_message(),
        }

    def to_dict(self, detail: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "years": self.years,
            "total_yen": self.total_yen,
            "by_category": self.by_category,
            "by_municipality": self.by_municipality,
            "by_kind": self.by_kind,
            "excluded": self.excluded,
            "imputed": self.imputed,
            "summary": self.summary(),
            "parameters": self.parameters.to_dict(),
        }
        if detail:
            out["bookings"] = [b.to_dict() for b in self.bookings]
            out["by_facility"] = self.by_facility
        return out


def _units(f: Facility) -> list[tuple[str, Decimal | None, int | None, dict[str, str]]]:
    if f.buildings:
        return [(b.building_id, b.floor_area_m2, b.built_year, b.imputed) for b in f.buildings]
    return [(f.facility_id, f.floor_area_m2, f.built_year, {k: v for k, v in f.imputed.items() if k in ("floor_area_m2", "built_year")})]


def _exclusion_reason(area: Decimal | None, year: int | None) -> str | None:
    if area is None and year is None:
        return "延床面積・建築年度が不明"
    if area is None:
        return "延床面積が不明"
    if year is None:
        return "建築年度が不明"
    return None


def project(
    inventory: Inventory | list[Facility],
    start_year: int = 2025,
    years: int | None = None,
    parameters: RenewalParameters | None = None,
    *,
    recent_investment_yen: list[int] | None = None,
    keep_bookings: bool = True,
    keep_by_facility: bool = True,
    closing_year: Mapping[str, int] | None = None,
) -> RenewalResult:
    """The 更新費用 projection of ``inventory`` over ``years`` 年度 from ``start_year``.

    ``closing_year`` (facility_id → 年度) stops a facility's costs from that 年度 on (a scenario closes,
    demolishes or consolidates it); parts of an event that fall on or after it are not counted.
    """
    params = parameters or RenewalParameters.load()
    n = years if years is not None else params.horizon_years
    if n < 1:
        raise RenewalParameterError("試算期間（年数）は1以上です")
    facilities = inventory.facilities if isinstance(inventory, Inventory) else inventory
    end = start_year + n  # exclusive
    total = [0] * n
    by_cat: dict[MajorCategory, list[int]] = {}
    by_muni: dict[str, list[int]] = {}
    by_kind: dict[str, list[int]] = {k: [0] * n for k in KINDS}
    repair = params.annual_repair_yen_per_m2
    if repair is not None:
        by_kind[params.annual_repair_kind] = [0] * n
    excluded: list[dict[str, str]] = []
    imputed: list[dict[str, Any]] = []
    bookings: list[Booking] = []
    by_fac: dict[str, list[int]] = {}
    floor_total = Decimal(0)
    units_included = 0
    rnd = params.rounding
    events = params.events
    rebuild_age = max(e.at_age for e in events)

    for f in facilities:
        cat_row = by_cat.get(f.category)
        muni_row = by_muni.get(f.municipality_code)
        if muni_row is None:  # every body of the inventory gets a row, zeros if all its facilities are excluded
            muni_row = by_muni[f.municipality_code] = [0] * n
        used_imputed: dict[str, str] = {}
        fac_row: list[int] | None = None
        stop = n if not closing_year or f.facility_id not in closing_year else max(0, min(n, closing_year[f.facility_id] - start_year))
        for bid, area, built, imp in _units(f):
            reason = _exclusion_reason(area, built)
            if reason is not None:
                entry = {"facility_id": f.facility_id, "name": f.name, "reason": reason}
                if bid != f.facility_id:
                    entry["building_id"] = bid
                excluded.append(entry)
                continue
            assert area is not None and built is not None
            units_included += 1
            used_imputed.update(imp)
            floor_total += area
            if keep_by_facility and fac_row is None:
                fac_row = by_fac.setdefault(f.facility_id, [0] * n)
            if cat_row is None:
                cat_row = by_cat[f.category] = [0] * n
            base = built
            while True:
                for ev in events:
                    due = base + ev.at_age
                    unit = params.unit_cost(f.category, ev)
                    if due >= start_year:
                        if due >= end:
                            continue
                        kind, first, spread, is_backlog = ev.kind, due, ev.spread_years, False
                    else:
                        b = ev.backlog
                        cur_age = start_year - base
                        if base != built or b is None or cur_age < b.from_age or (b.until_age is not None and cur_age > b.until_age):
                            continue
                        kind, first, spread, is_backlog = b.kind, start_year, b.spread_years, True
                    cost = rnd.apply(area * unit)
                    parts = split_evenly(cost, spread)
                    inside = 0
                    for i, part in enumerate(parts):
                        y = first + i - start_year
                        if 0 <= y < stop:
                            total[y] += part
                            cat_row[y] += part
                            muni_row[y] += part
                            by_kind[kind][y] += part
                            if fac_row is not None:
                                fac_row[y] += part
                            inside += part
                    if keep_bookings:
                        bookings.append(Booking(f.facility_id, bid, kind, ev.label if not is_backlog else f"{ev.label}（積み残し）", first, spread, area, unit, cost, inside, is_backlog))
                if repair is not None and base == built:
                    # 修繕: the same amount every 年度 the building is in service (from its build 年度 on)
                    yearly = rnd.apply(area * repair)
                    first_y = max(0, built - start_year)
                    inside = 0
                    rk = by_kind[params.annual_repair_kind]
                    for y in range(first_y, stop):
                        total[y] += yearly
                        cat_row[y] += yearly
                        muni_row[y] += yearly
                        rk[y] += yearly
                        if fac_row is not None:
                            fac_row[y] += yearly
                        inside += yearly
                    if keep_bookings and inside:
                        bookings.append(Booking(f.facility_id, bid, params.annual_repair_kind, "修繕（毎年度）", start_year + first_y, max(0, stop - first_y), area, repair, inside, inside, False))
                # One cycle per building unless the file says to repeat it from a rebuild inside the horizon.
                nxt = base + rebuild_age
                if not params.repeat_after_rebuild or nxt < start_year or nxt >= end:
                    break
                base = nxt
        if used_imputed:
            imputed.append({"facility_id": f.facility_id, "name": f.name, "fields": used_imputed})
    order = list(MajorCategory)
    return RenewalResult(
        years=list(range(start_year, end)),
        total_yen=total,
        by_category={c.value: by_cat[c] for c in order if c in by_cat},
        by_municipality={k: by_muni[k] for k in sorted(by_muni)},
        by_kind=by_kind,
        excluded=excluded,
        imputed=imputed,
        parameters=params,
        bookings=bookings,
        by_facility=by_fac,
        floor_area_m2=floor_total,
        recent_investment_yen=recent_investment_yen,
        facilities_total=len(facilities),
        units_included=units_included,
    )


@dataclass
class LongevityComparison:
    """単純更新 vs 長寿命化 over the same horizon and the 効果額 (difference) by 年度."""

    baseline: RenewalResult
    longevity: RenewalResult

    @property
    def effect_yen(self) -> list[int]:
        return [a - b for a, b in zip(self.baseline.total_yen, self.longevity.total_yen, strict=True)]

    def to_dict(self) -> dict[str, Any]:
        eff = self.effect_yen
        return {
            "years": self.baseline.years,
            "baseline_total_yen": self.baseline.total_yen,
            "longevity_total_yen": self.longevity.total_yen,
            "effect_yen": eff,
            "summary": {
                "baseline_yen": self.baseline.total,
                "longevity_yen": self.longevity.total,
                "effect_yen": sum(eff),
                "effect_annual_average_yen": sum(eff) // len(eff) if eff else 0,
            },
            "baseline_parameters": self.baseline.parameters.id,
            "longevity_parameters": self.longevity.parameters.id,
            "excluded": self.baseline.excluded,
            "imputed": self.baseline.imputed,
        }


def compare_longevity(
    inventory: Inventory | list[Facility],
    start_year: int = 2025,
    years: int | None = None,
    baseline: RenewalParameters | None = None,
    longevity: RenewalParameters | None = None,
) -> LongevityComparison:
    """効果額 of a 長寿命化 scenario: baseline (単純更新, MIC defaults) minus longevity, by 年度."""
    b = project(inventory, start_year, years, baseline or RenewalParameters.load(scenario="mic"))
    lg = project(inventory, start_year, years, longevity or RenewalParameters.load(scenario="longevity"))
    return LongevityComparison(b, lg)


__all__ = [
    "KINDS",
    "Booking",
    "Building",
    "LongevityComparison",
    "RenewalParameterError",
    "RenewalParameters",
    "RenewalResult",
    "compare_longevity",
    "project",
]
