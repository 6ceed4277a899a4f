"""地域メッシュ (JIS X 0410) codes: level, centre, cell size — via jismesh (checked with the installed numpy).

Levels as jismesh numbers them: 1 = 第1次 (80 km, 4 digits), 2 = 第2次 (10 km, 6), 3 = 第3次 (1 km, 8),
4 = 2分の1 (500 m, 9), 5 = 4分の1 (250 m, 10), 6 = 8分の1 (125 m, 11).
"""

from __future__ import annotations

from fractions import Fraction

import jismesh.utils as ju

from kouiki.reference.errors import KouikiError


class MeshError(KouikiError, ValueError):
    """A malformed 地域メッシュコード."""


_LEVEL_BY_DIGITS = {4: 1, 6: 2, 8: 3, 9: 4, 10: 5, 11: 6}
# Cell size in degrees (lat, lon) per level: 第1次 40′ × 1°, then /8, /10, /2, /2, /2.
_SIZE = {
    1: (Fraction(2, 3), Fraction(1)),
    2: (Fraction(2, 3) / 8, Fraction(1, 8)),
    3: (Fraction(2, 3) / 80, Fraction(1, 80)),
    4: (Fraction(2, 3) / 160, Fraction(1, 160)),
    5: (Fraction(2, 3) / 320, Fraction(1, 320)),
    6: (Fraction(2, 3) / 640, Fraction(1, 640)),
}


def level_of(code: str) -> int:
    """The level of a mesh code by its digits; raises MeshError naming the code."""
    text = str(code).strip()
    if not text.isdigit() or len(text) not in _LEVEL_BY_DIGITS:
        raise MeshError(f"地域メッシュコードが不正です: {code!r}（4/6/8/9/10/11桁の数字）")
    return _LEVEL_BY_DIGITS[len(text)]


def center(code: str) -> tuple[float, float]:
    """(lat, lon) of the centre of a mesh cell."""
    level_of(code)
    lat, lon = ju.to_meshpoint(int(code), 0.5, 0.5)
    return float(lat), float(lon)


def code_of(lat: float, lon: float, level: int = 3) -> str:
    """The mesh code containing a point."""
    if level not in _SIZE:
        raise MeshError(f"メッシュの階層が不正です: {level}")
    return str(int(ju.to_meshcode(lat, lon, level)))


def cell_size(level: int) -> tuple[float, float]:
    """(lat degrees, lon degrees) of one cell."""
    if level not in _SIZE:
        raise MeshError(f"メッシュの階層が不正です: {level}")
    la, lo = _SIZE[level]
    return float(la), float(lo)
