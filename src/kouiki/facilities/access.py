"""Access (アクセス): how far residents are from the nearest open facility of a category.

For each demand point the minutes to the nearest *open* facility are taken from a :class:`TravelMatrix`;
figures are population-weighted: mean, the high percentile (90th by default), the share within T minutes,
overall and per body (by the demand point's body, i.e. where residents live — facilities of any body count,
as wide-area mutual use intends). :func:`compare` gives before/after and the residents who lose access
(within T before, beyond T after). Parameters (T, percentile) are in ``parameters/access.yaml``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from kouiki.facilities.demand import DemandPoint
from kouiki.facilities.params import facility_parameters
from kouiki.facilities.roadgraph import RoadGraph
from kouiki.facilities.travel import (
    FloatArray,
    Site,
    TravelError,
    TravelMatrix,
    TravelMode,
    haversine_km,
    travel_mode,
)


def parameters() -> dict[str, Any]:
    """The rules of ``parameters/access.yaml`` (with the user's overlay) as nested mappings."""
    return facility_parameters("access")


def default_threshold() -> Decimal:
    return Decimal(str(parameters()["threshold_minutes"]))


def default_percentile() -> Decimal:
    return Decimal(str(parameters()["percentile"]))


def weighted_percentile(values: FloatArray, weights: FloatArray, pct: float) -> float:
    """The smallest value v with Σ weight(values ≤ v) ≥ pct% of Σ weight (inverted-CDF definition)."""
    if len(values) == 0 or float(weights.sum()) <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    k = int(np.searchsorted(cum, cum[-1] * pct / 100.0, side="left"))
    return float(values[order][min(k, len(order) - 1)])


@dataclass
class AccessStats:
    population: int
    mean_minutes: float | None
    percentile_minutes: float | None
    within_population: int
    unreachable_population: int

    @property
    def share_within(self) -> float | None:
        return self.within_population / self.population if self.population else None

    def to_dict(self, percentile: Decimal) -> dict[str, Any]:
        return {
            "population": self.population,
            "mean_minutes": _r(self.mean_minutes),
            f"p{_pct_label(percentile)}_minutes": _r(self.percentile_minutes),
            "share_within": None if self.share_within is None else round(self.share_within, 4),
            "within_population": self.within_population,
            "unreachable_population": self.unreachable_population,
        }


def _pct_label(p: Decimal) -> str:
    return str(int(p)) if p == p.to_integral_value() else str(p)


def _r(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else round(x, 2)


@dataclass
class AccessResult:
    """Access to the nearest open facility among ``open_ids``."""

    open_ids: list[str]
    threshold_minutes: Decimal
    percentile: Decimal
    overall: AccessStats
    by_body: dict[str, AccessStats]
    minutes: FloatArray  # per demand point (inf = none reachable)
    nearest: list[str | None]  # per demand point
    point_ids: list[str]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "open_facilities": len(self.open_ids),
            "threshold_minutes": str(self.threshold_minutes),
            "overall": self.overall.to_dict(self.percentile),
            "by_municipality": {k: v.to_dict(self.percentile) for k, v in sorted(self.by_body.items())},
            "notes": self.notes,
        }


def _stats(minutes: FloatArray, pop: FloatArray, threshold: float, pct: float) -> AccessStats:
    total = int(pop.sum())
    ok = np.isfinite(minutes)
    reach_pop = pop[ok]
    mean = float(np.average(minutes[ok], weights=reach_pop)) if reach_pop.sum() > 0 else None
    # Unreachable residents sort last (inf), so a percentile reaching them is inf → reported as None.
    p = weighted_percentile(minutes, pop, pct) if total > 0 else None
    return AccessStats(
        population=total,
        mean_minutes=mean,
        percentile_minutes=p,
        within_population=int(pop[minutes <= threshold].sum()),
        unreachable_population=int(pop[~ok].sum()),
    )


Nearest = tuple[FloatArray, list[str | None]]


def _nearest_from_matrix(demand: Sequence[DemandPoint], matrix: TravelMatrix, open_ids: Sequence[str]) -> Nearest:
    row = {o: i for i, o in enumerate(matrix.origin_ids)}
    missing = [d.id for d in demand if d.id not in row]
    if missing:
        raise TravelError(f"所要時間行列に需要点がありません: {', '.join(missing[:5])}")
    rows = np.fromiter((row[d.id] for d in demand), dtype=np.int64, count=len(demand))
    if not open_ids:
        return np.full(len(rows), np.inf), [None] * len(rows)
    sub = matrix.subset(list(open_ids))
    block = sub.minutes[rows]
    idx = np.argmin(block, axis=1)
    mins = block[np.arange(len(rows)), idx]
    return mins, [sub.destination_ids[j] if np.isfinite(m) else None for j, m in zip(idx, mins, strict=True)]


def _unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    la, lo = np.radians(lat), np.radians(lon)
    out: FloatArray = np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
    return out


def _nearest_great_circle(
    demand: Sequence[DemandPoint], sites: Sequence[Site], open_ids: Sequence[str], mode: TravelMode | None
) -> Nearest:
    """Nearest open site by great-circle distance without a full matrix.

    The chord between unit vectors grows monotonically with the great-circle angle, so a KD-tree on 3-D unit
    vectors finds the same nearest site as the dense matrix; minutes then follow the same formula
    (great-circle km × circuity ÷ speed) as :func:`kouiki.facilities.travel.great_circle_matrix`.
    """
    from scipy.spatial import cKDTree

    m = mode or travel_mode()
    if not open_ids:
        return np.full(len(demand), np.inf), [None] * len(demand)
    by_id = {s.id: s for s in sites}
    missing = [i for i in open_ids if i not in by_id]
    if missing:
        raise TravelError(f"施設の位置がありません: {', '.join(missing[:5])}")
    open_sites = [by_id[i] for i in open_ids]
    flat = np.array([s.lat for s in open_sites])
    flon = np.array([s.lon for s in open_sites])
    dlat = np.fromiter((d.lat for d in demand), dtype=float, count=len(demand))
    dlon = np.fromiter((d.lon for d in demand), dtype=float, count=len(demand))
    _, idx = cKDTree(_unit_vectors(flat, flon)).query(_unit_vectors(dlat, dlon))
    km = haversine_km(dlat, dlon, flat[idx], flon[idx]) * float(m.circuity)
    mins: FloatArray = km / float(m.speed_kmh) * 60.0
    return mins, [open_sites[j].id for j in idx]


def _nearest_network(
    demand: Sequence[DemandPoint], graph: RoadGraph, sites: Sequence[Site], open_ids: Sequence[str],
    limit_minutes: float | None = None,
) -> Nearest:
    """Nearest open site on a road graph for every demand point, by one multi-source search (no matrix)."""
    by_id = {s.id: s for s in sites}
    missing = [i for i in open_ids if i not in by_id]
    if missing:
        raise TravelError(f"施設の位置がありません: {', '.join(missing[:5])}")
    open_sites = [by_id[i] for i in open_ids]
    dist, fac = graph.nearest(open_sites, limit_minutes)
    nodes, snap_km = graph.snap([d.site() for d in demand])
    walk = travel_mode("walk")
    mins: FloatArray = dist[nodes] + snap_km / float(walk.speed_kmh) * 60.0
    f = fac[nodes]
    return mins, [open_sites[int(j)].id if j >= 0 else None for j in f]


def compare_network(
    demand: Sequence[DemandPoint],
    graph: RoadGraph,
    sites: Sequence[Site],
    open_before: Sequence[str],
    open_after: Sequence[str],
    threshold_minutes: Decimal | None = None,
    percentile: Decimal | None = None,
    limit_minutes: float | None = None,
) -> AccessChange:
    """:func:`compare` on a road graph with one multi-source search per state (scales to 50,000 × 500 and more)."""
    b = _result(demand, _nearest_network(demand, graph, sites, open_before, limit_minutes), open_before,
                threshold_minutes, percentile)
    a = _result(demand, _nearest_network(demand, graph, sites, open_after, limit_minutes), open_after,
                threshold_minutes, percentile)
    return _change(demand, b, a)


def _result(
    demand: Sequence[DemandPoint], near: Nearest, open_ids: Sequence[str], threshold_minutes: Decimal | None,
    percentile: Decimal | None,
) -> AccessResult:
    t = default_threshold() if threshold_minutes is None else threshold_minutes
    pct = default_percentile() if percentile is None else percentile
    mins, nearest = near
    notes: list[str] = []
    if not open_ids:
        notes.append("開いている施設がありません（全員が到達不能）")
    pop = np.fromiter((d.population for d in demand), dtype=float, count=len(demand))
    overall = _stats(mins, pop, float(t), float(pct))
    groups: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(demand):
        groups[d.municipality_code or "unknown"].append(i)
    by_body = {k: _stats(mins[ix], pop[ix], float(t), float(pct)) for k, ix in groups.items()}
    if any(d.approximate for d in demand):
        notes.append("需要点の一部または全部が概算（人口の均等配分）です: " + (next(d.rule for d in demand if d.approximate) or ""))
    return AccessResult(list(open_ids), t, pct, overall, by_body, mins, nearest, [d.id for d in demand], notes)


def evaluate(
    demand: Sequence[DemandPoint],
    matrix: TravelMatrix,
    open_ids: Sequence[str],
    threshold_minutes: Decimal | None = None,
    percentile: Decimal | None = None,
) -> AccessResult:
    """Population-weighted access of ``demand`` to the nearest facility in ``open_ids`` (times from ``matrix``)."""
    return _result(demand, _nearest_from_matrix(demand, matrix, open_ids), open_ids, threshold_minutes, percentile)


def evaluate_great_circle(
    demand: Sequence[DemandPoint],
    sites: Sequence[Site],
    open_ids: Sequence[str],
    mode: TravelMode | None = None,
    threshold_minutes: Decimal | None = None,
    percentile: Decimal | None = None,
) -> AccessResult:
    """As :func:`evaluate` with great-circle times, by a nearest-neighbour search (no dense matrix)."""
    return _result(demand, _nearest_great_circle(demand, sites, open_ids, mode), open_ids, threshold_minutes, percentile)


@dataclass
class AccessChange:
    before: AccessResult
    after: AccessResult
    lost: list[dict[str, Any]]  # demand points within T before and beyond T after

    def to_dict(self) -> dict[str, Any]:
        lost_by_body: dict[str, int] = defaultdict(int)
        for p in self.lost:
            lost_by_body[p["municipality_code"] or "unknown"] += p["population"]
        delta = {}
        for code in sorted(set(self.before.by_body) | set(self.after.by_body)):
            b, a = self.before.by_body.get(code), self.after.by_body.get(code)
            if b and a and b.mean_minutes is not None and a.mean_minutes is not None:
                delta[code] = round(a.mean_minutes - b.mean_minutes, 2)
        return {
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "mean_minutes_change_by_municipality": delta,
            "lose_access": {
                "rule": str(parameters()["lose_access_rule"]).strip(),
                "population": sum(p["population"] for p in self.lost),
                "by_municipality": dict(sorted(lost_by_body.items())),
                "points": self.lost[:200],
                "points_truncated": len(self.lost) > 200,
            },
        }


def compare(
    demand: Sequence[DemandPoint],
    matrix: TravelMatrix,
    open_before: Sequence[str],
    open_after: Sequence[str],
    threshold_minutes: Decimal | None = None,
    percentile: Decimal | None = None,
) -> AccessChange:
    """Before/after access and the residents who lose access within T minutes."""
    b = evaluate(demand, matrix, open_before, threshold_minutes, percentile)
    a = evaluate(demand, matrix, open_after, threshold_minutes, percentile)
    return _change(demand, b, a)


def compare_great_circle(
    demand: Sequence[DemandPoint],
    sites: Sequence[Site],
    open_before: Sequence[str],
    open_after: Sequence[str],
    mode: TravelMode | None = None,
    threshold_minutes: Decimal | None = None,
    percentile: Decimal | None = None,
) -> AccessChange:
    """:func:`compare` with great-circle times by nearest-neighbour search (large demand sets)."""
    b = evaluate_great_circle(demand, sites, open_before, mode, threshold_minutes, percentile)
    a = evaluate_great_circle(demand, sites, open_after, mode, threshold_minutes, percentile)
    return _change(demand, b, a)


def _scoped(
    demand: Sequence[DemandPoint], matrix: TravelMatrix, allowed: Mapping[str, Sequence[str]],
    threshold_minutes: Decimal | None, percentile: Decimal | None,
) -> AccessResult:
    """Access when the residents of each body may use only the facilities ``allowed[body]``."""
    mins = np.full(len(demand), np.inf)
    nearest: list[str | None] = [None] * len(demand)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(demand):
        groups[d.municipality_code or "unknown"].append(i)
    for body, idx in groups.items():
        ids = list(allowed.get(body, []))
        m, n = _nearest_from_matrix([demand[i] for i in idx], matrix, ids)
        mins[idx] = m
        for k, i in enumerate(idx):
            nearest[i] = n[k]
    union = sorted({f for ids in allowed.values() for f in ids})
    return _result(demand, (mins, nearest), union, threshold_minutes, percentile)


def compare_scoped(
    demand: Sequence[DemandPoint],
    matrix: TravelMatrix,
    before: Mapping[str, Sequence[str]],
    after: Mapping[str, Sequence[str]],
    threshold_minutes: Decimal | None = None,
    percentile: Decimal | None = None,
) -> AccessChange:
    """:func:`compare` when each body's residents may use only some facilities (before/after 相互利用)."""
    return _change(demand, _scoped(demand, matrix, before, threshold_minutes, percentile),
                   _scoped(demand, matrix, after, threshold_minutes, percentile))


def _change(demand: Sequence[DemandPoint], b: AccessResult, a: AccessResult) -> AccessChange:
    t = float(b.threshold_minutes)
    idx = np.nonzero((b.minutes <= t) & (a.minutes > t))[0]
    lost: list[dict[str, Any]] = []
    for i in idx.tolist():
        d = demand[i]
        lost.append({
            "demand_id": d.id, "municipality_code": d.municipality_code, "population": d.population,
            "minutes_before": _r(float(b.minutes[i])), "minutes_after": _r(float(a.minutes[i])),
            "nearest_before": b.nearest[i], "nearest_after": a.nearest[i], "approximate": d.approximate,
        })
    lost.sort(key=lambda p: -int(p["population"] or 0))
    return AccessChange(b, a, lost)
