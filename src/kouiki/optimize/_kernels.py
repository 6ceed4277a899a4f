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
    for i in range(nbr.shape[0]):
        _assign_row(i, nbr, cost, open_mask, d1, a1, d2, pos1, pos2, ok)


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


# --- incremental swap evaluation (Resende & Werneck 2003/2007) ----------------------------------------------
# The state of one open set: per row its first and second open list entry (pos1, pos2; d1, a1, d2) and, summed
# over the rows with both in their list ("ok"), gain[j] (opening the closed site j), loss[s] (closing the site
# in slot s) and corr[j*p + s] (both together): exactly what ``swap_sums`` computes in one full pass. A swap
# changes the contribution of a row only if the site that closes is its first or second open entry, or the
# site that opens comes before its second one; those rows are found through the inverse lists (which rows list
# site j, at which position), their old contribution is subtracted, and the new one added. Sums that only such
# rows feed (the closing site's slot, the opening site's gain and corr row) are reset to exact zeros.


@_jit
def inverse_lists(nbr, m):  # type: ignore[no-untyped-def]
    """For each site j, the rows whose list holds j (ascending) and the position there: CSR (ptr, row, pos)."""
    n, k = nbr.shape
    ptr = np.zeros(m + 1, np.int64)
    for i in range(n):
        for t in range(k):
            ptr[nbr[i, t] + 1] += 1
    for j in range(m):
        ptr[j + 1] += ptr[j]
    fill = ptr[:-1].copy()
    row = np.empty(n * k, np.int32)
    pos = np.empty(n * k, np.int32)
    for i in range(n):
        for t in range(k):
            j = nbr[i, t]
            q = fill[j]
            row[q] = i
            pos[q] = t
            fill[j] = q + 1
    return ptr, row, pos


@_jit
def _row_terms(i, sign, nbr, cost, pos1, pos2, d1, d2, a1, rank, gain, corr, loss, p):  # type: ignore[no-untyped-def]
    """Add (sign +1) or remove (sign −1) one ok row's share of gain, corr and loss (as in ``swap_sums``)."""
    r = rank[a1[i]]
    di1 = d1[i]
    di2 = d2[i]
    loss[r] += sign * (di2 - di1)
    for t in range(pos2[i]):
        if t == pos1[i]:
            continue
        j = nbr[i, t]
        c = cost[i, t]
        g = di1 - c
        if g < 0.0:
            g = 0.0
        gain[j] += sign * g
        corr[j * p + r] += sign * (c - di2 + g)


@_jit
def _assign_row(i, nbr, cost, open_mask, d1, a1, d2, pos1, pos2, ok):  # type: ignore[no-untyped-def]
    """``assign_rows`` for one row."""
    k = nbr.shape[1]
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
def inc_swap(nbr, cost, inv_ptr, inv_row, inv_pos, open_mask, rank, slots, jin, rout,  # type: ignore[no-untyped-def]
             d1, a1, d2, pos1, pos2, ok, gain, corr, loss, p, stamp, buf):
    """Open ``jin``, close ``rout`` (it leaves its slot to ``jin``) and update the state for the affected rows
    only. ``stamp`` (n, int64, zeros at first) and ``buf`` (n, int64) are workspaces. Returns the number of
    affected rows."""
    m = gain.shape[0]
    mark = stamp[0] + 1  # stamp[0] holds the last mark used; rows are marked in stamp[1 + i]
    stamp[0] = mark
    cnt = 0
    for q in range(inv_ptr[rout], inv_ptr[rout + 1]):
        i = inv_row[q]
        t = inv_pos[q]
        if ((not ok[i]) or t == pos1[i] or t == pos2[i]) and stamp[1 + i] != mark:
            stamp[1 + i] = mark
            buf[cnt] = i
            cnt += 1
    for q in range(inv_ptr[jin], inv_ptr[jin + 1]):
        i = inv_row[q]
        t = inv_pos[q]
        if ((not ok[i]) or t < pos2[i]) and stamp[1 + i] != mark:
            stamp[1 + i] = mark
            buf[cnt] = i
            cnt += 1
    for b in range(cnt):
        i = buf[b]
        if ok[i]:
            _row_terms(i, -1.0, nbr, cost, pos1, pos2, d1, d2, a1, rank, gain, corr, loss, p)
    s = rank[rout]
    open_mask[rout] = False
    open_mask[jin] = True
    rank[jin] = s
    rank[rout] = -1
    slots[s] = jin
    # only the rows just removed fed these sums: exact zeros instead of what rounding left
    loss[s] = 0.0
    for j in range(m):
        corr[j * p + s] = 0.0
    gain[jin] = 0.0
    gain[rout] = 0.0
    for ss in range(p):
        corr[jin * p + ss] = 0.0
        corr[rout * p + ss] = 0.0
    for b in range(cnt):
        i = buf[b]
        _assign_row(i, nbr, cost, open_mask, d1, a1, d2, pos1, pos2, ok)
        if ok[i]:
            _row_terms(i, 1.0, nbr, cost, pos1, pos2, d1, d2, a1, rank, gain, corr, loss, p)
    return cnt


@_jit
def inc_best(gain, corr, loss, p, slots, open_mask, can_open, can_close, dg, dc, dl, has_def):  # type: ignore[no-untyped-def]
    """The best swap (delta, j_in, slot out) over closed openable j and closable slots; delta < 0 improves.
    ``dg``/``dc``/``dl`` are the shares of the rows outside the state (used when ``has_def``)."""
    m = gain.shape[0]
    best = np.inf
    bj = -1
    bs = -1
    for j in range(m):
        if open_mask[j] or not can_open[j]:
            continue
        g = gain[j]
        if has_def:
            g += dg[j]
        base = j * p
        for s in range(p):
            if not can_close[slots[s]]:
                continue
            d = corr[base + s] + loss[s] - g
            if has_def:
                d += dc[base + s] + dl[s]
            if d < best:
                best = d
                bj = j
                bs = s
    return best, bj, bs


@_jit
def outside_terms(store, where, rows, open_mask, slots, d1, a1, d2, dg, dc, dl, p):  # type: ignore[no-untyped-def]
    """The rows outside the incremental state (second open site not in their list), on exact full rows:
    ``store[where[b]]`` is the weighted full row of ``rows[b]``. Sets their d1/a1/d2 (nearest open site first
    in column order on ties, as ``assign``) and sets ``dg``/``dc``/``dl`` to their share of gain/corr/loss."""
    m = open_mask.shape[0]
    dg[:] = 0.0
    dc[:] = 0.0
    dl[:] = 0.0
    for b in range(rows.shape[0]):
        full = store[where[b]]
        f = -1
        v1 = np.inf
        v2 = np.inf
        for s in range(p):
            j = slots[s]
            c = full[j]
            if c < v1 or (c == v1 and f >= 0 and j < slots[f]):
                v2 = v1
                v1 = c
                f = s
            elif c < v2:
                v2 = c
        i = rows[b]
        d1[i] = v1
        d2[i] = v2
        a1[i] = slots[f]
        dl[f] += v2 - v1
        for j in range(m):
            c = full[j]
            if c < v2 and not open_mask[j]:
                g = v1 - c
                if g < 0.0:
                    g = 0.0
                dg[j] += g
                dc[j * p + f] += c - v2 + g


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
    ptr, row, pos = inverse_lists(nbr, 2)
    om2 = np.array([True, False])
    slots = np.array([0], dtype=np.int64)
    rank1 = np.array([0, -1], dtype=np.int64)
    z = np.zeros(2)
    inc_best(z, z, np.zeros(1), 1, slots, om2, om, om, z, z, np.zeros(1), False)
    inc_swap(nbr, cost, ptr, row, pos, om2, rank1, slots, 1, 0, d1, a1, d2, p1, p2, ok, z, z.copy(), np.zeros(1), 1,
             np.zeros(n + 1, np.int64), np.zeros(n, np.int64))
    outside_terms(cost, np.array([0], np.int64), np.array([0], np.int64), om2, slots, d1, a1, d2, z, z.copy(),
                  np.zeros(1), 1)
