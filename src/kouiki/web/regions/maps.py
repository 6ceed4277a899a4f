"""Boundaries for the maps, from the packaged N03 data (国土数値情報 行政区域, simplified).

Prefecture GeoJSON files (1 %) are used where packaged (青森・兵庫・奈良); every other body comes from the
national TopoJSON (0.1 %), decoded here. No request leaves the machine.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from kouiki.reference import codes

N03_CREDIT = "国土数値情報（行政区域データ）（国土交通省）を加工して作成"


def _read(name: str) -> Any:
    return json.loads(resources.files("kouiki.reference").joinpath(f"data/boundaries/{name}").read_text(encoding="utf-8"))


@cache
def _prefecture_features() -> dict[str, dict[str, Any]]:
    """5-digit code → GeoJSON feature from the detailed prefecture files."""
    out: dict[str, dict[str, Any]] = {}
    for name in ("N03-21_02_210101.geojson", "N03-21_28_210101.geojson", "N03-21_29_210101.geojson"):
        for f in _read(name)["features"]:
            code5 = f["properties"].get("N03_007")
            if code5:
                out[code5] = f
    return out


def _decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((round(x * sx + tx, 6), round(y * sy + ty, 6)))
        arcs.append(pts)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[list[float]]:
    ring: list[list[float]] = []
    for i in indexes:
        pts = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        ring.extend([list(p) for p in (pts if not ring else pts[1:])])
    return ring


@cache
def _national_features() -> dict[str, dict[str, Any]]:
    topo = _read("N03-21_210101_designated_city_s0001.topojson")
    arcs = _decode_arcs(topo)
    out: dict[str, dict[str, Any]] = {}
    for g in next(iter(topo["objects"].values()))["geometries"]:
        code5 = g["properties"].get("N03_007")
        if not code5:
            continue
        if g["type"] == "Polygon":
            geom = {"type": "Polygon", "coordinates": [_ring(arcs, r) for r in g["arcs"]]}
        elif g["type"] == "MultiPolygon":
            geom = {"type": "MultiPolygon", "coordinates": [[_ring(arcs, r) for r in p] for p in g["arcs"]]}
        else:
            continue
        out[code5] = {"type": "Feature", "geometry": geom, "properties": g["properties"]}
    return out


def boundary(code: str) -> dict[str, Any] | None:
    """The GeoJSON feature of a body (6- or 5-digit code), or None when the packaged data lacks it."""
    code5 = codes.normalize(code)[:5]
    return _prefecture_features().get(code5) or _national_features().get(code5)


def feature_collection(members: list[dict[str, Any]]) -> dict[str, Any]:
    """Boundaries of the given bodies (each dict: code, name, role, … copied into the properties)."""
    feats = []
    for m in members:
        f = boundary(m["code"])
        if f is not None:
            feats.append({"type": "Feature", "geometry": f["geometry"], "properties": dict(m)})
    return {"type": "FeatureCollection", "features": feats, "credit": N03_CREDIT}
