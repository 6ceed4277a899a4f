"""Network travel times on a road graph the user supplies (道路ネットワーク).

Formats: **GraphML** (as written by OSMnx or QGIS: nodes with ``x``/``y`` = lon/lat, edges with ``length`` in
metres and optionally ``travel_time`` seconds, ``speed_kph`` or ``maxspeed``), **GeoPackage** (a layer of
LineString road links; nodes are the link end points, matched to 1e-7°) and **OSM PBF/XML** extracts through
pyosmium (optional extra ``kouiki[osm]``; Windows and Linux wheels).

Searches use scipy's Dijkstra on a CSR matrix of minutes:

* :meth:`RoadGraph.travel_matrix` — origins × destinations, running one-to-all searches from the *smaller* side
  in chunks (memory stays chunk × nodes), optionally with a ``limit`` in minutes and over worker processes;
* :meth:`RoadGraph.nearest` — the nearest of many facilities for every node in **one** multi-source search.

Points are snapped to the nearest graph node; the straight-line snap distance is added at the off-road speed
of ``parameters/travel.yaml`` (walk), so a point far from any road is not given a zero access time.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from kouiki.facilities.travel import FloatArray, Site, TravelError, TravelMatrix, haversine_km, travel_mode

IntArray = npt.NDArray[np.int64]


@dataclass
class RoadGraph:
    """Nodes (lat/lon) and a sparse matrix of edge minutes; ``source`` names the file it came from."""

    lat: FloatArray
    lon: FloatArray
    minutes: csr_matrix  # minutes[i, j] = travel minutes along edge i→j
    km: csr_matrix  # edge length km (same sparsity)
    source: str
    default_speed_kmh: float
    directed: bool = True  # False: the matrices are symmetric, reverse searches need no transpose

    @property
    def n_nodes(self) -> int:
        return int(self.lat.shape[0])

    # ---- snapping -------------------------------------------------------------------------
    def snap(self, sites: Sequence[Site]) -> tuple[IntArray, FloatArray]:
        """Nearest node of each site and the straight-line km to it (KD-tree on a local projection)."""
        from scipy.spatial import cKDTree

        lat0 = float(np.mean(self.lat))
        k = np.cos(np.radians(lat0))
        tree = cKDTree(np.column_stack([self.lat, self.lon * k]))
        q = np.array([[s.lat, s.lon * k] for s in sites], dtype=float)
        _, idx = tree.query(q)
        idx = np.asarray(idx, dtype=np.int64)
        slat = np.array([s.lat for s in sites])
        slon = np.array([s.lon for s in sites])
        snap_km = haversine_km(slat, slon, self.lat[idx], self.lon[idx])
        return idx, snap_km

    def _snap_minutes(self, snap_km: FloatArray) -> FloatArray:
        walk = travel_mode("walk")
        out: FloatArray = snap_km / float(walk.speed_kmh) * 60.0
        return out

    # ---- searches -------------------------------------------------------------------------
    def travel_matrix(
        self,
        origins: Sequence[Site],
        destinations: Sequence[Site],
        limit_minutes: float | None = None,
        workers: int = 1,
        chunk: int = 32,
        with_km: bool = True,
        progress: Callable[[int, int], None] | None = None,
    ) -> TravelMatrix:
        """Network minutes and km for every origin × destination (inf beyond ``limit_minutes`` / unreachable)."""
        o_nodes, o_snap = self.snap(origins)
        d_nodes, d_snap = self.snap(destinations)
        # Search from the smaller side; on an undirected graph the result is the same, on a directed graph the
        # reverse searches run on the transposed matrix.
        from_dest = len(set(d_nodes.tolist())) < len(set(o_nodes.tolist()))
        src, tgt = (d_nodes, o_nodes) if from_dest else (o_nodes, d_nodes)
        flip = from_dest and self.directed
        g_min = self.minutes.T.tocsr() if flip else self.minutes
        uniq_src, inv_src = np.unique(src, return_inverse=True)
        gkm = (self.km.T.tocsr() if flip else self.km) if with_km else None
        mins_u, km_u = _search_many(g_min, gkm, uniq_src, tgt, progress,
                                    limit_minutes, workers, chunk)
        net_min = mins_u[inv_src]  # len(src) × len(tgt)
        net_km = km_u[inv_src]
        if from_dest:
            net_min, net_km = net_min.T, net_km.T
        minutes = net_min + self._snap_minutes(o_snap)[:, None] + self._snap_minutes(d_snap)[None, :]
        km = net_km + o_snap[:, None] + d_snap[None, :]
        if limit_minutes is not None:
            minutes = np.where(minutes <= limit_minutes, minutes, np.inf)
        prov = self.provenance()
        prov["limit_minutes"] = limit_minutes
        return TravelMatrix([o.id for o in origins], [d.id for d in destinations], minutes, km, prov)

    def nearest(self, facilities: Sequence[Site], limit_minutes: float | None = None) -> tuple[FloatArray, IntArray]:
        """For every node: minutes to the nearest facility and its index (−1 if none), by **one** search.

        A virtual root is linked to every facility's node with the facility's snap minutes, and one Dijkstra from
        the root (on the reversed graph: residents travel *to* facilities) gives every node its nearest facility;
        which one is found by pointer jumping up the search tree to the root's child.
        """
        if not facilities:
            return np.full(self.n_nodes, np.inf), np.full(self.n_nodes, -1, dtype=np.int64)
        f_nodes, f_snap = self.snap(facilities)
        off = self._snap_minutes(f_snap)
        n = self.n_nodes
        # one arc per facility node: the facility with the smallest snap time wins a shared node
        order = np.lexsort((off, f_nodes))
        first = np.r_[True, f_nodes[order][1:] != f_nodes[order][:-1]]
        chosen = order[first]
        g = (self.minutes.T.tocsr() if self.directed else self.minutes).tocoo()
        rows = np.concatenate([g.row, np.full(len(chosen), n)])
        cols = np.concatenate([g.col, f_nodes[chosen]])
        data = np.concatenate([g.data, np.maximum(off[chosen], 1e-9)])
        aug = csr_matrix((data, (rows, cols)), shape=(n + 1, n + 1))
        dist, pred = dijkstra(aug, directed=True, indices=n, return_predecessors=True,
                              limit=np.inf if limit_minutes is None else limit_minutes)
        ar = np.arange(n + 1)
        jump = np.where((pred >= 0) & (pred != n), pred, ar)
        while True:
            nxt = jump[jump]
            if np.array_equal(nxt, jump):
                break
            jump = nxt
        node_fac = np.full(n + 1, -1, dtype=np.int64)
        node_fac[f_nodes[chosen]] = chosen
        fac = np.where(np.isfinite(dist), node_fac[jump], -1)[:n]
        return np.asarray(dist[:n], dtype=float), fac.astype(np.int64)

    def provenance(self) -> dict[str, Any]:
        return {
            "method": "road_graph",
            "graph_file": self.source,
            "graph_file_modified": _mtime(self.source),
            "nodes": self.n_nodes,
            "edges": int(self.minutes.nnz),
            "default_speed_kmh": self.default_speed_kmh,
            "snap": "nearest node; straight-line snap km at walk speed (parameters/travel.yaml)",
            "km": "network km along the fastest path + straight-line snap km (empty when with_km=False)",
        }


def _mtime(path: str) -> str | None:
    try:
        return dt.datetime.fromtimestamp(os.path.getmtime(path), dt.UTC).isoformat(timespec="seconds")
    except OSError:
        return None


def _path_km(pred: IntArray, gkm: csr_matrix, targets: IntArray) -> FloatArray:
    """km along the predecessor tree from the search root to each target, by pointer jumping.

    ``up[v]`` starts as the predecessor and ``acc[v]`` as the km of the edge into v; each round doubles the jump
    (up = up[up], acc += acc[up]), so ⌈log2(depth)⌉ vectorised rounds over all nodes replace a walk per target.
    """
    n = pred.shape[0]
    has = pred >= 0
    v = np.nonzero(has)[0]
    acc = np.zeros(n)
    acc[v] = np.asarray(gkm[pred[v], v]).ravel()
    up = np.where(has, pred, np.arange(n))  # roots and unreached nodes point to themselves
    while True:
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        acc = acc + np.where(up != np.arange(n), acc[up], 0.0)
        up = nxt
    out: FloatArray = acc[targets]
    return out


_WORKER_GRAPH: tuple[csr_matrix, csr_matrix | None] | None = None


def _init_worker(g: csr_matrix, gkm: csr_matrix | None) -> None:
    global _WORKER_GRAPH
    _WORKER_GRAPH = (g, gkm)


def _search_chunk(args: tuple[IntArray, IntArray, float | None]) -> tuple[FloatArray, FloatArray]:
    assert _WORKER_GRAPH is not None
    g, gkm = _WORKER_GRAPH
    sources, targets, limit = args
    want_km = gkm is not None
    res = dijkstra(g, directed=True, indices=sources, return_predecessors=want_km,
                   limit=np.inf if limit is None else limit)
    dist, pred = (res[0], res[1]) if want_km else (res, None)
    dist = np.atleast_2d(dist)
    mins = dist[:, targets]
    km = np.full(mins.shape, np.nan)
    if gkm is not None and pred is not None:
        pred = np.atleast_2d(pred)
        for r in range(pred.shape[0]):
            km[r] = np.where(np.isfinite(mins[r]), _path_km(pred[r], gkm, targets), np.inf)
    return mins, km


def _search_many(
    g: csr_matrix, gkm: csr_matrix | None, sources: IntArray, targets: IntArray,
    progress: Callable[[int, int], None] | None, limit: float | None, workers: int, chunk: int,
) -> tuple[FloatArray, FloatArray]:
    jobs = [(sources[i : i + chunk], targets, limit) for i in range(0, len(sources), chunk)]
    parts: list[tuple[FloatArray, FloatArray]] = []
    if workers > 1 and len(jobs) > 1:
        # the graph goes to each worker once (initializer), the jobs carry only source indices
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(g, gkm)) as pool:
            for part in pool.map(_search_chunk, jobs):
                parts.append(part)
                if progress:
                    progress(min(len(parts) * chunk, len(sources)), len(sources))
    else:
        _init_worker(g, gkm)
        for j in jobs:
            parts.append(_search_chunk(j))
            if progress:
                progress(min(len(parts) * chunk, len(sources)), len(sources))
    return np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])


# ---- building and loading ---------------------------------------------------------------------------


def from_edges(
    lat: Sequence[float] | FloatArray,
    lon: Sequence[float] | FloatArray,
    edges: Sequence[tuple[int, int, float, float | None]],
    source: str,
    directed: bool = False,
    speed_kmh: float | None = None,
) -> RoadGraph:
    """Build a graph from node coordinates and edges ``(u, v, km, minutes or None)``.

    ``minutes`` None → km ÷ the default road speed (parameters/travel.yaml, car, without circuity: the edge is the
    road itself). Parallel edges keep the fastest.
    """
    car = travel_mode("car")
    speed = float(car.speed_kmh) if speed_kmh is None else speed_kmh
    n = len(lat)
    if not edges:
        raise TravelError(f"{source}: 道路リンクが0件です")
    e = np.array([(u, v) for u, v, _, _ in edges], dtype=np.int64)
    kms = np.array([k for _, _, k, _ in edges], dtype=float)
    mins = np.array([m if m is not None else k / speed * 60.0 for _, _, k, m in edges], dtype=float)
    if (e < 0).any() or (e >= n).any():
        raise TravelError(f"{source}: 道路リンクが存在しないノードを参照しています")
    if (mins < 0).any() or (kms < 0).any():
        raise TravelError(f"{source}: 道路リンクの長さ・所要時間が負です")
    mins = np.maximum(mins, 1e-9)  # csgraph treats explicit 0 as no edge
    rows, cols = e[:, 0], e[:, 1]
    if not directed:
        rows, cols = np.concatenate([rows, e[:, 1]]), np.concatenate([cols, e[:, 0]])
        mins, kms = np.concatenate([mins, mins]), np.concatenate([kms, kms])
    # keep the fastest of parallel edges: sort by minutes descending so the last (fastest) write wins
    order = np.lexsort((-mins, cols, rows))
    rows, cols, mins, kms = rows[order], cols[order], mins[order], kms[order]
    key = rows * n + cols
    last = np.r_[key[1:] != key[:-1], True]
    rows, cols, mins, kms = rows[last], cols[last], mins[last], kms[last]
    g = csr_matrix((mins, (rows, cols)), shape=(n, n))
    gk = csr_matrix((np.maximum(kms, 1e-12), (rows, cols)), shape=(n, n))
    return RoadGraph(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float), g, gk, source, speed, directed)


def load(path: Path, speed_kmh: float | None = None) -> RoadGraph:
    """Load a road graph by file suffix (.graphml / .gpkg)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(2, "not found", str(path))
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        return load_graphml(path, speed_kmh)
    if suffix == ".gpkg":
        return load_geopackage(path, speed_kmh)
    if suffix == ".pbf" or path.name.endswith((".osm.pbf", ".osm")):
        return load_osm(path)
    raise TravelError(f"{path}: 道路ネットワークの形式が不明です（.graphml / .gpkg / .osm.pbf）")


def _num(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):  # OSMnx may store lists for merged edges
        nums = [x for x in (_num(v) for v in value) if x is not None]
        return min(nums) if nums else None
    text = str(value).strip().split()[0] if str(value).strip() else ""
    try:
        return float(text)
    except ValueError:
        return None


def load_osm(path: Path) -> RoadGraph:
    """Drivable roads from an OSM PBF/XML extract (e.g. a prefecture from Geofabrik) via pyosmium.

    pyosmium (``osmium``, wheels for Windows and Linux) is an optional extra: ``pip install kouiki[osm]``.
    Ways with a ``highway`` class listed in ``parameters/travel.yaml`` (osm_speeds_kmh) become links between
    intersections and way ends (shape points are folded into the links, as OSMnx simplifies); ``maxspeed`` (km/h)
    overrides the class speed; ``oneway`` is respected.
    """
    try:
        import osmium
    except ImportError:
        raise TravelError(
            f"{path}: OSM PBF の読込みには pyosmium が必要です（pip install kouiki[osm]）。"
            "または OSMnx や QGIS で GraphML / GeoPackage に変換してください"
        ) from None
    from kouiki.facilities.travel import _parameters

    params = _parameters()
    speeds = {str(k): float(v) for k, v in params["osm_speeds_kmh"].items()}
    index: dict[int, int] = {}
    lat: list[float] = []
    lon: list[float] = []
    edges: list[tuple[int, int, float, float | None]] = []

    def node(ref: int, la: float, lo: float) -> int:
        if ref not in index:
            index[ref] = len(lat)
            lat.append(la)
            lon.append(lo)
        return index[ref]

    ways: list[tuple[list[tuple[int, float, float]], float, bool]] = []
    uses: dict[int, int] = {}
    try:
        processor = osmium.FileProcessor(str(path)).with_locations()
        for obj in processor:
            if not isinstance(obj, osmium.osm.Way):
                continue
            cls = obj.tags.get("highway")
            if cls not in speeds:
                continue
            speed = _num(obj.tags.get("maxspeed")) or speeds[cls]
            oneway = obj.tags.get("oneway", "no")
            refs = [(n.ref, n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
            if oneway == "-1":
                refs.reverse()
            if len(refs) < 2:
                continue
            ways.append((refs, speed, oneway in ("yes", "true", "1", "-1")))
            for k, (r, _, _) in enumerate(refs):
                # way ends count twice so they are always kept
                uses[r] = uses.get(r, 0) + (2 if k in (0, len(refs) - 1) else 1)
    except RuntimeError as exc:
        raise TravelError(f"{path}: OSM ファイルを読めません: {exc}") from exc
    # Simplify as OSMnx does: keep way ends and nodes shared by several ways (intersections); a link runs between
    # consecutive kept nodes with the length and time summed along the way's shape.
    for refs, speed, one in ways:
        start_ref, la0, lo0 = refs[0]
        km_acc = 0.0
        for (_, la1, lo1), (r2, la2, lo2) in itertools.pairwise(refs):
            km_acc += float(haversine_km(np.array(la1), np.array(lo1), np.array(la2), np.array(lo2)))
            if uses.get(r2, 0) >= 2:
                if r2 != start_ref:
                    u, v = node(start_ref, la0, lo0), node(r2, la2, lo2)
                    minutes = km_acc / speed * 60.0
                    edges.append((u, v, km_acc, minutes))
                    if not one:
                        edges.append((v, u, km_acc, minutes))
                start_ref, la0, lo0, km_acc = r2, la2, lo2, 0.0
    return from_edges(lat, lon, edges, str(path), directed=True)


def load_graphml(path: Path, speed_kmh: float | None = None) -> RoadGraph:
    import networkx as nx

    try:
        g = nx.read_graphml(path)
    except Exception as exc:  # networkx raises several parser errors
        raise TravelError(f"{path}: GraphML を読めません: {exc}") from exc
    index: dict[Any, int] = {}
    lat: list[float] = []
    lon: list[float] = []
    for node, data in g.nodes(data=True):
        x, y = _num(data.get("x", data.get("lon"))), _num(data.get("y", data.get("lat")))
        if x is None or y is None:
            raise TravelError(f"{path}: ノード {node} に座標 (x/y または lon/lat) がありません")
        index[node] = len(lat)
        lat.append(y)
        lon.append(x)
    edges: list[tuple[int, int, float, float | None]] = []
    for u, v, data in g.edges(data=True):
        length_m = _num(data.get("length"))
        km = length_m / 1000.0 if length_m is not None else float(
            haversine_km(np.array(lat[index[u]]), np.array(lon[index[u]]), np.array(lat[index[v]]), np.array(lon[index[v]]))
        )
        minutes: float | None = None
        if (tt := _num(data.get("travel_time"))) is not None:
            minutes = tt / 60.0
        elif (sp := _num(data.get("speed_kph", data.get("maxspeed")))) is not None and sp > 0:
            minutes = km / sp * 60.0
        edges.append((index[u], index[v], km, minutes))
    return from_edges(lat, lon, edges, str(path), directed=g.is_directed(), speed_kmh=speed_kmh)


def load_geopackage(path: Path, speed_kmh: float | None = None, layer: str | None = None) -> RoadGraph:
    """Road links from a GeoPackage LineString layer (sqlite + GPKG geometry blobs, parsed with shapely)."""
    import shapely

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        layers = con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        if not layers:
            raise TravelError(f"{path}: ジオメトリを持つレイヤがありません")
        if layer is not None:
            layers = [ly for ly in layers if ly[0] == layer]
            if not layers:
                raise TravelError(f"{path}: レイヤ {layer} がありません")
        table, geom_col = layers[0]
        cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
        speed_col = next((c for c in cols if c.lower() in {"speed_kph", "speed_kmh", "maxspeed"}), None)
        time_col = next((c for c in cols if c.lower() in {"travel_time", "minutes"}), None)
        sel = [f'"{geom_col}"'] + [f'"{c}"' for c in (speed_col, time_col) if c]
        rows = con.execute(f'SELECT {", ".join(sel)} FROM "{table}"').fetchall()
    except sqlite3.DatabaseError as exc:
        raise TravelError(f"{path}: GeoPackage を読めません: {exc}") from exc
    finally:
        con.close()
    index: dict[tuple[float, float], int] = {}
    lat: list[float] = []
    lon: list[float] = []

    def node(x: float, y: float) -> int:
        key = (round(y, 7), round(x, 7))
        if key not in index:
            index[key] = len(lat)
            lat.append(key[0])
            lon.append(key[1])
        return index[key]

    edges: list[tuple[int, int, float, float | None]] = []
    for rownum, row in enumerate(rows, start=1):
        geom = shapely.from_wkb(_gpkg_wkb(row[0], path, rownum))
        lines = list(geom.geoms) if geom.geom_type == "MultiLineString" else [geom]
        for line in lines:
            xy = np.asarray(line.coords)
            if len(xy) < 2:
                continue
            seg = haversine_km(xy[:-1, 1], xy[:-1, 0], xy[1:, 1], xy[1:, 0])
            km = float(seg.sum())
            minutes: float | None = None
            k = 1
            if speed_col:
                sp = _num(row[k])
                k += 1
                if sp:
                    minutes = km / sp * 60.0
            if time_col:
                t = _num(row[k])
                if t is not None:
                    minutes = t if time_col.lower() == "minutes" else t / 60.0
            edges.append((node(xy[0, 0], xy[0, 1]), node(xy[-1, 0], xy[-1, 1]), km, minutes))
    return from_edges(lat, lon, edges, str(path), directed=False, speed_kmh=speed_kmh)


def _gpkg_wkb(blob: bytes, path: Path, rownum: int) -> bytes:
    """Strip the GeoPackage binary header (GP, version, flags, srs_id, envelope) to plain WKB."""
    if not blob or blob[:2] != b"GP":
        raise TravelError(f"{path} {rownum}件目: GeoPackage のジオメトリではありません")
    flags = blob[3]
    env = (flags >> 1) & 0b111
    env_len = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get(env)
    if env_len is None:
        raise TravelError(f"{path} {rownum}件目: ジオメトリのヘッダが不正です")
    return bytes(blob[8 + env_len :])
