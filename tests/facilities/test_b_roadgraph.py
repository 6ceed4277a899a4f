"""Road graphs: known shortest paths, one multi-source search, GraphML and GeoPackage loading."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely

from kouiki.facilities import roadgraph
from kouiki.facilities.travel import Site, TravelError

# 3 × 3 grid, nodes 0..8 row-major; 0.009° lat ≈ 1 km, 0.011° lon ≈ 1 km at 35°N
LAT = [35 + (n // 3) * 0.009 for n in range(9)]
LON = [135 + (n % 3) * 0.011 for n in range(9)]


def grid() -> roadgraph.RoadGraph:
    edges: list[tuple[int, int, float, float | None]] = []
    for n in range(9):
        if n % 3 < 2:
            edges.append((n, n + 1, 1.0, None))  # 1 km at the default 30 km/h = 2 min
        if n < 6:
            edges.append((n, n + 3, 1.0, 5.0))  # slow vertical links: 5 min
    return roadgraph.from_edges(LAT, LON, edges, "grid")


def test_shortest_minutes_and_km_of_the_fastest_path() -> None:
    g = grid()
    m = g.travel_matrix([Site("a", LAT[0], LON[0])], [Site("x", LAT[8], LON[8]), Site("y", LAT[2], LON[2])])
    assert m.minutes[0, 0] == pytest.approx(2 + 2 + 5 + 5)  # 2 horizontal, 2 vertical
    assert m.km[0, 0] == pytest.approx(4.0)
    assert m.minutes[0, 1] == pytest.approx(4.0)


def test_search_direction_and_workers_do_not_change_results() -> None:
    g = grid()
    sites = [Site(f"s{n}", LAT[n], LON[n]) for n in range(9)]
    one = g.travel_matrix(sites[:2], sites)  # from origins
    rev = g.travel_matrix(sites, sites[:2])  # from destinations (fewer) on the transposed graph
    assert np.allclose(one.minutes, rev.minutes.T)
    par = g.travel_matrix(sites[:4], sites, workers=2, chunk=2)
    assert np.allclose(par.minutes, g.travel_matrix(sites[:4], sites).minutes)


def test_limit_and_snap_time() -> None:
    g = grid()
    m = g.travel_matrix([Site("a", LAT[0], LON[0])], [Site("x", LAT[8], LON[8])], limit_minutes=10)
    assert np.isinf(m.minutes[0, 0])
    off = g.travel_matrix([Site("a", LAT[0] - 0.009, LON[0])], [Site("y", LAT[1], LON[1])])
    # 1 km off the road at walking speed 4.8 km/h = 12.5 min, plus 2 min on the road
    assert off.minutes[0, 0] == pytest.approx(14.5, abs=0.1)


def test_nearest_by_one_multi_source_search_matches_the_matrix() -> None:
    g = grid()
    facs = [Site("f0", LAT[0], LON[0]), Site("f8", LAT[8], LON[8])]
    dist, which = g.nearest(facs)
    full = g.travel_matrix([Site(f"n{n}", LAT[n], LON[n]) for n in range(9)], facs)
    assert np.allclose(dist, full.minutes.min(axis=1))
    # the facility found is a nearest one (ties, like the centre node, may go either way)
    assert all(full.minutes[i, int(w)] == pytest.approx(full.minutes[i].min()) for i, w in enumerate(which))


def test_graphml_roundtrip(tmp_path: Path) -> None:
    G = nx.MultiDiGraph()
    for n in range(3):
        G.add_node(n, x=LON[n], y=LAT[n])
    G.add_edge(0, 1, length=1000.0, travel_time=60.0)
    G.add_edge(1, 2, length=1000.0, speed_kph=60)
    G.add_edge(2, 1, length=1000.0, speed_kph=60)
    G.add_edge(1, 0, length=1000.0, travel_time=60.0)
    p = tmp_path / "roads.graphml"
    nx.write_graphml(G, p)
    g = roadgraph.load(p)
    m = g.travel_matrix([Site("a", LAT[0], LON[0])], [Site("c", LAT[2], LON[2])])
    assert m.minutes[0, 0] == pytest.approx(2.0)
    assert m.provenance["graph_file"] == str(p)


def _gpkg_blob(wkb: bytes) -> bytes:
    return b"GP" + bytes([0, 0b00000001]) + struct.pack("<i", 4326) + wkb  # no envelope, little endian


def test_geopackage_links(tmp_path: Path) -> None:
    p = tmp_path / "roads.gpkg"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT)")
    con.execute("INSERT INTO gpkg_geometry_columns VALUES ('links', 'geom')")
    con.execute("CREATE TABLE links (fid INTEGER PRIMARY KEY, geom BLOB, speed_kph REAL)")
    for (a, b), sp in (((0, 1), 30), ((1, 2), 60)):
        line = shapely.LineString([(LON[a], LAT[a]), (LON[b], LAT[b])])
        con.execute("INSERT INTO links (geom, speed_kph) VALUES (?, ?)", (_gpkg_blob(shapely.to_wkb(line)), sp))
    con.commit()
    con.close()
    g = roadgraph.load(p)
    assert g.n_nodes == 3
    m = g.travel_matrix([Site("a", LAT[0], LON[0])], [Site("c", LAT[2], LON[2])])
    km = m.km[0, 0]
    assert km == pytest.approx(2.0, abs=0.05)
    assert m.minutes[0, 0] == pytest.approx(km / 2 / 30 * 60 + km / 2 / 60 * 60, abs=0.05)


def test_broken_pbf_and_unknown_format_name_the_file(tmp_path: Path) -> None:
    pytest.importorskip("osmium")
    p = tmp_path / "japan.osm.pbf"
    p.write_bytes(b"x")
    with pytest.raises(TravelError, match=r"japan\.osm\.pbf: OSM ファイルを読めません"):
        roadgraph.load(p)
    q = tmp_path / "roads.shp"
    q.write_bytes(b"x")
    with pytest.raises(TravelError, match=r"roads\.shp: 道路ネットワークの形式が不明"):
        roadgraph.load(q)


def test_network_access_by_one_search_equals_the_matrix() -> None:
    from decimal import Decimal

    from kouiki.facilities import access
    from kouiki.facilities.demand import DemandPoint

    g = grid()
    # facilities off the road (snap time counts) and demand points at nodes and off them
    facs = [Site("f0", LAT[0] - 0.002, LON[0]), Site("f8", LAT[8], LON[8] + 0.003), Site("f4", LAT[4], LON[4])]
    demand = [DemandPoint(f"d{n}", LAT[n] + 0.001 * (n % 2), LON[n], 10 + n, "292044") for n in range(9)]
    m = g.travel_matrix([d.site() for d in demand], facs)
    for after in (["f0", "f8", "f4"], ["f0"], ["f8"]):
        by_matrix = access.compare(demand, m, ["f0", "f8", "f4"], after, Decimal(6))
        by_search = access.compare_network(demand, g, facs, ["f0", "f8", "f4"], after, Decimal(6))
        assert np.allclose(by_matrix.after.minutes, by_search.after.minutes)
        assert by_matrix.to_dict()["lose_access"]["population"] == by_search.to_dict()["lose_access"]["population"]


def test_osm_pbf_drivable_ways_speeds_and_oneway(tmp_path: Path) -> None:
    osmium = pytest.importorskip("osmium")  # optional extra kouiki[osm]; installed with the dev extras
    p = tmp_path / "area.osm.pbf"
    w = osmium.SimpleWriter(str(p))
    coords = [(LAT[0], LON[0]), (LAT[1], LON[1]), (LAT[2], LON[2]), (LAT[4], LON[4])]
    for i, (la, lo) in enumerate(coords, start=1):
        w.add_node(osmium.osm.mutable.Node(id=i, location=osmium.osm.Location(lo, la), tags={}))
    w.add_way(osmium.osm.mutable.Way(id=10, nodes=[1, 2, 3], tags={"highway": "residential", "maxspeed": "60"}))
    w.add_way(osmium.osm.mutable.Way(id=11, nodes=[3, 4], tags={"highway": "primary", "oneway": "yes"}))
    w.add_way(osmium.osm.mutable.Way(id=12, nodes=[1, 4], tags={"highway": "footway"}))  # not drivable
    w.close()
    g = roadgraph.load(p)
    assert g.n_nodes == 3 and g.directed  # node 2 is a shape point: folded into the link 1 → 3
    a, c, d = Site("a", LAT[0], LON[0]), Site("c", LAT[2], LON[2]), Site("d", LAT[4], LON[4])
    m = g.travel_matrix([a, d], [c, d])
    assert m.km[0, 0] == pytest.approx(2 * 0.011 * 111.195 * np.cos(np.radians(35)), rel=1e-3)  # along the shape
    assert m.minutes[0, 0] == pytest.approx(m.km[0, 0] / 60 * 60, rel=1e-6)  # maxspeed 60 on the residential way
    assert np.isfinite(m.minutes[0, 1])  # a → c → d along the one-way primary road
    assert np.isinf(m.minutes[1, 0])  # d → c is against the one-way and the footway does not count
