"""Row-wise kernels of the fast p-median path, compiled with numba.

Each kernel walks a demand point's sorted K-nearest list and stops as soon as the rest cannot matter
(costs are sorted), so a pass costs O(entries that matter), not O(N·K). Plain loops, no allocation inside.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import numba
import numpy as np

_jit: Any = numba.njit(cache=True, nogil=True)


@_jit
def assign_rows(nbr, cost, open_mask, d1, a1, d2, pos1, pos2, ok):  # type: ignore[no-untyped-def]
    """First and second open site of each row's list; ok[i] False when fewer than two are listed."""
    n, k = nbr.shape
    for i in range(n):
        f = -1
        s = -1
        for t in range(k):
            if open_mask[nbr[i, t]]:
                if f < 0:
                    f = t
                else:
                    s = t
                    break
        if f >= 0 and s >= 0:
            ok[i] = True
            pos1[i] = f
            pos2[i] = s
            d1[i] = cost[i, f]
            a1[i] = nbr[i, f]
            d2[i] = cost[i, s]
        else:
            ok[i] = False
            pos1[i] = -1
            pos2[i] = -1


@_jit
def swap_sums(nbr, cost, pos1, pos2, d1, d2, a1, ok, rank, gain, corr, loss, p):  # type: ignore[no-untyped-def]
    """Accumulate, over listed rows, gain[j] (adding j), loss[r] (removing r), corr[j*p+r] (both)."""
    n = nbr.shape[0]
    for i in range(n):
        if not ok[i]:
            continue
        r = rank[a1[i]]
        di1 = d1[i]
        di2 = d2[i]
        loss[r] += di2 - di1
        for t in range(pos2[i]):
            if t == pos1[i]:
                continue
            j = nbr[i, t]
            c = cost[i, t]
            g = di1 - c
            if g < 0.0:
                g = 0.0
            gain[j] += g
            corr[j * p + r] += c - di2 + g


@_jit
def lagrangian_rho(nbr, cost, u, rho):  # type: ignore[no-untyped-def]
    """rho[j] = Σ_i min(0, c_ij − u_i) over listed pairs (exact while u_i ≤ the first unlisted cost)."""
    n, k = nbr.shape
    for i in range(n):
        ui = u[i]
        for t in range(k):
            c = cost[i, t]
            if c >= ui:
                break
            rho[nbr[i, t]] += c - ui


@_jit
def lagrangian_served(nbr, cost, u, y, served):  # type: ignore[no-untyped-def]
    """served[i] = #{j ∈ Y : c_ij < u_i} (the relaxed assignment count)."""
    n, k = nbr.shape
    for i in range(n):
        ui = u[i]
        cnt = 0
        for t in range(k):
            c = cost[i, t]
            if c >= ui:
                break
            if y[nbr[i, t]]:
                cnt += 1
        served[i] = cnt


# --- parallel variants (both cores) -------------------------------------------------------------------------
# Rows are split into a fixed number of contiguous chunks that depends only on the row count, never on the
# thread count; each chunk accumulates into its own partial array and the partials are summed in chunk order
# afterwards. No two threads write the same memory, and the result is the same on any machine.

_pjit: Any = numba.njit(cache=True, nogil=True, parallel=True)

PAR_MIN_ROWS = 20_000  # below this the serial kernels win (thread start-up costs more than the pass)
_CHUNK_ROWS = 10_000


def busy_machine() -> bool:
    """True when the 1-minute load average leaves no core free: parallel regions then wait on descheduled
    threads (measured: a 3 ms pass took 50–290 ms with 2 threads at load 13 on 2 cores), so one thread is
    faster. The chunking is the same either way, so results do not depend on this."""
    try:
        return os.getloadavg()[0] >= (os.cpu_count() or 1)
    except OSError:  # no load average (Windows)
        return False


@contextlib.contextmanager
def threads_for_load() -> Iterator[None]:
    """Run the parallel kernels on one thread while the machine is busy (see :func:`busy_machine`)."""
    if not busy_machine():
        yield
        return
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def n_chunks(n: int) -> int:
    """Chunks for ``n`` rows (a function of n only, so reductions are deterministic)."""
    return max(1, min(4, -(-n // _CHUNK_ROWS)))


@_pjit
def assign_rows_par(nbr, cost, open_mask, d1, a1, d2, pos1, pos2, ok):  # type: ignore[no-untyped-def]
    """``assign_rows`` with rows in parallel (each row writes only its own slots)."""
    n, k = nbr.shape
    for i in numba.prange(n):
        f = -1
        s = -1
        for t in range(k):
            if open_mask[nbr[i, t]]:
                if f < 0:
                    f = t
                else:
                    s = t
                    break
        if f >= 0 and s >= 0:
            ok[i] = True
            pos1[i] = f
            pos2[i] = s
            d1[i] = cost[i, f]
            a1[i] = nbr[i, f]
            d2[i] = cost[i, s]
        else:
            ok[i] = False
            pos1[i] = -1
            pos2[i] = -1


@_pjit
def swap_sums_par(nbr, cost, pos1, pos2, d1, d2, a1, ok, rank, gain, corr, loss, p, pg, pc, pl):  # type: ignore[no-untyped-def]
    """``swap_sums`` over row chunks in parallel. ``pg``/``pc``/``pl`` are per-chunk workspaces (one row per
    chunk, reused between calls; zeroed here): each chunk writes only its own row, then the rows are added
    in chunk order."""
    n = nbr.shape[0]
    nch = pg.shape[0]
    step = (n + nch - 1) // nch
    for c in numba.prange(nch):
        pg[c, :] = 0.0
        pc[c, :] = 0.0
        pl[c, :] = 0.0
        lo = c * step
        hi = min(n, lo + step)
        for i in range(lo, hi):
            if not ok[i]:
                continue
            r = rank[a1[i]]
            di1 = d1[i]
            di2 = d2[i]
            pl[c, r] += di2 - di1
            for t in range(pos2[i]):
                if t == pos1[i]:
                    continue
                j = nbr[i, t]
                cc = cost[i, t]
                g = di1 - cc
                if g < 0.0:
                    g = 0.0
                pg[c, j] += g
                pc[c, j * p + r] += cc - di2 + g
    for c in range(nch):
        gain += pg[c]
        corr += pc[c]
        loss += pl[c]


@_pjit
def lagrangian_rho_par(nbr, cost, u, rho, nch):  # type: ignore[no-untyped-def]
    """``lagrangian_rho`` over ``nch`` row chunks in parallel, reduced in chunk order."""
    n, k = nbr.shape
    m = rho.shape[0]
    part = np.zeros((nch, m))
    step = (n + nch - 1) // nch
    for c in numba.prange(nch):
        lo = c * step
        hi = min(n, lo + step)
        for i in range(lo, hi):
            ui = u[i]
            for t in range(k):
                cc = cost[i, t]
                if cc >= ui:
                    break
                part[c, nbr[i, t]] += cc - ui
    for c in range(nch):
        for j in range(m):
            rho[j] += part[c, j]


@_pjit
def lagrangian_served_par(nbr, cost, u, y, served):  # type: ignore[no-untyped-def]
    """``lagrangian_served`` with rows in parallel."""
    n, k = nbr.shape
    for i in numba.prange(n):
        ui = u[i]
        cnt = 0
        for t in range(k):
            cc = cost[i, t]
            if cc >= ui:
                break
            if y[nbr[i, t]]:
                cnt += 1
        served[i] = cnt


def warm_up() -> None:
    """Compile (or load from cache) every kernel on a tiny input."""
    nbr = np.array([[0, 1], [1, 0]], dtype=np.int64)
    cost = np.array([[1.0, 2.0], [1.0, 2.0]])
    om = np.array([True, True])
    n = 2
    d1, d2 = np.zeros(n), np.zeros(n)
    a1, p1, p2 = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)
    ok = np.zeros(n, np.bool_)
    assign_rows(nbr, cost, om, d1, a1, d2, p1, p2, ok)
    rank = np.array([0, 1], dtype=np.int64)
    swap_sums(nbr, cost, p1, p2, d1, d2, a1, ok, rank, np.zeros(2), np.zeros(4), np.zeros(2), 2)
    u = np.array([1.5, 1.5])
    lagrangian_rho(nbr, cost, u, np.zeros(2))
    lagrangian_served(nbr, cost, u, om, np.zeros(n, np.int64))
    assign_rows_par(nbr, cost, om, d1, a1, d2, p1, p2, ok)
    ws = (np.zeros((1, 2)), np.zeros((1, 4)), np.zeros((1, 2)))
    swap_sums_par(nbr, cost, p1, p2, d1, d2, a1, ok, rank, np.zeros(2), np.zeros(4), np.zeros(2), 2, *ws)
    lagrangian_rho_par(nbr, cost, u, np.zeros(2), 1)
    lagrangian_served_par(nbr, cost, u, om, np.zeros(n, np.int64))
