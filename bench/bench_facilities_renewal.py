"""更新費用 for 10,000 facilities × 40 年度 (goal < 1 s), plus the demo region and the 長寿命化 comparison.

Run: ``python -m bench facilities_renewal`` (``--n 50000`` for another size).
"""

from __future__ import annotations

import csv
import random
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

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


def ledger_csv(path: Path, rows: int, seed: int = 1) -> Path:
    """A synthetic 固定資産台帳 export (CP932, 千円): 5 rows per facility, buildings/附属設備/land/工作物 mixed."""
    rng = random.Random(seed)
    head = ["番号", "枝番", "施設名", "件名", "勘定科目", "取得年月日", "耐用年数分類", "耐用年数", "取得価額等",
            "減価償却累計額", "期末簿価", "数量", "用途"]
    accounts = ["事業用資産 建物", "事業用資産 建物", "事業用資産 建物附属設備", "事業用資産 土地", "インフラ資産 工作物"]
    with path.open("w", encoding="cp932", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        for i in range(rows):
            fac = f"施設{i // 5}"
            acq = rng.randint(1, 900_000)
            w.writerow([str(i), "", fac, f"{fac} 棟{i % 5}", rng.choice(accounts), f"S{rng.randint(30, 63)}.4.1", "RC",
                        "47", f"{acq:,}", f"{acq // 2:,}", f"{acq - acq // 2:,}", str(rng.randint(10, 5000)), "公民館"])
    return path


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
    from kouiki.facilities.importers import import_inventory

    with tempfile.TemporaryDirectory() as tmp:
        ledger = ledger_csv(Path(tmp) / "292044_ledger.csv", 100_000)
        t0 = time.perf_counter()
        linv, _rep = import_inventory(ledger, unit="千円")
        t_ledger = time.perf_counter() - t0
    ok = "OK" if t_full < GOAL_S else "MISSED"
    print(f"{'case':<52}{'seconds':>10}")
    print(f"{f'更新費用 {n:,} facilities × 40 年度 (with bookings)':<52}{t_full:>10.3f}   goal < {GOAL_S} s: {ok}")
    print(f"{f'更新費用 {n:,} facilities × 40 年度 (totals only)':<52}{t_lean:>10.3f}")
    print(f"{'単純更新 + 長寿命化 comparison (two projections)':<52}{t_cmp:>10.3f}")
    print(f"{'demo 弘前圏域: build inventory from GSI files':<52}{t_demo_build:>10.3f}")
    print(f"{f'demo 弘前圏域: 更新費用 ({len(demo.facilities)} facilities)':<52}{t_demo:>10.3f}")
    print(f"{f'固定資産台帳 import, 100,000 rows → {len(linv.facilities):,} facilities':<52}{t_ledger:>10.3f}")
    print(f"bookings: {len(r.bookings):,}; excluded: {len(r.excluded):,}; 40年総額 {r.total:,} 円; peak memory {peak / 1e6:.1f} MB")
