"""Run PySAL spopt's PMedian (PuLP + HiGHS) on one seeded instance; print one JSON line.

Runs in the peer environment (bench/.venv-peers), never in kouiki's own. Usage:
    python spopt_pmedian.py CASE TIME_LIMIT_S
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from optimize_instances import instance
from scipy.spatial.distance import cdist


def _greatcircle_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    def unit(ll: np.ndarray) -> np.ndarray:
        la, lo = np.radians(ll[:, 0]), np.radians(ll[:, 1])
        return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])

    chord = cdist(unit(a), unit(b))
    return np.asarray(2.0 * 6371.0088 * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0)))


def main() -> None:
    case, tl = sys.argv[1], float(sys.argv[2])
    xy, w, cand, p, metric = instance(case)
    m = len(cand)
    t0 = time.perf_counter()
    import pulp
    from spopt.locate import PMedian

    # great circle: the same sphere as kouiki's PointDistances (radius 6371.0088 km)
    dist = _greatcircle_km(xy, xy[cand]) if metric == "greatcircle" else cdist(xy, xy[cand])
    model = PMedian.from_cost_matrix(dist, w, p)
    try:
        model.solve(pulp.HiGHS(msg=False, timeLimit=tl))
    except RuntimeError as exc:  # spopt raises unless PuLP reports Optimal (e.g. time limit without proof)
        print(json.dumps({"tool": "spopt 0.7 PMedian + HiGHS (PuLP)", "seconds": time.perf_counter() - t0,
                          "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                          "objective": None, "status": f"spopt error: {exc}"}))
        return
    prob = model.problem
    sites = [j for j in range(m) if model.fac2cli[j]]
    obj = float((w * dist[:, sites].min(axis=1)).sum()) if sites else None
    print(json.dumps({
        "tool": "spopt 0.7 PMedian + HiGHS (PuLP)",
        "seconds": time.perf_counter() - t0,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "objective": obj,
        "status": pulp.LpStatus.get(prob.status, str(prob.status)),
        # PuLP says "Optimal" also for an incumbent found by the time limit; sol_status tells them apart
        "sol_status": pulp.LpSolution.get(prob.sol_status, str(prob.sol_status)),
        "time_limit_s": tl,
        "sites": sites,
        "n_selected": len(sites),
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "load_avg_1m": os.getloadavg()[0],
    }))


if __name__ == "__main__":
    main()
