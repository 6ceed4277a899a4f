"""Staffing benchmarks: the sharing-plan MILP and the support evaluation on a prefecture-wide case.

Case: 青森県 seconds specialists of 4 types to every 市町村 of the prefecture (real office points), each
市町村 demanding 0.5–2 days a week per type (seeded), posts based at 5 regional offices, 3 年度.
Goal (printed beside the figure, never asserted): a prefecture-wide plan in under 10 s on 2 cores.
"""

from __future__ import annotations

import random
import time
import tracemalloc
from typing import Any

from kouiki.reference import registry
from kouiki.staffing.io import case_from_dict
from kouiki.staffing.sharing import plan_sharing
from kouiki.staffing.support import evaluate_support

TYPES = ["保健師", "土木", "税務", "移住交流"]
BASES = ["青森市", "弘前市", "八戸市", "五所川原市", "むつ市"]


def build(n_posts_per_type: int, seed: int = 7, max_receivers: int | None = None) -> dict[str, Any]:
    rng = random.Random(seed)
    pref = registry().get("青森県")
    bodies = [m.code for m in registry().in_prefecture(pref.code) if m.code != pref.code]
    demand = [
        {"body": b, "type": t, "days_per_week": str(rng.choice([0.5, 1, 1.5, 2]))}
        for b in bodies
        for t in TYPES
        if rng.random() < 0.6
    ]
    posts = [
        {"id": f"{t}-{i}", "employer": pref.code, "type": t, "employment": "任期付", "salary_yen": 6_000_000,
         "recruiting_cost_yen": 500_000, "start_year": 2025, "base": BASES[i % len(BASES)],
         **({"max_receivers": max_receivers} if max_receivers else {})}
        for t in TYPES
        for i in range(n_posts_per_type)
    ]
    agreement = {"id": "K", "parties": [pref.code, *bodies], "basic_policy": "方針", "role_split": "分担",
                 "expertise": TYPES, "concluded_on": "2025-03-31"}
    return {"title": "bench", "years": {"from": 2025, "to": 2027}, "agreements": [agreement], "posts": posts,
            "demand": demand, "defaults": {"contribution_rate": "0.5"}}


def main(argv: list[str]) -> None:
    registry()  # load the reference data outside the timings
    print(f"{'case':<34}{'posts':>6}{'demand':>8}{'plan s':>9}{'support s':>11}{'items':>7}{'peak MB':>9}  goal")
    for per_type, limit in ((2, None), (5, None), (8, None), (8, 4)):
        data = build(per_type, max_receivers=limit)
        case = case_from_dict(data, "bench")
        t0 = time.perf_counter()
        plan = plan_sharing(case)
        t1 = time.perf_counter()
        res = evaluate_support(case, plan.secondments)
        t2 = time.perf_counter()
        tracemalloc.start()  # a second, traced run for the Python-side peak (HiGHS' own memory is not traced)
        evaluate_support(case, plan_sharing(case).secondments)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        unmet = sum(y.unmet_days for y in plan.years)
        label = f"青森県 全市町村×4職種×3年度{' 担当≤' + str(limit) if limit else ''} (不足 {unmet}日)"
        print(f"{label:<34}{len(case.posts):>6}{len(case.demand):>8}{t1 - t0:>9.2f}{t2 - t1:>11.2f}"
              f"{len(res.items.items):>7}{peak:>9.1f}  plan < 10 s")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
