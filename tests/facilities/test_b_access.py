"""Access: weighted mean and percentile, share within T, before/after and who loses access."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from kouiki.facilities import access
from kouiki.facilities.demand import DemandPoint
from kouiki.facilities.travel import TravelMatrix


def test_weighted_percentile_inverted_cdf() -> None:
    v = np.array([10.0, 20.0, 30.0, 40.0])
    w = np.array([1.0, 1.0, 1.0, 7.0])
    assert access.weighted_percentile(v, w, 30) == 30.0  # cum 1,2,3 → 30% reached at 30
    assert access.weighted_percentile(v, w, 31) == 40.0
    assert access.weighted_percentile(v, w, 90) == 40.0


def setup() -> tuple[list[DemandPoint], TravelMatrix]:
    d = [
        DemandPoint("p1", 0, 0, 100, "292044"),
        DemandPoint("p2", 0, 0, 300, "292044"),
        DemandPoint("p3", 0, 0, 600, "293628"),
    ]
    minutes = np.array([[10.0, 50.0], [20.0, 25.0], [40.0, 15.0]])
    return d, TravelMatrix(["p1", "p2", "p3"], ["A", "B"], minutes, minutes / 2)


def test_hand_computed_access_and_loss() -> None:
    d, m = setup()
    r = access.evaluate(d, m, ["A", "B"], Decimal(30))
    # nearest: 10, 20, 15 → mean = (100×10 + 300×20 + 600×15) / 1000 = 16
    assert r.overall.mean_minutes == pytest.approx(16.0)
    assert r.overall.share_within == 1.0
    assert r.by_body["292044"].mean_minutes == pytest.approx(17.5)
    change = access.compare(d, m, ["A", "B"], ["A"], Decimal(30))
    # without B: 10, 20, 40 → p3 (600) loses access
    out = change.to_dict()
    assert out["lose_access"]["population"] == 600
    assert out["lose_access"]["by_municipality"] == {"293628": 600}
    assert out["after"]["overall"]["share_within"] == 0.4
    assert out["after"]["overall"]["p90_minutes"] == 40.0
    assert out["mean_minutes_change_by_municipality"]["293628"] == 25.0


def test_no_open_facility_is_unreachable() -> None:
    d, m = setup()
    r = access.evaluate(d, m, [], Decimal(30))
    assert r.overall.unreachable_population == 1000 and r.overall.mean_minutes is None


def test_unknown_demand_point_is_an_error() -> None:
    d, m = setup()
    with pytest.raises(Exception, match="需要点"):
        access.evaluate([*d, DemandPoint("zz", 0, 0, 1)], m, ["A"])


def test_nearest_neighbour_path_equals_the_matrix_path() -> None:
    from kouiki.facilities.travel import Site, great_circle_matrix

    rng = np.random.default_rng(7)
    demand = [DemandPoint(f"d{i}", float(34.5 + rng.random() * 0.3), float(135.7 + rng.random() * 0.3), int(rng.integers(1, 100)),
                          "292044" if i % 3 else "293628") for i in range(300)]
    sites = [Site(f"f{j}", float(34.5 + rng.random() * 0.3), float(135.7 + rng.random() * 0.3)) for j in range(25)]
    ids = [s.id for s in sites]
    m = great_circle_matrix([d.site() for d in demand], sites)
    a = access.compare(demand, m, ids, ids[:10], Decimal(10)).to_dict()
    b = access.compare_great_circle(demand, sites, ids, ids[:10], threshold_minutes=Decimal(10)).to_dict()
    assert a == b
