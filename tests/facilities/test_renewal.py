"""Hand-computed 更新費用 cases (総務省 ソフト defaults) and properties of the projection."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kouiki.facilities.model import Building, Facility, MajorCategory
from kouiki.facilities.renewal import (
    RenewalParameterError,
    RenewalParameters,
    compare_longevity,
    project,
    rules_dict,
)
from tests.hypothesis_budget import examples

SCHOOL = MajorCategory.SCHOOL_EDUCATION  # 17万/33万円 per ㎡
CIVIC = MajorCategory.CIVIC_CULTURE  # 25万/40万


def fac(fid: str, area: str | None, year: int | None, cat: MajorCategory = SCHOOL, code: str = "292044") -> Facility:
    return Facility(fid, code, fid, cat, floor_area_m2=None if area is None else Decimal(area), built_year=year)


def row(result: Any, year: int) -> int:
    return int(result.total_yen[year - result.years[0]])


def test_age_30_is_renovated_in_the_first_two_years_and_rebuilt_at_60() -> None:
    r = project([fac("a", "1000", 1995)], 2025, 40)
    # 1,000㎡ × 170,000円 = 170,000,000 over 2 年度; 1,000㎡ × 330,000円 = 330,000,000 over 3 年度 from 2055
    assert r.by_kind["大規模改修"][:3] == [85_000_000, 85_000_000, 0]
    assert [row(r, y) for y in (2055, 2056, 2057, 2058)] == [110_000_000, 110_000_000, 110_000_000, 0]
    assert r.total == 500_000_000
    assert sum(r.by_kind["積み残し"]) == 0


def test_age_40_catches_up_its_renovation_over_10_years() -> None:
    r = project([fac("a", "1000", 1985)], 2025, 40)
    assert r.by_kind["積み残し"][:11] == [17_000_000] * 10 + [0]
    assert sum(r.by_kind["大規模改修"]) == 0
    assert [row(r, y) for y in (2045, 2046, 2047)] == [110_000_000] * 3


def test_age_31_and_50_are_the_backlog_bounds() -> None:
    r31 = project([fac("a", "100", 1994)], 2025, 40)
    r50 = project([fac("a", "100", 1975)], 2025, 40)
    r51 = project([fac("a", "100", 1974)], 2025, 40)
    assert sum(r31.by_kind["積み残し"]) == 17_000_000
    assert sum(r50.by_kind["積み残し"]) == 17_000_000
    # 51–59: no catch-up renovation, straight to rebuild at 60 (2034)
    assert sum(r51.by_kind["積み残し"]) == 0 and sum(r51.by_kind["大規模改修"]) == 0
    assert [row(r51, y) for y in (2033, 2034, 2035, 2036, 2037)] == [0, 11_000_000, 11_000_000, 11_000_000, 0]


def test_age_60_rebuilds_now_and_past_60_is_rebuild_backlog() -> None:
    r60 = project([fac("a", "100", 1965, CIVIC)], 2025, 40)
    assert r60.by_kind["建替え"][:4] == [13_333_333, 13_333_333, 13_333_334, 0]  # 40,000,000 / 3, remainder last
    r70 = project([fac("a", "100", 1955, CIVIC)], 2025, 40)
    assert r70.by_kind["積み残し"][:11] == [4_000_000] * 10 + [0]
    assert sum(r70.by_kind["大規模改修"]) == 0 and sum(r70.by_kind["建替え"]) == 0


def test_split_remainder_goes_to_the_last_year_and_sums_exactly() -> None:
    # 1.234567㎡ × 170,000 = 209,876.39 → 209,876 (円未満切捨て) over 10 年度
    r = project([fac("a", "1.234567", 1985)], 2025, 40)
    backlog = r.by_kind["積み残し"][:10]
    assert backlog == [20_987] * 9 + [20_993]
    assert sum(backlog) == 209_876


def test_parts_outside_the_horizon_are_left_out() -> None:
    # rebuild due 2064 (the last 年度 of 2025+40) → 1 of 3 parts inside
    r = project([fac("a", "300", 2004)], 2025, 40)
    last = r.bookings[-1]
    assert last.kind == "建替え" and last.first_year == 2064
    assert last.cost_yen == 99_000_000 and last.in_horizon_yen == 33_000_000
    assert r.total_yen[-1] == 33_000_000
    assert r.total == sum(b.in_horizon_yen for b in r.bookings)


def test_unknown_figures_are_excluded_with_the_reason_and_imputed_ones_listed() -> None:
    fs = [
        fac("none", None, None),
        fac("noarea", None, 1990),
        fac("noyear", "100", None),
        Facility("imp", "293628", "imp", SCHOOL, floor_area_m2=Decimal(100), built_year=1990,
                 imputed={"floor_area_m2": "仮定値"}),
    ]
    r = project(fs, 2025, 40)
    reasons = {e["facility_id"]: e["reason"] for e in r.excluded}
    assert reasons == {"none": "延床面積・建築年度が不明", "noarea": "延床面積が不明", "noyear": "建築年度が不明"}
    assert r.imputed == [{"facility_id": "imp", "name": "imp", "fields": {"floor_area_m2": "仮定値"}}]
    assert list(r.by_municipality) == ["292044", "293628"]
    assert sum(r.by_municipality["292044"]) == 0  # all its facilities excluded: a row of zeros, not missing


def test_buildings_are_projected_one_by_one() -> None:
    f = Facility(
        "s", "292044", "school", SCHOOL,
        buildings=(Building("b1", Decimal(1000), 1995), Building("b2", Decimal(500), 1985), Building("b3", None, 1990)),
    )
    r = project([f], 2025, 40)
    assert r.by_kind["大規模改修"][:2] == [85_000_000, 85_000_000]  # b1
    assert r.by_kind["積み残し"][0] == 8_500_000  # b2: 85,000,000 / 10
    assert r.excluded == [{"facility_id": "s", "name": "school", "reason": "延床面積が不明", "building_id": "b3"}]


def test_json_contract_keys() -> None:
    d = project([fac("a", "100", 1990), fac("b", "50", 2000, CIVIC, "293628")], 2025, 40).to_dict()
    for key in ("years", "total_yen", "by_category", "by_municipality", "by_kind", "excluded", "imputed"):
        assert key in d
    assert d["years"][0] == 2025 and len(d["years"]) == 40
    assert set(d["by_category"]) == {"学校教育系施設", "市民文化系施設"}
    assert set(d["by_municipality"]) == {"292044", "293628"}
    assert list(d["by_kind"]) == ["大規模改修", "建替え", "積み残し"]
    assert all(isinstance(v, int) for v in d["total_yen"])


def test_longevity_effect_is_the_difference() -> None:
    fs = [fac("a", "1000", 1985), fac("b", "200", 1960, CIVIC)]
    c = compare_longevity(fs, 2025, 40)
    assert c.effect_yen == [a - b for a, b in zip(c.baseline.total_yen, c.longevity.total_yen, strict=True)]
    # longevity, building a (age 40): 大規模改修 at 40 = 0.4 × 330,000 × 1,000 = 132,000,000 over 2 年度
    assert c.longevity.by_kind["大規模改修"][:2] == [66_000_000, 66_000_000]
    # then 中規模修繕 at 60 (2045): 0.3 × 330,000 × 1,000 = 99,000,000 in one 年度; rebuild at 80 (2065) is outside
    # plus 修繕 every 年度: (1,000 + 200)㎡ × 1,000円
    assert c.longevity.by_kind["修繕"] == [1_200_000] * 40
    assert c.longevity.total_yen[2045 - 2025] == 99_000_000 + 1_200_000
    assert "修繕" not in c.baseline.by_kind  # the MIC default counts no yearly 修繕
    # b (age 65 < 80): no backlog; rebuild at 80 = 2040 over 3 年度: 200 × 400,000 = 80,000,000
    assert c.longevity.by_kind["建替え"][15:18] == [26_666_666, 26_666_666, 26_666_668]
    assert sum(c.effect_yen) == c.baseline.total - c.longevity.total


def _raw(name: str = "renewal.yaml") -> dict[str, Any]:
    return rules_dict(name)  # the packaged rule set as the mapping from_dict reads


def test_repeat_after_rebuild_is_a_parameter() -> None:
    raw = _raw()
    raw["repeat_after_rebuild"] = {"value": True}
    p = RenewalParameters.from_dict(raw, "test")
    # built 1966, rebuilt 2026 (age 59 at 2025 → due 2026), its next 大規模改修 at 2056 over 2 年度
    r_once = project([fac("a", "100", 1966)], 2025, 40)
    r_rep = project([fac("a", "100", 1966)], 2025, 40, p)
    assert r_rep.total - r_once.total == 17_000_000
    assert r_rep.total_yen[2056 - 2025] == 8_500_000


def test_parameter_overrides_change_the_result() -> None:
    raw = _raw()
    raw["unit_costs"]["values"]["学校教育系施設"]["大規模改修"] = 200_000
    p = RenewalParameters.from_dict(raw, "test")
    assert project([fac("a", "100", 1995)], 2025, 40, p).by_kind["大規模改修"][0] == 10_000_000


def test_incomplete_parameters_are_refused() -> None:
    raw = copy.deepcopy(_raw())
    del raw["unit_costs"]["values"]["公園"]
    with pytest.raises(RenewalParameterError, match="公園"):
        RenewalParameters.from_dict(raw, "x.yaml")
    raw = copy.deepcopy(_raw())
    raw["events"][0]["cost"]["table"] = "中規模"
    with pytest.raises(RenewalParameterError, match="中規模"):
        RenewalParameters.from_dict(raw, "x.yaml")
    with pytest.raises(RenewalParameterError):
        project([], 2025, 0)


def test_packaged_parameters_carry_citations_and_confidence() -> None:
    for name in ("renewal.yaml", "renewal_longevity.yaml"):
        raw = _raw(name)
        assert raw["citation"] and raw["unit_costs"]["confidence"]
        assert all(e.get("confidence") for e in raw["events"])
    mic = RenewalParameters.load()
    assert [(e.kind, e.at_age, e.spread_years) for e in mic.events] == [("大規模改修", 30, 2), ("建替え", 60, 3)]
    assert mic.unit_costs[MajorCategory.PUBLIC_HOUSING] == {"大規模改修": 170_000, "建替え": 280_000}


facility_st = st.builds(
    lambda i, area, year, cat, code: fac(f"f{i}", area, year, cat, code),
    st.integers(0, 10_000),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=20_000, places=2, allow_nan=False).map(str)),
    st.one_of(st.none(), st.integers(1900, 2030)),
    st.sampled_from(list(MajorCategory)),
    st.sampled_from(["292044", "293628", "022021"]),
)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(facility_st, max_size=25), st.integers(2000, 2040), st.integers(1, 50), st.sampled_from(["mic", "longevity"]))
def test_breakdowns_always_sum_to_the_total(fs: list[Facility], start: int, years: int, scenario: str) -> None:
    r = project(fs, start, years, RenewalParameters.load(scenario=scenario))
    for i in range(years):
        t = r.total_yen[i]
        assert t >= 0
        assert sum(v[i] for v in r.by_kind.values()) == t
        assert sum(v[i] for v in r.by_category.values()) == t
        assert sum(v[i] for v in r.by_municipality.values()) == t
    assert r.total == sum(b.in_horizon_yen for b in r.bookings)
    assert all(0 <= b.in_horizon_yen <= b.cost_yen for b in r.bookings)


def test_by_facility_traces_every_yen() -> None:
    fs = [fac("a", "1000", 1985), fac("b", "200", 1960, CIVIC), fac("c", None, None)]
    r = project(fs, 2025, 40)
    assert set(r.by_facility) == {"a", "b"}
    for i in range(40):
        assert sum(v[i] for v in r.by_facility.values()) == r.total_yen[i]
    assert sum(r.by_facility["b"]) == 80_000_000  # 200㎡ × 400,000 rebuild backlog


def test_closing_year_stops_a_facilitys_costs() -> None:
    fs = [fac("a", "1000", 1985), fac("b", "1000", 1985)]
    r = project(fs, 2025, 40, closing_year={"a": 2028})
    # a: backlog 17,000,000 a year for 2025–2027 only; b: in full
    assert r.by_facility["a"][:4] == [17_000_000, 17_000_000, 17_000_000, 0]
    assert sum(r.by_facility["a"]) == 51_000_000
    assert sum(r.by_facility["b"]) == 170_000_000 + 330_000_000
    assert r.total == sum(r.by_facility["a"]) + sum(r.by_facility["b"])
    closed_before = project(fs, 2025, 40, closing_year={"a": 2000})
    assert sum(closed_before.by_facility["a"]) == 0
