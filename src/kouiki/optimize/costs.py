"""Travel costs between demand points and candidate sites (需要点 × 候補地).

Two sources, one interface:

* :class:`PointDistances` — coordinates; great-circle km (default) or planar km (projected/synthetic data).
  Distances are computed on demand, never stored as a dense N×M matrix.
* :class:`MatrixDistances` — a travel matrix (long form ``origin_id, destination_id, minutes, km``) held as a
  dense array; pairs absent from the matrix are *unreachable*.

Both give each demand point's K nearest candidates (:meth:`near`) and exact rows on request (:meth:`rows`).
The solvers work on the near lists and fall back to exact rows only where the lists do not suffice, so every
objective and every lower bound they report is exact for the full problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class TravelCosts(Protocol):
    """Distances (km or minutes) from n demand points to m candidate sites."""

    unit: str

    @property
    def n(self) -> int: ...

    @property
    def m(self) -> int: ...

    def rows(self, idx: IntArray, cols: IntArray | None = None) -> FloatArray:
        """Exact distances of the demand points ``idx`` to the candidates ``cols`` (default: all)."""
        ...

    def near(self, k: int) -> tuple[IntArray, FloatArray, FloatArray]:
        """The k nearest candidates of each demand point (sorted), their distances, and the distance of
        the (k+1)-th nearest (``inf`` when k == m): a lower bound on every candidate not listed."""
        ...


def _unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


@dataclass
class PointDistances:
    """Distances from coordinates. ``metric`` is ``"greatcircle"`` (lat/lon degrees → km on a sphere of
    ``earth_radius_km``) or ``"euclidean"`` (x/y already in km)."""

    demand_xy: FloatArray  # (n, 2): lat, lon  or  x, y
    cand_xy: FloatArray  # (m, 2)
    metric: str = "greatcircle"
    earth_radius_km: float = 6371.0088
    unit: str = "km"

    def __post_init__(self) -> None:
        self.demand_xy = np.ascontiguousarray(self.demand_xy, dtype=np.float64)
        self.cand_xy = np.ascontiguousarray(self.cand_xy, dtype=np.float64)
        if self.metric not in ("greatcircle", "euclidean"):
            raise ValueError(f"unknown metric {self.metric!r}")
        if self.metric == "greatcircle":
            self._dv = _unit_vectors(self.demand_xy[:, 0], self.demand_xy[:, 1])
            self._cv = _unit_vectors(self.cand_xy[:, 0], self.cand_xy[:, 1])
        else:
            self._dv = self.demand_xy
            self._cv = self.cand_xy

    @property
    def n(self) -> int:
        return int(self.demand_xy.shape[0])

    @property
    def m(self) -> int:
        return int(self.cand_xy.shape[0])

    def _to_km(self, chord: FloatArray) -> FloatArray:
        if self.metric == "euclidean":
            return chord
        half = np.clip(chord / 2.0, 0.0, 1.0)
        return np.asarray(2.0 * self.earth_radius_km * np.arcsin(half), dtype=np.float64)

    def rows(self, idx: IntArray, cols: IntArray | None = None) -> FloatArray:
        cv = self._cv if cols is None else self._cv[cols]
        out = np.empty((len(idx), cv.shape[0]))
        step = max(1, 1_000_000 // max(cv.shape[0], 1))  # bounded temporaries
        for s in range(0, len(idx), step):
            a = self._dv[idx[s : s + step]]
            diff = a[:, None, :] - cv[None, :, :]
            out[s : s + step] = self._to_km(np.sqrt(np.einsum("ijk,ijk->ij", diff, diff)))
        return out

    def near(self, k: int) -> tuple[IntArray, FloatArray, FloatArray]:
        k = min(k, self.m)
        kq = min(k + 1, self.m)
        tree = cKDTree(self._cv)
        dist, idx = tree.query(self._dv, k=kq)
        dist = np.asarray(dist, dtype=np.float64).reshape(self.n, kq)
        idx = np.asarray(idx, dtype=np.int64).reshape(self.n, kq)
        km = self._to_km(dist)
        beyond = km[:, k] if kq > k else np.full(self.n, np.inf)
        return idx[:, :k].copy(), km[:, :k].copy(), np.asarray(beyond, dtype=np.float64).copy()


@dataclass
class MatrixDistances:
    """A dense (n, m) travel matrix; ``inf`` marks an unreachable pair (absent from the long-form file)."""

    matrix: FloatArray
    unit: str = "minutes"

    def __post_init__(self) -> None:
        self.matrix = np.ascontiguousarray(self.matrix, dtype=np.float64)

    @property
    def n(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def m(self) -> int:
        return int(self.matrix.shape[1])

    def rows(self, idx: IntArray, cols: IntArray | None = None) -> FloatArray:
        sub = self.matrix[idx]
        return np.asarray(sub if cols is None else sub[:, cols], dtype=np.float64)

    def near(self, k: int) -> tuple[IntArray, FloatArray, FloatArray]:
        k = min(k, self.m)
        if k < self.m:
            part = np.argpartition(self.matrix, k, axis=1)[:, : k + 1]
        else:
            part = np.tile(np.arange(self.m), (self.n, 1))
        vals = np.take_along_axis(self.matrix, part, axis=1)
        order = np.argsort(vals, axis=1, kind="stable")
        idx = np.take_along_axis(part, order, axis=1)
        d = np.take_along_axis(vals, order, axis=1)
        beyond = d[:, k] if k < self.m else np.full(self.n, np.inf)
        return idx[:, :k].astype(np.int64), d[:, :k].copy(), np.asarray(beyond, dtype=np.float64).copy()
