"""CLI start-up: wall time of `kouiki …` as a new process (what a 財政課 script calling the CLI 23 times pays).

For every command group, `kouiki <group> --help` (the group's start-up: typer, rich and kouiki.reference only —
engines load inside the command that runs), then one light real command per group (which does load its engine,
for comparison). Each is run as a fresh process, ``--runs=N`` times (default 10); the median is printed with the
goal where there is one (issue 17: `kouiki --help` and `kouiki municipalities show 293636` < 0.3 s median).
The data folder is a fresh temporary one (KOUIKI_DATA_DIR), so no user's data is read or written.
``python -m bench cli --runs=3`` for a quick look; ``--goals`` times only the two commands with a goal. Each command
runs once untimed first (so the byte-code caches exist); the load average is printed before and after, and a line
says so when PYTHONDONTWRITEBYTECODE is set (then every run compiles kouiki from source: slower than a user's
install). Goals are printed, never asserted.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 0.3
GOALS = {("--help",): GOAL_S, ("municipalities", "show", "293636"): GOAL_S}
GROUPS = ["municipalities", "regions", "db", "serve", "fiscal", "formation", "optimize", "staffing", "facilities"]
# One light real command per group (loads that group's engine; the store for regions/db).
REAL = [
    ("version",),
    ("municipalities", "search", "川西"),
    ("fiscal", "schema"),
    ("formation", "rules", "--json"),
    ("staffing", "types", "--json"),
    ("facilities", "scenario-schema"),
    ("db", "upgrade"),
    ("regions", "list", "--json"),
]


def _command() -> list[str]:
    script = Path(sys.executable).with_name("kouiki")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kouiki.cli"]


def _cpu() -> float:
    """CPU seconds (user + system) of the finished child processes; 0 where ``resource`` is missing (Windows)."""
    try:
        import resource
    except ImportError:  # pragma: no cover
        return 0.0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _time(args: tuple[str, ...], runs: int, env: dict[str, str]) -> tuple[float, float, float, int]:
    """(median wall s, min wall s, median CPU s, exit code of the last run). CPU time says what the command
    costs when the machine is shared (wall time then includes waiting for a core)."""
    times: list[float] = []
    cpu: list[float] = []
    code = 0
    for _ in range(runs):
        c0 = _cpu()
        t0 = time.perf_counter()
        done = subprocess.run([*_command(), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
        code = done.returncode
    return statistics.median(times), min(times), statistics.median(cpu), code


def main(argv: list[str]) -> None:
    runs = 10
    for a in argv:
        if a.startswith("--runs="):
            runs = int(a.split("=", 1)[1])
    goals_only = "--goals" in argv
    data = tempfile.mkdtemp(prefix="kouiki-bench-cli-")
    env = dict(os.environ, KOUIKI_DATA_DIR=data, COLUMNS="100")
    env.pop("DATABASE_URL", None)
    try:
        subprocess.run([*_command(), "db", "upgrade"], env=env, stdout=subprocess.DEVNULL, check=True)  # store ready
        print(f"{len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}; {runs} runs each (fresh process)")
        if os.environ.get("PYTHONDONTWRITEBYTECODE"):
            print("PYTHONDONTWRITEBYTECODE is set: modules without a cached .pyc are compiled at every run")
        print(f"{'command':<40}{'median s':>10}{'min s':>8}{'CPU s':>8}  goal (median wall time)")
        cases: list[tuple[str, ...]] = [("--help",), ("municipalities", "show", "293636")]
        if not goals_only:
            cases += [(g, "--help") for g in GROUPS] + REAL
        for args in cases:
            _time(args, 1, env)  # warm: byte-code caches, file caches
            median, fastest, cpu, code = _time(args, runs, env)
            goal = GOALS.get(args)
            mark = "" if goal is None else f"< {goal} s {'ok' if median < goal else 'MISSED'}"
            if code != 0:
                mark += f" (exit {code})"
            print(f"{'kouiki ' + ' '.join(args):<40}{median:>10.3f}{fastest:>8.3f}{cpu:>8.3f}  {mark}", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
