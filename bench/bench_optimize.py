"""Benchmark of the location optimiser (issue 6): kouiki p-median against the issue's goals and spopt.

    python -m bench optimize                 # the three kouiki rows (2k, 20k, 100k)
    python -m bench optimize --with-spopt    # + spopt/PuLP/HiGHS at 2k side by side (~80-120 s; builds
                                             #   bench/.venv-peers with spopt on first use)
    python -m bench optimize --case=20k      # one row

Each row runs in its own process, so the peak memory (max RSS) is that of the row alone.
Goals (issue 6): 2k×100×p10 — spopt's optimum, gap ≤ 0.01 %, ≥ 50× faster than spopt+HiGHS;
20k×500×p50 — gap ≤ 0.5 % in ≤ 30 s; 100k×2000×p100 — gap ≤ 1 % in ≤ 120 s and < 4 GB.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEER_VENV = HERE / ".venv-peers"
GOALS = {  # case: (gap, seconds, peak MB)
    "2k": (0.0001, None, None),
    "20k": (0.005, 30.0, None),
    "100k": (0.01, 120.0, 4096.0),
}


def run_kouiki(case: str) -> dict[str, object]:
    """In a child process: build the instance, solve, report."""
    sys.path.insert(0, str(HERE))
    from optimize_instances import CASES, make_instance

    from kouiki.optimize import PMedian, Problem
    from kouiki.optimize._kernels import warm_up

    n, m, p, seed = CASES[case]
    xy, w, cand = make_instance(n, m, seed)
    t_import = time.perf_counter()
    warm_up()  # numba: load the compiled kernels from the cache (or compile them on the very first run)
    t0, c0 = time.perf_counter(), time.process_time()
    prob = Problem.from_arrays(xy, w, xy[cand], metric="euclidean")
    gap, tl, _ = GOALS[case]
    res = PMedian(prob, p).solve(time_limit=tl or 60.0, gap=gap)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0  # the machine is shared: CPU seconds say how much of the wall time was ours
    return {
        "tool": "kouiki PMedian",
        "seconds": wall,
        "cpu_s": cpu,
        "load_avg_1m": os.getloadavg()[0],
        "warm_up_s": t0 - t_import,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "objective": res.objective,
        "lower_bound": res.lower_bound,
        "gap": res.gap,
        "status": res.status,
        "method": res.method,
    }


def _child(args: list[str], timeout: float) -> dict[str, object]:
    t0 = time.perf_counter()
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"status": f"killed after {timeout:.0f} s", "seconds": time.perf_counter() - t0}
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        return {"status": f"failed: {out.stderr.strip().splitlines()[-1:] or out.returncode}"}
    rec: dict[str, object] = json.loads(lines[-1])
    rec["wall_outer_s"] = time.perf_counter() - t0
    return rec


def ensure_peer_venv() -> Path:
    py = PEER_VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "spopt==0.7.0", "pulp==3.3.2", "highspy", "scipy"], check=True)
    return py


def _fmt(v: object, spec: str) -> str:
    return "–" if v is None else format(v, spec)


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--child":
        print(json.dumps(run_kouiki(argv[1])))
        return
    cases = [a.split("=", 1)[1] for a in argv if a.startswith("--case=")] or list(GOALS)
    rows: list[tuple[str, dict[str, object]]] = []
    env = dict(os.environ)
    for case in cases:
        rec = _child([sys.executable, "-m", "bench.bench_optimize", "--child", case], timeout=900)
        rows.append((case, rec))
        print(f"  {case}: {json.dumps(rec)}", flush=True)
    spopt: dict[str, object] | None = None
    if "--with-spopt" in argv and "2k" in cases:
        py = ensure_peer_venv()
        spopt = _child([str(py), str(HERE / "peers" / "spopt_pmedian.py"), "2k", "600"], timeout=900)
        print(f"  2k spopt: {json.dumps(spopt)}", flush=True)
    del env
    sizes = {"2k": "2,000×100, p=10", "20k": "20,000×500, p=50", "100k": "100,000×2,000, p=100"}
    print("\n| size | tool | wall s | CPU s | load | peak MB | objective | bound | gap | speed-up | goal |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for case, rec in rows:
        goal_gap, goal_s, goal_mb = GOALS[case]
        secs = rec.get("seconds")
        speed = "–"
        if case == "2k" and spopt and isinstance(spopt.get("seconds"), float) and isinstance(secs, float):
            speed = f"{float(spopt['seconds']) / secs:.0f}×"
        gap = rec.get("gap")
        ok = isinstance(gap, float) and gap <= goal_gap
        if goal_s is not None:
            ok = ok and isinstance(secs, float) and secs <= goal_s
        if goal_mb is not None:
            ok = ok and float(rec.get("peak_mb", 1e9)) < goal_mb  # type: ignore[arg-type]
        if case == "2k" and spopt and isinstance(spopt.get("objective"), float):
            ok = ok and abs(float(rec["objective"]) - float(spopt["objective"])) <= 1e-6 * float(spopt["objective"])  # type: ignore[arg-type]
            ok = ok and speed != "–" and float(speed[:-1]) >= 50
        goal = f"gap ≤ {goal_gap:.2%}" + (f", ≤ {goal_s:.0f} s" if goal_s else "") + (f", < {goal_mb / 1024:.0f} GB" if goal_mb else "")
        print(f"| {sizes[case]} | kouiki | {_fmt(secs, '.2f')} | {_fmt(rec.get('cpu_s'), '.2f')} | "
              f"{_fmt(rec.get('load_avg_1m'), '.1f')} | {_fmt(rec.get('peak_mb'), '.0f')} | "
              f"{_fmt(rec.get('objective'), ',.2f')} | {_fmt(rec.get('lower_bound'), ',.2f')} | "
              f"{_fmt(gap, '.4%')} | {speed} | {goal}: {'MET' if ok else 'NOT MET'} |")
        if case == "2k" and spopt:
            print(f"| {sizes[case]} | spopt+HiGHS | {_fmt(spopt.get('seconds'), '.2f')} | – | – | {_fmt(spopt.get('peak_mb'), '.0f')} | "
                  f"{_fmt(spopt.get('objective'), ',.2f')} | – | – | 1× | status {spopt.get('status')} |")
    if "--with-spopt" not in argv:
        print("spopt row: not run (add --with-spopt; baseline measured 82 s / 1,277 MB for spopt+HiGHS at 2k, "
              "shared/bench-baseline/RESULTS.md)")


if __name__ == "__main__":
    main(sys.argv[1:])
