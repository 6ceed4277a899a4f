"""Fast p-median path on the large-instance strategy (sampled start, regional perturbations, primal time share).

The large-instance branch normally starts above 50,000 demand points; the thresholds are lowered here so that
the same code runs on instances small enough for brute force. The bound must stay ≤ the optimum ≤ objective.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kouiki.optimize import pmedian_fast as pf
from kouiki.optimize.costs import PointDistances


def _clustered(seed: int, n: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 30, size=(n, 2))
    xy[: n // 2] = rng.normal(8, 2.0, size=(n // 2, 2))
    w = np.ceil(rng.lognormal(2.0, 1.0, size=n))
    cxy = xy[rng.choice(n, m, replace=False)]
    return xy, w, cxy


def _brute(xy: np.ndarray, w: np.ndarray, cxy: np.ndarray, p: int, keep: list[int]) -> float:
    d = np.sqrt(((xy[:, None, :] - cxy[None, :, :]) ** 2).sum(axis=2))
    free = [j for j in range(len(cxy)) if j not in keep]
    return min(
        float((w * d[:, keep + list(s)].min(axis=1)).sum()) for s in itertools.combinations(free, p - len(keep))
    )


@pytest.fixture
def large_strategy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pf, "SAMPLE_ABOVE", 150)
    monkeypatch.setattr(pf, "SAMPLE_SIZE", 100)


@pytest.mark.usefixtures("large_strategy")
@pytest.mark.parametrize(("seed", "k", "keep"), [(0, 5, []), (1, 14, []), (2, 6, [3]), (3, 3, [0, 7])])
def test_large_strategy_keeps_bound_valid(seed: int, k: int, keep: list[int]) -> None:
    n, m, p = 400, 14, 4
    xy, w, cxy = _clustered(seed, n, m)
    best = _brute(xy, w, cxy, p, keep)
    nc = pf.NearCosts.build(PointDistances(xy, cxy, "euclidean"), w, k=k)
    must = np.zeros(m, bool)
    must[keep] = True
    r = pf.solve_pmedian_fast(nc, p, must, np.ones(m, bool), time_limit=1.0, gap=0.0, seed=seed)
    assert r.lower_bound <= best * (1 + 1e-12)
    assert r.objective >= best * (1 - 1e-12)
    assert int(r.open_mask.sum()) == p
    assert r.open_mask[keep].all()  # must-keep sites are never closed by a perturbation
    d = np.sqrt(((xy[:, None, :] - cxy[None, :, :]) ** 2).sum(axis=2))
    assert r.objective == pytest.approx(float((w * d[:, np.flatnonzero(r.open_mask)].min(axis=1)).sum()))
    # a 1 s run on 400 points finds the optimum (the perturbations are exercised on the way)
    assert r.objective == pytest.approx(best, rel=1e-9)
    assert r.local_searches >= 1


@pytest.mark.usefixtures("large_strategy")
def test_regional_moves_improve_on_a_poor_start() -> None:
    """Started from the worst-spread sites, the perturbation + descent loop reaches the brute-force optimum."""
    n, m, p = 300, 12, 3
    xy, w, cxy = _clustered(7, n, m)
    best = _brute(xy, w, cxy, p, [])
    nc = pf.NearCosts.build(PointDistances(xy, cxy, "euclidean"), w, k=6)
    start = np.zeros(m, bool)
    start[np.argsort(-cxy[:, 0])[:p]] = True  # the p easternmost candidates
    r = pf.solve_pmedian_fast(nc, p, np.zeros(m, bool), np.ones(m, bool), time_limit=1.0, gap=0.0, seed=1, start=start)
    assert r.objective == pytest.approx(best, rel=1e-9)
    assert r.lower_bound <= best * (1 + 1e-12)
