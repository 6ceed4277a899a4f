"""Acceptance check for a real e-Stat OD table (2015 or 2020): the 弘前市 commuting bounds.

The bounds come from census_flows/PROVENANCE.md (a blog quoting the 2015 census; no exact shares). Set
KOUIKI_ESTAT_OD to the path of the downloaded 常住地による従業地・通学地 CSV to run it; without a real file
there is nothing to check, so it is skipped (the fixtures are synthetic and must not be used here).
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from kouiki.formation.census import CommutingFigure
from kouiki.formation.estat import import_census
from kouiki.reference import get

REAL = os.environ.get("KOUIKI_ESTAT_OD")
BOUNDS = {  # from → 弘前市: (lower, upper) in percent; None = open
    "西目屋村": (Decimal(30), None), "大鰐町": (Decimal(30), None),
    "平川市": (Decimal(20), None), "藤崎町": (Decimal(20), None), "田舎館村": (Decimal(20), None),
    "黒石市": (Decimal(10), None), "板柳町": (Decimal(10), None),
    "鶴田町": (Decimal(5), Decimal(10)), "つがる市": (None, Decimal(10)), "鰺ヶ沢町": (None, Decimal(5)),
}


@pytest.mark.skipif(not REAL, reason="set KOUIKI_ESTAT_OD to a real e-Stat OD file")
def test_hirosaki_commuting_bounds_on_a_real_table() -> None:
    r = import_census(REAL or "", "commuting")
    figs = {f.from_code: f for f in r.figures if isinstance(f, CommutingFigure) and f.to_code == "022021"}
    for name, (lo, hi) in BOUNDS.items():
        share = figs[get(name).code].share_percent
        assert share is not None, name
        if lo is not None:
            assert share >= lo, (name, share)
        if hi is not None:
            assert share < hi, (name, share)
