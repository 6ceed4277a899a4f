"""Compiled one-to-all Dijkstra over CSR arrays (numba), the fast path of :mod:`kouiki.facilities.roadgraph`.

One search per source on a bucket queue (:func:`bucket_width` picks Δ; exact for any Δ, see ``_search_rows``;
measured ~1.6× fewer CPU seconds than scipy's Fibonacci-heap Dijkstra on a 200,000-node grid), with two ways to
stop early that do not change any result:

* when every *target* node is settled (a travel matrix needs only the destinations' distances);
* when the next node to settle is beyond the cut-off ``limit`` (nodes beyond it stay ``inf``, as scipy's
  ``limit``).

Distances are float64 sums along the path (the same additions scipy makes), so results equal scipy's up to the
order of additions on tied paths. The km along the found fastest path is carried with the distance (km of the
predecessor + km of the arc), which equals walking scipy's predecessor tree. The kernels release the GIL
(``nogil``): the caller runs chunks of sources on threads that share the graph without copying it.

If numba is missing, :data:`AVAILABLE` is False and the caller uses scipy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    import numba

    _jit: Any = numba.njit(cache=True, nogil=True)
    AVAILABLE = True
except ImportError:  # pragma: no cover - numba is a dependency; the scipy path stays as the fallback
    AVAILABLE = False

    def _jit(fn: Any) -> Any:
        return fn


def _sift_up_py(hnode: Any, hkey: Any, pos: Any, i: int) -> None:
    v = hnode[i]
    k = hkey[i]
    while i > 0:
        p = (i - 1) >> 1
        if hkey[p] <= k:
            break
        hnode[i] = hnode[p]
        hkey[i] = hkey[p]
        pos[hnode[i]] = i
        i = p
    hnode[i] = v
    hkey[i] = k
    pos[v] = i


def _sift_down_py(hnode: Any, hkey: Any, pos: Any, size: int) -> None:
    v = hnode[0]
    k = hkey[0]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and hkey[c + 1] < hkey[c]:
            c += 1
        if hkey[c] >= k:
            break
        hnode[i] = hnode[c]
        hkey[i] = hkey[c]
        pos[hnode[i]] = i
        i = c
    hnode[i] = v
    hkey[i] = k
    pos[v] = i


def _search_rows(
    indptr: Any, indices: Any, w: Any, wkm: Any, want_km: bool, delta: float, nslots: int,
    sources: Any, targets: Any, n_unique_targets: int, is_target: Any, limit: float,
    out_min: Any, out_km: Any,
) -> None:
    """One search per source; row r of ``out_min``/``out_km`` gets the distances of ``targets`` from sources[r].

    Bucket queue (Dial / Δ-stepping, sequential): node v waits in bucket ⌊dist(v)/Δ⌋ (a doubly linked list; the
    buckets are a ring of ``nslots`` ≥ max arc / Δ + 2 slots, so a decrease-key is O(1)). Buckets are emptied in
    order; an arc lighter than Δ can put a node back into the bucket being emptied, and it is simply scanned
    again (label-correcting), so the result is exact for any Δ. Once bucket i is empty every node below (i+1)·Δ
    is final: the search stops when all targets are final or i·Δ passes the cut-off.
    """
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    dkm = np.zeros(n)
    nxt = np.full(n, -1, np.int64)
    prv = np.full(n, -1, np.int64)
    slot_of = np.full(n, -1, np.int64)  # -1 not queued
    head = np.full(nslots, -1, np.int64)
    counted = np.zeros(n, np.bool_)
    pending = np.empty(n, np.int64)
    touched = np.empty(n, np.int64)
    inv = 1.0 / delta
    for r in range(sources.shape[0]):
        s = sources[r]
        dist[s] = 0.0
        dkm[s] = 0.0
        touched[0] = s
        n_touched = 1
        head[0] = s
        slot_of[s] = 0
        nxt[s] = -1
        prv[s] = -1
        queued = 1
        left = n_unique_targets
        i = 0
        while queued > 0:
            if i * delta > limit:
                break
            sl = i % nslots
            n_pending = 0
            while head[sl] != -1:
                u = head[sl]
                h2 = nxt[u]
                head[sl] = h2
                if h2 != -1:
                    prv[h2] = -1
                slot_of[u] = -1
                queued -= 1
                du = dist[u]
                if is_target[u] and not counted[u]:
                    counted[u] = True
                    pending[n_pending] = u
                    n_pending += 1
                for a in range(indptr[u], indptr[u + 1]):
                    v = indices[a]
                    nd = du + w[a]
                    if nd < dist[v] and nd <= limit:
                        if dist[v] == np.inf:
                            touched[n_touched] = v
                            n_touched += 1
                        dist[v] = nd
                        if want_km:
                            dkm[v] = dkm[u] + wkm[a]
                        ns = np.int64(nd * inv) % nslots
                        os_ = slot_of[v]
                        if os_ != ns:
                            if os_ != -1:
                                p = prv[v]
                                q = nxt[v]
                                if p != -1:
                                    nxt[p] = q
                                else:
                                    head[os_] = q
                                if q != -1:
                                    prv[q] = p
                            else:
                                queued += 1
                            q = head[ns]
                            nxt[v] = q
                            prv[v] = -1
                            if q != -1:
                                prv[q] = v
                            head[ns] = v
                            slot_of[v] = ns
            left -= n_pending
            if left <= 0 and n_unique_targets > 0:
                break
            i += 1
        for t in range(targets.shape[0]):
            x = targets[t]
            d = dist[x]
            out_min[r, t] = d
            if d == np.inf:
                out_km[r, t] = np.inf if want_km else np.nan
            else:
                out_km[r, t] = dkm[x] if want_km else np.nan
        for k in range(n_touched):
            x = touched[k]
            dist[x] = np.inf
            counted[x] = False
            if slot_of[x] != -1:
                head[slot_of[x]] = -1
                slot_of[x] = -1


def _nearest(indptr: Any, indices: Any, w: Any, roots: Any, root_key: Any, root_label: Any, limit: float,
             dist: Any, label: Any) -> None:
    """One multi-source search: every node gets the smallest ``root_key + path`` and the label of that root."""
    n = indptr.shape[0] - 1
    pos = np.full(n, -1, np.int64)
    hnode = np.empty(n, np.int64)
    hkey = np.empty(n)
    size = 0
    for i in range(roots.shape[0]):
        v = roots[i]
        k = root_key[i]
        if k > limit:
            continue
        if pos[v] == -1:
            dist[v] = k
            label[v] = root_label[i]
            hnode[size] = v
            hkey[size] = k
            size += 1
            _sift_up(hnode, hkey, pos, size - 1)
        elif k < dist[v]:
            dist[v] = k
            label[v] = root_label[i]
            hkey[pos[v]] = k
            _sift_up(hnode, hkey, pos, pos[v])
    while size > 0:
        u = hnode[0]
        du = hkey[0]
        size -= 1
        pos[u] = -2
        if size > 0:
            hnode[0] = hnode[size]
            hkey[0] = hkey[size]
            _sift_down(hnode, hkey, pos, size)
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            pv = pos[v]
            if pv == -2:
                continue
            nd = du + w[a]
            if nd > limit:
                continue
            if pv == -1:
                dist[v] = nd
                label[v] = label[u]
                hnode[size] = v
                hkey[size] = nd
                size += 1
                _sift_up(hnode, hkey, pos, size - 1)
            elif nd < dist[v]:
                dist[v] = nd
                label[v] = label[u]
                hkey[pv] = nd
                _sift_up(hnode, hkey, pos, pv)
    for v in range(n):
        if pos[v] != -2:
            dist[v] = np.inf
            label[v] = -1


_sift_up: Any = _jit(_sift_up_py)
_sift_down: Any = _jit(_sift_down_py)
search_rows_kernel: Any = _jit(_search_rows)

MAX_SLOTS = 1 << 20  # ring of buckets: at most ~1M slots (16 MB) however long the longest arc


def bucket_width(w: Any) -> tuple[float, int]:
    """Δ = the median arc minutes (measured fastest on grid-like road graphs; any Δ is exact) and the ring size."""
    if len(w) == 0:
        return 1.0, 2
    w_max = float(np.max(w))
    delta = max(float(np.median(w)), w_max / MAX_SLOTS, 1e-12)
    return delta, int(w_max / delta) + 2
nearest_kernel: Any = _jit(_nearest)
