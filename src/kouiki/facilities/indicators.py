"""Plan indicators users quote from their 公共施設等総合管理計画, and the 施設カルテ record.

- 延床面積 by 大分類 and by 建築年度 (with the 1981 新耐震 split), by body;
- 住民一人当たり延床面積 (㎡/人, 国勢調査 population of the reference data);
- 有形固定資産減価償却率 where acquisition data (取得価額・減価償却累計額) exists;
- a 施設カルテ per facility: figures by 年度, unit costs (利用者1人当たり・㎡当たり運営費), 受益者負担率.

Unknown figures stay unknown: facilities without 延床面積 are listed in ``excluded`` with the reason;
imputed floor area is totalled separately (``imputed_m2``) so no output passes it off as real.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kouiki.facilities.model import Facility, Inventory, MajorCategory
from kouiki.facilities.params import facility_parameters
from kouiki.reference import get as get_body
from kouiki.reference.errors import KouikiError, NotFoundError


def _params() -> dict[str, Any]:
    return facility_parameters("indicators")


def _q(value: Decimal, places: int = 2) -> str:
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _units(f: Facility) -> list[tuple[Decimal | None, int | None, bool]]:
    """(floor area, build year, imputed?) per building, or the facility as one unit."""
    if f.buildings:
        return [
            (b.floor_area_m2, b.built_year, "floor_area_m2" in b.imputed or "floor_area_m2" in f.imputed)
            for b in f.buildings
        ]
    return [(f.floor_area_m2, f.built_year, f.is_imputed("floor_area_m2"))]


def _no_area_reason(f: Facility) -> str:
    if f.extra.get("no_floor_area_reason"):
        return str(f.extra["no_floor_area_reason"])
    return "延床面積が不明"


@dataclass
class FloorArea:
    """延床面積 tables. Areas are Decimal ㎡ (exact sums of the inputs)."""

    total_m2: Decimal
    imputed_m2: Decimal
    by_category: dict[str, Decimal]
    by_municipality: dict[str, Decimal]
    by_built_year: dict[int, dict[str, Decimal]]  # 建築年度 → 大分類 → ㎡
    unknown_year_m2: Decimal  # floor area whose 建築年度 is unknown
    old_seismic_m2: Decimal  # 建築年度 ≤ 1981 (旧耐震)
    new_seismic_m2: Decimal
    facilities: int
    excluded: list[dict[str, str]]

    def to_dict(self) -> dict[str, Any]:
        share = (self.old_seismic_m2 / (self.old_seismic_m2 + self.new_seismic_m2) * 100) if (self.old_seismic_m2 + self.new_seismic_m2) else None
        p = _params()["new_seismic"]
        return {
            "total_m2": _q(self.total_m2),
            "imputed_m2": _q(self.imputed_m2),
            "by_category": {k: _q(v) for k, v in self.by_category.items()},
            "by_municipality": {k: _q(v) for k, v in self.by_municipality.items()},
            "by_built_year": {str(y): {k: _q(v) for k, v in row.items()} for y, row in sorted(self.by_built_year.items())},
            "unknown_built_year_m2": _q(self.unknown_year_m2),
            "seismic": {
                "last_old_fiscal_year": p["last_old_fiscal_year"],
                "old_m2": _q(self.old_seismic_m2),
                "new_m2": _q(self.new_seismic_m2),
                "old_share_percent": None if share is None else _q(share, 1),
                "label": p["label"],
            },
            "facilities_counted": self.facilities,
            "excluded": self.excluded,
        }


def floor_area(inventory: Inventory | list[Facility]) -> FloorArea:
    facilities = inventory.facilities if isinstance(inventory, Inventory) else inventory
    last_old = int(_params()["new_seismic"]["last_old_fiscal_year"])
    total = imputed = unknown_year = old = new = Decimal(0)
    by_cat: dict[MajorCategory, Decimal] = {}
    by_muni: dict[str, Decimal] = {}
    by_year: dict[int, dict[str, Decimal]] = {}
    excluded: list[dict[str, str]] = []
    counted = 0
    for f in facilities:
        got = False
        for area, year, is_imp in _units(f):
            if area is None:
                continue
            got = True
            total += area
            if is_imp:
                imputed += area
            by_cat[f.category] = by_cat.get(f.category, Decimal(0)) + area
            by_muni[f.municipality_code] = by_muni.get(f.municipality_code, Decimal(0)) + area
            if year is None:
                unknown_year += area
                continue
            row = by_year.setdefault(year, {})
            row[f.category.value] = row.get(f.category.value, Decimal(0)) + area
            if year <= last_old:
                old += area
            else:
                new += area
        if got:
            counted += 1
        else:
            excluded.append({"facility_id": f.facility_id, "name": f.name, "reason": _no_area_reason(f)})
    return FloorArea(
        total_m2=total,
        imputed_m2=imputed,
        by_category={c.value: by_cat[c] for c in MajorCategory if c in by_cat},
        by_municipality=dict(sorted(by_muni.items())),
        by_built_year=dict(sorted(by_year.items())),
        unknown_year_m2=unknown_year,
        old_seismic_m2=old,
        new_seismic_m2=new,
        facilities=counted,
        excluded=excluded,
    )


def per_capita(inventory: Inventory | list[Facility], census_year: int | None = None) -> dict[str, Any]:
    """住民一人当たり延床面積 (㎡/人) per body and for all bodies together."""
    facilities = inventory.facilities if isinstance(inventory, Inventory) else inventory
    year = census_year or int(_params()["population"]["census_year"])
    fa = floor_area(facilities)
    rows: dict[str, Any] = {}
    pop_total = 0
    area_total = Decimal(0)
    codes = sorted({f.municipality_code for f in facilities})
    for code in codes:
        area = fa.by_municipality.get(code, Decimal(0))
        try:
            body = get_body(code)
            pop = body.population(year)
            name = body.name
        except NotFoundError:
            pop, name = None, None
        rows[code] = {
            "name": name,
            "floor_area_m2": _q(area),
            "population": pop,
            "m2_per_person": None if not pop else _q(area / pop, 2),
        }
        if pop:
            pop_total += pop
            area_total += area
    return {
        "census_year": year,
        "by_municipality": rows,
        "total": {
            "floor_area_m2": _q(area_total),
            "population": pop_total,
            "m2_per_person": None if not pop_total else _q(area_total / pop_total, 2),
        },
        "imputed_m2": _q(fa.imputed_m2),
        "note": "延床面積に推計値を含みます" if fa.imputed_m2 else None,
    }


def depreciation_ratio(inventory: Inventory | list[Facility]) -> dict[str, Any]:
    """有形固定資産減価償却率 = Σ 減価償却累計額 ÷ Σ 取得価額, over facilities with acquisition data."""
    facilities = inventory.facilities if isinstance(inventory, Inventory) else inventory
    dec = int(_params()["depreciation_ratio"]["decimals"])
    acq: dict[str, int] = {}
    dep: dict[str, int] = {}
    missing: list[dict[str, str]] = []
    for f in facilities:
        if f.acquisition_cost_yen is None or f.accumulated_depreciation_yen is None or f.acquisition_cost_yen <= 0:
            missing.append({"facility_id": f.facility_id, "name": f.name, "reason": "取得価額・減価償却累計額が不明"})
            continue
        acq[f.municipality_code] = acq.get(f.municipality_code, 0) + f.acquisition_cost_yen
        dep[f.municipality_code] = dep.get(f.municipality_code, 0) + f.accumulated_depreciation_yen

    def ratio(d: int, a: int) -> str | None:
        return None if a == 0 else _q(Decimal(d) * 100 / a, dec)

    ta, td = sum(acq.values()), sum(dep.values())
    return {
        "ratio_percent": ratio(td, ta),
        "acquisition_cost_yen": ta,
        "accumulated_depreciation_yen": td,
        "by_municipality": {
            c: {"ratio_percent": ratio(dep[c], acq[c]), "acquisition_cost_yen": acq[c], "accumulated_depreciation_yen": dep[c]}
            for c in sorted(acq)
        },
        "facilities_counted": len(facilities) - len(missing),
        "excluded": missing,
        "citation": _params()["depreciation_ratio"]["citation"],
    }


def plan_indicators(inventory: Inventory | list[Facility], census_year: int | None = None) -> dict[str, Any]:
    """All plan indicators in one dict (the JSON of ``kouiki facilities indicators``)."""
    return {
        "floor_area": floor_area(inventory).to_dict(),
        "per_capita": per_capita(inventory, census_year),
        "depreciation": depreciation_ratio(inventory),
    }


class FacilityNotFound(KouikiError, LookupError):
    """No facility with that id or name in the inventory."""


def find_facility(inventory: Inventory, query: str) -> Facility:
    by_id = inventory.by_id()
    if query in by_id:
        return by_id[query]
    hits = [f for f in inventory.facilities if f.name == query] or [f for f in inventory.facilities if query in f.name]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise FacilityNotFound(f"施設が見つかりません: {query!r}")
    names = "、".join(f"{f.name}（{f.facility_id}）" for f in hits[:10])
    raise FacilityNotFound(f"施設が複数当たります: {query!r} → {names}")


def _ratio(num: int | None, den: int | Decimal | None, scale: int = 1, places: int = 0) -> str | None:
    if num is None or den is None or den == 0:
        return None
    return _q(Decimal(num) * scale / Decimal(den), places)


def karte(facility: Facility, reference_year: int = 2025, renewal_yen: int | None = None) -> dict[str, Any]:
    """施設カルテ: identity, buildings, age, 新耐震, figures by 年度, unit costs and 受益者負担率.

    Figures by 年度 come from ``facility.yearly`` (年度 → {annual_users, operating_cost_yen, revenue_yen, …});
    the facility's own single-year fields are shown as the latest year when ``yearly`` is empty.
    """
    last_old = int(_params()["new_seismic"]["last_old_fiscal_year"])
    area = facility.floor_area_m2
    years: dict[int, dict[str, int]] = dict(facility.yearly)
    if not years and any(
        v is not None for v in (facility.annual_users, facility.annual_operating_cost_yen, facility.annual_revenue_yen)
    ):
        row = {
            k: v
            for k, v in (
                ("annual_users", facility.annual_users),
                ("operating_cost_yen", facility.annual_operating_cost_yen),
                ("revenue_yen", facility.annual_revenue_yen),
            )
            if v is not None
        }
        years = {reference_year - 1: row}
    figures = []
    for y in sorted(years):
        r = years[y]
        cost = r.get("operating_cost_yen")
        users = r.get("annual_users")
        revenue = r.get("revenue_yen")
        figures.append(
            {
                "fiscal_year": y,
                **r,
                "cost_per_user_yen": _ratio(cost, users),  # 利用者1人当たり運営費（円/人）
                "cost_per_m2_yen": _ratio(cost, area),  # 延床1㎡当たり運営費（円/㎡）
                "cost_recovery_percent": _ratio(revenue, cost, 100, 1),  # 受益者負担率（%）
            }
        )
    built = facility.built_year
    return {
        "facility_id": facility.facility_id,
        "name": facility.name,
        "municipality_code": facility.municipality_code,
        "category": facility.category.value,
        "subcategory": facility.subcategory,
        "address": facility.address,
        "lat": facility.lat,
        "lon": facility.lon,
        "floor_area_m2": None if area is None else str(area),
        "built_year": built,
        "age_years": None if built is None else reference_year - built,  # 経過年数 at the reference 年度
        "seismic": None if built is None else ("旧耐震" if built <= last_old else "新耐震"),
        "structure": facility.structure,
        "buildings": [
            {
                "building_id": b.building_id,
                "floor_area_m2": None if b.floor_area_m2 is None else str(b.floor_area_m2),
                "built_year": b.built_year,
                "structure": b.structure,
                "imputed": b.imputed,
            }
            for b in facility.buildings
        ],
        "acquisition_cost_yen": facility.acquisition_cost_yen,
        "accumulated_depreciation_yen": facility.accumulated_depreciation_yen,
        "depreciation_ratio_percent": _ratio(facility.accumulated_depreciation_yen, facility.acquisition_cost_yen, 100, 1),
        "capacity": facility.capacity,
        "fee_yen": facility.fee_yen,
        "figures": figures,
        "renewal_yen": renewal_yen,
        "imputed": facility.imputed,
        "source": facility.source,
        "source_row": facility.source_row,
        "reference_year": reference_year,
    }
