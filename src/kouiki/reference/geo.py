"""Distances between points on the Earth (the one great-circle function of kouiki).

Office-to-office distances (庁舎間距離) in formation, staffing and facilities all use
:func:`great_circle_km` (:func:`great_circle_km_array` for matrices), so the same pair is the same distance
everywhere.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

# The IUGG mean Earth radius R1 (Moritz, H. (2000) Geodetic Reference System 1980, J. Geodesy 74:128–133,
# https://doi.org/10.1007/s001900050278): a physical constant, not a rule, written here once for every engine.
EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km on a sphere of the IUGG mean Earth radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def great_circle_km_array(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike, radius_km: float = EARTH_RADIUS_KM
) -> NDArray[np.float64]:
    """The same distance over NumPy arrays with broadcasting, for travel matrices (demand points × sites):
    ``great_circle_km_array(lat[:, None], lon[:, None], site_lat[None, :], site_lon[None, :])``."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.subtract(lon2, lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: NDArray[np.float64] = 2 * radius_km * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return out


__all__ = ["EARTH_RADIUS_KM", "great_circle_km", "great_circle_km_array"]
