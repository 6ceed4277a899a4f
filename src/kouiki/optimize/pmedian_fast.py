"""Fast p-median path: Lagrangian lower bound + vertex-substitution local search on K-nearest lists.

No dense N×M matrix is formed. Each demand point keeps its K nearest candidates (sorted). Two facts make the
results exact for the *full* problem, not just the lists:

* Lagrangian bound (relaxing "each demand point is assigned once"):
  ``L(u) = Σ_i u_i + Σ_{j∈Y} ρ_j`` with ``ρ_j = Σ_i min(0, c_ij − u_i)`` and Y the p most negative ρ (plus
  the must-keep sites). Every u gives a valid lower bound. We keep ``u_i ≤ c_i,(k+1)``, the cost of the first
  candidate *not* used, so every omitted term is ``min(0, c_ij − u_i) = 0`` and the sparse sum is exact.
* Local search (Whitaker's fast interchange / Teitz–Bart vertex substitution): swap gains need the pairs
  with ``c_ij < d2_i`` (second-nearest open cost). Rows whose second open site lies beyond their list are
  evaluated on exact full rows, so each swap's gain is exact.

Gap = (objective − lower_bound) / objective.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec

import numpy as np
from numpy.typing import NDArray

from kouiki.optimize import _kernels as _k
from kouiki.optimize.costs import FloatArray, IntArray, TravelCosts

BoolArray = NDArray[np.bool_]


@dataclass
class NearCosts:
    """Weighted K-nearest lists: ``cost[i, k] = w_i × d(i, nbr[i, k])``; ``beyond[i]`` bounds the rest."""

    w: FloatArray
    nbr: IntArray
    cost: FloatArray
    beyond: FloatArray
    travel: TravelCosts

    @property
    def n(self) -> int:
        return int(self.nbr.shape[0])

    @property
    def m(self) -> int:
        return int(self.travel.m)

    @property
    def k(self) -> int:
        return int(self.nbr.shape[1])

    @classmethod
    def build(cls, travel: TravelCosts, w: FloatArray, k: int) -> NearCosts:
        nbr, dist, beyond = travel.near(k)
        w = np.asarray(w, dtype=np.float64)
        cost = w[:, None] * dist
        with np.errstate(invalid="ignore"):
            bcost = np.where(w > 0, w * beyond, 0.0)
        return cls(w=w, nbr=nbr, cost=cost, beyond=bcost, travel=travel)

    def full_rows(self, idx: IntArray) -> FloatArray:
        """Exact weighted cost rows (cached: the same outlying rows come back at every swap)."""
        cache = self.__dict__.setdefault("_row_cache", {})
        if len(cache) * self.m > 20_000_000:  # keep the cache under ~160 MB
            cache.clear()
        missing = np.array([i for i in idx.tolist() if i not in cache], dtype=np.int64)
        if missing.size:
            rows = self.w[missing, None] * self.travel.rows(missing)
            for i, row in zip(missing.tolist(), rows, strict=True):
                cache[i] = row
        if idx.size == 0:
            return np.empty((0, self.m))
        return np.stack([cache[i] for i in idx.tolist()])


@dataclass
class Assignment:
    """Nearest and second-nearest open site of every demand point for one open set."""

    open_mask: BoolArray
    d1: FloatArray  # cost to the nearest open site
    a1: IntArray  # index of the nearest open site
    d2: FloatArray  # cost to the second-nearest open site
    pos1: IntArray
    pos2: IntArray
    deficient: IntArray  # rows whose second open site is not in the list (handled with exact rows)

    @property
    def objective(self) -> float:
        return float(self.d1.sum())


def assign(nc: NearCosts, open_mask: BoolArray) -> Assignment:
    n = nc.n
    d1, d2 = np.empty(n), np.empty(n)
    a1 = np.empty(n, dtype=np.int64)
    pos1, pos2 = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    ok = np.empty(n, dtype=np.bool_)
    if n >= _k.PAR_MIN_ROWS:
        _k.assign_rows_par(nc.nbr, nc.cost, open_mask, d1, a1, d2, pos1, pos2, ok)
    else:
        _k.assign_rows(nc.nbr, nc.cost, open_mask, d1, a1, d2, pos1, pos2, ok)
    deficient = np.flatnonzero(~ok)
    if deficient.size:
        cols = np.flatnonzero(open_mask)
        sub = nc.w[deficient, None] * nc.travel.rows(deficient, cols)
        if cols.size >= 2:
            two = np.argpartition(sub, 1, axis=1)[:, :2]
            v = np.take_along_axis(sub, two, axis=1)
            swap = v[:, 1] < v[:, 0]
            first = np.where(swap, two[:, 1], two[:, 0])
            v.sort(axis=1)
            d1[deficient], d2[deficient] = v[:, 0], v[:, 1]
            a1[deficient] = cols[first]
        else:  # one open site: no second one
            d1[deficient] = sub[:, 0]
            a1[deficient] = cols[0]
            d2[deficient] = np.inf
    return Assignment(open_mask, d1, a1, d2, pos1, pos2, deficient)


def best_swap(nc: NearCosts, asg: Assignment, can_open: BoolArray, can_close: BoolArray) -> tuple[float, int, int]:
    """Exact best (delta, j_in, r_out) over all swaps; delta < 0 improves."""
    delta, open_idx = swap_deltas(nc, asg, can_open, can_close)
    flat = int(np.argmin(delta))
    j, r = divmod(flat, open_idx.size)
    return float(delta[j, r]), j, int(open_idx[r])


def _swap_workspace(nc: NearCosts, p: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per-chunk partial sums for the parallel ``swap_sums`` (kept on ``nc``: fresh pages at every swap
    would cost more than the pass itself)."""
    nch = _k.n_chunks(nc.n)
    ws = nc.__dict__.get("_swap_ws")
    if ws is None or ws[1].shape != (nch, nc.m * p):
        ws = (np.zeros((nch, nc.m)), np.zeros((nch, nc.m * p)), np.zeros((nch, p)))
        nc.__dict__["_swap_ws"] = ws
    return ws


def swap_deltas(nc: NearCosts, asg: Assignment, can_open: BoolArray, can_close: BoolArray) -> tuple[FloatArray, IntArray]:
    """Exact objective change of every swap: delta[j_in, rank of r_out] (inf where not allowed)."""
    m = nc.m
    open_idx = np.flatnonzero(asg.open_mask)
    p = open_idx.size
    if p < 2:
        raise ValueError("local search needs at least two open sites")
    rank = np.full(m, -1, dtype=np.int64)
    rank[open_idx] = np.arange(p)
    gain = np.zeros(m)
    corr = np.zeros(m * p)
    loss_r = np.zeros(p)
    ok = np.ones(nc.n, dtype=np.bool_)
    ok[asg.deficient] = False
    args = (nc.nbr, nc.cost, asg.pos1, asg.pos2, asg.d1, asg.d2, asg.a1, ok, rank, gain, corr, loss_r, p)
    if nc.n >= _k.PAR_MIN_ROWS:
        _k.swap_sums_par(*args, *_swap_workspace(nc, p))
    else:
        _k.swap_sums(*args)
    if asg.deficient.size:
        dd = asg.deficient
        d1d, d2d = asg.d1[dd], asg.d2[dd]
        np.add.at(loss_r, rank[asg.a1[dd]], d2d - d1d)
        full = nc.full_rows(dd)
        m2 = (full < d2d[:, None]) & ~asg.open_mask[None, :]
        i2, j2 = np.nonzero(m2)
        cc = full[i2, j2]
        g = np.maximum(d1d[i2] - cc, 0.0)
        gain += np.bincount(j2, weights=g, minlength=m)
        corr += np.bincount(j2 * p + rank[asg.a1[dd[i2]]], weights=cc - d2d[i2] + g, minlength=m * p)
    delta = corr.reshape(m, p) + loss_r[None, :] - gain[:, None]
    delta[~(can_open & ~asg.open_mask), :] = np.inf
    delta[:, ~can_close[open_idx]] = np.inf
    return delta, open_idx


def local_search(
    nc: NearCosts,
    open_mask: BoolArray,
    can_open: BoolArray,
    can_close: BoolArray,
    deadline: float,
    rel_tol: float = 1e-12,
) -> Assignment:
    """Best-improvement vertex substitution until no swap improves (or the deadline passes).

    On large instances several improving swaps with distinct sites are applied together (they mostly touch
    different neighbourhoods); the batch is kept only if it beats the single best swap, so every step is an
    exact improvement either way."""
    asg = assign(nc, open_mask.copy())
    batch = max(1, int(open_mask.sum()) // 10) if nc.n > 50_000 else 1
    while time.perf_counter() < deadline:
        delta, open_idx = swap_deltas(nc, asg, can_open, can_close)
        flat = int(np.argmin(delta))
        j, r = divmod(flat, open_idx.size)
        best = float(delta[j, r])
        if not np.isfinite(best) or best >= -rel_tol * max(asg.objective, 1.0):
            break
        single = asg.open_mask.copy()
        single[j], single[open_idx[r]] = True, False
        if batch > 1:
            om = asg.open_mask.copy()
            used_j: set[int] = set()
            used_r: set[int] = set()
            flat_d = delta.ravel()
            top = min(20 * batch, flat_d.size)  # the best few hundred swaps: partition, then sort only those
            part = np.argpartition(flat_d, top - 1)[:top] if top < flat_d.size else np.arange(flat_d.size)
            order = part[np.argsort(flat_d[part], kind="stable")]
            for f in order.tolist():
                jj, rr = divmod(f, open_idx.size)
                if delta[jj, rr] >= 0 or len(used_r) >= batch:
                    break
                if jj in used_j or rr in used_r:
                    continue
                used_j.add(jj)
                used_r.add(rr)
                om[jj], om[open_idx[rr]] = True, False
            if len(used_r) > 1:
                cand = assign(nc, om)
                if cand.objective < asg.objective + best:
                    asg = cand
                    continue
        asg = assign(nc, single)
    return asg


def _inverse(nc: NearCosts) -> tuple[IntArray, NDArray[np.int32], NDArray[np.int32]]:
    """Inverse lists of ``nc`` (which rows list each site, at which position), built once and kept on ``nc``."""
    inv = nc.__dict__.get("_inverse")
    if inv is None:
        inv = _k.inverse_lists(nc.nbr, nc.m)
        nc.__dict__["_inverse"] = inv
    return inv  # type: ignore[no-any-return]


def _outside_rows(nc: NearCosts, idx: IntArray) -> tuple[FloatArray, IntArray]:
    """Weighted full rows of ``idx`` in a dense store kept on ``nc`` (rows are added as they are first needed;
    the store starts again when it would pass 20 M entries): returns the store and each row's place in it."""
    cache = nc.__dict__.get("_outside_store")
    if cache is None:
        cache = {"place": np.full(nc.n, -1, dtype=np.int64), "store": np.empty((64, nc.m)), "used": 0}
        nc.__dict__["_outside_store"] = cache
    place: IntArray = cache["place"]
    missing = idx[place[idx] < 0]
    if missing.size:
        used = int(cache["used"])
        if (used + missing.size) * nc.m > 20_000_000:  # start again with only what is needed now
            place[:] = -1
            used = 0
            missing = idx
        store: FloatArray = cache["store"]
        if used + missing.size > store.shape[0]:
            grown = np.empty((max(2 * store.shape[0], used + missing.size), nc.m))
            grown[:used] = store[:used]
            store = grown
            cache["store"] = store
        store[used : used + missing.size] = nc.w[missing, None] * nc.travel.rows(missing)
        place[missing] = np.arange(used, used + missing.size)
        cache["used"] = used + missing.size
    return cache["store"], place[idx]


@dataclass
class SwapState:
    """An open set with everything the incremental swap evaluation needs (Resende–Werneck; ``_kernels``):
    per row the first/second open entries, and gain/loss/corr summed over the rows that have both in their list.
    Rows without (``~ok``, few) are evaluated on exact full rows at every step, as in :func:`swap_deltas`.
    Sites keep a slot (0..p−1) while open; the site that opens takes the slot of the one that closes."""

    open_mask: BoolArray
    rank: IntArray  # site → slot (−1 when closed)
    slots: IntArray  # slot → site
    d1: FloatArray
    a1: IntArray
    d2: FloatArray
    pos1: IntArray
    pos2: IntArray
    ok: BoolArray
    gain: FloatArray
    corr: FloatArray
    loss: FloatArray

    @property
    def p(self) -> int:
        return int(self.slots.size)

    @classmethod
    def build(cls, nc: NearCosts, open_mask: BoolArray) -> SwapState:
        """One full pass (``assign`` + ``swap_sums``)."""
        asg = assign(nc, open_mask.copy())
        slots = np.flatnonzero(asg.open_mask).astype(np.int64)
        p = slots.size
        if p < 2:
            raise ValueError("local search needs at least two open sites")
        rank = np.full(nc.m, -1, dtype=np.int64)
        rank[slots] = np.arange(p)
        ok = np.ones(nc.n, dtype=np.bool_)
        ok[asg.deficient] = False
        gain, corr, loss = np.zeros(nc.m), np.zeros(nc.m * p), np.zeros(p)
        args = (nc.nbr, nc.cost, asg.pos1, asg.pos2, asg.d1, asg.d2, asg.a1, ok, rank, gain, corr, loss, p)
        if nc.n >= _k.PAR_MIN_ROWS:
            _k.swap_sums_par(*args, *_swap_workspace(nc, p))
        else:
            _k.swap_sums(*args)
        return cls(asg.open_mask, rank, slots, asg.d1, asg.a1, asg.d2, asg.pos1, asg.pos2, ok, gain, corr, loss)

    def copy(self) -> SwapState:
        return SwapState(*(np.array(getattr(self, f), copy=True) for f in self.__dataclass_fields__))

    def swap(self, nc: NearCosts, j_in: int, r_out: int) -> int:
        """Open ``j_in``, close ``r_out``; returns how many rows were updated."""
        ptr, row, pos = _inverse(nc)
        ws = nc.__dict__.get("_inc_ws")
        if ws is None:
            ws = (np.zeros(nc.n + 1, np.int64), np.zeros(nc.n, np.int64))
            nc.__dict__["_inc_ws"] = ws
        return int(_k.inc_swap(nc.nbr, nc.cost, ptr, row, pos, self.open_mask, self.rank, self.slots, j_in, r_out,
                               self.d1, self.a1, self.d2, self.pos1, self.pos2, self.ok, self.gain, self.corr,
                               self.loss, self.p, *ws))

    def _outside(self, nc: NearCosts) -> tuple[FloatArray, FloatArray, FloatArray, bool]:
        """Exact d1/a1/d2 of the rows outside the state (from full rows) and their share of the sums."""
        if self.ok.all():
            return self.gain, self.corr, self.loss, False
        dd = np.flatnonzero(~self.ok)
        store, where = _outside_rows(nc, dd)
        m, p = nc.m, self.p
        ws = nc.__dict__.get("_outside_ws")
        if ws is None or ws[1].size != m * p:
            ws = (np.zeros(m), np.zeros(m * p), np.zeros(p))
            nc.__dict__["_outside_ws"] = ws
        dg, dc, dl = ws
        _k.outside_terms(store, where, dd, self.open_mask, self.slots, self.d1, self.a1, self.d2, dg, dc, dl, p)
        return dg, dc, dl, True

    def best_swap(self, nc: NearCosts, can_open: BoolArray, can_close: BoolArray) -> tuple[float, int, int]:
        """(delta, j_in, r_out) of the best swap; delta < 0 improves (inf if none is allowed)."""
        dg, dc, dl, has = self._outside(nc)
        d, j, s = _k.inc_best(self.gain, self.corr, self.loss, self.p, self.slots, self.open_mask, can_open,
                              can_close, dg, dc, dl, has)
        return float(d), int(j), int(self.slots[s]) if s >= 0 else -1

    def deltas(self, nc: NearCosts, can_open: BoolArray, can_close: BoolArray) -> FloatArray:
        """Every swap's delta as ``delta[j_in, slot]`` (inf where not allowed) — for tests and diagnostics."""
        dg, dc, dl, has = self._outside(nc)
        m, p = nc.m, self.p
        corr, gain, loss = (self.corr + dc, self.gain + dg, self.loss + dl) if has else (self.corr, self.gain, self.loss)
        delta = corr.reshape(m, p) + loss[None, :] - gain[:, None]
        delta[~(can_open & ~self.open_mask), :] = np.inf
        delta[:, ~can_close[self.slots]] = np.inf
        return delta

    @property
    def objective(self) -> float:
        return float(self.d1.sum())


def descend(
    nc: NearCosts, st: SwapState, can_open: BoolArray, can_close: BoolArray, deadline: float, rel_tol: float = 1e-12
) -> int:
    """Best-improvement vertex substitution on ``st`` (in place) until no swap improves; returns the swaps made."""
    moves = 0
    while time.perf_counter() < deadline:
        d, j, r = st.best_swap(nc, can_open, can_close)
        if not np.isfinite(d) or d >= -rel_tol * max(st.objective, 1.0):
            break
        st.swap(nc, j, r)
        moves += 1
    return moves


def local_search_inc(
    nc: NearCosts,
    start: BoolArray | SwapState,
    can_open: BoolArray,
    can_close: BoolArray,
    deadline: float,
    rel_tol: float = 1e-12,
) -> SwapState:
    """:func:`local_search` with incremental swap evaluation: one full pass to build the state (none when a
    state is given: it is descended in place), then only the affected rows per swap. ``state.objective`` is
    the running objective; :func:`verified` turns a kept solution into an exact :class:`Assignment`."""
    st = start if isinstance(start, SwapState) else SwapState.build(nc, start)
    descend(nc, st, can_open, can_close, deadline, rel_tol)
    return st


def verified(
    nc: NearCosts, st: SwapState, can_open: BoolArray, can_close: BoolArray, deadline: float,
    rel_tol: float = 1e-12,
) -> tuple[Assignment, SwapState]:
    """The exact :class:`Assignment` of a local optimum, checked with the full pass (:func:`swap_deltas`):
    rounding in the running sums can never leave an improving swap behind in a solution that is kept.
    Descends further if one is found."""
    asg = assign(nc, st.open_mask.copy())
    while time.perf_counter() < deadline:
        delta, open_idx = swap_deltas(nc, asg, can_open, can_close)
        flat = int(np.argmin(delta))
        j, r = divmod(flat, open_idx.size)
        if not np.isfinite(delta[j, r]) or delta[j, r] >= -rel_tol * max(asg.objective, 1.0):
            break
        st = SwapState.build(nc, asg.open_mask)
        st.swap(nc, j, int(open_idx[r]))
        st = local_search_inc(nc, st, can_open, can_close, deadline, rel_tol)
        asg = assign(nc, st.open_mask.copy())
    return asg, st


@dataclass
class Lagrangian:
    """Deflected-subgradient optimisation of the p-median Lagrangian dual on the first ``kl`` list columns."""

    nc: NearCosts
    p: int
    must_open: BoolArray
    can_open: BoolArray
    kl: int
    u: FloatArray = field(init=False)
    cap: FloatArray = field(init=False)
    best_lb: float = field(init=False, default=-np.inf)
    best_u: FloatArray = field(init=False)
    theta: float = 1.0
    beta: float = 0.7
    patience: int = 60
    iters: int = 0
    rounds: list[float] = field(default_factory=list)  # best bound after each round of ``run`` (stall test)
    _since: int = 0
    _dir: FloatArray | None = None

    def __post_init__(self) -> None:
        nc = self.nc
        self.kl = min(self.kl, nc.k)
        self.cap = nc.cost[:, self.kl].copy() if self.kl < nc.k else nc.beyond.copy()
        self._nbr = np.ascontiguousarray(nc.nbr[:, : self.kl])
        self._cost = np.ascontiguousarray(nc.cost[:, : self.kl])
        # start: second-nearest cost (a classical choice), within the exactness cap
        start = nc.cost[:, min(1, nc.k - 1)]
        self.u = np.minimum(start, self.cap)
        self.best_u = self.u.copy()
        self._free = self.can_open & ~self.must_open
        self._n_free = self.p - int(self.must_open.sum())

    def evaluate(self, u: FloatArray) -> tuple[float, BoolArray, FloatArray]:
        """Exact L(u) (u within the cap), the chosen Y and ρ."""
        rho = np.zeros(self.nc.m)
        if self.nc.n >= _k.PAR_MIN_ROWS:
            _k.lagrangian_rho_par(self._nbr, self._cost, u, rho, _k.n_chunks(self.nc.n))
        else:
            _k.lagrangian_rho(self._nbr, self._cost, u, rho)
        y = self.must_open.copy()
        if self._n_free > 0:
            cand = np.flatnonzero(self._free)
            pick = cand[np.argpartition(rho[cand], self._n_free - 1)[: self._n_free]]
            y[pick] = True
        return float(u.sum() + rho[y].sum()), y, rho

    def run(self, target: float, iters: int, deadline: float) -> BoolArray:
        """Up to ``iters`` steps towards ``target`` (an upper bound); returns the last Lagrangian Y."""
        y = self.must_open
        for _ in range(iters):
            if time.perf_counter() > deadline or self.theta < 1e-7:
                break
            lval, y, _ = self.evaluate(self.u)
            self.iters += 1
            if lval > self.best_lb:
                if lval > self.best_lb + 1e-9 * abs(target):
                    self._since = 0
                self.best_lb = lval
                self.best_u = self.u.copy()
            else:
                self._since += 1
            if self._since >= self.patience:
                self.theta *= 0.5
                self._since = 0
            if self.best_lb >= target:
                break
            served = np.empty(self.nc.n, dtype=np.int64)
            if self.nc.n >= _k.PAR_MIN_ROWS:
                _k.lagrangian_served_par(self._nbr, self._cost, self.u, y, served)
            else:
                _k.lagrangian_served(self._nbr, self._cost, self.u, y, served)
            g = 1.0 - served
            g[(g > 0) & (self.u >= self.cap)] = 0.0  # projected: u cannot rise past the cap
            if not g.any():
                break
            d: FloatArray = np.asarray(g if self._dir is None else g + self.beta * self._dir, dtype=np.float64)
            self._dir = d
            nrm = float(np.square(d).sum())  # not BLAS: its threads stall on a busy machine
            step = self.theta * max(target - lval, 1e-12 * abs(target)) / nrm
            self.u = np.clip(self.u + step * d, 0.0, self.cap)
        return y


def seed_sites(nc: NearCosts, p: int, must_open: BoolArray, can_open: BoolArray, rng: np.random.Generator) -> BoolArray:
    """Spread starting sites (k-means++-style D-sampling): a demand point is drawn with probability
    proportional to its current weighted cost, and its nearest openable candidate is opened."""
    n = nc.n
    om = must_open.copy()
    d = np.full(n, np.inf)
    every = np.arange(n)
    for keep in np.flatnonzero(om):
        d = np.minimum(d, nc.travel.rows(every, np.array([keep]))[:, 0])
    while int(om.sum()) < p:
        cost: FloatArray = np.where(np.isfinite(d), nc.w * d, 0.0) if np.isfinite(d).any() else nc.w.copy()
        total = float(cost.sum())
        i = int(rng.choice(n, p=cost / total)) if total > 0 else int(rng.integers(n))
        row = nc.nbr[i]
        free = row[can_open[row] & ~om[row]]
        pick = int(free[0]) if free.size else int(rng.choice(np.flatnonzero(can_open & ~om)))
        om[pick] = True
        d = np.minimum(d, nc.travel.rows(every, np.array([pick]))[:, 0])
    return om


SAMPLE_ABOVE = 50_000  # demand points; above this a sampled solve provides the starting sites
SAMPLE_SIZE = 20_000


@dataclass
class _SubsetTravel:
    """The travel costs of a subset of the demand points (for the sampled start)."""

    base: TravelCosts
    idx: IntArray
    unit: str = "km"

    @property
    def n(self) -> int:
        return int(self.idx.size)

    @property
    def m(self) -> int:
        return int(self.base.m)

    def rows(self, idx: IntArray, cols: IntArray | None = None) -> FloatArray:
        return self.base.rows(self.idx[idx], cols)

    def near(self, k: int) -> tuple[IntArray, FloatArray, FloatArray]:
        raise NotImplementedError("a subset is built from the parent's lists")


@dataclass
class FastResult:
    open_mask: BoolArray
    assignment: Assignment
    objective: float
    lower_bound: float
    iterations: int
    local_searches: int
    timed_out: bool
    log: list[tuple[float, float, float]]  # (seconds, objective, lower_bound)
    lagrangian: Lagrangian | None = None  # the dual state (best multipliers) for reduced-cost fixing


P = ParamSpec("P")


def _load_aware(f: Callable[P, FastResult]) -> Callable[P, FastResult]:
    """Run ``f`` with the kernels' thread count set for the machine's load (``_kernels.threads_for_load``)."""

    @functools.wraps(f)
    def run(*args: P.args, **kwargs: P.kwargs) -> FastResult:
        with _k.threads_for_load():
            return f(*args, **kwargs)

    return run


@_load_aware
def solve_pmedian_fast(
    nc: NearCosts,
    p: int,
    must_open: BoolArray,
    can_open: BoolArray,
    time_limit: float,
    gap: float,
    seed: int = 0,
    progress: Callable[[float, float, float], None] | None = None,
    start: BoolArray | None = None,
    max_shakes: int = 1_000_000,
    stop_on_stall: bool = False,
    dual: Lagrangian | None = None,
) -> FastResult:
    """Heuristic upper bound + Lagrangian lower bound until ``gap`` is certified or ``time_limit`` passes.

    ``stop_on_stall``: return as soon as the dual bound has stopped rising (less than 1e-6 of the incumbent
    over five rounds of 100 steps) and 200 perturbations found nothing better — for callers that close the
    rest of the gap another way (reduced-cost fixing + a reduced MILP, ``models.PMedian``).
    ``dual``: go on with this Lagrangian state (its multipliers and best bound) instead of a new one.

    Requires ``2 <= p`` open sites and at least ``p`` openable candidates (checked by the caller).
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    rng = np.random.default_rng(seed)
    can_close = ~must_open
    if start is None and nc.n > SAMPLE_ABOVE:
        # large instance: solve a random sample of the demand first; its sites start the full search
        sub = np.sort(rng.choice(nc.n, SAMPLE_SIZE, replace=False))
        snc = NearCosts(nc.w[sub], nc.nbr[sub], nc.cost[sub], nc.beyond[sub], _SubsetTravel(nc.travel, sub))
        start = solve_pmedian_fast(snc, p, must_open, can_open, 0.12 * time_limit, max(gap, 0.005), seed).open_mask
    if start is None:  # a spread start gives the dual a sensible target at once
        start = seed_sites(nc, p, must_open, can_open, rng)
    resumed = dual is not None
    lag = dual if dual is not None else Lagrangian(nc, p, must_open, can_open, min(nc.k, max(16, int(np.ceil(3.0 * nc.m / p)))))
    log: list[tuple[float, float, float]] = []

    _, y, _ = lag.evaluate(lag.u)
    best_st: SwapState | None
    if start is not None:
        best, best_st = verified(nc, local_search_inc(nc, start, can_open, can_close, deadline), can_open, can_close,
                                 deadline)
        if not resumed:  # multipliers start at each point's cost in the incumbent (within the exactness cap)
            lag.u = np.minimum(0.5 * (best.d1 + np.where(np.isfinite(best.d2), best.d2, best.d1)), lag.cap)
    else:  # a plain assignment gives the first target; local search waits for a useful Lagrangian set
        best = assign(nc, y)
        best_st = None
    n_ls = 0 if start is None else 1
    tried: set[bytes] = set()

    restarts = 0
    shakes = 0

    def cert_gap() -> float:
        ub = best.objective
        return (ub - lag.best_lb) / ub if ub > 0 else 0.0

    screen_ratio = np.inf if nc.n <= SAMPLE_ABOVE else 1.06
    regional = nc.n > SAMPLE_ABOVE
    # large instances: after each dual round, the primal side gets as much time again for perturbation +
    # descent (the local search, not the bound, is the weak side there)
    primal_share = 1.0 if regional else 0.0

    def consider(cand: BoolArray | SwapState, screen: bool = True) -> None:
        nonlocal best, best_st, n_ls, shakes
        om = cand.open_mask if isinstance(cand, SwapState) else cand
        key = om.tobytes()
        if int(om.sum()) != p or key in tried or time.perf_counter() > deadline:
            return
        tried.add(key)
        if screen and np.isfinite(screen_ratio):  # a start far above the incumbent is not worth a descent
            a0 = assign(nc, om)
            if a0.objective > best.objective * screen_ratio:
                return
        st = local_search_inc(nc, cand, can_open, can_close, deadline)
        n_ls += 1
        if st.objective < best.objective * (1 - 1e-9):  # (running sum: the exact objective is checked next)
            asg, st = verified(nc, st, can_open, can_close, deadline)
            if asg.objective < best.objective * (1 - 1e-12):
                best, best_st = asg, st
                shakes = 0

    def local_move(om: BoolArray, ksw: int) -> tuple[IntArray, IntArray] | None:
        """Regional perturbation: around a demand point served by a random open site,
        close the ``ksw`` nearest open sites of its list and open ``ksw`` random closed candidates among the
        list's nearest ones. Random swaps anywhere almost never escape a local optimum on 100k points; a
        regional re-arrangement that the descent then repairs often does."""
        opened = np.flatnonzero(om & can_close)
        r = int(rng.choice(opened))
        pts = np.flatnonzero(best.a1 == r)
        if pts.size == 0:
            return None
        row = nc.nbr[int(rng.choice(pts))]
        shut = row[om[row] & can_close[row]][:ksw]
        pool = row[~om[row] & can_open[row]][: max(4 * ksw, int(2 * ksw * nc.m / p))]
        if shut.size < ksw or pool.size < ksw:
            return None
        return shut, rng.choice(pool, ksw, replace=False)

    def shake() -> bool:
        """k swaps (k = 1..3) away from the incumbent, then descend; False if no swap is possible.
        Regional moves (``local_move``) on every other shake (three in four on large instances), else random
        swaps. The swaps are applied to a copy of the incumbent's :class:`SwapState`, so a shake costs a few
        incremental swaps and the descent, never a full pass."""
        nonlocal best_st
        om = best.open_mask
        opened = np.flatnonzero(om & can_close)
        closed = np.flatnonzero(~om & can_open)
        ksw = min(1 + shakes % 3, opened.size, closed.size)
        if ksw == 0:
            return False
        moves = local_move(om, ksw) if (shakes % 4 != 3 if regional else shakes % 2 == 0) else None
        if moves is None:
            moves = rng.choice(opened, ksw, replace=False), rng.choice(closed, ksw, replace=False)
        if best_st is None or not np.array_equal(best_st.open_mask, om):
            best_st = SwapState.build(nc, om)
        st = best_st.copy()  # the swaps are applied to a copy of the incumbent's state: no full pass
        for r_out, j_in in zip(moves[0].tolist(), moves[1].tolist(), strict=True):
            st.swap(nc, j_in, r_out)
        tried.discard(st.open_mask.tobytes())
        consider(st, screen=False)
        return True

    def report() -> None:
        log.append((time.perf_counter() - t0, best.objective, lag.best_lb))
        if progress is not None:
            progress(time.perf_counter() - t0, best.objective, lag.best_lb)

    rounds = lag.rounds  # best bound after each round of dual steps (kept with the dual state across calls)
    while time.perf_counter() < deadline and cert_gap() > gap:
        if stop_on_stall and n_ls > 0 and len(rounds) >= 6 and rounds[-1] - rounds[-6] < 1e-6 * best.objective:
            if shakes >= min(max_shakes, 200):
                break
            shakes += 1
            if not shake():
                break
            continue
        if lag.theta >= 1e-6:
            # a target slightly above the incumbent keeps the Polyak steps from vanishing near the optimum
            before = lag.best_lb
            t_dual = time.perf_counter()
            y = lag.run(best.objective * 1.002, 100, deadline)
            t_dual = time.perf_counter() - t_dual
            ready = lag.best_lb > best.objective * 0.97 or (n_ls == 0 and lag.iters >= 300)
            if ready:  # early Lagrangian sets are poor starts for local search: skip them
                consider(y)
            elif int(y.sum()) == p:
                asg = assign(nc, y)
                if asg.objective < best.objective:
                    best, best_st = asg, None
            if ready:
                _, ybest, _ = lag.evaluate(lag.best_u)
                consider(ybest)
            slow = lag.best_lb - before < 5e-4 * best.objective
            if slow:  # the dual moves slowly: also perturb the incumbent
                shake()
            # once the dual has stalled (less than 1e-6 of the incumbent over five rounds) its steps add almost
            # nothing: the perturbations (cheap with the incremental swap evaluation) get nine times its time
            stalled = len(rounds) >= 5 and lag.best_lb - rounds[-5] < 1e-6 * best.objective
            share = 9.0 if stalled else primal_share * (3.0 if slow else 1.0)
            if n_ls > 0 and share > 0:  # large instances: three times the dual's time once the dual moves slowly
                until = min(deadline, time.perf_counter() + share * t_dual)
                while time.perf_counter() < until and cert_gap() > gap:
                    shakes += 1
                    if not shake():
                        break
            report()
            rounds.append(lag.best_lb)
            continue
        if restarts < 2:  # the dual stalled: restart the step size once or twice from the best multipliers
            restarts += 1
            lag.u = lag.best_u.copy()
            lag.theta = 0.1 / restarts
            lag.patience = 100
            lag._dir = None
            continue
        # the dual has converged: perturb the incumbent (k random swaps) and descend again
        shakes += 1
        if shakes > max_shakes or not shake():
            break
        if shakes % 10 == 0:
            report()
    report()
    lb = min(lag.best_lb, best.objective)
    return FastResult(
        open_mask=best.open_mask,
        assignment=best,
        objective=best.objective,
        lower_bound=lb,
        iterations=lag.iters,
        local_searches=n_ls,
        timed_out=cert_gap() > gap,
        log=log,
        lagrangian=lag,
    )
