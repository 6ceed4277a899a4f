"""Cost sharing (均等割・人口割・利用割・組合せ・固定) and fee unification with 激変緩和."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kouiki.facilities import fees, sharing
from kouiki.reference import get

BODIES = ["292044", "293229", "293610", "293628", "293636"]


def test_mix_10_equal_90_population_by_hand() -> None:
    rule = sharing.ShareRule.from_dict({"method": "mix", "weights": {"均等割": "0.1", "人口割": "0.9"}})
    parts = sharing.split(100_000_000, rule, BODIES)
    pops = {b: get(b).population_2020 or 0 for b in BODIES}
    total_pop = sum(pops.values())
    for b in BODIES:
        expected = Decimal(10_000_000) / 5 + Decimal(90_000_000) * pops[b] / total_pop
        assert abs(parts[b] - expected) < 1
    assert sum(parts.values()) == 100_000_000


@given(st.integers(min_value=0, max_value=10**12),
       st.lists(st.integers(min_value=0, max_value=10**6), min_size=5, max_size=5).filter(lambda x: sum(x) > 0),
       st.integers(min_value=0, max_value=100))
def test_shares_always_sum_to_the_total(total: int, usage: list[int], equal_pct: int) -> None:
    w = Decimal(equal_pct) / 100
    rule = sharing.ShareRule.from_dict({"method": "mix", "weights": {"equal": str(w), "usage": str(1 - w)},
                                        "usage": dict(zip(BODIES, usage, strict=True))})
    parts = sharing.split(total, rule, BODIES)
    assert sum(parts.values()) == total
    assert all(v >= 0 for v in parts.values())
    assert sum(sharing.shares(rule, BODIES).values()) == pytest.approx(Decimal(1))


def test_fixed_shares_must_sum_to_one_and_usage_needs_figures() -> None:
    with pytest.raises(sharing.SharingError, match="合計が1"):
        sharing.ShareRule.from_dict({"method": "fixed", "shares": {"292044": "0.5", "293628": "0.4"}})
    fixed = sharing.ShareRule.from_dict({"method": "fixed", "shares": {"292044": "0.75", "293628": "0.25"}})
    assert sharing.split(1001, fixed, ["292044", "293628"]) == {"292044": 751, "293628": 250}
    with pytest.raises(sharing.SharingError, match="利用者数"):
        sharing.split(100, sharing.ShareRule.from_dict("usage"), BODIES)
    with pytest.raises(sharing.SharingError, match="按分方法"):
        sharing.ShareRule.from_dict("by_height")


def test_phase_in_caps_each_step() -> None:
    # 500 → 1000 with ×1.2 steps, 10-yen floor: 600, 720, 860, 1000
    assert fees.phase_in(500, 1000, Decimal("1.2")) == [600, 720, 860, 1000]
    assert fees.phase_in(1000, 800, Decimal("1.2")) == [800]  # decreases at once


def test_fee_unification_revenue_and_smoothing_cost() -> None:
    g = fees.FeeGroup.from_dict({"facility_type": "ホール", "rule": "max", "start_fiscal_year": "R10",
                                 "current": {"292044": 1000, "293628": 500}, "uses": {"292044": 100, "293628": 40}})
    r = fees.evaluate(g)
    assert r.unified_fee_yen == 1000
    row = r.by_body["293628"]
    assert [s["fee_yen"] for s in row["schedule"]] == [600, 720, 860, 1000]
    assert row["schedule"][0]["fiscal_year"] == 2028
    assert row["revenue_change_yen_per_year"] == 500 * 40
    # foregone revenue while phasing in: (1000−600 + 1000−720 + 1000−860) × 40
    assert r.smoothing_cost_by_body_year["293628"] == {2028: 16000, 2029: 11200, 2030: 5600}
    assert "292044" not in r.smoothing_cost_by_body_year


def test_cost_recovery_and_population_weighted() -> None:
    g = fees.FeeGroup.from_dict({"facility_type": "体育館", "rule": "cost_recovery", "annual_cost_yen": 10_000_000,
                                 "recovery_rate": "0.5", "current": {"292044": 500}, "uses": {"292044": 4000}})
    assert fees.unified_fee(g)[0] == 1250
    pw = fees.FeeGroup.from_dict({"facility_type": "会議室", "current": {"292044": 1000, "293628": 0},
                                  "population": {"292044": 3, "293628": 1}, "uses": {}})
    assert fees.unified_fee(pw)[0] == 750
    with pytest.raises(fees.FeeError, match="規則"):
        fees.FeeGroup.from_dict({"facility_type": "x", "rule": "median"})


def test_rule_label_reads_as_a_percentage() -> None:
    assert sharing.ShareRule.from_dict("equal").describe() == "均等割100%"  # not 「均等割1E+2%」
    assert sharing.ShareRule.from_dict({"method": "mix", "weights": {"equal": "0.1", "population": "0.9"}}).describe() == "均等割10% + 人口割90%"


def test_the_census_year_of_fees_and_sharing_is_the_bundled_census_not_a_literal() -> None:
    import re
    from pathlib import Path

    import kouiki.facilities
    from kouiki.facilities.fees import FeeGroup
    from kouiki.facilities.sharing import ShareRule
    from kouiki.reference.municipalities import CENSUS_YEARS, LATEST_CENSUS_YEAR, SOURCES

    assert max(s.year for k, s in SOURCES.items() if k.startswith("population_") and s.year) == LATEST_CENSUS_YEAR
    assert LATEST_CENSUS_YEAR in CENSUS_YEARS
    g = FeeGroup.from_dict({"facility_type": "ホール", "current": {"022021": 1000}})
    assert g.census_year == LATEST_CENSUS_YEAR == FeeGroup("ホール", {}, {}).census_year
    assert ShareRule.from_dict({"method": "population"}).census_year == LATEST_CENSUS_YEAR
    folder = Path(kouiki.facilities.__file__).parent
    literal = re.compile(r"census_year[^\n]*\b20[12]\d\b")
    assert [p.name for p in sorted(folder.glob("*.py")) if literal.search(p.read_text(encoding="utf-8"))] == []
