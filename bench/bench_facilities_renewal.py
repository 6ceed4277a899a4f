"""更新費用 for 10,000 facilities × 40 年度 (goal < 1 s), plus the demo region and the 長寿命化 comparison.

Run: ``python -m bench facilities_renewal`` (``--n 50000`` for another size).
"""

from __future__ import annotations

import random
import time
import tracemalloc
from decimal import Decimal

from kouiki.facilities.model import Building, Facility, MajorCategory
from kouiki.facilities.renewal import compare_longevity, project

GOAL_S = 1.0


def synthetic(n: int, seed: int = 20251126) -> list[Facility]:
    """n facilities over 20 bodies, 13 categories, built 1950–2024, 50–12,000㎡; 10% with 2–4 棟, 2% unknown."""
    rng = random.Random(seed)
    cats = list(MajorCategory)
    codes = [f"29{i:03d}0" for i in range(20)]
    out: list[Facility] = []
    for i in range(n):
        cat = cats[i % len(cats)]
        code = codes[i % len(codes)]
        if rng.random() < 0.02:
            out.append(Facility(f"f{i}", code, f"施設{i}", cat))
            continue
        if rng.random() < 0.1:
            blds = tuple(
                Building(f"f{i}-{j}", Decimal(rng.randint(5_000, 1_200_000)) / 100, rng.randint(1950, 2024))
                for j in range(rng.randint(2, 4))
            )
            out.append(Facility(f"f{i}", code, f"施設{i}", cat, buildings=blds))
            continue
        out.append(
            Facility(f"f{i}", code, f"施設{i}", cat, floor_area_m2=Decimal(rng.randint(5_000, 1_200_000)) / 100,
                     built_year=rng.randint(1950, 2024))
        )
    return out


def _time(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str]) -> None:
    n = 10_000
    for a in argv:
        if a.startswith("--n="):
            n = int(a.split("=", 1)[1])
    facilities = synthetic(n)
    t_full = _time(lambda: project(facilities, 2025, 40))
    t_lean = _time(lambda: project(facilities, 2025, 40, keep_bookings=False))
    t_cmp = _time(lambda: compare_longevity(facilities, 2025, 40), repeat=1)
    tracemalloc.start()
    r = project(facilities, 2025, 40)
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    from kouiki.facilities.demo import build_demo

    t_demo_build = _time(lambda: build_demo("弘前圏域"), repeat=1)
    demo = build_demo("弘前圏域").inventory
    t_demo = _time(lambda: project(demo, 2025, 40))
    ok = "OK" if t_full < GOAL_S else "MISSED"
    print(f"{'case':<52}{'seconds':>10}")
    print(f"{f'更新費用 {n:,} facilities × 40 年度 (with bookings)':<52}{t_full:>10.3f}   goal < {GOAL_S} s: {ok}")
    print(f"{f'更新費用 {n:,} facilities × 40 年度 (totals only)':<52}{t_lean:>10.3f}")
    print(f"{'単純更新 + 長寿命化 comparison (two projections)':<52}{t_cmp:>10.3f}")
    print(f"{'demo 弘前圏域: build inventory from GSI files':<52}{t_demo_build:>10.3f}")
    print(f"{f'demo 弘前圏域: 更新費用 ({len(demo.facilities)} facilities)':<52}{t_demo:>10.3f}")
    print(f"bookings: {len(r.bookings):,}; excluded: {len(r.excluded):,}; 40年総額 {r.total:,} 円; peak memory {peak / 1e6:.1f} MB")
