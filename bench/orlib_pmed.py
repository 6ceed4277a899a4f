"""Reader for Beasley's OR-Library p-median instances pmed1–pmed40 (see data/orlib-pmed/PROVENANCE.md).

Every vertex is a demand point of weight 1 and a candidate site; the cost is the shortest-path length over
the graph. Where an edge is listed twice, the last occurrence counts (as the published optima assume).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

DATA = Path(__file__).resolve().parent / "data" / "orlib-pmed"


def optima(folder: Path = DATA) -> dict[str, int]:
    """Published optimal objective values, by instance name (``pmed1`` …)."""
    out: dict[str, int] = {}
    for line in (folder / "pmedopt.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].startswith("pmed") and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def load(name: str, folder: Path = DATA) -> tuple[np.ndarray, int]:
    """(n × n shortest-path matrix, p) of one instance."""
    lines = (folder / f"{name}.txt").read_text().split("\n")
    n, n_edges, p = (int(v) for v in lines[0].split())
    edges: dict[tuple[int, int], float] = {}
    for line in lines[1 : 1 + n_edges]:
        a, b, c = line.split()
        i, j = int(a) - 1, int(b) - 1
        edges[(min(i, j), max(i, j))] = float(c)  # the last occurrence counts
    if len(lines) < 1 + n_edges:
        raise ValueError(f"{name}: {n_edges} edges announced, file shorter")
    ij = np.array(list(edges), dtype=np.int64).reshape(-1, 2)
    cost = np.array(list(edges.values()))
    keep = ij[:, 0] != ij[:, 1]
    g = csr_matrix((cost[keep], (ij[keep, 0], ij[keep, 1])), shape=(n, n))
    dist = shortest_path(g, method="D", directed=False)
    return np.asarray(dist, dtype=np.float64), p
