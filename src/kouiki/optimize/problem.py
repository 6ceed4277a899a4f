"""Input data of the location optimiser: demand points, candidate sites, travel costs, and CSV readers.

CSV shapes (``shared/spec/README.md`` "Location optimiser"):

* demand: ``id, lat, lon, weight`` (+ optional ``municipality_code``)
* candidates: ``id, lat, lon`` (+ optional ``municipality_code, capacity, fixed, floor_area_m2,
  fixed_cost_yen, renewal_cost_yen, new``). ``fixed`` is ``keep`` (must keep, 存続必須), ``close`` (must
  close, 廃止決定) or empty; ``true``/``1`` mean ``keep``. ``new`` = ``true`` marks a possible new site.
* ``--matrix``: long form ``origin_id, destination_id, minutes, km`` (travel-matrix contract); pairs that are
  absent are unreachable.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from kouiki.optimize.costs import FloatArray, MatrixDistances, PointDistances, TravelCosts
from kouiki.reference.codes import normalize
from kouiki.reference.errors import CodeError, KouikiError
from kouiki.reference.geo import EARTH_RADIUS_KM


class OptimizeInputError(KouikiError, ValueError):
    """Bad optimiser input (file, row and field named in the message)."""


class InfeasibleError(KouikiError, ValueError):
    """The model has no feasible solution; the message names why (e.g. the demand points no site can serve)."""


def parameters() -> dict[str, Any]:
    """The optimiser's parameters (``parameters/optimize.yaml``, with the user's overlay) as nested mappings."""
    from kouiki.reference.parameters import current

    return current("optimize").tree("optimize")


@dataclass
class Demand:
    ids: list[str]
    xy: FloatArray  # (n, 2) lat, lon (or planar x, y km)
    weight: FloatArray
    body: list[str | None]  # municipality_code (6 digits) or None

    @property
    def n(self) -> int:
        return len(self.ids)


@dataclass
class Candidates:
    ids: list[str]
    xy: FloatArray
    body: list[str | None]
    capacity: FloatArray  # nan = unknown / unlimited
    status: list[str]  # keep | close | free
    floor_area_m2: list[Decimal | None]
    fixed_cost_yen: list[int | None]
    renewal_cost_yen: list[int | None]
    new: list[bool]

    @property
    def m(self) -> int:
        return len(self.ids)

    @classmethod
    def plain(cls, ids: list[str], xy: FloatArray) -> Candidates:
        m = len(ids)
        return cls(
            ids, np.asarray(xy, dtype=np.float64), [None] * m, np.full(m, np.nan), ["free"] * m,
            [None] * m, [None] * m, [None] * m, [False] * m,
        )


@dataclass
class Problem:
    """Demand, candidates and the travel costs between them (km or minutes)."""

    demand: Demand
    candidates: Candidates
    travel: TravelCosts
    source: dict[str, str] = field(default_factory=dict)

    @property
    def unit(self) -> str:
        return self.travel.unit

    @classmethod
    def from_arrays(
        cls,
        demand_xy: Any,
        weights: Any,
        cand_xy: Any,
        metric: str = "greatcircle",
        demand_ids: list[str] | None = None,
        cand_ids: list[str] | None = None,
    ) -> Problem:
        dxy = np.asarray(demand_xy, dtype=np.float64)
        cxy = np.asarray(cand_xy, dtype=np.float64)
        w = np.asarray(weights, dtype=np.float64)
        n, m = len(dxy), len(cxy)
        d_ids = demand_ids or [str(i) for i in range(n)]
        c_ids = cand_ids or [str(j) for j in range(m)]
        demand = Demand(d_ids, dxy, w, [None] * n)
        cands = Candidates.plain(c_ids, cxy)
        _check_basic(demand, cands, "(arrays)")
        travel = PointDistances(dxy, cxy, metric, EARTH_RADIUS_KM)
        return cls(demand, cands, travel, {"metric": metric})

    @classmethod
    def from_matrix_array(cls, matrix: Any, weights: Any, unit: str = "minutes") -> Problem:
        mat = np.asarray(matrix, dtype=np.float64)
        n, m = mat.shape
        w = np.asarray(weights, dtype=np.float64)
        demand = Demand([str(i) for i in range(n)], np.full((n, 2), np.nan), w, [None] * n)
        cands = Candidates.plain([str(j) for j in range(m)], np.full((m, 2), np.nan))
        _check_basic(demand, cands, "(arrays)")
        return cls(demand, cands, MatrixDistances(mat, unit), {"metric": "matrix"})

    @classmethod
    def from_csv(
        cls, demand_csv: Path | str, candidates_csv: Path | str, matrix: Path | str | None = None,
        matrix_column: str = "minutes",
    ) -> Problem:
        demand = read_demand(Path(demand_csv))
        cands = read_candidates(Path(candidates_csv))
        src = {"demand": str(demand_csv), "candidates": str(candidates_csv)}
        if matrix is None:
            travel: TravelCosts = PointDistances(demand.xy, cands.xy, "greatcircle", EARTH_RADIUS_KM)
            src["metric"] = "greatcircle km"
        else:
            travel = read_matrix(Path(matrix), demand.ids, cands.ids, matrix_column)
            src["matrix"] = str(matrix)
            src["metric"] = f"travel matrix ({matrix_column})"
        return cls(demand, cands, travel, src)


def _check_basic(demand: Demand, cands: Candidates, where: str) -> None:
    if demand.n == 0:
        raise OptimizeInputError(f"{where}: 需要点がありません (no demand points)")
    if cands.m == 0:
        raise OptimizeInputError(f"{where}: 候補地がありません (no candidate sites)")
    if not np.all(np.isfinite(demand.weight)) or (demand.weight < 0).any():
        raise OptimizeInputError(f"{where}: weight は0以上の数値にしてください (weights must be finite and >= 0)")
    for kind, ids in (("需要点", demand.ids), ("候補地", cands.ids)):
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                raise OptimizeInputError(f"{where}: {kind}の id '{i}' が重複しています (duplicate id)")
            seen.add(i)


def _rows(path: Path, required: list[str]) -> tuple[list[dict[str, str]], list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise OptimizeInputError(f"{path}: 列 {', '.join(missing)} がありません (missing column)")
        rows = [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in reader]
    return rows, header


def _num(path: Path, line: int, name: str, text: str, allow_empty: bool = False) -> float:
    if text == "" and allow_empty:
        return float("nan")
    try:
        v = float(text)
    except ValueError:
        raise OptimizeInputError(f"{path} {line}行目 {name}: 数値ではありません '{text}' (not a number)") from None
    if not np.isfinite(v):
        raise OptimizeInputError(f"{path} {line}行目 {name}: 有限の数値にしてください '{text}'")
    return v


def _code(path: Path, line: int, text: str) -> str | None:
    if not text:
        return None
    try:
        return normalize(text)
    except CodeError as exc:
        raise OptimizeInputError(f"{path} {line}行目 municipality_code: {exc}") from None


def _latlon(path: Path, line: int, row: dict[str, str]) -> tuple[float, float]:
    lat = _num(path, line, "lat", row["lat"])
    lon = _num(path, line, "lon", row["lon"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise OptimizeInputError(f"{path} {line}行目 lat/lon: 範囲外の座標です ({lat}, {lon})")
    return lat, lon


def read_demand(path: Path) -> Demand:
    rows, _ = _rows(path, ["id", "lat", "lon", "weight"])
    ids, xy, w, body = [], [], [], []
    for k, r in enumerate(rows):
        line = k + 2
        if not r["id"]:
            raise OptimizeInputError(f"{path} {line}行目 id: 空です (empty id)")
        ids.append(r["id"])
        xy.append(_latlon(path, line, r))
        wt = _num(path, line, "weight", r["weight"])
        if wt < 0:
            raise OptimizeInputError(f"{path} {line}行目 weight: 負の値です ({wt})")
        w.append(wt)
        body.append(_code(path, line, r.get("municipality_code", "")))
    d = Demand(ids, np.array(xy, dtype=np.float64).reshape(-1, 2), np.array(w, dtype=np.float64), body)
    _check_basic_single(d.ids, path, "需要点")
    if d.n == 0:
        raise OptimizeInputError(f"{path}: 需要点がありません (no demand rows)")
    return d


def _check_basic_single(ids: list[str], path: Path, kind: str) -> None:
    seen: dict[str, int] = {}
    for k, i in enumerate(ids):
        if i in seen:
            raise OptimizeInputError(f"{path} {k + 2}行目 id: {kind}の id '{i}' が {seen[i] + 2}行目と重複しています")
        seen[i] = k


_TRUE = {"true", "1", "yes", "y", "keep", "存続", "t"}
_FALSE = {"", "false", "0", "no", "n", "f", "free"}


def read_candidates(path: Path) -> Candidates:
    rows, _ = _rows(path, ["id", "lat", "lon"])
    ids: list[str] = []
    xy: list[tuple[float, float]] = []
    cap: list[float] = []
    body: list[str | None] = []
    status: list[str] = []
    floor: list[Decimal | None] = []
    fixed_cost: list[int | None] = []
    renewal: list[int | None] = []
    new: list[bool] = []
    for k, r in enumerate(rows):
        line = k + 2
        if not r["id"]:
            raise OptimizeInputError(f"{path} {line}行目 id: 空です (empty id)")
        ids.append(r["id"])
        xy.append(_latlon(path, line, r))
        body.append(_code(path, line, r.get("municipality_code", "")))
        c = _num(path, line, "capacity", r.get("capacity", ""), allow_empty=True)
        if c < 0:
            raise OptimizeInputError(f"{path} {line}行目 capacity: 負の値です ({c})")
        cap.append(c)
        fx = r.get("fixed", "").lower()
        if fx in _TRUE:
            status.append("keep")
        elif fx in ("close", "closed", "廃止"):
            status.append("close")
        elif fx in _FALSE:
            status.append("free")
        else:
            raise OptimizeInputError(f"{path} {line}行目 fixed: keep / close / 空欄 のいずれかにしてください ('{fx}')")
        fa = r.get("floor_area_m2", "")
        try:
            floor.append(Decimal(fa) if fa else None)
        except InvalidOperation:
            raise OptimizeInputError(f"{path} {line}行目 floor_area_m2: 数値ではありません '{fa}'") from None
        for name, out in (("fixed_cost_yen", fixed_cost), ("renewal_cost_yen", renewal)):
            t = r.get(name, "").replace(",", "")
            if not t:
                out.append(None)
                continue
            try:
                out.append(int(Decimal(t)))
            except InvalidOperation:
                raise OptimizeInputError(f"{path} {line}行目 {name}: 円の整数ではありません '{t}'") from None
        nw = r.get("new", "").lower()
        if nw not in _TRUE | _FALSE:
            raise OptimizeInputError(f"{path} {line}行目 new: true / false にしてください ('{nw}')")
        new.append(nw in _TRUE)
    _check_basic_single(ids, path, "候補地")
    if not ids:
        raise OptimizeInputError(f"{path}: 候補地がありません (no candidate rows)")
    return Candidates(
        ids, np.array(xy, dtype=np.float64).reshape(-1, 2), body, np.array(cap, dtype=np.float64), status,
        floor, fixed_cost, renewal, new,
    )


def read_matrix(path: Path, demand_ids: list[str], cand_ids: list[str], column: str) -> MatrixDistances:
    """Long-form travel matrix → dense array; absent pairs are unreachable (inf)."""
    rows, _ = _rows(path, ["origin_id", "destination_id", column])
    di = {d: i for i, d in enumerate(demand_ids)}
    cj = {c: j for j, c in enumerate(cand_ids)}
    mat = np.full((len(demand_ids), len(cand_ids)), np.inf)
    for k, r in enumerate(rows):
        line = k + 2
        o, d = r["origin_id"], r["destination_id"]
        if o not in di:
            raise OptimizeInputError(f"{path} {line}行目 origin_id: 需要点にない id '{o}' (unknown demand id)")
        if d not in cj:
            raise OptimizeInputError(f"{path} {line}行目 destination_id: 候補地にない id '{d}' (unknown candidate id)")
        v = _num(path, line, column, r[column])
        if v < 0:
            raise OptimizeInputError(f"{path} {line}行目 {column}: 負の値です ({v})")
        mat[di[o], cj[d]] = v
    unit = "minutes" if column == "minutes" else "km"
    return MatrixDistances(mat, unit)
