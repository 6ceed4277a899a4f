"""Benchmarks of part B of facility planning: access and road-graph travel times.

Goals (issue 5, item 12): access for 50,000 demand points × 500 facilities < 5 s; network travel times from
500 sites on a 200,000-node road graph ≤ 10 s (scipy one-to-all Dijkstra takes ~24 s here); nearest-facility
access by one multi-source search. Synthetic data with a fixed seed (the figures measure the code, not a place).

``python -m bench facilities_access [--quick]``
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.spatial  # noqa: F401  (imported before timing: the first import costs ~0.3 s)

from kouiki.facilities import access, roadgraph
from kouiki.facilities.demand import DemandPoint
from kouiki.facilities.travel import Site, great_circle_matrix


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _grid_graph(n_side: int, rng: np.random.Generator) -> roadgraph.RoadGraph:
    """A jittered grid road network (~100 m links, 20–50 km/h) of n_side² nodes around 34.6°N 135.8°E."""
    ii, jj = np.meshgrid(np.arange(n_side), np.arange(n_side), indexing="ij")
    lat = 34.4 + ii.ravel() * 0.0009 + rng.normal(0, 0.0001, n_side * n_side)
    lon = 135.6 + jj.ravel() * 0.0011 + rng.normal(0, 0.0001, n_side * n_side)
    idx = (ii * n_side + jj).ravel()
    right = idx[(jj.ravel() < n_side - 1)]
    down = idx[(ii.ravel() < n_side - 1)]
    u = np.concatenate([right, down])
    v = np.concatenate([right + 1, down + n_side])
    keep = rng.random(len(u)) > 0.1  # drop 10% of links so paths are not trivially Manhattan
    u, v = u[keep], v[keep]
    km = np.full(len(u), 0.1)
    speed = rng.uniform(20, 50, len(u))
    edges = list(zip(u.tolist(), v.tolist(), km.tolist(), (km / speed * 60).tolist(), strict=True))
    return roadgraph.from_edges(lat, lon, edges, "synthetic-grid")


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    rng = np.random.default_rng(20251)
    n_dem, n_fac = (5_000, 100) if quick else (50_000, 500)
    lat = rng.uniform(34.4, 34.8, n_dem)
    lon = rng.uniform(135.6, 136.1, n_dem)
    demand = [DemandPoint(f"d{i}", float(a), float(b), int(p), "292044" if i % 2 else "293628")
              for i, (a, b, p) in enumerate(zip(lat, lon, rng.integers(1, 500, n_dem), strict=True))]
    facs = [Site(f"f{j}", float(a), float(b)) for j, (a, b) in
            enumerate(zip(rng.uniform(34.4, 34.8, n_fac), rng.uniform(135.6, 136.1, n_fac), strict=True))]
    rows: list[tuple[str, str, str]] = []

    open_ids = [f.id for f in facs]
    t_nn, _ = _timed(lambda: access.compare_great_circle(demand, facs, open_ids, open_ids[: n_fac // 2]))
    rows.append((f"access {n_dem:,} demand × {n_fac} facilities, before/after + losers (nearest-neighbour search)",
                 f"{t_nn:.2f} s", "goal < 5 s"))
    t_mat, m = _timed(lambda: great_circle_matrix([d.site() for d in demand], facs))
    t_acc, _ = _timed(lambda: access.compare(demand, m, open_ids, open_ids[: n_fac // 2]))
    rows.append((f"  same via a dense {n_dem:,} × {n_fac} matrix: build it", f"{t_mat:.2f} s", ""))
    rows.append(("  same via the dense matrix: before/after + losers", f"{t_acc:.2f} s", ""))

    side = 200 if quick else 448  # 448² = 200,704 nodes
    t_build, g = _timed(lambda: _grid_graph(side, rng))
    rows.append((f"road graph build ({g.n_nodes:,} nodes, {g.minutes.nnz:,} arcs)", f"{t_build:.2f} s", ""))
    n_src = 50 if quick else 500
    sites = [Site(f"s{k}", float(g.lat[n]), float(g.lon[n])) for k, n in enumerate(rng.choice(g.n_nodes, n_src, replace=False))]
    dem_nodes = rng.choice(g.n_nodes, 5_000 if not quick else 1_000, replace=False)
    dem_sites = [Site(f"d{k}", float(g.lat[n]), float(g.lon[n])) for k, n in enumerate(dem_nodes)]
    from scipy.sparse.csgraph import dijkstra

    if quick:
        t_ref, _ = _timed(lambda: dijkstra(g.minutes, indices=np.arange(n_src)))
        rows.append((f"reference: scipy one-to-all from {n_src} sources, all at once", f"{t_ref:.2f} s", ""))
    workers = min(2, os.cpu_count() or 1)
    for label, kw in (
        ("1 process, minutes only", {"workers": 1, "with_km": False}),
        (f"{workers} processes, minutes only", {"workers": workers, "with_km": False}),
        (f"{workers} processes, minutes + km of the fastest path", {"workers": workers, "with_km": True}),
        ("1 process, minutes only, cut-off 30 min (the access threshold)", {"workers": 1, "with_km": False, "limit_minutes": 30.0}),
        (f"{workers} processes, minutes only, cut-off 30 min", {"workers": workers, "with_km": False, "limit_minutes": 30.0}),
    ):
        t, _tm = _timed(lambda kw=kw: g.travel_matrix(dem_sites, sites, chunk=25, **kw))  # type: ignore[misc]
        rows.append((f"road graph: {len(dem_sites):,} demand × {n_src} sites, {label}", f"{t:.2f} s", "goal ≤ 10 s"))
    import tempfile
    from pathlib import Path

    from kouiki.facilities.travel import TravelMatrix

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "matrix.csv"
        t_w, _ = _timed(lambda: _tm.write(cache))
        t_r, back = _timed(lambda: TravelMatrix.read(cache))
        rows.append((f"travel-matrix cache: write {back.minutes.size:,} pairs (CSV + sidecar)", f"{t_w:.2f} s", ""))
        rows.append(("travel-matrix cache: read it back (reuse instead of searching again)", f"{t_r:.2f} s", "goal ≤ 10 s"))
    net_demand = [DemandPoint(f"n{i}", float(a), float(b), int(p), "292044") for i, (a, b, p) in enumerate(zip(
        rng.uniform(g.lat.min(), g.lat.max(), n_dem), rng.uniform(g.lon.min(), g.lon.max(), n_dem),
        rng.integers(1, 500, n_dem), strict=True))]
    site_ids = [s.id for s in sites]
    t_net, _ = _timed(lambda: access.compare_network(net_demand, g, sites, site_ids, site_ids[: n_src // 2]))
    rows.append((f"access on the road graph: {n_dem:,} demand × {n_src} sites, before/after + losers "
                 "(2 multi-source searches)", f"{t_net:.2f} s", "goal < 5 s"))
    t_near, (dist, _) = _timed(lambda: g.nearest(sites))
    rows.append((f"nearest of {n_src} sites for all {g.n_nodes:,} nodes (one multi-source search)", f"{t_near:.2f} s",
                 f"reachable {np.isfinite(dist).mean():.0%}"))

    width = max(len(r[0]) for r in rows)
    for name, fig, goal in rows:
        print(f"{name:<{width}}  {fig:>8}  {goal}")
    if hasattr(os, "getloadavg"):  # not on Windows
        print(f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores — timings scale with contention)")
