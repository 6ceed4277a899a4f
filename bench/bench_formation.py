"""Formation benchmarks: adjacency from N03, batch 中心市 check, neighbour indicators, e-Stat OD import.

Goals (printed beside the figures, never asserted in tests):
- batch check of every 市 (792) < 2 s;  neighbour indicators of one 中心市 < 0.5 s (warm)
- import of a national-size 従業地・通学地 OD table (≈ 60,000 rows, CP932) < 10 s parse, < 10 s store write
"""

from __future__ import annotations

import os
import random
import resource
import tempfile
import time
from pathlib import Path


def _timed(label: str, fn, goal: str) -> object:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    print(f"{label:<52} {time.perf_counter() - t0:8.3f} s   goal {goal}", flush=True)
    return out


def _write_od(path: Path, origins: list[tuple[str, str]], per_origin: int) -> int:
    rng = random.Random(7)
    lines = ['"令和２年国勢調査　従業地・通学地による人口・就業状態等集計"',
             '"常住地による従業・通学市区町村，男女別15歳以上就業者数及び15歳以上通学者数－市区町村"',
             ',,,,"15歳以上就業者数及び15歳以上通学者数",,',
             '"常住地コード","常住地","従業地・通学地コード","従業地・通学地","総数","男","女"']
    for code, name in origins:
        lines.append(f'"{code}","{name}","","総数（常住地による就業者・通学者）","20000","11000","9000"')
        for dest, dname in rng.sample(origins, per_origin):
            v = rng.choice(["x", "-", str(rng.randint(1, 3000))])
            lines.append(f'"{code}","{name}","{dest}","{dname}","{v}","{v}","{v}"')
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return len(lines)


def main(argv: list[str]) -> None:
    from kouiki.formation.adjacency import _prefecture_shapes, _topology, adjacency
    from kouiki.formation.central import check_many
    from kouiki.formation.estat import import_census
    from kouiki.formation.neighbours import neighbour_indicators
    from kouiki.reference import registry

    registry()
    _timed("adjacency: national TopoJSON topology (cold)", _topology, "< 2 s")
    _timed("adjacency: 青森 1% GeoJSON shapes (cold)", lambda: _prefecture_shapes("02"), "< 2 s")
    _timed("adjacency of 弘前市 (warm)", lambda: adjacency("022021"), "< 0.1 s")
    res = _timed("check every 市 (batch, 792)", lambda: check_many(), "< 2 s")
    print(f"  → eligible {sum(1 for r in res if r.eligible is True)}, unknown {sum(1 for r in res if r.eligible is None)},"
          f" ineligible {sum(1 for r in res if r.eligible is False)} (bundled census only)")
    for name in ("弘前市", "天理市", "たつの市"):
        _timed(f"neighbour indicators of {name}", lambda name=name: neighbour_indicators(name), "< 0.5 s")
    bodies = [(b.code5, b.name) for b in registry().municipalities()]
    scale = 35 if "--quick" not in argv else 5
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "od.csv"
        n = _write_od(f, bodies, scale)
        result = _timed(f"parse OD table ({n:,} rows, CP932)", lambda: import_census(f), "< 10 s")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  → {len(result.figures):,} flows, {len(result.skipped):,} suppressed cells; process peak RSS {rss:.0f} MiB")  # type: ignore[attr-defined]
        os.environ["KOUIKI_DATA_DIR"] = str(Path(tmp) / "data")
        from kouiki.store import session
        from kouiki.store.formation import save_import

        def write() -> int:
            with session() as s:
                return save_import(s, result, "bench")  # type: ignore[arg-type]

        _timed("store write (SQLite, first import)", write, "< 10 s")
        _timed("store write (SQLite, re-import replaces)", write, "< 10 s")
