"""Every model against brute force on tiny instances; bound ≤ objective; degenerate and infeasible inputs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kouiki.optimize import (
    CapacitatedPMedian,
    Consolidation,
    InfeasibleError,
    MaxCover,
    OptimizeInputError,
    PMedian,
    Problem,
    SetCover,
)
from kouiki.optimize.costs import PointDistances
from tests.hypothesis_budget import examples


def _instance(seed: int, n: int = 14, m: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10, size=(n, 2))
    w = np.ceil(rng.lognormal(1.0, 0.8, size=n))
    cxy = rng.uniform(0, 10, size=(m, 2))
    return xy, w, cxy


def _dist(xy: np.ndarray, cxy: np.ndarray) -> np.ndarray:
    return np.sqrt(((xy[:, None, :] - cxy[None, :, :]) ** 2).sum(axis=2))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p", [1, 2, 3, 5])
def test_pmedian_matches_brute_force(seed: int, p: int) -> None:
    xy, w, cxy = _instance(seed)
    d = _dist(xy, cxy)
    best = min((w * d[:, list(s)].min(axis=1)).sum() for s in itertools.combinations(range(len(cxy)), p))
    res = PMedian(Problem.from_arrays(xy, w, cxy, metric="euclidean"), p).solve(time_limit=20, gap=0.0)
    assert res.objective == pytest.approx(best, rel=1e-9)
    assert res.lower_bound is not None and res.lower_bound <= res.objective + 1e-9
    assert res.lower_bound == pytest.approx(best, rel=1e-6)
    assert res.status == "optimal"
    assert len(res.selected) == p
    # the assignment goes to the nearest selected site
    sel = [int(s) for s in res.selected]
    for i, site in res.assignment.items():
        assert d[int(i), int(site)] == pytest.approx(d[int(i), sel].min())


@pytest.mark.parametrize("seed", range(4))
def test_fast_path_bound_is_valid_on_a_larger_instance(seed: int) -> None:
    """K-nearest lists shorter than M: the bound must stay ≤ the true optimum (checked by brute force)."""
    rng = np.random.default_rng(100 + seed)
    n, m, p = 300, 12, 3
    xy = rng.uniform(0, 30, size=(n, 2))
    xy[: n // 2] = rng.normal(5, 1.5, size=(n // 2, 2))
    w = np.ceil(rng.lognormal(2.0, 1.0, size=n))
    cxy = xy[rng.choice(n, m, replace=False)]
    d = _dist(xy, cxy)
    best = min((w * d[:, list(s)].min(axis=1)).sum() for s in itertools.combinations(range(m), p))
    from kouiki.optimize.pmedian_fast import NearCosts, solve_pmedian_fast

    nc = NearCosts.build(PointDistances(xy, cxy, "euclidean"), w, k=4)  # short lists: exactness fallback used
    r = solve_pmedian_fast(nc, p, np.zeros(m, bool), np.ones(m, bool), time_limit=5, gap=0.0, seed=seed)
    assert r.lower_bound <= best * (1 + 1e-12)
    assert r.objective >= best * (1 - 1e-12)
    assert r.objective == pytest.approx((w * d[:, np.flatnonzero(r.open_mask)].min(axis=1)).sum())


def test_pmedian_must_keep_and_close() -> None:
    xy, w, cxy = _instance(3)
    prob = Problem.from_arrays(xy, w, cxy, metric="euclidean")
    prob.candidates.status[0] = "keep"
    prob.candidates.status[1] = "close"
    d = _dist(xy, cxy)
    best = min(
        (w * d[:, list(s)].min(axis=1)).sum()
        for s in itertools.combinations(range(7), 3)
        if 0 in s and 1 not in s
    )
    res = PMedian(prob, 3).solve(time_limit=20, gap=0.0)
    assert "0" in res.selected and "1" not in res.selected
    assert res.objective == pytest.approx(best)


def test_pmedian_degenerate_inputs() -> None:
    xy, w, cxy = _instance(1)
    prob = Problem.from_arrays(xy, w, cxy, metric="euclidean")
    with pytest.raises(InfeasibleError, match="p > M"):
        PMedian(prob, 8).solve()
    with pytest.raises(OptimizeInputError):
        PMedian(prob, 0).solve()
    # p == M: everything open, exact
    res = PMedian(prob, 7).solve()
    assert res.status == "optimal" and len(res.selected) == 7
    # zero weights: objective 0, documented as optimal
    zero = Problem.from_arrays(xy, np.zeros(len(xy)), cxy, metric="euclidean")
    res0 = PMedian(zero, 2).solve()
    assert res0.objective == 0 and res0.gap == 0 and len(res0.selected) == 2
    # duplicate demand points are fine (separate ids); duplicate ids are not
    dup = Problem.from_arrays(np.vstack([xy, xy[:3]]), np.concatenate([w, w[:3]]), cxy, metric="euclidean")
    assert PMedian(dup, 2).solve().lower_bound is not None
    with pytest.raises(OptimizeInputError, match="重複"):
        Problem.from_arrays(xy[:2], w[:2], cxy, metric="euclidean", demand_ids=["a", "a"])
    with pytest.raises(OptimizeInputError):
        Problem.from_arrays(xy, -w, cxy, metric="euclidean")


def test_matrix_with_unreachable_pairs() -> None:
    mat = np.array([[1.0, np.inf, 5.0], [np.inf, 2.0, 4.0], [3.0, 3.0, np.inf], [np.inf, np.inf, np.inf]])
    prob = Problem.from_matrix_array(mat, [1, 1, 1, 1])
    with pytest.raises(InfeasibleError, match="3"):
        PMedian(prob, 2).solve()
    prob2 = Problem.from_matrix_array(mat[:3], [1, 2, 3])
    res = PMedian(prob2, 2).solve(gap=0)
    best = min(
        sum(wt * min(mat[i, j] for j in s) for i, wt in enumerate([1, 2, 3]))
        for s in itertools.combinations(range(3), 2)
    )
    assert res.objective == pytest.approx(best)
    assert res.unit == "minutes"


def _brute_cpmedian(d: np.ndarray, w: np.ndarray, cap: np.ndarray, p: int) -> float:
    n, m = d.shape
    best = np.inf
    for s in itertools.combinations(range(m), p):
        for a in itertools.product(s, repeat=n):
            load = np.zeros(m)
            np.add.at(load, list(a), w)
            if (load <= cap + 1e-9).all():
                best = min(best, float(sum(w[i] * d[i, a[i]] for i in range(n))))
    return best


@pytest.mark.parametrize("seed", range(3))
def test_capacitated_pmedian_matches_brute_force(seed: int) -> None:
    xy, w, cxy = _instance(seed, n=6, m=4)
    d = _dist(xy, cxy)
    cap = np.full(4, np.ceil(w.sum() * 0.6))
    prob = Problem.from_arrays(xy, w, cxy, metric="euclidean")
    prob.candidates.capacity = cap
    res = CapacitatedPMedian(prob, 2).solve(time_limit=20, gap=0.0)
    assert res.objective == pytest.approx(_brute_cpmedian(d, w, cap, 2))
    assert res.lower_bound is not None and res.lower_bound <= res.objective + 1e-6
    loads: dict[str, float] = {}
    for i, site in res.assignment.items():
        assert site is not None
        loads[site] = loads.get(site, 0) + w[int(i)]
    assert all(v <= cap[int(k)] + 1e-9 for k, v in loads.items())


def test_capacitated_pmedian_capacity_precheck() -> None:
    xy, w, cxy = _instance(0, n=6, m=4)
    prob = Problem.from_arrays(xy, w, cxy, metric="euclidean")
    prob.candidates.capacity = np.full(4, 1.0)
    with pytest.raises(InfeasibleError, match="容量不足"):
        CapacitatedPMedian(prob, 2).solve()


@pytest.mark.parametrize("seed", range(5))
def test_mclp_matches_brute_force(seed: int) -> None:
    xy, w, cxy = _instance(seed)
    d = _dist(xy, cxy)
    r = 3.0
    best = max(w[(d[:, list(s)] <= r).any(axis=1)].sum() for s in itertools.combinations(range(7), 2))
    res = MaxCover(Problem.from_arrays(xy, w, cxy, metric="euclidean"), 2, r).solve(gap=0.0)
    assert res.details["covered_weight"] == pytest.approx(best)
    assert res.objective == pytest.approx(w.sum() - best)
    assert res.lower_bound is not None and res.lower_bound <= res.objective + 1e-6


@pytest.mark.parametrize("seed", range(5))
def test_lscp_matches_brute_force(seed: int) -> None:
    xy, w, cxy = _instance(seed, n=10, m=8)
    d = _dist(xy, cxy)
    r = float(d.min(axis=1).max()) + 0.5  # always coverable
    best = next(
        k for k in range(1, 9) if any((d[:, list(s)] <= r).any(axis=1).all() for s in itertools.combinations(range(8), k))
    )
    res = SetCover(Problem.from_arrays(xy, w, cxy, metric="euclidean"), r).solve(gap=0.0)
    assert res.objective == best
    assert res.status == "optimal"


@pytest.mark.parametrize("seed", range(3))
def test_lscp_and_mclp_stopped_before_highs_has_a_solution_still_answer(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16 (4): a time limit that stops HiGHS before its first solution (a busy machine, a short web limit)
    leaves the greedy solution with status time_limit and no bound — never an error."""
    from kouiki.optimize import models
    from kouiki.optimize.milp import MilpSolution

    monkeypatch.setattr(models.Milp, "solve", lambda self, *a, **k: MilpSolution("time_limit", None, None, None, 0.0))
    xy, w, cxy = _instance(seed, n=10, m=8)
    d = _dist(xy, cxy)
    r = float(d.min(axis=1).max()) + 0.5
    res = SetCover(Problem.from_arrays(xy, w, cxy, metric="euclidean"), r).solve(time_limit=1)
    om = np.array([cid in res.selected for cid in Problem.from_arrays(xy, w, cxy, metric="euclidean").candidates.ids])
    assert (d[:, om] <= r).any(axis=1).all()  # a cover
    assert res.objective == om.sum() and res.status == "time_limit" and res.lower_bound is None
    assert "greedy" in res.method
    mc = MaxCover(Problem.from_arrays(xy, w, cxy, metric="euclidean"), 2, r / 2).solve(time_limit=1)
    assert len(mc.selected) == 2 and mc.status == "time_limit" and mc.lower_bound is None


def test_lscp_names_uncoverable_points() -> None:
    xy, w, cxy = _instance(0, n=10, m=3)
    with pytest.raises(InfeasibleError, match="需要点が"):
        SetCover(Problem.from_arrays(xy, w, cxy, metric="euclidean"), 0.5).solve()


def test_consolidation_matches_brute_force() -> None:
    rng = np.random.default_rng(7)
    xy, w, cxy = _instance(7, n=12, m=6)
    prob = Problem.from_arrays(xy, w, cxy, metric="euclidean")
    c = prob.candidates
    c.body = ["022021", "022021", "022021", "023612", "023612", "023671"]
    c.fixed_cost_yen = [int(v) for v in rng.integers(1_000_000, 5_000_000, size=6)]
    from decimal import Decimal

    c.floor_area_m2 = [Decimal(int(v)) for v in rng.integers(500, 3000, size=6)]
    d = _dist(xy, cxy)
    limit, share, red, travel = 4.0, 0.7, 0.2, 1000.0
    fa = np.array([float(v) for v in c.floor_area_m2])
    best = np.inf
    for k in range(1, 7):
        for s in itertools.combinations(range(6), k):
            s = list(s)
            if not all(any(c.body[j] == b for j in s) for b in set(c.body)):
                continue
            if fa[s].sum() > (1 - red) * fa.sum() + 1e-9:
                continue
            cov = w[(d[:, s] <= limit).any(axis=1)].sum() / w.sum()
            if cov < share - 1e-12:
                continue
            cost = sum(c.fixed_cost_yen[j] for j in s) + travel * (w * d[:, s].min(axis=1)).sum()
            best = min(best, cost)
    res = Consolidation(prob, limit=limit, coverage_share=share, min_per_body=1, floor_reduction=red,
                        travel_yen=travel).solve(gap=0.0)
    assert res.objective == pytest.approx(best, rel=1e-6)
    assert res.details["covered_share"] >= share - 1e-9
    assert set(res.details["kept_existing"]) == set(res.selected)


def test_consolidation_infeasible_is_explained() -> None:
    xy, w, cxy = _instance(2, n=8, m=4)
    prob = Problem.from_arrays(xy, w, cxy, metric="euclidean")
    with pytest.raises(InfeasibleError):
        Consolidation(prob, limit=0.01, coverage_share=1.0).solve()
    with pytest.raises(OptimizeInputError):
        Consolidation(prob, coverage_share=0.5).solve()


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=examples(25), deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 40),
    m=st.integers(2, 8),
    k=st.integers(1, 8),
    data=st.data(),
)
def test_fast_path_bound_never_exceeds_the_optimum(seed: int, n: int, m: int, k: int, data: st.DataObject) -> None:
    """Property: lower bound ≤ brute-force optimum ≤ reported objective, for any list length K."""
    from kouiki.optimize.pmedian_fast import NearCosts, solve_pmedian_fast

    p = data.draw(st.integers(2, m)) if m >= 2 else 2
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10, size=(n, 2))
    w = rng.choice([0.0, 1.0, 3.0, 10.0], size=n)
    cxy = rng.uniform(0, 10, size=(m, 2))
    d = _dist(xy, cxy)
    best = min((w * d[:, list(s)].min(axis=1)).sum() for s in itertools.combinations(range(m), p))
    nc = NearCosts.build(PointDistances(xy, cxy, "euclidean"), w, k=min(k, m))
    r = solve_pmedian_fast(nc, p, np.zeros(m, bool), np.ones(m, bool), time_limit=2, gap=0.0, seed=seed, max_shakes=5)
    tol = 1e-9 * max(best, 1.0)
    assert r.lower_bound <= best + tol
    assert r.objective >= best - tol
    assert r.objective == pytest.approx((w * d[:, np.flatnonzero(r.open_mask)].min(axis=1)).sum(), abs=1e-9)
