from __future__ import annotations

from kouiki.formation import bundled_census, neighbour_indicators
from kouiki.formation.adjacency import adjacency, are_adjacent, geometric_neighbours
from kouiki.formation.census import CommutingFigure
from kouiki.reference import get

HIROSAKI_ADJACENT = {"平川市", "西目屋村", "藤崎町", "大鰐町", "板柳町", "鰺ヶ沢町", "鶴田町", "つがる市", "田舎館村"}


def _names(codes: object) -> set[str]:
    return {get(c).name for c in codes}  # type: ignore[attr-defined]


def test_hirosaki_adjacency_from_topology_and_geometry_agree() -> None:
    adj = adjacency("022021")
    names = _names(adj)
    assert names >= HIROSAKI_ADJACENT
    assert names - HIROSAKI_ADJACENT == {"大館市"}  # across the 秋田県 border: topology only
    geo = geometric_neighbours("022021", 0.0005)
    assert geo is not None and _names(geo) == HIROSAKI_ADJACENT


def test_kuroishi_is_a_member_without_bordering_hirosaki() -> None:
    assert are_adjacent("022021", "022047") is False
    rows = {n.body.name: n for n in neighbour_indicators("弘前市")}
    assert set(rows) >= HIROSAKI_ADJACENT
    assert rows["黒石市"].adjacent is False and rows["黒石市"].regions == ("弘前圏域定住自立圏",)
    assert all(rows[n].adjacent for n in HIROSAKI_ADJACENT)


def test_indicators_carry_distance_population_and_share_with_sources() -> None:
    rows = {n.body.name: n.to_dict() for n in neighbour_indicators("弘前市")}
    fuj = rows["藤崎町"]
    assert 5 < fuj["distance_km"] < 9 and fuj["population"] == 14573 and fuj["population_year"] == 2020
    assert fuj["commuting_share_percent"] is None and fuj["meets_guideline"] is None  # unknown, not guessed
    odate = rows["大館市"]
    assert odate["commuting_share_percent"] == "0.44" and odate["meets_guideline"] is False
    assert odate["commuting"]["census_year"] == 2015 and "aomori226" in odate["commuting"]["source"]
    assert all(r["guideline_is_blocking"] is False for r in rows.values())


def test_the_10_percent_guideline_is_an_indicator() -> None:
    fig = CommutingFigure(from_code="023434", to_code="022021", census_year=2020, commuters=350, base=700,
                          source="t", origin="imported")
    rows = {n.body.name: n for n in neighbour_indicators("弘前市", bundled_census().overlaid([fig]))}
    assert rows["西目屋村"].share_percent == "50.00" and rows["西目屋村"].meets_guideline is True


def test_tenri_neighbours_include_non_adjacent_member_yamazoe() -> None:
    rows = {n.body.name: n for n in neighbour_indicators("天理市")}
    assert rows["山添村"].adjacent is False and rows["山添村"].regions
    assert rows["田原本町"].adjacent is True


def test_radius_adds_bodies() -> None:
    base = {n.body.code for n in neighbour_indicators("弘前市")}
    wide = {n.body.code for n in neighbour_indicators("弘前市", radius_km=40)}
    assert base < wide


def test_a_city_borders_a_designated_city_as_a_whole_and_wards_border_wards() -> None:
    miki = _names(adjacency(get("三木市").code))
    assert "神戸市" in miki and not any(n.startswith("神戸市") and n != "神戸市" for n in miki)
    kita = _names(adjacency(get("神戸市北区").code))
    assert {"神戸市兵庫区", "三田市"} <= kita


def test_cross_prefecture_adjacency_comes_from_the_national_topology() -> None:
    yonago = adjacency(get("米子市").code)
    assert yonago[get("安来市").code] == ["topology"]  # 島根県: no 1 % prefecture file, topology only


def test_small_flows_from_far_bodies_are_not_listed() -> None:
    tiny = CommutingFigure(from_code="131016", to_code="022021", census_year=2020, commuters=5, base=30000,
                           source="t", origin="imported")  # 千代田区 → 弘前市
    big = CommutingFigure(from_code="022039", to_code="022021", census_year=2020, commuters=3000, base=100000,
                          source="t", origin="imported")  # 八戸市 → 弘前市 3 %
    names = {n.body.name for n in neighbour_indicators("弘前市", bundled_census().overlaid([tiny, big]))}
    assert "八戸市" in names and "千代田区" not in names
