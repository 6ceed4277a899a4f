"""The compiled road-graph search (numba bucket queue) gives scipy's Dijkstra figures: random graphs (directed,
undirected, disconnected), cut-offs, any bucket width Δ, threads, the benchmark's grid, one multi-source search."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from kouiki.facilities import _roadsearch, roadgraph
from kouiki.facilities.travel import Site, TravelError
from tests.hypothesis_budget import examples

pytestmark = pytest.mark.skipif(not _roadsearch.AVAILABLE, reason="numba not installed")


def random_graph(rng: np.random.Generator, n: int, m: int, directed: bool, components: int = 1) -> roadgraph.RoadGraph:
    """n nodes in ``components`` separate blocks (no arc between blocks), m random arcs with random minutes/km."""
    lat = 35 + rng.random(n) * 0.1
    lon = 135 + rng.random(n) * 0.1
    block = rng.integers(0, components, n)
    edges: list[tuple[int, int, float, float | None]] = []
    while len(edges) < m:
        u, v = (int(x) for x in rng.integers(0, n, 2))
        if u == v or block[u] != block[v]:
            continue
        km = float(rng.uniform(0.01, 3.0))
        # a few very light arcs (seconds) next to long ones: many re-scans inside a bucket
        minutes = float(rng.choice([rng.uniform(0.001, 0.01), rng.uniform(0.1, 10.0)]))
        edges.append((u, v, km, minutes))
    return roadgraph.from_edges(lat, lon, edges, "random", directed=directed)


def node_sites(g: roadgraph.RoadGraph, nodes: np.ndarray, prefix: str) -> list[Site]:
    return [Site(f"{prefix}{k}", float(g.lat[n]), float(g.lon[n])) for k, n in enumerate(nodes)]


def assert_same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    assert np.array_equal(np.isinf(a), np.isinf(b))
    fin = np.isfinite(a)
    assert np.allclose(a[fin], b[fin], rtol=1e-9, atol=1e-9)


@settings(max_examples=examples(25), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), directed=st.booleans(), components=st.integers(1, 3),
       limit=st.one_of(st.none(), st.floats(0.5, 30.0)), workers=st.integers(1, 2))
def test_travel_matrix_equals_scipy(seed: int, directed: bool, components: int, limit: float | None,
                                    workers: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 80))
    g = random_graph(rng, n, int(rng.integers(n, 4 * n)), directed, components)
    origins = node_sites(g, rng.integers(0, n, int(rng.integers(1, 12))), "o")
    dests = node_sites(g, rng.integers(0, n, int(rng.integers(1, 12))), "d")  # repeats allowed: shared nodes
    fast = g.travel_matrix(origins, dests, limit_minutes=limit, workers=workers, chunk=3, engine="numba")
    ref = g.travel_matrix(origins, dests, limit_minutes=limit, engine="scipy")
    assert_same(fast.minutes, ref.minutes)
    assert_same(fast.km, ref.km)
    assert fast.provenance["engine"] == "numba" and ref.provenance["engine"] == "scipy"


@pytest.mark.parametrize("delta", [1e-6, 0.003, 0.5, 7.0, 1e3])
def test_kernel_exact_for_any_bucket_width(delta: float) -> None:
    """Δ far below the lightest arc (plain Dial), inside the range (re-scans) and above every arc (one bucket)."""
    rng = np.random.default_rng(7)
    g = random_graph(rng, 300, 1200, directed=True, components=2)
    ip, ix, w, wkm, rank = g._arrays(False, True)
    src = np.arange(0, 300, 17, dtype=np.int64)
    tgt = rng.integers(0, 300, 50).astype(np.int64)
    is_t = np.zeros(300, dtype=np.bool_)
    is_t[tgt] = True
    out_min = np.empty((len(src), len(tgt)))
    out_km = np.empty((len(src), len(tgt)))
    nslots = int(float(w.max()) / delta) + 2
    _roadsearch.search_rows_kernel(ip, ix, w, wkm, True, delta, nslots, rank[src], rank[tgt], int(is_t.sum()),
                                   is_t[np.argsort(rank)], np.inf, out_min, out_km)
    ref, pred = dijkstra(g.minutes, indices=src, return_predecessors=True)
    assert_same(out_min, ref[:, tgt])
    for r in range(len(src)):  # km along scipy's predecessor tree
        want = [roadgraph._path_km(pred[r], g.km, np.array([t]))[0] if np.isfinite(ref[r, t]) else np.inf
                for t in tgt]
        assert_same(out_km[r], np.array(want))


def test_early_stop_does_not_cut_targets_short() -> None:
    """One target near the source and one far: stopping when all targets are final still gives the far one."""
    rng = np.random.default_rng(3)
    g = random_graph(rng, 400, 1600, directed=False)
    far = int(np.argmax(np.where(np.isfinite(d := dijkstra(g.minutes, indices=0)), d, -1)))
    near = int(g.minutes[0].indices[0])
    sites = node_sites(g, np.array([near, far]), "t")
    fast = g.travel_matrix(node_sites(g, np.array([0]), "o"), sites, engine="numba", with_km=False)
    snap = fast.minutes[0] - d[[near, far]]
    assert np.allclose(snap, 0.0, atol=1e-6)


def test_bench_grid_equals_scipy_with_and_without_cut_off() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from bench_facilities_access import _grid_graph  # the benchmark's own generator

    rng = np.random.default_rng(20251)
    g = _grid_graph(40, rng)
    sites = node_sites(g, rng.choice(g.n_nodes, 15, replace=False), "s")
    dem = node_sites(g, rng.choice(g.n_nodes, 200, replace=False), "d")
    for limit in (None, 3.0):
        fast = g.travel_matrix(dem, sites, limit_minutes=limit, workers=2, chunk=4, engine="numba")
        ref = g.travel_matrix(dem, sites, limit_minutes=limit, engine="scipy")
        assert_same(fast.minutes, ref.minutes)
        assert_same(fast.km, ref.km)
        if limit is not None:
            assert np.isinf(fast.minutes).any() and np.isfinite(fast.minutes).any()  # the cut-off bites


@pytest.mark.parametrize("directed", [True, False])
def test_nearest_equals_scipy(directed: bool) -> None:
    rng = np.random.default_rng(11)
    g = random_graph(rng, 500, 1500, directed=directed, components=3)
    facs = node_sites(g, rng.integers(0, 500, 12), "f")
    for limit in (None, 4.0):
        d_fast, f_fast = g.nearest(facs, limit, engine="numba")
        d_ref, f_ref = g.nearest(facs, limit, engine="scipy")
        assert_same(d_fast, d_ref)
        assert np.array_equal(f_fast < 0, f_ref < 0)
        # the facility named is a nearest one (ties may name another of equal time)
        m = g.travel_matrix(node_sites(g, np.arange(500), "n"), facs, engine="scipy", with_km=False)
        ok = f_fast >= 0
        assert np.allclose(m.minutes[np.nonzero(ok)[0], f_fast[ok]], d_fast[ok], rtol=1e-9)


def test_engine_names() -> None:
    g = random_graph(np.random.default_rng(0), 10, 20, directed=False)
    s = node_sites(g, np.array([0, 1]), "s")
    with pytest.raises(TravelError, match="engine"):
        g.travel_matrix(s, s, engine="fast")
    with pytest.raises(TravelError, match="engine"):
        g.nearest(s, engine="dijkstra")
    assert g.travel_matrix(s, s).provenance["engine"] == "numba"  # auto picks the compiled search


@pytest.mark.parametrize("engine", ["numba", "scipy"])
def test_empty_sides_give_an_empty_matrix(engine: str) -> None:
    g = random_graph(np.random.default_rng(1), 10, 20, directed=True)
    s = node_sites(g, np.array([0, 1, 2]), "s")
    assert g.travel_matrix(s, [], engine=engine).minutes.shape == (3, 0)
    assert g.travel_matrix([], s, engine=engine, with_km=True).km.shape == (0, 3)
