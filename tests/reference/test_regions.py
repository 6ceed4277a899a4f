import datetime as dt

import pytest

from kouiki.reference.errors import AmbiguousError, NotFoundError
from kouiki.reference.regions import (
    Framework,
    Region,
    RegionError,
    bundled_regions,
    find_region,
    load_regions,
    national_status,
    regions_of,
)


def test_the_three_seed_regions() -> None:
    regions = {r.id: r for r in bundled_regions()}
    assert {"harima-kagaku-koen", "hirosaki", "yamato-mahoroba"} <= set(regions)
    hirosaki = regions["hirosaki"]
    assert len(hirosaki.members) == 8
    assert [b.name for b in hirosaki.central_bodies()] == ["弘前市"]
    assert hirosaki.declaration_date == dt.date(2011, 3, 23)
    harima = regions["harima-kagaku-koen"]
    assert sorted(m.municipality.name for m in harima.members) == sorted(["たつの市", "宍粟市", "上郡町", "佐用町"])
    assert harima.also_in[0].framework is Framework.RENKEI  # one body may be in both frameworks


def test_tawaramoto_joined_later() -> None:
    mahoroba = find_region("大和まほろば")
    joined = {m.municipality.name: m.agreement_date for m in mahoroba.neighbors()}
    assert joined["田原本町"] == dt.date(2016, 10, 5)
    assert joined["山添村"] == dt.date(2015, 3, 27)
    assert "293636" not in mahoroba.member_codes(on=dt.date(2016, 1, 1))
    assert "293636" in mahoroba.member_codes(on=dt.date(2016, 10, 5))


def test_seed_and_records_disagree_and_both_are_kept() -> None:
    harima = find_region("播磨科学公園都市圏域")
    years = sorted(c.fiscal_year for c in harima.formation_claims)
    assert years == [2015, 2016]
    assert any(c.source.url == "seed:000_75a76e4477727004.txt" for c in harima.formation_claims)


def test_find_by_name_part() -> None:
    assert find_region("弘前圏域").id == "hirosaki"
    assert find_region("弘前圏域定住自立圏").id == "hirosaki"
    with pytest.raises(AmbiguousError):
        find_region("圏域")
    with pytest.raises(NotFoundError):
        find_region("存在しない圏域")


def test_regions_of_a_body() -> None:
    assert [r.id for r in regions_of("293636")] == ["yamato-mahoroba"]
    assert regions_of("131016") == []


def test_vision_in_force() -> None:
    harima = find_region("播磨科学公園都市圏域")
    assert harima.has_vision(2018) is True
    assert harima.has_vision(2010) is False
    assert harima.has_vision(2025) is None  # after the last known period: unknown, not guessed


def test_validation_errors_name_the_region() -> None:
    bad = {"regions": [{"id": "x", "name": "テスト圏域", "central": ["293636"],
                        "members": [{"code": "293636", "role": "central"}]}]}
    with pytest.raises(RegionError, match=r"テスト圏域.*市ではありません"):
        load_regions(bad, "test.yaml")
    wrong_digit = {"regions": [{"id": "x", "name": "テスト圏域", "central": ["022022"],
                                "members": [{"code": "022022", "role": "central"}]}]}
    with pytest.raises(RegionError, match="正: 022021"):
        load_regions(wrong_digit, "test.yaml")


def test_compound_region_needs_two_central_cities() -> None:
    data = {"id": "naka", "name": "中海圏域", "type": "compound", "central": ["312029", "322016"],
            "members": [{"code": "312029", "role": "central"}, {"code": "322016", "role": "central"},
                        {"code": "312045", "role": "neighbor"}]}
    region = Region.model_validate(data)
    assert [b.name for b in region.central_bodies()] == ["米子市", "松江市"]


def test_national_counts_are_dated_facts() -> None:
    status = national_status()
    assert status["kpi"]["target_regions"] == 140
    latest = max(status["facts"], key=lambda f: f["as_of"])
    assert latest["regions"] == 131 and str(latest["as_of"]) == "2025-04-01"
