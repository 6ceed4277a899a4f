"""One great-circle function: formation and staffing give the same office distance for the same pair."""

import pytest

from kouiki.formation.neighbours import office_distance_km
from kouiki.reference import get
from kouiki.reference.geo import great_circle_km
from kouiki.staffing.sharing import office_km


def test_one_degree_of_longitude_on_the_equator() -> None:
    assert great_circle_km(0, 0, 0, 1) == pytest.approx(111.195, abs=0.01)
    assert great_circle_km(35, 135, 35, 135) == 0


def test_antipodes_do_not_fail_on_rounding() -> None:
    assert great_circle_km(0, 0, 0, 180) == pytest.approx(20015.1, abs=0.1)


def test_formation_and_staffing_agree_on_office_distance() -> None:
    a, b = get("弘前市"), get("黒石市")
    via_formation = office_distance_km(a, b)
    assert via_formation is not None
    assert via_formation == office_km(a.code, b.code)
    assert 10 < via_formation < 14


def test_the_array_form_agrees_with_the_scalar_form() -> None:
    import numpy as np

    from kouiki.reference.geo import great_circle_km_array

    lat = np.array([40.60, 34.60, 0.0])
    lon = np.array([140.46, 135.84, 0.0])
    m = great_circle_km_array(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    assert m.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            assert m[i, j] == pytest.approx(great_circle_km(lat[i], lon[i], lat[j], lon[j]), abs=1e-9)


def test_the_earth_radius_is_written_once_in_the_package() -> None:
    from pathlib import Path

    import kouiki
    from kouiki.reference.geo import EARTH_RADIUS_KM

    root = Path(kouiki.__file__).parent
    where = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.suffix in (".py", ".yaml") and str(EARTH_RADIUS_KM) in p.read_text(encoding="utf-8")
    )
    assert where == ["reference/geo.py"]


def test_facilities_travel_uses_the_one_radius() -> None:
    import numpy as np

    from kouiki.facilities.travel import _great_circle_km_matrix, haversine_km

    lat, lon = np.array([40.6]), np.array([140.46])
    lat2, lon2 = np.array([40.64]), np.array([140.6])
    one = great_circle_km(40.6, 140.46, 40.64, 140.6)
    assert float(haversine_km(lat, lon, lat2, lon2)[0]) == pytest.approx(one, rel=1e-12)
    assert float(_great_circle_km_matrix(lat, lon, lat2, lon2)[0, 0]) == pytest.approx(one, rel=1e-9)
