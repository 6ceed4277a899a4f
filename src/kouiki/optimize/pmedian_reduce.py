"""Reduced-cost fixing for the p-median, and a HiGHS MILP over only what survives it.

When the Lagrangian dual of :mod:`pmedian_fast` stalls above the incumbent (the LP relaxation itself has a
gap, as on clustered towns), the best multipliers ``u`` still say which sites and which assignments can be
part of a solution *better than the incumbent* (objective ``UB``). With ``L = L(u)``, ``ρ_j = Σ_i min(0,
c_ij − u_i)`` and ``Y`` the Lagrangian's chosen sites, every feasible solution ``(x, y)`` with open set ``S``
costs

    Σ_ij c_ij x_ij = Σ_i u_i + Σ_{j∈S} Σ_i (c_ij − u_i) x_ij ≥ L + pen(S) + Σ_{(i,j) used} (c_ij − u_i)⁺,

where ``pen(S) ≥ 0`` is what ``S`` loses against ``Y`` in the choice of the p most negative ``ρ``. Hence:

* a free site ``j ∉ Y`` with ``L + ρ_j − max_{k∈Y free} ρ_k ≥ UB`` is closed in every better solution;
* a free site ``j ∈ Y`` with ``L − ρ_j + min_{k∉Y free} ρ_k ≥ UB`` is open in every better solution;
* a pair ``(i, j)`` with ``L + open_pen_j + (c_ij − u_i)⁺ ≥ UB`` is used by no better solution;
* with some sites forced open, an assignment costlier than the nearest forced-open site is never needed.

Whatever is removed cannot be part of a solution below ``UB``, so the true optimum is
``min(UB, optimum of the reduced MILP)`` and a valid lower bound is ``min(UB, the reduced MILP's dual bound)``.

The same holds for any *cut* ``T ≤ UB`` in place of ``UB`` (issue 16): what fails the tests against ``T`` is
part of no solution below ``T``, so ``min(T, the reduced MILP's dual bound)`` is a valid lower bound, and a
reduced model that HiGHS proves infeasible proves ``OPT ≥ T``. A caller that only needs a certified gap ``g``
fixes against ``T = UB·(1 − g)``: the slack ``T − L`` is smaller, so more sites and pairs are fixed.
The test ``tests/optimize/test_pmedian_reduce.py`` checks this against a full HiGHS model on random instances.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from kouiki.optimize.costs import FloatArray, IntArray
from kouiki.optimize.milp import INF, Milp
from kouiki.optimize.pmedian_fast import Assignment, BoolArray, Lagrangian, NearCosts, assign


@dataclass
class Reduction:
    """What survives reduced-cost fixing against an incumbent of objective ``upper``."""

    lower: float  # L(u): the Lagrangian bound the fixing used
    upper: float  # the incumbent's objective
    cut: float  # the value the fixing was done against (≤ upper): nothing below it was removed
    closed: BoolArray  # sites closed in every better solution (incl. must-close)
    opened: BoolArray  # sites open in every better solution (incl. must-keep)
    ii: IntArray  # surviving pairs: demand row, candidate, weighted cost
    jj: IntArray
    cc: FloatArray
    rows: IntArray  # demand rows that enter the model (weight > 0)

    @property
    def n_pairs(self) -> int:
        return int(self.ii.size)

    @property
    def n_free(self) -> int:
        return int((~self.closed & ~self.opened).sum())


def reduce(
    nc: NearCosts, lag: Lagrangian, incumbent: Assignment, max_pairs: int, rel_margin: float = 1e-7,
    cut: float | None = None,
) -> Reduction | None:
    """Fix sites and drop pairs (module docstring) against ``cut`` (default: the incumbent's objective);
    None when more than ``max_pairs`` pairs survive."""
    n, m = nc.n, nc.m
    u = lag.best_u
    lower, y, rho = lag.evaluate(u)
    upper = incumbent.objective
    cut = upper if cut is None else min(float(cut), upper)
    keep_incumbent = cut >= upper  # below UB the incumbent is no solution of interest: no need to keep it
    # a little slack on the safe side: float sums may be off in the last digits
    slack = max(cut - lower, 0.0) + rel_margin * max(abs(upper), 1.0)
    must, can = lag.must_open, lag.can_open
    free = can & ~must
    y_free = y & free
    out_free = free & ~y
    worst_in = float(rho[y_free].max()) if y_free.any() else np.inf
    best_out = float(rho[out_free].min()) if out_free.any() else np.inf
    open_pen = np.zeros(m)
    if np.isfinite(worst_in):
        open_pen[out_free] = np.maximum(rho[out_free] - worst_in, 0.0)
    elif out_free.any():  # no free slot: a free site can never be opened
        open_pen[out_free] = np.inf
    close_pen = np.zeros(m)
    close_pen[y_free] = best_out - rho[y_free]
    closed = ~can | (out_free & (open_pen >= slack))
    opened = must | (y_free & (close_pen >= slack))

    rows = np.flatnonzero(nc.w > 0)
    # cheapest forced-open site per row (pairs costlier than it are never needed)
    cap1 = np.full(n, np.inf)
    if opened.any():
        cols = np.flatnonzero(opened)
        step = max(1, 2_000_000 // cols.size)
        for s in range(0, n, step):
            idx = np.arange(s, min(n, s + step))
            cap1[idx] = (nc.w[idx, None] * nc.travel.rows(idx, cols)).min(axis=1)
    limit = u + slack  # no pair with c_ij ≥ u_i + slack survives
    pen = np.where(closed, np.inf, open_pen)
    keep = (nc.cost < limit[:, None]) & (np.maximum(nc.cost - u[:, None], 0.0) + pen[nc.nbr] < slack)
    keep &= nc.cost <= cap1[:, None]
    wide = (nc.beyond < limit) & (nc.beyond <= cap1) & (nc.w > 0)  # unlisted pairs may survive: exact rows
    keep[~(nc.w > 0)] = False
    keep[wide] = False
    r, t = np.nonzero(keep)
    if r.size > max_pairs:
        return None
    ii, jj, cc = [r.astype(np.int64)], [nc.nbr[r, t].astype(np.int64)], [nc.cost[r, t]]
    total = r.size
    wide_idx = np.flatnonzero(wide)
    step = max(1, 2_000_000 // max(m, 1))
    for s in range(0, wide_idx.size, step):
        idx = wide_idx[s : s + step]
        full = nc.w[idx, None] * nc.travel.rows(idx)
        ok = (np.maximum(full - u[idx, None], 0.0) + pen[None, :] < slack) & (full <= cap1[idx, None])
        a, b = np.nonzero(ok)
        total += a.size
        if total > max_pairs:
            return None
        ii.append(idx[a])
        jj.append(b.astype(np.int64))
        cc.append(full[a, b])
    # the incumbent's own pairs always stay (they survive the tests above; this guards the last float digits)
    ii_a, jj_a, cc_a = np.concatenate(ii), np.concatenate(jj), np.concatenate(cc)
    if not keep_incumbent:
        return Reduction(float(lower), float(upper), cut, closed, opened, ii_a, jj_a, cc_a, rows)
    have = np.zeros(0, dtype=np.int64) if ii_a.size == 0 else ii_a * m + jj_a
    inc_rows = rows
    inc_keys = inc_rows * m + incumbent.a1[inc_rows]
    missing = ~np.isin(inc_keys, have)
    if missing.any():
        mr = inc_rows[missing]
        ii_a = np.concatenate([ii_a, mr])
        jj_a = np.concatenate([jj_a, incumbent.a1[mr]])
        cc_a = np.concatenate([cc_a, incumbent.d1[mr]])
        closed[incumbent.a1[mr]] = False
    closed &= ~incumbent.open_mask  # (never true for a valid incumbent; kept for safety)
    return Reduction(float(lower), float(upper), cut, closed, opened, ii_a, jj_a, cc_a, rows)


@dataclass
class ReducedSolution:
    open_mask: BoolArray
    objective: float
    lower_bound: float  # valid for the full problem
    status: str  # HiGHS' status on the reduced model
    seconds: float


def solve_reduced(
    nc: NearCosts, red: Reduction, p: int, incumbent: Assignment, time_limit: float, gap: float
) -> ReducedSolution:
    """Strong formulation over the surviving pairs, warm-started from the incumbent (when the fixing was done
    against the incumbent itself; below it the incumbent's pairs may be gone)."""
    t0 = time.perf_counter()
    m = nc.m
    rows = red.rows
    pos = np.full(nc.n, -1, dtype=np.int64)
    pos[rows] = np.arange(rows.size)
    covered = np.zeros(nc.n, dtype=bool)
    covered[red.ii] = True
    if not covered[rows].all() or int((~red.closed).sum()) < p:
        # a demand point with no surviving pair (or too few sites left): no solution below the cut exists
        return ReducedSolution(incumbent.open_mask, incumbent.objective, min(red.cut, incumbent.objective),
                               "infeasible", time.perf_counter() - t0)
    mp = Milp()
    y = mp.add_cols(np.zeros(m), 0.0, 1.0, integer=True)
    x = mp.add_cols(red.cc, 0.0, 1.0, integer=False)
    mp.add_rows(pos[red.ii], x, np.ones(red.n_pairs), np.ones(rows.size), np.ones(rows.size))
    link = ~red.opened[red.jj]  # x_ij ≤ y_j (not needed where y_j is fixed to 1)
    k = np.arange(int(link.sum()))
    mp.add_rows(np.concatenate([k, k]), np.concatenate([x[link], y[red.jj[link]]]),
                np.concatenate([np.ones(k.size), -np.ones(k.size)]), np.full(k.size, -INF), np.zeros(k.size))
    mp.add_rows(np.zeros(m, dtype=np.int64), y, np.ones(m), np.array([float(p)]), np.array([float(p)]))
    mp.fix(y[red.closed], 0.0)
    mp.fix(y[red.opened], 1.0)
    start = None
    if red.cut >= red.upper:
        x0 = (incumbent.a1[red.ii] == red.jj).astype(float)
        start = np.concatenate([incumbent.open_mask.astype(float), x0])
    sol = mp.solve(time_limit, gap, start=start)
    best = incumbent
    if sol.x is not None:
        om = sol.x[:m] > 0.5
        if int(om.sum()) == p:
            cand = assign(nc, om)
            if cand.objective < best.objective:
                best = cand
    bound = red.lower
    if sol.status == "infeasible":  # HiGHS proved that no solution below the cut survives the fixing
        bound = max(bound, red.cut)
    elif sol.bound is not None and np.isfinite(sol.bound):
        bound = max(bound, min(red.cut, float(sol.bound)))
    return ReducedSolution(best.open_mask, best.objective, min(bound, best.objective), sol.status,
                           time.perf_counter() - t0)
