"""Travel model: great-circle × circuity ÷ speed, and the long-form travel-matrix files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from kouiki.facilities.travel import (
    Site,
    TravelError,
    TravelMatrix,
    great_circle_matrix,
    haversine_km,
    travel_mode,
)


def test_haversine_one_degree_of_latitude() -> None:
    # one degree of latitude on the mean-radius sphere = 2πR/360 = 111.195 km
    d = haversine_km(np.array(35.0), np.array(135.0), np.array(36.0), np.array(135.0))
    assert float(d) == pytest.approx(111.195, abs=0.001)


def test_great_circle_minutes_follow_the_documented_formula() -> None:
    mode = travel_mode("car")
    assert mode.circuity == Decimal("1.3") and mode.speed_kmh == Decimal("30")
    o = [Site("a", 35.0, 135.0)]
    d = [Site("x", 36.0, 135.0), Site("y", 35.0, 135.0)]
    m = great_circle_matrix(o, d, mode)
    assert m.km[0, 0] == pytest.approx(111.195 * 1.3, abs=0.01)
    assert m.minutes[0, 0] == pytest.approx(111.195 * 1.3 / 30 * 60, abs=0.02)
    assert m.minutes[0, 1] == 0
    assert m.provenance["method"] == "great_circle" and m.provenance["circuity"] == "1.3"


def test_overrides_and_bad_parameters() -> None:
    assert travel_mode("walk", speed_kmh=Decimal("4")).speed_kmh == Decimal("4")
    with pytest.raises(TravelError, match="迂回率"):
        travel_mode("car", circuity=Decimal("0.9"))
    with pytest.raises(TravelError, match="移動手段"):
        travel_mode("plane")


def test_matrix_roundtrip_with_sidecar_and_unreachable(tmp_path: Path) -> None:
    m = TravelMatrix(["o1", "o2"], ["d1", "d2"], np.array([[1.5, np.inf], [3.0, 4.25]]),
                     np.array([[1.0, np.inf], [2.0, 3.0]]), {"method": "test"})
    path = m.write(tmp_path / "m.csv")
    text = path.read_text(encoding="utf-8").splitlines()
    assert text[0] == "origin_id,destination_id,minutes,km"
    assert len(text) == 4  # the unreachable pair is absent
    side = json.loads((tmp_path / "m.csv.json").read_text(encoding="utf-8"))
    assert side["method"] == "test" and side["unreachable_pairs"] == 1
    back = TravelMatrix.read(path)
    assert back.origin_ids == ["o1", "o2"] and back.destination_ids == ["d1", "d2"]
    assert back.minutes[1, 1] == 4.25 and np.isinf(back.minutes[0, 1])
    assert back.subset(["d2"]).minutes.shape == (2, 1)


def test_matrix_bad_header_names_file(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("from,to,min,km\na,b,1,1\n", encoding="utf-8")
    with pytest.raises(TravelError, match=r"bad\.csv: 1行目"):
        TravelMatrix.read(p)


def test_matrix_bad_minutes_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("origin_id,destination_id,minutes,km\na,b,1.5,1\na,c,x,2\n", encoding="utf-8")
    with pytest.raises(TravelError, match="3行目"):
        TravelMatrix.read(p)
