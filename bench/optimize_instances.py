"""Seeded p-median instances, generated exactly as in the shared baseline (shared/bench-baseline/common.py).

40 km × 40 km square; 85 % of demand points normal around 7 towns (lognormal town sizes, σ 1–4 km), 15 %
uniform rural; weight per point ⌈lognormal(3, 1)⌉; candidates a random subset of the demand points; distance
= Euclidean km. Only numpy here, so the spopt peer environment can import this file as well.
"""

from __future__ import annotations

import numpy as np

BASE_SEED = 20240601
SIDE_KM = 40.0
# (label, N, M, p, seed): the baseline's size indices 1 and 4, plus a new 100k row (index 5)
CASES = {
    "2k": (2000, 100, 10, BASE_SEED + 1000 * 1),
    "20k": (20000, 500, 50, BASE_SEED + 1000 * 4),
    "100k": (100000, 2000, 100, BASE_SEED + 1000 * 5),
}


def make_instance(n: int, m: int, seed: int, n_towns: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xy (n, 2) km, weights (n,), candidate indices (m,)) — same draws, same order as the baseline."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(4.0, SIDE_KM - 4.0, size=(n_towns, 2))
    town_size = rng.lognormal(0.0, 0.8, size=n_towns)
    town_size /= town_size.sum()
    spread = rng.uniform(1.0, 4.0, size=n_towns)
    n_rural = round(0.15 * n)
    n_town = n - n_rural
    which = rng.choice(n_towns, size=n_town, p=town_size)
    pts_town = centres[which] + rng.normal(size=(n_town, 2)) * spread[which, None]
    pts_rural = rng.uniform(0.0, SIDE_KM, size=(n_rural, 2))
    xy = np.clip(np.vstack([pts_town, pts_rural]), 0.0, SIDE_KM)
    xy = xy[rng.permutation(n)]
    w = np.ceil(rng.lognormal(mean=3.0, sigma=1.0, size=n))
    cand = np.sort(rng.choice(n, size=m, replace=False))
    return xy, w, cand
