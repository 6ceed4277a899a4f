"""Row-wise kernels of the fast p-median path, compiled with numba.

Each kernel walks a demand point's sorted K-nearest list and stops as soon as the rest cannot matter
(costs are sorted), so a pass costs O(entries that matter), not O(N·K). Plain loops, no allocation inside.
"""

from __future__ import annotations

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

