"""Run PySAL spopt's PMedian (PuLP + HiGHS) on one seeded instance; print one JSON line.

Runs in the peer environment (bench/.venv-peers), never in kouiki's own. Usage:
    python spopt_pmedian.py CASE TIME_LIMIT_S
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optimize_instances import CASES, make_instance
from scipy.spatial.distance import cdist


def main() -> None:
    case, tl = sys.argv[1], float(sys.argv[2])
    n, m, p, seed = CASES[case]
    xy, w, cand = make_instance(n, m, seed)
    t0 = time.perf_counter()
    import pulp
    from spopt.locate import PMedian

    dist = cdist(xy, xy[cand])
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
        "sites": sites,
        "n_selected": len(sites),
    }))


if __name__ == "__main__":
    main()
