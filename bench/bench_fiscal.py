"""Fiscal engine benchmark: every 市区町村 (1,741) × 10 年度 × five typical measures, plus one 20-year
公適債 per municipality — in batch mode (totals only) and with full traces (lines + Japanese explanations,
serialised to the JSON contract).

Goals on the 2-core reference machine: batch < 2 s, full traces < 20 s. ``python -m bench fiscal``
(``--quick`` runs one prefecture only, for a smoke test).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from typing import Any

YEARS = range(2016, 2026)
GOAL_BATCH_S = 2.0
GOAL_FULL_S = 20.0


def build_plan(codes: list[str]) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for i, code in enumerate(codes):
        partner = codes[i - 1] if i else codes[1]
        for y in YEARS:
            items.append({"measure": "comprehensive_neighbor", "municipality": code, "fiscal_year": y,
                          "cost_yen": 12_000_000 + 1_000 * (i % 7000), "has_vision": True})
            items.append({"measure": "external_experts", "municipality": code, "fiscal_year": y,
                          "cost_yen": 8_000_000, "engagement_start_fiscal_year": 2020})
            items.append({"measure": "hospital_clinic_cooperation", "municipality": code, "fiscal_year": y,
                          "cost_yen": 9_000_000 + i})
            items.append({"measure": "remote_medicine", "municipality": code, "fiscal_year": y, "cost_yen": 3_000_000})
            items.append({"measure": "consolidation_study", "municipality": code, "fiscal_year": y,
                          "cost_yen": 11_000_000, "partner_bodies": [partner]})
        items.append({"measure": "facility_bond", "municipality": code, "fiscal_year": 2025,
                      "cost_yen": 1_000_000_000 + i, "category": "consolidation", "national_subsidy_rate": "0.5",
                      "floor_area_before_m2": 10_000, "floor_area_after_m2": 7_000, "term_years": 20,
                      "grace_years": 3, "interest_rate": "0.008", "repayment": "annuity",
                      "first_redemption_fiscal_year": 2026})
    return {"items": items}


def _peak_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def main(argv: list[str]) -> None:
    from kouiki.fiscal import evaluate
    from kouiki.reference.municipalities import registry

    bodies = registry().municipalities()
    if "--quick" in argv:
        bodies = [b for b in bodies if b.prefecture_code == "290009"]
    codes = [b.code for b in bodies]
    plan = build_plan(codes)
    n = len(plan["items"])
    evaluate({"items": plan["items"][:50]}, trace=False)  # warm the registry and parameter caches
    print(f"plan: {len(codes):,} municipalities × {len(YEARS)} 年度 × 5 measures + {len(codes):,} bonds = {n:,} items")
    print(f"peak RSS before runs: {_peak_mb():.0f} MB")

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average (1 min) before runs: {load:.2f} on {os.cpu_count()} CPUs — wall times include waiting for CPU")
    t0, c0 = time.perf_counter(), time.process_time()
    batch = evaluate(plan, trace=False, totals_only=True)
    t_batch, c_batch = time.perf_counter() - t0, time.process_time() - c0
    assert not batch.errors, batch.errors[:3]
    print(f"batch (totals only): {t_batch:.2f} s wall, {c_batch:.2f} s CPU  {n / t_batch:,.0f} items/s  "
          f"support {batch.totals.support_yen:,} 円  financing {batch.totals.financing_yen:,} 円  "
          f"peak RSS {_peak_mb():.0f} MB  goal < {GOAL_BATCH_S:.0f} s  {'OK' if t_batch < GOAL_BATCH_S else 'MISSED'}")

    t0, c0 = time.perf_counter(), time.process_time()
    full = evaluate(plan, trace=True)
    data = full.to_dict(include_trace=True)
    t_full, c_full = time.perf_counter() - t0, time.process_time() - c0
    assert full.totals.support_yen == batch.totals.support_yen
    print(f"full traces: {t_full:.2f} s wall, {c_full:.2f} s CPU  {n / t_full:,.0f} items/s  {len(data['lines']):,} lines  "
          f"peak RSS {_peak_mb():.0f} MB  goal < {GOAL_FULL_S:.0f} s  {'OK' if t_full < GOAL_FULL_S else 'MISSED'}")


if __name__ == "__main__":
    main(sys.argv[1:])
