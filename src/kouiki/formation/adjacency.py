"""Which bodies border which (隣接), from the packaged N03 boundaries.

Two sources, combined:

1. **Topology** of the national TopoJSON (``N03-21_210101_designated_city_s0001.topojson``, 政令市 merged;
   and ``N03-21_210101_s0001.topojson`` for wards): two bodies that share an arc border each other. Shared
   arcs survive topology-preserving simplification, so this is exact at any resolution, across prefectures.
2. **Geometry** of the 1 % per-prefecture GeoJSON (青森・兵庫・奈良): polygons that touch within a small buffer
   (``neighbours.adjacency.buffer_degrees`` in the parameter file, ≈ 50 m) — absorbs slivers and gaps.

A body is adjacent when either source says so; ``methods`` records which.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from importlib import resources
from typing import Any

from kouiki.reference import codes

BOUNDARY_CREDIT = "国土数値情報（行政区域データ）（国土交通省）を加工して作成（N03 2021-01-01, スマートニュース メディア研究所 簡略化版）"
NATIONAL_FILES = ("N03-21_210101_designated_city_s0001.topojson", "N03-21_210101_s0001.topojson")
PREFECTURE_FILES = {"02": "N03-21_02_210101.geojson", "28": "N03-21_28_210101.geojson", "29": "N03-21_29_210101.geojson"}


def _load(name: str) -> Any:
    path = resources.files("kouiki.reference").joinpath("data", "boundaries", name)
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _arc_ids(node: Any, out: set[int]) -> None:
    if isinstance(node, int):
        out.add(node if node >= 0 else ~node)  # ~i marks arc i traversed backwards
    elif isinstance(node, list):
        for x in node:
            _arc_ids(x, out)


def topology_adjacency(topo: dict[str, Any]) -> dict[str, set[str]]:
    """Body code (6 digits) → codes of bodies sharing at least one arc with it."""
    owners: dict[int, set[str]] = defaultdict(set)
    for obj in topo["objects"].values():
        for g in obj.get("geometries", []):
            code5 = (g.get("properties") or {}).get("N03_007")
            if not code5:
                continue  # areas with no municipality (所属未定地)
            arcs: set[int] = set()
            _arc_ids(g.get("arcs", []), arcs)
            code = codes.normalize(code5)
            for a in arcs:
                owners[a].add(code)
    out: dict[str, set[str]] = defaultdict(set)
    for group in owners.values():
        for c in group:
            out[c] |= group - {c}
    return dict(out)


@cache
def _topology() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    return topology_adjacency(_load(NATIONAL_FILES[0])), topology_adjacency(_load(NATIONAL_FILES[1]))


@cache
def _prefecture_shapes(pref2: str) -> dict[str, Any]:
    from shapely.geometry import shape
    from shapely.ops import unary_union

    parts: dict[str, list[Any]] = defaultdict(list)
    for ft in _load(PREFECTURE_FILES[pref2])["features"]:
        code5 = ft["properties"].get("N03_007")
        if code5:
            parts[codes.normalize(code5)].append(shape(ft["geometry"]))
    return {c: unary_union(gs) for c, gs in parts.items()}


def geometric_neighbours(code: str, buffer_degrees: float) -> set[str] | None:
    """Same-prefecture bodies touching ``code`` within the buffer; None when no 1 % file covers it."""
    code6 = codes.normalize(code)
    pref2 = code6[:2]
    if pref2 not in PREFECTURE_FILES:
        return None
    shapes = _prefecture_shapes(pref2)
    me = shapes.get(code6)
    if me is None:
        return None
    grown = me.buffer(buffer_degrees)
    return {c for c, g in shapes.items() if c != code6 and grown.intersects(g)}


def adjacency(code: str | int, buffer_degrees: float | None = None) -> dict[str, list[str]]:
    """Bodies adjacent to ``code`` → the methods that found them (``topology``, ``geometry``)."""
    if buffer_degrees is None:
        from kouiki.formation.params import load_params

        buffer_degrees = load_params().adjacency_buffer_degrees
    code6 = codes.normalize(code)
    merged, wards = _topology()
    topo = merged.get(code6, wards.get(code6, set()))
    out: dict[str, list[str]] = {c: ["topology"] for c in topo}
    query_is_ward = code6 not in merged and code6 in wards
    for c in geometric_neighbours(code6, buffer_degrees) or set():
        if not query_is_ward:
            c = _parent_city(c)  # the 1 % files split 神戸市 into wards; a city borders 神戸市 as a whole
        if c == code6:
            continue
        methods = out.setdefault(c, [])
        if "geometry" not in methods:
            methods.append("geometry")
    return out


def _parent_city(code6: str) -> str:
    from kouiki.reference.municipalities import registry

    if code6 in registry():
        parent = registry().by_code(code6).parent_code
        if parent:
            return parent
    return code6


def has_boundary(code: str | int) -> bool:
    code6 = codes.normalize(code)
    merged, wards = _topology()
    return code6 in merged or code6 in wards


def are_adjacent(a: str | int, b: str | int) -> bool | None:
    """True/False, or None when a body has no boundary in the packaged data."""
    if not (has_boundary(a) and has_boundary(b)):
        return None
    return codes.normalize(b) in adjacency(a)
