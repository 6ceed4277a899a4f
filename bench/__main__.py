"""Run the benchmarks: every ``bench/bench_<name>.py`` with a ``main(argv: list[str]) -> None``.

``python -m bench`` runs them all; ``python -m bench fiscal optimize`` runs the named ones. Each prints its
own table of figures (wall time, throughput, peak memory). Goals are printed beside the figures; the
test suite never asserts timings.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name[len("bench_") :] for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [a for a in argv if not a.startswith("-")] or names
    unknown = [w for w in wanted if w not in names]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(names)}", file=sys.stderr)
        return 2
    for name in wanted:
        print(f"\n=== bench {name} ===", flush=True)
        t0 = time.perf_counter()
        mod = importlib.import_module(f"bench.bench_{name}")
        mod.main([a for a in argv if a.startswith("-")])
        print(f"(bench {name}: {time.perf_counter() - t0:.1f} s in all)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
