"""中心市 requirements on the three seed regions (issue 4 §7) and the rule edges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kouiki.formation import CensusData, DaytimeFigure, bundled_census, check_central_city, load_params
from kouiki.formation.central import check_compound, check_single_merged, decide
from kouiki.formation.params import ParameterError, parse_params


def _results(r) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {c.id: c.result for c in r.criteria}


def test_hirosaki_passes_every_criterion_with_the_bundled_2015_ratio() -> None:
    r = check_central_city("弘前市")
    assert _results(r) == {"is_city": "pass", "population": "pass", "daytime_ratio": "pass", "location": "pass"}
    assert r.eligible is True
    ratio = r.criterion("daytime_ratio")
    assert ratio.value == "1.072" and ratio.extra["value_per_100"] == "107.2"
    assert ratio.year == 2015 and "jcci" in (ratio.source or "")
    pop = r.criterion("population")
    assert pop.value == 168466 and pop.year == 2020 and pop.extra["meets_target"] is True


@pytest.mark.parametrize("name", ["天理市", "たつの市"])
def test_tenri_and_tatsuno_pass_population_and_report_the_ratio_as_known_or_unknown(name: str) -> None:
    r = check_central_city(name)
    assert r.criterion("population").result == "pass"
    ratio = r.criterion("daytime_ratio")
    assert ratio.result in {"pass", "fail", "unknown"}
    if ratio.value is None:  # no bundled figure: unknown, never a guess
        assert ratio.result == "unknown" and r.eligible is None
    # 兵庫・奈良 are 三大都市圏 prefectures, but these cities are recorded 中心市 (documented exception)
    assert r.criterion("location").result == "pass"
    assert r.criterion("location").confidence == "recalled"


def test_a_town_fails_is_city() -> None:
    r = check_central_city("藤崎町")
    assert r.criterion("is_city").result == "fail"
    assert r.eligible is False


def test_every_criterion_names_its_source_and_year_when_it_has_a_figure() -> None:
    for name in ["弘前市", "天理市", "たつの市", "板柳町", "横浜市"]:
        for c in check_central_city(name).criteria:
            if c.value is None:
                assert c.result == "unknown" or c.id == "location", (name, c.id)
                continue
            assert c.source, (name, c.id)
            if c.id in {"population", "daytime_ratio"} and c.value is not None:
                assert c.year in {2015, 2020}


def test_population_is_strictly_over_40000_and_reports_the_50000_target() -> None:
    p = load_params()
    r = check_central_city("館山市")  # 45,153 (2020)
    pop = r.criterion("population")
    assert pop.result == "pass" and pop.extra["meets_target"] is False and pop.notes
    raw = dict(p.raw)
    raw["central_city"] = dict(raw["central_city"], population_min=dict(raw["central_city"]["population_min"], value=45153))
    strict = parse_params(raw)
    assert check_central_city("館山市", params=strict).criterion("population").result == "fail"


def test_location_rule_is_data() -> None:
    # 青森 listed as a 三大都市圏 prefecture in a user's parameters → the rule follows the data
    p = load_params()
    raw = dict(p.raw)
    cc = dict(raw["central_city"])
    cc["location"] = dict(cc["location"], metro_prefectures=[*cc["location"]["metro_prefectures"], "青森県"])
    raw["central_city"] = cc
    r = check_central_city("青森市", params=parse_params(raw), recorded_central=set())
    assert r.criterion("location").result == "unknown"
    # a 政令指定都市 inside the 三大都市圏 is the metro core itself
    assert check_central_city("横浜市").criterion("location").result == "fail"
    # without the recorded-central evidence, 天理市's location is unknown (commuting shares unknown)
    assert check_central_city("天理市", recorded_central=set()).criterion("location").result == "unknown"


def test_metro_commuting_share_decides_the_exception() -> None:
    from kouiki.formation.census import CommutingFigure

    fig = CommutingFigure(from_code="292044", to_code="271004", census_year=2020, commuters=3000, base=20000,
                          source="test", origin="imported")  # 天理市 → 大阪市 15 %
    cen = bundled_census().overlaid([fig])
    assert check_central_city("天理市", cen).criterion("location").result == "fail"
    low = CommutingFigure(from_code="292044", to_code="271004", census_year=2020, commuters=1000, base=20000,
                          source="test", origin="imported")
    r = check_central_city("天理市", bundled_census().overlaid([low]), recorded_central=set())
    assert r.criterion("location").result == "pass"


def test_imported_ratio_overrides_the_bundled_one_and_keeps_its_provenance() -> None:
    fig = DaytimeFigure(code="022021", census_year=2015, ratio_per_100=Decimal("99.0"), source="利用者の表",
                        origin="imported")
    r = check_central_city("弘前市", bundled_census().overlaid([fig]))
    c = r.criterion("daytime_ratio")
    assert (c.value, c.result, c.source, c.extra["origin"]) == ("0.990", "fail", "利用者の表", "imported")
    assert r.eligible is False


def test_ratio_is_exact_from_counts_and_the_threshold_is_inclusive() -> None:
    fig = DaytimeFigure(code="292044", census_year=2020, ratio_per_100=None, night_population=1000,
                        daytime_population=1000, source="s")
    c = check_central_city("天理市", CensusData().add([fig])).criterion("daytime_ratio")
    assert c.result == "pass" and c.value == "1.000"


def test_merged_city_may_use_its_largest_former_city_ratio() -> None:
    own = DaytimeFigure(code="282294", census_year=2020, ratio_per_100=Decimal("95.9"), source="s")
    former = DaytimeFigure(code="282294", census_year=2005, ratio_per_100=Decimal("101.3"), source="旧龍野市")
    r = check_central_city("たつの市", CensusData().add([own]), former_city_ratio=former)
    c = r.criterion("daytime_ratio")
    assert c.result == "pass" and c.source == "旧龍野市" and c.notes


def test_eligibility_is_three_valued() -> None:
    r = check_central_city("天理市", CensusData())
    assert r.criterion("daytime_ratio").result == "unknown" and r.eligible is None
    assert decide([]) is True


def test_compound_needs_adjacency_and_each_ratio() -> None:
    a = DaytimeFigure(code="022021", census_year=2015, ratio_per_100=Decimal("107.2"), source="s")
    b = DaytimeFigure(code="022101", census_year=2015, ratio_per_100=Decimal("101.0"), source="s")
    r = check_compound("弘前市", "平川市", CensusData().add([a, b]))
    assert r.criterion("adjacent").result == "pass"
    assert r.criterion("combined_population").value == 168466 + 30567
    assert r.eligible is True
    far = check_compound("弘前市", "八戸市", bundled_census())
    assert far.criterion("adjacent").result == "fail" and far.eligible is False
    # the mutual-commuting condition is recalled, never blocking
    assert all(not c.blocking for c in r.criteria if c.id == "mutual_commuting")


def test_single_merged_city() -> None:
    former = DaytimeFigure(code="282294", census_year=2005, ratio_per_100=Decimal("101.3"), source="旧市")
    r = check_single_merged("たつの市", former, merged=True, merged_source="2005年 1市3町の合併")
    assert r.eligible is True
    assert check_single_merged("たつの市", None).eligible is None


def test_bad_parameter_file_names_the_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "f.yaml"
    bad.write_text("version: x\ncentral_city: {}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"central_city\.population_min"):
        load_params(bad)


def test_a_suppressed_newer_ratio_falls_back_to_the_latest_known_census() -> None:
    newer = DaytimeFigure(code="022021", census_year=2020, ratio_per_100=None, source="2020表（秘匿）", origin="imported")
    c = check_central_city("弘前市", bundled_census().overlaid([newer])).criterion("daytime_ratio")
    assert (c.value, c.year, c.result) == ("1.072", 2015, "pass")
