"""Demo inputs from the packaged reference data: demand on a grid inside member bodies, candidates at offices.

Superseded for the demo question by ``kouiki optimize keep-halls`` (``facilities/optimize_bridge.py``: the real
facilities of a demo inventory as candidates, the facilities demand points as demand); kept for CSV
experiments (``region-demand``). Here each member body's 役所・役場 location is its candidate site. Demand points are the cells of a regular
grid (``cell_km``) inside the body's N03 boundary (packaged for 青森・兵庫・奈良); each cell's weight is
**imputed**: the body's 2020 census population spread evenly over its cells (``weight_rule`` column). A body
without a packaged boundary is one demand point at its office (also marked).
"""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import shape
from shapely.prepared import prep

from kouiki.optimize.problem import OptimizeInputError
from kouiki.reference import get
from kouiki.reference.municipalities import Municipality

_BOUNDARY_FILES = {"02": "N03-21_02_210101.geojson", "28": "N03-21_28_210101.geojson", "29": "N03-21_29_210101.geojson"}
RULE_GRID = "imputed: 2020年国勢調査人口を団体内の格子点に均等配分 (population spread evenly over grid cells)"
RULE_OFFICE = "imputed: 境界データがないため役所位置に全人口 (whole population at the office)"


def _boundaries(pref: str) -> dict[str, Any]:
    name = _BOUNDARY_FILES.get(pref)
    if name is None:
        return {}
    text = resources.files("kouiki.reference").joinpath(f"data/boundaries/{name}").read_text("utf-8")
    out: dict[str, Any] = {}
    for f in json.loads(text)["features"]:
        code5 = f["properties"].get("N03_007")
        if code5:
            geom = shape(f["geometry"])
            out[code5] = out[code5].union(geom) if code5 in out else geom
    return out


def region_inputs(members: list[str], cell_km: float = 2.0) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(demand rows, candidate rows) for the member bodies (codes or names)."""
    if cell_km <= 0:
        raise OptimizeInputError(f"cell_km は正の値にしてください ({cell_km})")
    bodies: list[Municipality] = [get(m) for m in members]
    demand: list[dict[str, Any]] = []
    cands: list[dict[str, Any]] = []
    cache: dict[str, dict[str, Any]] = {}
    for b in bodies:
        if b.lat is None or b.lon is None:
            raise OptimizeInputError(f"{b.name} ({b.code}) の役所位置が参照データにありません")
        pop = b.population_2020
        if pop is None:
            raise OptimizeInputError(f"{b.name} ({b.code}) の2020年人口が参照データにありません (unknown population)")
        cands.append({"id": f"office-{b.code}", "name": f"{b.name}役所・役場", "lat": b.lat, "lon": b.lon,
                      "municipality_code": b.code})
        pref = b.code[:2]
        cache.setdefault(pref, _boundaries(pref))
        geom = cache[pref].get(b.code5)
        pts: list[tuple[float, float]] = []
        if geom is not None:
            minx, miny, maxx, maxy = geom.bounds
            dlat = cell_km / 111.32
            dlon = cell_km / (111.32 * np.cos(np.radians((miny + maxy) / 2)))
            pg = prep(geom)
            from shapely.geometry import Point

            for lat in np.arange(miny + dlat / 2, maxy, dlat):
                for lon in np.arange(minx + dlon / 2, maxx, dlon):
                    if pg.contains(Point(lon, lat)):
                        pts.append((float(lat), float(lon)))
        rule = RULE_GRID if pts else RULE_OFFICE
        if not pts:
            pts = [(b.lat, b.lon)]
        each = pop / len(pts)
        for k, (lat, lon) in enumerate(pts):
            demand.append({"id": f"{b.code}-{k:04d}", "lat": round(lat, 6), "lon": round(lon, 6),
                           "weight": round(each, 3), "municipality_code": b.code, "weight_rule": rule})
    return demand, cands


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
