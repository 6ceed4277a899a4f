"""Offline probes behind docs/optimize.md, "Measured 2026-12-03, third part" (issue 16, the c20k row).

Not a benchmark (``python -m bench`` does not run it; nothing here is timed against a goal). Run from the
worktree root, e.g. ``PYTHONPATH=src nice -n 10 python bench/optimize_lp_probe.py lp c2k 64``.

* ``lp CASE K``: the LP relaxation of the strong formulation (``x_ij ≤ y_j``) over every point's K nearest
  candidates, solved by HiGHS dual simplex. The value is an upper bound on the full LP (a restriction); if no
  point's dual ``v_i`` exceeds its first unlisted cost (``beyond``), no unlisted pair has a negative reduced
  cost and the value *is* the full LP bound. Also prints the Lagrangian L(v) at the LP duals (a valid bound).
* ``towns CASE SECONDS``: a Lagrangian branch-and-bound probe. The solver's Lagrangian runs for SECONDS; then
  for each town (candidates grouped by their nearest 庁舎 of the instance generator) three children are bounded:
  "at most n−1", "exactly n", "at least n+1" open in that town (n = the incumbent's count), 400 subgradient
  steps each from the root multipliers. The subproblem with group cardinality bounds stays greedy: take each
  group's ``lo`` most negative ρ, then the most negative of the rest within each group's ``hi``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import highspy
import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).parent))
from optimize_instances import NARA_BASIN_HALLS, instance

from kouiki.optimize import Problem
from kouiki.optimize._kernels import warm_up
from kouiki.optimize.pmedian_fast import Lagrangian, NearCosts, solve_pmedian_fast


def _near(case: str, k: int) -> tuple[NearCosts, int, np.ndarray, np.ndarray]:
    xy, w, cand, p, metric = instance(case)
    prob = Problem.from_arrays(xy, w, xy[cand], metric=metric)
    return NearCosts.build(prob.travel, w, k), p, xy, cand


def probe_lp(case: str, k: int) -> None:
    nc, p, _, _ = _near(case, k)
    n, m = nc.n, nc.m
    t0, c0, l0 = time.perf_counter(), time.process_time(), os.getloadavg()[0]
    r = np.repeat(np.arange(n), k)
    jj, cc = nc.nbr.ravel(), nc.cost.ravel()
    npairs = r.size
    rows = np.concatenate([r, n + np.arange(npairs), n + np.arange(npairs), np.full(m, n + npairs)])
    cols = np.concatenate([m + np.arange(npairs), m + np.arange(npairs), jj, np.arange(m)])
    vals = np.concatenate([np.ones(npairs), np.ones(npairs), -np.ones(npairs), np.ones(m)])
    a = sparse.csc_matrix((vals, (rows, cols)), shape=(n + npairs + 1, m + npairs))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = m + npairs, n + npairs + 1
    lp.col_cost_ = np.concatenate([np.zeros(m), cc])
    lp.col_lower_, lp.col_upper_ = np.zeros(m + npairs), np.ones(m + npairs)
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(npairs, -highspy.kHighsInf), [float(p)]])
    lp.row_upper_ = np.concatenate([np.ones(n), np.zeros(npairs), [float(p)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = m + npairs, n + npairs + 1
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("solver", "simplex")
    h.passModel(lp)
    h.run()
    info, sol = h.getInfo(), h.getSolution()
    v = np.asarray(sol.row_dual)[:n]
    y = np.asarray(sol.col_value)[:m]
    lag = Lagrangian(nc, p, np.zeros(m, bool), np.ones(m, bool), k)
    lv = lag.evaluate(np.clip(v, 0.0, lag.cap))[0]
    print(f"{case} K={k}: {h.modelStatusToString(h.getModelStatus())}, LP {info.objective_function_value:,.2f}, "
          f"{npairs:,} pairs, points with v_i > first unlisted cost: {int((v > nc.beyond + 1e-6).sum())}, "
          f"fractional y: {int(((y > 1e-6) & (y < 1 - 1e-6)).sum())}, L(v) {lv:,.2f}; "
          f"{time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} CPU s, "
          f"load {l0:.1f}→{os.getloadavg()[0]:.1f}", flush=True)


class GroupLagrangian(Lagrangian):
    """The p-median Lagrangian with cardinality bounds ``lo[g] ≤ |Y ∩ G_g| ≤ hi[g]`` on disjoint groups."""

    groups: np.ndarray | None = None
    lo: np.ndarray | None = None
    hi: np.ndarray | None = None

    def evaluate(self, u: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        val, y, rho = super().evaluate(u)
        if self.groups is None or self.lo is None or self.hi is None:
            return val, y, rho
        g, lo, hi = self.groups, self.lo, self.hi
        y = np.zeros(self.nc.m, dtype=bool)
        for k in range(lo.size):
            mem = np.flatnonzero(g == k)
            y[mem[np.argsort(rho[mem])[: lo[k]]]] = True
        count = np.array([int(y[g == k].sum()) for k in range(lo.size)])
        rest = self.p - int(y.sum())
        for j in np.argsort(rho).tolist():
            if rest == 0:
                break
            k = int(g[j])
            if y[j] or (k >= 0 and count[k] >= hi[k]):
                continue
            y[j] = True
            rest -= 1
            if k >= 0:
                count[k] += 1
        return float(u.sum() + rho[y].sum()), y, rho


def probe_towns(case: str, seconds: float) -> None:
    warm_up()
    nc, p, xy, cand = _near(case, 64)
    m = nc.m
    none = np.zeros(m, dtype=bool)
    t0, c0 = time.perf_counter(), time.process_time()
    root = solve_pmedian_fast(nc, p, none, ~none, seconds, 0.0)
    assert root.lagrangian is not None
    ub, kl, u_root, lb_root = root.objective, root.lagrangian.kl, root.lagrangian.best_u, root.lagrangian.best_lb
    print(f"root: {ub:,.2f} / {lb_root:,.2f} after {time.perf_counter() - t0:.1f} s wall, "
          f"{time.process_time() - c0:.1f} CPU s")
    halls = np.array([(lat, lon) for _, lat, lon in NARA_BASIN_HALLS])
    town = (((xy[cand][:, None, :] - halls[None]) ** 2).sum(-1)).argmin(1)
    n_g = len(halls)
    for k in range(n_g):
        n_inc, total = int((root.open_mask & (town == k)).sum()), int((town == k).sum())
        for lo_k, hi_k, label in ((0, n_inc - 1, f"≤ {n_inc - 1}"), (n_inc, n_inc, f"= {n_inc}"),
                                  (n_inc + 1, total, f"≥ {n_inc + 1}")):
            if hi_k < lo_k:
                continue
            child = GroupLagrangian(nc, p, none, ~none, kl)
            child.groups, child.lo, child.hi = town, np.zeros(n_g, int), np.full(n_g, m)
            child.lo[k], child.hi[k] = lo_k, hi_k
            child.u, child.best_u, child.theta = u_root.copy(), u_root.copy(), 0.3
            t1, c1 = time.perf_counter(), time.process_time()
            for _ in range(4):
                child.run(ub * 1.002, 100, time.perf_counter() + 100.0)
            print(f"{NARA_BASIN_HALLS[k][0]} ({total} candidates) {label}: {child.best_lb:,.1f} "
                  f"(+{child.best_lb - lb_root:,.1f}); {time.perf_counter() - t1:.1f} s wall, "
                  f"{time.process_time() - c1:.1f} CPU s, load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    what, case_name, arg = sys.argv[1], sys.argv[2], sys.argv[3]
    if what == "lp":
        probe_lp(case_name, int(arg))
    else:
        probe_towns(case_name, float(arg))
