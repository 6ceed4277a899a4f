from __future__ import annotations

import pytest

from kouiki.facilities.classify import classify, exclusion, parse_category
from kouiki.facilities.demo import build_demo, demo_regions, find_region, impute_built_year
from kouiki.facilities.model import MajorCategory
from kouiki.facilities.renewal import project
from kouiki.reference.errors import NotFoundError


@pytest.mark.parametrize(
    ("name", "category", "sub"),
    [
        ("天理市立朝和小学校", MajorCategory.SCHOOL_EDUCATION, "学校"),
        ("天理市立式上公民館", MajorCategory.CIVIC_CULTURE, "集会施設"),
        ("中央公民館　大ホール外", MajorCategory.CIVIC_CULTURE, "集会施設"),
        ("川西町中央体育館", MajorCategory.SPORTS_RECREATION, "スポーツ施設"),
        ("岩木Ｂ＆Ｇ海洋センター", MajorCategory.SPORTS_RECREATION, "スポーツ施設"),
        ("天理市立前栽こども園", MajorCategory.CHILD_CARE, "幼保・こども園"),
        ("城東第一児童公園", MajorCategory.PARK, "公園"),
        ("弘前市役所", MajorCategory.ADMINISTRATION, "庁舎等"),
        ("保健センター", MajorCategory.HEALTH_WELFARE, "保健施設"),
        ("津軽こけし館", MajorCategory.SOCIAL_EDUCATION, "博物館等"),
    ],
)
def test_classify_by_name(name: str, category: MajorCategory, sub: str) -> None:
    c = classify(name)
    assert (c.category, c.subcategory) == (category, sub)


@pytest.mark.parametrize(
    "name", ["奈良県立二階堂高等学校", "特別養護老人ホーム　白寿園", "弘前大学第一体育館および第二体育館", "グループホームなごみ", "東奥義塾高等学校"]
)
def test_non_municipal_names_are_excluded(name: str) -> None:
    assert exclusion(name) is not None


def test_parse_category_forms() -> None:
    assert parse_category("学校教育系") is MajorCategory.SCHOOL_EDUCATION
    assert parse_category("SCHOOL_EDUCATION") is MajorCategory.SCHOOL_EDUCATION
    assert parse_category("スポーツ・レクリエーション系施設") is MajorCategory.SPORTS_RECREATION


def test_three_seed_regions() -> None:
    names = [r.name for r in demo_regions()]
    assert names == ["弘前圏域", "播磨科学公園都市圏域", "大和まほろば"]
    assert len(find_region("弘前圏域").members) == 8
    assert find_region("大和まほろば広域定住自立圏").members == ("292044", "293229", "293610", "293628", "293636")
    with pytest.raises(NotFoundError):
        find_region("札幌圏域")


def test_hirosaki_demo_says_fujisaki_has_no_data() -> None:
    b = build_demo("弘前圏域")
    assert b.no_data == ["023612"]
    assert any("藤崎町" in n and "データ" in n for n in b.inventory.notes)
    assert "023612" not in b.inventory.municipalities()
    assert set(b.inventory.municipalities()) == set(find_region("弘前圏域").members) - {"023612"}


@pytest.mark.parametrize("region", ["弘前圏域", "播磨科学公園都市圏域", "大和まほろば"])
def test_demo_inventory_rules(region: str) -> None:
    b = build_demo(region)
    inv = b.inventory
    assert len(inv.facilities) > 50
    ids = [f.facility_id for f in inv.facilities]
    assert len(ids) == len(set(ids))
    for f in inv.facilities:
        assert "県立" not in f.name and "高等学校" not in f.name and "特別養護老人ホーム" not in f.name
        assert f.lat is not None and f.lon is not None
        # every floor area / build year is imputed and says so; outdoor places have none
        if f.floor_area_m2 is not None:
            assert f.is_imputed("floor_area_m2") and f.is_imputed("built_year")
            assert "仮定値" in f.imputed["floor_area_m2"]
            assert 1966 <= (f.built_year or 0) <= 2005
        else:
            assert f.extra.get("outdoor") and f.built_year is None and not f.imputed
    assert b.dropped and all(d["reason"] for d in b.dropped)
    assert b.merged > 0
    r = project(inv, 2025, 40)
    assert len(r.imputed) == sum(1 for f in inv.facilities if f.floor_area_m2 is not None)
    assert {e["reason"] for e in r.excluded} == {"延床面積・建築年度が不明"}


def test_points_in_both_files_are_merged() -> None:
    inv = build_demo("大和まほろば").inventory
    names = [f.name for f in inv.facilities]
    assert names.count("天理市立式上公民館") == 1
    hall = next(f for f in inv.facilities if f.name == "天理市立式上公民館")
    assert {g["file"].split("/")[0] for g in hall.extra["gsi"]} == {"evacuation", "emergency"}
    # 「（旧）天理市立福住中学校」 and 「旧天理市立福住中学校」 are one facility
    assert sum(1 for n in names if "福住中学校" in n) == 1


def test_imputation_is_deterministic() -> None:
    assert impute_built_year("292044-gsi-00021") == impute_built_year("292044-gsi-00021")
    a = [(f.facility_id, f.floor_area_m2, f.built_year) for f in build_demo("大和まほろば").inventory.facilities]
    b = [(f.facility_id, f.floor_area_m2, f.built_year) for f in build_demo("大和まほろば").inventory.facilities]
    assert a == b


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("避難地倉庫（大富小学校）", MajorCategory.ADMINISTRATION),  # a 倉庫 by a school, not a school
        ("総合研修施設（田舎舘）", MajorCategory.CIVIC_CULTURE),
        ("（旧）福住中学校", MajorCategory.SCHOOL_EDUCATION),
    ],
)
def test_the_kind_comes_from_the_name_outside_brackets(name: str, category: MajorCategory) -> None:
    assert classify(name).category is category


@pytest.mark.parametrize(
    ("gsi", "shown"),
    [("中央公民館　大ホール外", "中央公民館"), ("新宮中学校屋内運動場", "新宮中学校"), ("武道館　体育室外", "武道館"),
     ("避難地倉庫（大富小学校）", "避難地倉庫（大富小学校）")],
)
def test_display_name_drops_the_gsi_ending(gsi: str, shown: str) -> None:
    from kouiki.facilities.demo import display_name

    assert display_name(gsi) == shown


@pytest.mark.parametrize("region", ["弘前圏域", "播磨科学公園都市圏域", "大和まほろば"])
def test_demo_names_are_clean_and_brackets_never_decide_the_category(region: str) -> None:
    import re

    from kouiki.facilities.classify import normalize_name, without_brackets

    for f in build_demo(region).inventory.facilities:
        assert not re.search(r"(大ホール|ホール|球戯場|会議室|体育室)外$|屋内運動場$", f.name), f.name
        if "(" in normalize_name(f.name):
            assert classify(f.name).category is classify(without_brackets(normalize_name(f.name))).category, f.name
