"""Location models with one shape: ``Model(problem, …).solve(time_limit, gap) → Result``.

* :class:`PMedian` — choose p sites minimising Σ weight × distance (fast Lagrangian path + exact HiGHS path).
* :class:`CapacitatedPMedian` — the same with site capacities, each demand point served by one site.
* :class:`MaxCover` (MCLP) — p sites maximising the weight within a distance/time threshold.
* :class:`SetCover` (LSCP) — fewest sites so that every demand point is within the threshold.
* :class:`Consolidation` — which facilities to keep (and which new sites to open) at least cost, under
  coverage, per-body, floor-area, must-keep/must-close and capacity constraints (公共施設の広域再編).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from kouiki.optimize.costs import FloatArray, IntArray, MatrixDistances
from kouiki.optimize.milp import INF, Milp
from kouiki.optimize.pmedian_fast import NearCosts, solve_pmedian_fast
from kouiki.optimize.pmedian_reduce import reduce, solve_reduced
from kouiki.optimize.problem import InfeasibleError, OptimizeInputError, Problem, parameters
from kouiki.optimize.result import Result, certified_gap, status_for, summarise

Progress = Callable[[float, float, float], None]


def _solver_defaults(time_limit: float | None, gap: float | None) -> tuple[float, float]:
    s = parameters()["solver"]
    tl = float(s["default_time_limit_s"] if time_limit is None else time_limit)
    g = float(s["default_gap"] if gap is None else gap)
    if tl <= 0:
        raise OptimizeInputError(f"time_limit は正の秒数にしてください ({tl})")
    if not 0 <= g < 1:
        raise OptimizeInputError(f"gap は 0 以上 1 未満にしてください ({g})")
    return tl, g


def _masks(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    st = problem.candidates.status
    must_open = np.array([s == "keep" for s in st], dtype=bool)
    can_open = np.array([s != "close" for s in st], dtype=bool)
    return must_open, can_open


def nearest_open(problem: Problem, open_mask: np.ndarray) -> tuple[IntArray, FloatArray]:
    """Exact nearest selected site (index, distance) of every demand point; -1 / inf when unreachable."""
    n = problem.demand.n
    cols = np.flatnonzero(open_mask)
    a = np.full(n, -1, dtype=np.int64)
    d = np.full(n, np.inf)
    if cols.size == 0:
        return a, d
    step = max(1, 2_000_000 // cols.size)
    for s in range(0, n, step):
        idx = np.arange(s, min(n, s + step))
        sub = problem.travel.rows(idx, cols)
        k = np.argmin(sub, axis=1)
        d[idx] = sub[np.arange(len(idx)), k]
        a[idx] = np.where(np.isfinite(d[idx]), cols[k], -1)
    return a, d


def within_pairs(problem: Problem, limit: float | None) -> tuple[IntArray, IntArray, FloatArray]:
    """All (demand, candidate, distance) pairs that are reachable (and within ``limit``), chunked."""
    n, m = problem.demand.n, problem.candidates.m
    ii, jj, dd = [], [], []
    step = max(1, 2_000_000 // m)
    for s in range(0, n, step):
        idx = np.arange(s, min(n, s + step))
        sub = problem.travel.rows(idx)
        ok = np.isfinite(sub) if limit is None else sub <= limit
        r, c = np.nonzero(ok)
        ii.append(idx[r])
        jj.append(c)
        dd.append(sub[r, c])
    return np.concatenate(ii), np.concatenate(jj), np.concatenate(dd)


def _uncoverable(problem: Problem, limit: float | None, can_open: np.ndarray) -> list[str]:
    ii, jj, _ = within_pairs(problem, limit)
    ok = can_open[jj]
    reach = np.zeros(problem.demand.n, dtype=bool)
    reach[ii[ok]] = True
    return [problem.demand.ids[i] for i in np.flatnonzero(~reach)]


def _name_list(ids: list[str], k: int = 10) -> str:
    more = f" ほか{len(ids) - k}件" if len(ids) > k else ""
    return ", ".join(ids[:k]) + more


def _finish(
    model: str, problem: Problem, open_mask: np.ndarray, objective: float, bound: float | None, target: float,
    timed_out: bool, t0: float, method: str, coverage_limit: float | None = None, details: dict[str, Any] | None = None,
    assigned: tuple[IntArray, FloatArray] | None = None,
) -> Result:
    a, d = nearest_open(problem, open_mask) if assigned is None else assigned
    assignment, per_body = summarise(problem, open_mask, a, d, coverage_limit)
    if bound is not None and not np.isfinite(bound):  # e.g. stopped before the first dual step: no bound yet
        bound = None
    gap = certified_gap(objective, bound)
    ids = problem.candidates.ids
    det = dict(details or {})
    unserved = [problem.demand.ids[i] for i in np.flatnonzero(a < 0)]
    if unserved:
        det["unreachable_demand"] = unserved
    new_sites = [ids[j] for j, nw in enumerate(problem.candidates.new) if nw]
    if new_sites:
        det["new_sites"] = new_sites
    return Result(
        model=model,
        selected=[ids[j] for j in np.flatnonzero(open_mask)],
        closed=[ids[j] for j in np.flatnonzero(~open_mask)],
        assignment=assignment,
        objective=float(objective),
        lower_bound=None if bound is None else float(min(bound, objective)),
        gap=gap,
        status=status_for(gap, target, timed_out),
        seconds=time.perf_counter() - t0,
        unit=problem.unit,
        method=method,
        per_body=per_body,
        details=det,
    )


@dataclass
class PMedian:
    """p-median: choose ``p`` sites minimising Σ_i weight_i × distance to the nearest chosen site."""

    problem: Problem
    p: int
    seed: int = 0
    name = "p-median"

    def _check(self) -> tuple[np.ndarray, np.ndarray]:
        must_open, can_open = _masks(self.problem)
        n_open = int(can_open.sum())
        if self.p < 1:
            raise OptimizeInputError(f"p は1以上にしてください (p={self.p})")
        if self.p > n_open:
            raise InfeasibleError(f"p={self.p} が選べる候補地の数 {n_open} を超えています (p > M)")
        if int(must_open.sum()) > self.p:
            raise InfeasibleError(f"存続必須 (fixed=keep) の候補地 {int(must_open.sum())} 件が p={self.p} を超えています")
        bad = _uncoverable(self.problem, None, can_open) if isinstance(self.problem.travel, MatrixDistances) else []
        if bad:
            raise InfeasibleError(f"どの候補地にも到達できない需要点があります (unreachable demand): {_name_list(bad)}")
        return must_open, can_open

    def _k(self) -> int:
        s = parameters()["solver"]
        m = self.problem.candidates.m
        k = int(np.clip(np.ceil(s["k_factor"] * m / self.p), s["k_min"], s["k_max"]))
        return min(m, k)

    def solve(self, time_limit: float | None = None, gap: float | None = None, progress: Progress | None = None) -> Result:
        t0 = time.perf_counter()
        tl, target = _solver_defaults(time_limit, gap)
        must_open, can_open = self._check()
        pr = self.problem
        w = pr.demand.weight
        if self.p == int(can_open.sum()) or float(w.sum()) == 0.0 or self.p == 1:
            return self._trivial(t0, must_open, can_open, target)
        travel = pr.travel
        penalised = False
        if isinstance(travel, MatrixDistances) and not np.isfinite(travel.matrix).all():
            fin = travel.matrix[np.isfinite(travel.matrix)]
            pen = 10.0 * float(fin.max() if fin.size else 1.0) + 1.0
            travel = MatrixDistances(np.where(np.isfinite(travel.matrix), travel.matrix, pen), travel.unit)
            penalised = True
        nc = NearCosts.build(travel, w, self._k())
        n, m = pr.demand.n, pr.candidates.m
        solver = parameters()["solver"]
        exact_ok = n * m <= solver["exact_max_pairs"]
        max_pairs = int(solver["reduced_max_pairs"])
        # up to reduce_max_nm pairs (N·M), the dual phase stops once its bound stalls and reduced-cost fixing + a
        # reduced MILP close the rest; above, the Lagrangian path keeps the whole time (as before issue 16)
        reducible = n * m <= int(solver["reduce_max_nm"])
        budget = tl - (time.perf_counter() - t0)  # the time limit covers building the lists too
        fast = solve_pmedian_fast(nc, self.p, must_open, can_open,
                                  budget * (0.5 if exact_ok else 0.6 if reducible else 0.97), target,
                                  self.seed, progress, max_shakes=50 if exact_ok else 1_000_000,
                                  stop_on_stall=reducible)
        open_mask, obj, lb = fast.open_mask, fast.objective, fast.lower_bound
        method = f"lagrangian+local-search (K={nc.k}, {fast.iterations} dual steps, {fast.local_searches} local searches)"
        details: dict[str, Any] = {"p": self.p, "k_nearest": nc.k}
        timed_out = fast.timed_out

        def left() -> float:
            return tl - (time.perf_counter() - t0)

        g = certified_gap(obj, lb)
        if g is not None and g > target and left() > 0.1 and fast.lagrangian is not None:
            # (``reduce`` can also fix against a cut UB·(1 − target) below the incumbent. Not used here: on the
            # bench's 20k uniform case, target 0.5 %, it let a 1.3 M-pair model through to HiGHS, which ran past
            # the time limit with nothing to show, where the Lagrangian path alone reaches 0.49 %.)
            red = reduce(nc, fast.lagrangian, fast.assignment, max_pairs)
            if red is not None:
                details["reduced"] = {"free_sites": red.n_free, "fixed_open": int(red.opened.sum()),
                                      "fixed_closed": int(red.closed.sum()), "pairs": red.n_pairs}
                rs = solve_reduced(nc, red, self.p, fast.assignment, left(), target)
                method += f" → reduced-cost fixing ({red.n_free} free sites, {red.n_pairs:,} pairs) → HiGHS ({rs.status})"
                open_mask, obj, lb = rs.open_mask, rs.objective, max(lb, rs.lower_bound)
                timed_out = rs.status == "time_limit"
            elif exact_ok:
                om2, ub2, lb2, st = self._exact(travel, open_mask, must_open, can_open, left(), target)
                method += f" → HiGHS MILP ({st})"
                if ub2 is not None and ub2 < obj:
                    open_mask, obj = om2, ub2
                if lb2 is not None:
                    lb = max(lb, lb2)
                timed_out = st == "time_limit"
            elif left() > 0.1:  # too many pairs survive: spend the rest on the Lagrangian path
                more = solve_pmedian_fast(nc, self.p, must_open, can_open, left(), target, self.seed + 1, progress,
                                          start=open_mask, dual=fast.lagrangian)
                if more.objective < obj:
                    open_mask, obj = more.open_mask, more.objective
                lb = max(lb, more.lower_bound)
                timed_out = more.timed_out
        g_end = certified_gap(obj, lb)
        timed_out = timed_out and (g_end is None or g_end > target)
        if penalised:
            details["note"] = "行列にない組合せは到達不能として扱いました (absent pairs = unreachable)"
        return _finish(self.name, pr, open_mask, obj, lb, target, timed_out, t0, method, details=details)

    def _trivial(self, t0: float, must_open: np.ndarray, can_open: np.ndarray, target: float) -> Result:
        pr = self.problem
        w = pr.demand.weight
        if self.p == int(can_open.sum()):
            om = can_open.copy()
            method = "all candidates (p = M)"
        elif float(w.sum()) == 0.0:
            om = must_open.copy()
            free = np.flatnonzero(can_open & ~must_open)
            om[free[: self.p - int(om.sum())]] = True
            method = "zero total weight: any p sites are optimal"
        else:  # p == 1: enumerate every candidate
            n, m = pr.demand.n, pr.candidates.m
            tot = np.zeros(m)
            step = max(1, 2_000_000 // m)
            for s in range(0, n, step):
                idx = np.arange(s, min(n, s + step))
                tot += (w[idx, None] * pr.travel.rows(idx)).sum(axis=0)
            tot[~can_open] = np.inf
            if must_open.any():
                tot[~must_open] = np.inf
            om = np.zeros(m, dtype=bool)
            om[int(np.argmin(tot))] = True
            method = "enumeration (p = 1)"
        _, d = nearest_open(pr, om)
        obj = float((w * np.where(np.isfinite(d), d, 0.0)).sum())
        return _finish(self.name, pr, om, obj, obj, target, False, t0, method, details={"p": self.p})

    def _exact(
        self, travel: Any, start: np.ndarray, must_open: np.ndarray, can_open: np.ndarray, time_limit: float,
        gap: float,
    ) -> tuple[np.ndarray, float | None, float | None, str]:
        """Strong formulation on all pairs, warm-started from the heuristic solution."""
        pr = self.problem
        n, m = pr.demand.n, pr.candidates.m
        dist = travel.rows(np.arange(n))
        ii, jj = np.nonzero(np.isfinite(dist) & can_open[None, :])
        cost = pr.demand.weight[ii] * dist[ii, jj]
        mp = Milp()
        y = mp.add_cols(np.zeros(m), 0.0, 1.0, integer=True)
        x = mp.add_cols(cost, 0.0, 1.0, integer=False)
        mp.add_rows(ii, x, np.ones(len(ii)), np.ones(n), np.ones(n))  # each demand point assigned once
        k = np.arange(len(ii))
        mp.add_rows(np.concatenate([k, k]), np.concatenate([x, y[jj]]),
                    np.concatenate([np.ones(len(ii)), -np.ones(len(ii))]), np.full(len(ii), -INF), np.zeros(len(ii)))
        mp.add_rows(np.zeros(m, dtype=np.int64), y, np.ones(m), np.array([float(self.p)]), np.array([float(self.p)]))
        mp.fix(y[must_open], 1.0)
        mp.fix(y[~can_open], 0.0)
        a, _ = nearest_open(pr, start)
        x0 = (a[ii] == jj).astype(float)
        sol = mp.solve(time_limit, gap, start=np.concatenate([start.astype(float), x0]))
        if sol.x is None:
            return start, None, sol.bound, sol.status
        om = sol.x[:m] > 0.5
        _, d = nearest_open(pr, om)
        return om, float((pr.demand.weight * d).sum()), sol.bound, sol.status


def _k_pairs(problem: Problem, limit: float | None, can_open: np.ndarray) -> tuple[IntArray, IntArray, FloatArray, bool]:
    """Pairs for an exact MILP; beyond ``exact_max_pairs`` only each point's nearest candidates (restricted)."""
    n, m = problem.demand.n, problem.candidates.m
    cap = int(parameters()["solver"]["exact_max_pairs"])
    if n * m <= cap:
        ii, jj, dd = within_pairs(problem, limit)
        ok = can_open[jj]
        return ii[ok], jj[ok], dd[ok], False
    k = max(1, cap // n)
    nbr, dist, _ = problem.travel.near(k)
    ii = np.repeat(np.arange(n), nbr.shape[1])
    jj, dd = nbr.ravel(), dist.ravel()
    ok = can_open[jj] & np.isfinite(dd) & (True if limit is None else dd <= limit)
    return ii[ok], jj[ok], dd[ok], True


@dataclass
class CapacitatedPMedian:
    """Capacitated p-median: each demand point is served by one chosen site (single source) and a site
    serves at most its ``capacity`` (candidates CSV; empty = unlimited). Exact MILP through HiGHS."""

    problem: Problem
    p: int
    name = "cp-median"

    def solve(self, time_limit: float | None = None, gap: float | None = None, progress: Progress | None = None) -> Result:
        t0 = time.perf_counter()
        tl, target = _solver_defaults(time_limit, gap)
        pr = self.problem
        must_open, can_open = PMedian(pr, self.p)._check()
        w = pr.demand.weight
        cap = np.where(np.isnan(pr.candidates.capacity), np.inf, pr.candidates.capacity)
        keep_cap = float(cap[must_open].sum())
        free = np.sort(cap[can_open & ~must_open])[::-1][: self.p - int(must_open.sum())]
        if keep_cap + float(free.sum()) < float(w.sum()):
            raise InfeasibleError(
                f"容量不足: 最大の {self.p} か所の容量合計 {keep_cap + float(free.sum()):,.0f} が需要合計 {float(w.sum()):,.0f} に足りません"
            )
        ii, jj, dd, restricted = _k_pairs(pr, None, can_open)
        n, m = pr.demand.n, pr.candidates.m
        mp = Milp()
        y = mp.add_cols(np.zeros(m), 0.0, 1.0, integer=True)
        x = mp.add_cols(w[ii] * dd, 0.0, 1.0, integer=True)
        mp.add_rows(ii, x, np.ones(len(ii)), np.ones(n), np.ones(n))
        k = np.arange(len(ii))
        mp.add_rows(np.concatenate([k, k]), np.concatenate([x, y[jj]]),
                    np.concatenate([np.ones(len(ii)), -np.ones(len(ii))]), np.full(len(ii), -INF), np.zeros(len(ii)))
        finite = np.flatnonzero(np.isfinite(cap))
        if finite.size:
            sel = np.isin(jj, finite)
            rid = np.searchsorted(finite, jj[sel])
            mp.add_rows(np.concatenate([rid, np.arange(finite.size)]), np.concatenate([x[sel], y[finite]]),
                        np.concatenate([w[ii[sel]], -cap[finite]]), np.full(finite.size, -INF), np.zeros(finite.size))
        mp.add_rows(np.zeros(m, dtype=np.int64), y, np.ones(m), np.array([float(self.p)]), np.array([float(self.p)]))
        mp.fix(y[must_open], 1.0)
        mp.fix(y[~can_open], 0.0)
        sol = mp.solve(tl - (time.perf_counter() - t0), target)
        if sol.x is None:
            if sol.status == "infeasible":
                raise InfeasibleError("容量制約を満たす配置がありません (capacitated p-median infeasible)")
            raise InfeasibleError(f"制限時間内に実行可能解が見つかりませんでした (status {sol.status}); --time-limit を延ばしてください")
        om = sol.x[y] > 0.5
        xs = sol.x[x] > 0.5
        a = np.full(n, -1, dtype=np.int64)
        d = np.full(n, np.inf)
        a[ii[xs]] = jj[xs]
        d[ii[xs]] = dd[xs]
        obj = float((w[ii[xs]] * dd[xs]).sum())
        bound = None if restricted else sol.bound
        det: dict[str, Any] = {"p": self.p, "single_source": True}
        if restricted:
            det["restricted_pairs"] = "各需要点の近い候補のみ (nearest candidates only): bound not certified for the full problem"
        return _finish(self.name, pr, om, obj, bound, target, sol.status == "time_limit", t0, "HiGHS MILP",
                       details=det, assigned=(a, d))


def _coverage_matrix(problem: Problem, limit: float, can_open: np.ndarray) -> tuple[IntArray, IntArray]:
    ii, jj, _ = within_pairs(problem, limit)
    ok = can_open[jj]
    return ii[ok], jj[ok]


@dataclass
class MaxCover:
    """MCLP: choose ``p`` sites maximising the demand weight within ``limit`` (km or minutes).
    The reported ``objective`` is the weight left *uncovered* (minimised), so the bound reads the same way
    as in every other model; ``details.covered_weight`` and ``covered_share`` give the covered side."""

    problem: Problem
    p: int
    limit: float
    name = "mclp"

    def solve(self, time_limit: float | None = None, gap: float | None = None, progress: Progress | None = None) -> Result:
        t0 = time.perf_counter()
        tl, target = _solver_defaults(time_limit, gap)
        pr = self.problem
        if self.limit <= 0:
            raise OptimizeInputError(f"距離・時間の閾値は正の値にしてください ({self.limit})")
        must_open, can_open = _masks(pr)
        if self.p < 1 or self.p > int(can_open.sum()):
            raise InfeasibleError(f"p={self.p} は 1 以上、選べる候補地の数 {int(can_open.sum())} 以下にしてください")
        if int(must_open.sum()) > self.p:
            raise InfeasibleError(f"存続必須の候補地 {int(must_open.sum())} 件が p={self.p} を超えています")
        n, m = pr.demand.n, pr.candidates.m
        w = pr.demand.weight
        ii, jj = _coverage_matrix(pr, self.limit, can_open)
        unreachable = sorted(set(range(n)) - set(ii.tolist()))
        # greedy warm start
        from scipy import sparse

        cov = sparse.csr_matrix((np.ones(len(ii)), (jj, ii)), shape=(m, n))
        om = must_open.copy()
        covered = np.asarray(cov[np.flatnonzero(om)].sum(axis=0)).ravel() > 0 if om.any() else np.zeros(n, bool)
        while int(om.sum()) < self.p:
            gain = cov @ np.where(covered, 0.0, w)
            gain[om | ~can_open] = -1.0
            j = int(np.argmax(gain))
            om[j] = True
            covered |= np.asarray(cov[j].todense()).ravel() > 0
        mp = Milp()
        y = mp.add_cols(np.zeros(m), 0.0, 1.0, integer=True)
        z = mp.add_cols(-w, 0.0, 1.0, integer=False)
        mp.add_rows(np.concatenate([np.arange(n), ii]), np.concatenate([z, y[jj]]),
                    np.concatenate([np.ones(n), -np.ones(len(ii))]), np.full(n, -INF), np.zeros(n))
        mp.add_rows(np.zeros(m, dtype=np.int64), y, np.ones(m), np.array([float(self.p)]), np.array([float(self.p)]))
        mp.fix(y[must_open], 1.0)
        mp.fix(y[~can_open], 0.0)
        total = float(w.sum())
        sol = mp.solve(tl - (time.perf_counter() - t0), target, start=np.concatenate([om.astype(float), covered.astype(float)]),
                       objective_offset=total)
        if sol.x is not None and sol.objective is not None:
            om = sol.x[y] > 0.5
        covered = np.asarray(cov[np.flatnonzero(om)].sum(axis=0)).ravel() > 0
        uncovered = total - float(w[covered].sum())
        bound = sol.bound
        return _finish(self.name, pr, om, uncovered, bound, target, sol.status == "time_limit", t0, "greedy → HiGHS MILP",
                       coverage_limit=self.limit,
                       details={"p": self.p, "limit": self.limit, "covered_weight": total - uncovered,
                                "covered_share": (total - uncovered) / total if total > 0 else None,
                                "uncoverable_demand": [pr.demand.ids[i] for i in unreachable]})


@dataclass
class SetCover:
    """LSCP: the fewest sites such that every demand point is within ``limit`` of a chosen site."""

    problem: Problem
    limit: float
    name = "lscp"

    def solve(self, time_limit: float | None = None, gap: float | None = None, progress: Progress | None = None) -> Result:
        t0 = time.perf_counter()
        tl, target = _solver_defaults(time_limit, gap)
        pr = self.problem
        if self.limit <= 0:
            raise OptimizeInputError(f"距離・時間の閾値は正の値にしてください ({self.limit})")
        must_open, can_open = _masks(pr)
        bad = _uncoverable(pr, self.limit, can_open)
        if bad:
            raise InfeasibleError(
                f"閾値 {self.limit:g} {pr.unit} 以内に候補地がない需要点が {len(bad)} 件あります "
                f"(no candidate within the threshold): {_name_list(bad)}"
            )
        n, m = pr.demand.n, pr.candidates.m
        ii, jj = _coverage_matrix(pr, self.limit, can_open)
        # greedy cover (must-keep sites, then the site covering most uncovered points): a feasible start, and the
        # answer when the time limit stops HiGHS before its own first solution (a busy machine)
        from scipy import sparse

        cov = sparse.csr_matrix((np.ones(len(ii)), (jj, ii)), shape=(m, n))
        greedy = must_open.copy()
        left = np.ones(n, dtype=bool)
        if greedy.any():
            left &= ~(np.asarray(cov[np.flatnonzero(greedy)].sum(axis=0)).ravel() > 0)
        while left.any():
            gain = cov @ left.astype(float)
            gain[greedy | ~can_open] = -1.0
            j = int(np.argmax(gain))
            greedy[j] = True
            left &= ~(np.asarray(cov[j].todense()).ravel() > 0)
        mp = Milp()
        y = mp.add_cols(np.ones(m), 0.0, 1.0, integer=True)
        mp.add_rows(ii, y[jj], np.ones(len(ii)), np.ones(n), np.full(n, INF))
        mp.fix(y[must_open], 1.0)
        mp.fix(y[~can_open], 0.0)
        sol = mp.solve(tl - (time.perf_counter() - t0), target, start=greedy.astype(float))
        om, method = greedy, "greedy cover (HiGHS found nothing better in time)"
        if sol.x is not None and int((sol.x[y] > 0.5).sum()) <= int(greedy.sum()):
            om, method = sol.x[y] > 0.5, "greedy → HiGHS MILP"
        bound = None if sol.bound is None else max(float(sol.bound), float(must_open.sum()))
        return _finish(self.name, pr, om, float(om.sum()), bound, target, sol.status == "time_limit", t0,
                       method, coverage_limit=self.limit, details={"limit": self.limit, "sites": int(om.sum())})


@dataclass
class Consolidation:
    """Consolidation (公共施設の広域再編): choose the existing facilities to keep and the new sites to open,
    minimising annual fixed + renewal cost + ``travel_yen`` × Σ weight × distance, subject to

    * coverage: at least ``coverage_share`` of the demand weight within ``limit`` of a kept/opened site;
    * ``min_per_body`` facilities kept in every member body (構成団体; from ``municipality_code``);
    * total floor area of the result ≤ (1 − ``floor_reduction``) × today's floor area;
    * must-keep / must-close (``fixed`` column) and site capacities (``capacity``)."""

    problem: Problem
    limit: float | None = None
    coverage_share: float = 0.0
    min_per_body: int = 0
    floor_reduction: float = 0.0
    travel_yen: float | None = None
    max_sites: int | None = None
    name = "consolidate"

    def solve(self, time_limit: float | None = None, gap: float | None = None, progress: Progress | None = None) -> Result:
        t0 = time.perf_counter()
        tl, target = _solver_defaults(time_limit, gap)
        pr = self.problem
        c = pr.candidates
        n, m = pr.demand.n, c.m
        w = pr.demand.weight
        must_open, can_open = _masks(pr)
        if not 0 <= self.coverage_share <= 1 or not 0 <= self.floor_reduction < 1:
            raise OptimizeInputError("coverage は 0〜1、floor_reduction は 0 以上 1 未満にしてください")
        if self.coverage_share > 0 and self.limit is None:
            raise OptimizeInputError("被覆率を指定するときは閾値 (--max-km / --max-minutes) も指定してください")
        travel_yen = float(parameters()["consolidation"]["travel_yen_per_unit"] if self.travel_yen is None else self.travel_yen)
        unknown_cost = [c.ids[j] for j in range(m) if c.fixed_cost_yen[j] is None]
        site_cost = np.array([float((c.fixed_cost_yen[j] or 0) + (c.renewal_cost_yen[j] or 0)) for j in range(m)])
        ii, jj, dd, restricted = _k_pairs(pr, None, can_open)
        reach = np.zeros(n, dtype=bool)
        reach[ii] = True
        if not reach.all():
            bad = [pr.demand.ids[i] for i in np.flatnonzero(~reach)]
            raise InfeasibleError(f"どの候補地にも到達できない需要点があります: {_name_list(bad)}")
        mp = Milp()
        y = mp.add_cols(site_cost, 0.0, 1.0, integer=True)
        x = mp.add_cols(travel_yen * w[ii] * dd, 0.0, 1.0, integer=False)
        mp.add_rows(ii, x, np.ones(len(ii)), np.ones(n), np.ones(n))
        k = np.arange(len(ii))
        mp.add_rows(np.concatenate([k, k]), np.concatenate([x, y[jj]]),
                    np.concatenate([np.ones(len(ii)), -np.ones(len(ii))]), np.full(len(ii), -INF), np.zeros(len(ii)))
        details: dict[str, Any] = {"travel_yen_per_unit": travel_yen}
        if self.limit is not None and self.coverage_share > 0:
            ci, cj = _coverage_matrix(pr, self.limit, can_open)
            z = mp.add_cols(np.zeros(n), 0.0, 1.0, integer=False)
            mp.add_rows(np.concatenate([np.arange(n), ci]), np.concatenate([z, y[cj]]),
                        np.concatenate([np.ones(n), -np.ones(len(ci))]), np.full(n, -INF), np.zeros(n))
            mp.add_rows(np.zeros(n, dtype=np.int64), z, w, np.array([self.coverage_share * float(w.sum())]), np.array([INF]))
        existing = np.array([not nw for nw in c.new], dtype=bool)
        if self.min_per_body > 0:
            bodies = sorted({b for b, e in zip(c.body, existing, strict=True) if b and e})
            if not bodies:
                raise OptimizeInputError("候補地 CSV に municipality_code がないため、団体ごとの最低数を適用できません")
            for b in bodies:
                cols = np.flatnonzero(np.array([cb == b for cb in c.body]) & can_open)
                if cols.size < self.min_per_body:
                    raise InfeasibleError(f"団体 {b} には残せる施設が {cols.size} 件しかありません (min {self.min_per_body})")
                mp.add_rows(np.zeros(cols.size, dtype=np.int64), y[cols], np.ones(cols.size),
                            np.array([float(self.min_per_body)]), np.array([INF]))
            details["bodies"] = bodies
        if self.floor_reduction > 0:
            fa = np.array([float(v) if v is not None else np.nan for v in c.floor_area_m2])
            missing = [c.ids[j] for j in range(m) if np.isnan(fa[j])]
            if missing:
                raise OptimizeInputError(f"延床面積の削減率を使うには全候補地の floor_area_m2 が必要です (不明: {_name_list(missing)})")
            today = float(fa[existing].sum())
            cols = np.arange(m)
            mp.add_rows(np.zeros(m, dtype=np.int64), y[cols], fa, np.array([-INF]),
                        np.array([(1 - self.floor_reduction) * today]))
            details["floor_area_today_m2"] = str(Decimal(str(today)))
        cap = np.where(np.isnan(c.capacity), np.inf, c.capacity)
        finite = np.flatnonzero(np.isfinite(cap))
        if finite.size:
            sel = np.isin(jj, finite)
            rid = np.searchsorted(finite, jj[sel])
            mp.add_rows(np.concatenate([rid, np.arange(finite.size)]), np.concatenate([x[sel], y[finite]]),
                        np.concatenate([w[ii[sel]], -cap[finite]]), np.full(finite.size, -INF), np.zeros(finite.size))
        if self.max_sites is not None:
            mp.add_rows(np.zeros(m, dtype=np.int64), y, np.ones(m), np.array([-INF]), np.array([float(self.max_sites)]))
        mp.fix(y[must_open], 1.0)
        mp.fix(y[~can_open], 0.0)
        sol = mp.solve(tl - (time.perf_counter() - t0), target)
        if sol.x is None:
            if sol.status == "infeasible":
                raise InfeasibleError("条件（被覆率・団体ごとの最低数・延床削減・容量）を同時に満たす配置がありません")
            raise InfeasibleError(f"制限時間内に実行可能解が見つかりませんでした (status {sol.status})")
        om = sol.x[y] > 0.5
        xv = sol.x[x]
        a = np.full(n, -1, dtype=np.int64)
        d = np.full(n, np.inf)
        order = np.argsort(-xv, kind="stable")  # largest share first: the main site of each point
        first = np.unique(ii[order], return_index=True)[1]
        a[ii[order][first]] = jj[order][first]
        d[ii[order][first]] = dd[order][first]
        obj = float(sol.objective) if sol.objective is not None else float("nan")
        bound = None if restricted else sol.bound
        kept = [c.ids[j] for j in np.flatnonzero(om & existing)]
        details.update({
            "kept_existing": kept,
            "closed_existing": [c.ids[j] for j in np.flatnonzero(~om & existing)],
            "opened_new": [c.ids[j] for j in np.flatnonzero(om & ~existing)],
            "site_cost_yen": sum((c.fixed_cost_yen[j] or 0) + (c.renewal_cost_yen[j] or 0) for j in np.flatnonzero(om)),
        })
        if unknown_cost:
            details["unknown_fixed_cost"] = unknown_cost
            details["note"] = "fixed_cost_yen が不明な施設は固定費 0 円として扱いました (unknown costs counted as 0)"
        if restricted:
            details["restricted_pairs"] = "nearest candidates only: bound not certified for the full problem"
        if self.limit is not None:
            cov = nearest_open(pr, om)[1] <= self.limit
            details["covered_share"] = float(w[cov].sum() / w.sum()) if w.sum() > 0 else None
        return _finish(self.name, pr, om, obj, bound, target, sol.status == "time_limit", t0, "HiGHS MILP",
                       coverage_limit=self.limit, details=details, assigned=(a, d))
