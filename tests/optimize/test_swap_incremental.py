"""Incremental swap evaluation (Resende–Werneck, ``pmedian_fast.SwapState`` / ``_kernels.inc_swap``).

After any sequence of swaps the state's delta of every swap must equal a brute-force recomputation: the
objective of the swapped open set on the dense distance matrix minus the current one. Short lists (small K)
leave rows whose second open site is not listed; they go through the exact-row path and are covered too.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kouiki.optimize import pmedian_fast as pf
from kouiki.optimize.costs import PointDistances
from tests.hypothesis_budget import examples


def _instance(seed: int, n: int, m: int, zeros: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 20, size=(n, 2))
    xy[: n // 2] = rng.normal(6, 1.5, size=(n // 2, 2))  # one dense town: many near-ties, many shared lists
    w = np.ceil(rng.lognormal(1.5, 1.0, size=n))
    if zeros:
        w[rng.random(n) < 0.2] = 0.0
    cxy = rng.uniform(0, 20, size=(m, 2))
    return xy, w, cxy


def _objective(wd: np.ndarray, om: np.ndarray) -> float:
    return float(wd[:, om].min(axis=1).sum())


def _brute_deltas(wd: np.ndarray, om: np.ndarray, slots: np.ndarray, can_open: np.ndarray,
                  can_close: np.ndarray) -> np.ndarray:
    """delta[j, slot] by recomputing the whole objective for every allowed swap (inf where not allowed)."""
    m = wd.shape[1]
    base = _objective(wd, om)
    out = np.full((m, slots.size), np.inf)
    for j in np.flatnonzero(~om & can_open):
        for s, r in enumerate(slots):
            if not can_close[r]:
                continue
            o2 = om.copy()
            o2[j], o2[r] = True, False
            out[j, s] = _objective(wd, o2) - base
    return out


@settings(max_examples=examples(60), deadline=None)
@given(
    seed=st.integers(0, 100_000),
    n=st.integers(5, 60),
    m=st.integers(3, 12),
    k=st.integers(1, 12),
    zeros=st.booleans(),
    data=st.data(),
)
def test_incremental_deltas_equal_brute_force_after_every_swap(
    seed: int, n: int, m: int, k: int, zeros: bool, data: st.DataObject
) -> None:
    p = data.draw(st.integers(2, m - 1))
    xy, w, cxy = _instance(seed, n, m, zeros)
    wd = w[:, None] * np.sqrt(((xy[:, None, :] - cxy[None, :, :]) ** 2).sum(axis=2))
    nc = pf.NearCosts.build(PointDistances(xy, cxy, "euclidean"), w, k=min(k, m))
    rng = np.random.default_rng(seed)
    om = np.zeros(m, bool)
    om[rng.choice(m, p, replace=False)] = True
    can_open = np.ones(m, bool)
    can_close = np.ones(m, bool)
    if m > p + 1:  # sometimes a site that may not open, and a must-keep one
        can_open[int(rng.choice(np.flatnonzero(~om)))] = False
    can_close[int(rng.choice(np.flatnonzero(om)))] = data.draw(st.booleans())
    state = pf.SwapState.build(nc, om)
    tol = 1e-9 * max(1.0, float(wd.sum()))
    for _ in range(data.draw(st.integers(1, 8))):
        got = state.deltas(nc, can_open, can_close)
        want = _brute_deltas(wd, state.open_mask, state.slots, can_open, can_close)
        assert np.array_equal(np.isfinite(got), np.isfinite(want))
        fin = np.isfinite(want)
        np.testing.assert_allclose(got[fin], want[fin], rtol=0, atol=tol)
        assert state.objective == pytest.approx(_objective(wd, state.open_mask), abs=tol)
        # the best swap the kernel picks is a best swap of the brute force
        d, j, r = state.best_swap(nc, can_open, can_close)
        if fin.any():
            assert d == pytest.approx(float(want[fin].min()), abs=tol)
            assert want[j, int(np.flatnonzero(state.slots == r)[0])] == pytest.approx(d, abs=tol)
        # any allowed swap (not only the best) moves the state; its slots stay the open sites
        js = np.flatnonzero(~state.open_mask & can_open)
        rs = [int(r) for r in state.slots if can_close[r]]
        if js.size == 0 or not rs:
            break
        state.swap(nc, int(rng.choice(js)), int(rng.choice(rs)))
        assert np.array_equal(np.sort(state.slots), np.flatnonzero(state.open_mask))
        assert (state.rank[state.slots] == np.arange(p)).all()


@settings(max_examples=examples(30), deadline=None)
@given(seed=st.integers(0, 100_000), n=st.integers(20, 120), m=st.integers(4, 14), k=st.integers(2, 14),
       data=st.data())
def test_incremental_local_search_ends_at_a_local_optimum_of_the_full_problem(
    seed: int, n: int, m: int, k: int, data: st.DataObject
) -> None:
    p = data.draw(st.integers(2, m - 1))
    xy, w, cxy = _instance(seed, n, m, zeros=False)
    wd = w[:, None] * np.sqrt(((xy[:, None, :] - cxy[None, :, :]) ** 2).sum(axis=2))
    nc = pf.NearCosts.build(PointDistances(xy, cxy, "euclidean"), w, k=min(k, m))
    rng = np.random.default_rng(seed)
    om = np.zeros(m, bool)
    om[rng.choice(m, p, replace=False)] = True
    every = np.ones(m, bool)
    state = pf.local_search_inc(nc, om, every, every, deadline=np.inf)
    asg, state = pf.verified(nc, state, every, every, deadline=np.inf)
    assert np.array_equal(asg.open_mask, state.open_mask)
    assert asg.objective == pytest.approx(_objective(wd, asg.open_mask), rel=1e-12)
    want = _brute_deltas(wd, asg.open_mask, np.flatnonzero(asg.open_mask), every, every)
    assert float(want.min()) >= -1e-9 * asg.objective  # no swap improves
    # the full-pass search from the same start ends no better (both stop at a local optimum; same rule)
    full = pf.local_search(nc, om, every, every, deadline=np.inf)
    assert float(_brute_deltas(wd, full.open_mask, np.flatnonzero(full.open_mask), every, every).min()) >= (
        -1e-9 * full.objective)


def test_a_shake_from_a_copied_state_leaves_the_incumbent_untouched() -> None:
    xy, w, cxy = _instance(3, 200, 15, zeros=False)
    nc = pf.NearCosts.build(PointDistances(xy, cxy, "euclidean"), w, k=6)
    om = np.zeros(15, bool)
    om[:4] = True
    every = np.ones(15, bool)
    base = pf.local_search_inc(nc, om, every, every, deadline=np.inf)
    before = {f: np.array(getattr(base, f), copy=True) for f in base.__dataclass_fields__}
    x = base.copy()
    x.swap(nc, int(np.flatnonzero(~x.open_mask)[0]), int(x.slots[0]))
    pf.descend(nc, x, every, every, deadline=np.inf)
    for f, v in before.items():
        assert np.array_equal(getattr(base, f), v), f
