"""Neighbour indicators for a 中心市 (近隣市町村の指標): adjacency, office distance, population, 通勤通学割合.

The 通勤通学10%圏 is a guideline the municipalities weigh, **never** a blocking rule (要綱; MIC): the result
says whether the guideline is met (True/False/None when the share is unknown), nothing more. Non-adjacent
members are normal (黒石市 is in 弘前圏域 without bordering 弘前市).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kouiki.formation.adjacency import BOUNDARY_CREDIT, adjacency, has_boundary
from kouiki.formation.census import CensusData, CommutingFigure, bundled_census
from kouiki.formation.params import FormationParams, load_params
from kouiki.reference.municipalities import SOURCES, Municipality, registry
from kouiki.reference.regions import Region, bundled_regions

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


def great_circle_km(a: Municipality, b: Municipality) -> float | None:
    """Office-to-office great-circle distance (km), None when a location is unknown."""
    if None in (a.lat, a.lon, b.lat, b.lon):
        return None
    la1, lo1, la2, lo2 = (math.radians(x) for x in (a.lat, a.lon, b.lat, b.lon))  # type: ignore[arg-type]
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class NeighbourIndicator:
    body: Municipality
    adjacent: bool | None
    adjacency_methods: tuple[str, ...]
    distance_km: float | None
    population: int | None
    population_year: int
    commuting: CommutingFigure | None
    guideline_percent: str
    regions: tuple[str, ...] = ()  # names of registered regions of this 中心市 the body belongs to
    reasons: tuple[str, ...] = ()  # why the body is listed
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def share_percent(self) -> str | None:
        s = None if self.commuting is None else self.commuting.share_percent
        return None if s is None else str(s)

    @property
    def meets_guideline(self) -> bool | None:
        from decimal import Decimal

        s = None if self.commuting is None else self.commuting.share_percent
        return None if s is None else s >= Decimal(self.guideline_percent)

    def to_dict(self) -> dict[str, Any]:
        b = self.body
        pop_src = SOURCES.get(f"population_{self.population_year}")
        return {
            "code": b.code, "name": b.name, "prefecture": b.prefecture, "kind": b.kind.value,
            "adjacent": self.adjacent, "adjacency_methods": list(self.adjacency_methods),
            "adjacency_source": BOUNDARY_CREDIT,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "distance_source": f"{SOURCES['office'].title}; 大圏距離",
            "population": self.population, "population_year": self.population_year,
            "population_source": None if pop_src is None else pop_src.title,
            "commuting_share_percent": self.share_percent,
            "commuting": None if self.commuting is None else self.commuting.to_dict(),
            "guideline_percent": self.guideline_percent, "meets_guideline": self.meets_guideline,
            "guideline_is_blocking": False,
            "regions": list(self.regions), "listed_because": list(self.reasons), "notes": list(self.notes),
        }


def neighbour_indicators(
    central: Municipality | str | int,
    census: CensusData | None = None,
    params: FormationParams | None = None,
    *,
    regions: Iterable[Region] | None = None,
    radius_km: float | None = None,
    population_year: int | None = None,
) -> list[NeighbourIndicator]:
    """Every body adjacent to the 中心市, in one of its registered regions, with a known flow to it (share ≥
    ``listing_min_share_percent`` or unknown), or (when ``radius_km`` is given) whose office lies within that
    distance; nearest first."""
    c = central if isinstance(central, Municipality) else registry().get(central)
    cen = bundled_census() if census is None else census
    p = params or load_params()
    year = population_year or p.population_census_year
    pool = list(bundled_regions() if regions is None else regions)
    mine = [r for r in pool if c.code in r.central]
    reasons: dict[str, list[str]] = {}
    adj = adjacency(c.code, p.adjacency_buffer_degrees)
    for code in adj:
        reasons.setdefault(code, []).append("adjacent")
    for r in mine:
        for m in r.members:
            if m.code != c.code:
                reasons.setdefault(m.code, []).append("member")
    for (origin, dest, _y), fig in cen.commuting.items():
        if dest == c.code and origin != c.code:
            share = fig.share_percent
            if share is None or share >= p.listing_min_share:
                reasons.setdefault(origin, []).append("commuting_figure")
    if radius_km is not None:
        for other in registry().municipalities():
            d = great_circle_km(c, other)
            if other.code != c.code and d is not None and d <= radius_km:
                reasons.setdefault(other.code, []).append("within_radius")
    boundary_known = has_boundary(c.code)
    out = []
    for code, why in reasons.items():
        if code not in registry():
            continue
        b = registry().by_code(code)
        if b.is_prefecture:
            continue
        notes = []
        adjacent: bool | None = code in adj if boundary_known and has_boundary(code) else None
        in_regions = tuple(r.name for r in mine if code in r.member_codes())
        if in_regions and adjacent is False:
            notes.append("中心市と接していない構成団体（非隣接の構成団体は普通）")
        flow = cen.commuting_to(code, c.code)
        if flow is not None and flow.share_percent is None:
            notes.append("通勤通学者数はあるが分母（常住就業者・通学者数）が不明のため割合は不明")
        out.append(NeighbourIndicator(
            body=b, adjacent=adjacent, adjacency_methods=tuple(adj.get(code, [])),
            distance_km=great_circle_km(c, b), population=b.population(year), population_year=year,
            commuting=flow, guideline_percent=str(p.neighbour_share_guideline), regions=in_regions,
            reasons=tuple(dict.fromkeys(why)), notes=tuple(notes),
        ))
    out.sort(key=lambda n: (n.distance_km is None, n.distance_km or 0.0, n.body.code))
    return out
