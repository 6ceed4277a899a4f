"""Procedure states and validation (中心市宣言 → 形成協定 → 共生ビジョン; 合併1市 形成方針)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kouiki.formation.procedure import Step, budget_lines, projects_by_role, review, states
from kouiki.reference.regions import Region, VisionRole, bundled_regions, find_region


def _doc(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "t", "name": "テスト圏域", "central": ["022021"], "declaration_date": "2011-03-23",
        "members": [{"code": "022021", "role": "central"},
                    {"code": "023612", "role": "neighbor", "agreement_date": "2011-12-13"}],
        "visions": [{"title": "共生ビジョン", "adopted": "2012-03-30", "start_fiscal_year": 2012, "end_fiscal_year": 2016}],
    }
    doc.update(over)
    return doc


def test_bundled_regions_still_validate_with_the_procedure_rules() -> None:
    ids = {r.id for r in bundled_regions()}
    assert {"harima-kagaku-koen", "hirosaki", "yamato-mahoroba"} <= ids and len(ids) > 3
    Region.model_validate(_doc())


def test_agreement_before_declaration_is_refused() -> None:
    with pytest.raises(ValueError, match=r"中心市宣言.*より前"):
        Region.model_validate(_doc(declaration_date="2012-01-01"))


def test_vote_before_declaration_is_refused() -> None:
    members = [{"code": "022021", "role": "central"},
               {"code": "023612", "role": "neighbor", "agreement_date": "2011-12-13", "member_vote_date": "2011-01-05"}]
    with pytest.raises(ValueError, match="近隣市町村議会の議決日"):
        Region.model_validate(_doc(members=members))


def test_vision_without_agreement_is_refused() -> None:
    with pytest.raises(ValueError, match=r"形成協定（近隣市町村）がないのに共生ビジョン"):
        Region.model_validate(_doc(members=[{"code": "022021", "role": "central"}]))
    with pytest.raises(ValueError, match=r"共生ビジョン.*最初の形成協定"):
        Region.model_validate(_doc(visions=[{"title": "早すぎる", "adopted": "2011-06-01"}]))


def test_member_that_is_the_central_city_itself_is_refused() -> None:
    members = [{"code": "022021", "role": "central"}, {"code": "022021", "role": "neighbor"}]
    with pytest.raises(ValueError, match=r"重複|中心市自身"):
        Region.model_validate(_doc(members=members))
    with pytest.raises(ValueError, match="中心市自身"):
        Region.model_validate(_doc(members=[{"code": "022021", "role": "neighbor"}]))


def test_amendment_before_the_agreement_is_refused() -> None:
    members = [{"code": "022021", "role": "central"},
               {"code": "023612", "role": "neighbor", "agreement_date": "2011-12-13",
                "amendments": [{"date": "2011-12-01"}]}]
    with pytest.raises(ValueError, match="変更協定"):
        Region.model_validate(_doc(members=members))


def test_single_merged_region_uses_a_formation_policy() -> None:
    doc = _doc(type="single_merged", members=[{"code": "022021", "role": "central"}], declaration_date=None,
               formation_policy={"adopted": "2011-12-01", "central_area": "旧弘前市", "neighbour_areas": ["旧岩木町", "旧相馬村"]})
    r = Region.model_validate(doc)
    assert states(r, dt.date(2013, 1, 1))[0].step is Step.VISION
    with pytest.raises(ValueError, match="合併1市圏域は形成協定を結びません"):
        Region.model_validate(_doc(type="single_merged"))
    with pytest.raises(ValueError, match="形成方針のない合併1市圏域"):
        Region.model_validate(_doc(type="single_merged", members=[{"code": "022021", "role": "central"}]))


def test_states_by_date_with_per_member_agreements() -> None:
    r = find_region("まほろば")
    before = {s.code: s.step for s in states(r, dt.date(2015, 1, 1))}
    assert set(before.values()) == {Step.DECLARED}
    mid = {s.code: s.step for s in states(r, dt.date(2016, 1, 1))}
    assert mid["293229"] is Step.VISION and mid["293636"] is Step.DECLARED  # 田原本町 joined 2016-10-05
    after = {s.code: s.step for s in states(r, dt.date(2017, 1, 1))}
    assert after["293636"] is Step.VISION


def test_unknown_dates_are_uncertain_not_guessed() -> None:
    hirosaki = {s.code: s for s in states(find_region("弘前圏域"), dt.date(2020, 1, 1))}
    assert hirosaki["022047"].step is Step.DECLARED and hirosaki["022047"].uncertain  # 黒石市: 9月議会, no date
    assert hirosaki["023612"].step is Step.VISION and not hirosaki["023612"].uncertain
    harima = states(find_region("播磨科学"), dt.date(2015, 1, 1))
    assert all(s.step is Step.NONE and s.uncertain for s in harima)  # 宣言日 unknown
    messages = [i.message for i in review(find_region("播磨科学"))]
    assert any("中心市宣言の日付が不明" in m for m in messages)


def test_projects_under_the_three_roles_with_budgets() -> None:
    projects = [
        {"name": "休日夜間診療所の共同運営", "role": "生活機能の強化", "field": "休日夜間診療所",
         "members": ["022021", "023612"], "budget_yen": {2025: 12_000_000, 2026: 12_500_000}, "uses_digital": False},
        {"name": "デマンドバスの広域運行", "role": "結びつきやネットワークの強化", "field": "デマンドバス", "uses_digital": True},
        {"name": "公共施設の集約化", "role": "資源制約に対応するための圏域マネジメント等", "field": "公共施設の集約化",
         "budget_yen": {2026: 3_000_000}},
    ]
    r = Region.model_validate(_doc(projects=projects))
    by = projects_by_role(r)
    assert list(by) == list(VisionRole) and [len(v) for v in by.values()] == [1, 1, 1]
    in_2025 = projects_by_role(r, 2025)
    assert [p.name for p in in_2025[VisionRole.MANAGEMENT]] == []
    lines = budget_lines(r)
    assert [(x["fiscal_year"], x["budget_yen"]) for x in lines] == [(2025, 12_000_000), (2026, 12_500_000), (2026, 3_000_000)]
    assert lines[2]["members"] == ["022021", "023612"]  # no list = the whole region
    with pytest.raises(ValueError, match="役割"):
        Region.model_validate(_doc(projects=[{"name": "x", "role": "観光"}]))
    bad = Region.model_validate(_doc(projects=[{"name": "x", "role": "生活機能の強化", "members": ["022047"]}]))
    assert any(i.severity == "error" for i in review(bad))


def test_the_typical_vision_period_is_a_parameter() -> None:
    import dataclasses

    from kouiki.formation.params import load_params

    region = find_region("播磨科学")
    strict = dataclasses.replace(load_params(), vision_typical_fiscal_years=1)
    long_warnings = [i for i in review(region, params=strict) if "年度を超えています" in i.message]
    assert long_warnings and all("1年度" in i.message for i in long_warnings)
