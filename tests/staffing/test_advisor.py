from __future__ import annotations

import pytest

from kouiki.staffing.advisor import AdvisorError, find_field, load_modes, programme, recommend

WIDE = "地方公共団体間の広域連携（公共施設の集約化等、専門人材の確保、事務の共同実施）"


def test_programme_comes_from_the_fiscal_parameters() -> None:
    p = programme(2025)
    assert p.fields is not None and WIDE in p.fields
    assert p.modes == ("課題対応アドバイス事業", "課題達成支援事業", "啓発・研修事業")
    assert p.cost_to_body_yen == 0
    assert p.citation and "経営・財務マネジメント強化事業" in p.citation
    # every mode the fiscal data lists has a choice rule here, and vice versa
    assert {m["name"] for m in load_modes()["modes"]} == set(p.modes)


def test_find_field_by_topic() -> None:
    fields = programme(2025).fields
    assert fields is not None
    assert find_field("専門人材の確保", fields) == WIDE
    assert find_field("広域連携", fields) == WIDE
    assert find_field("公共施設等総合管理計画の見直し・実行", fields) == "公共施設等総合管理計画の見直し・実行"
    assert find_field("上下水道の広域化", fields) == "公営企業・第三セクター等の経営改革"
    with pytest.raises(AdvisorError, match="見つかりません"):
        find_field("宇宙開発", fields)


@pytest.mark.parametrize(
    ("body", "purpose", "mode"),
    [
        ("青森県", "training_event", "seminar"),
        ("青森県", "advice", "issue_advice"),
        ("西目屋村", "advice", "issue_advice"),
        ("西目屋村", "achieve_task", "goal_support"),
        ("西目屋村", "training_event", "issue_advice"),
    ],
)
def test_mode(body: str, purpose: str, mode: str) -> None:
    rec = recommend(body, "専門人材の確保", purpose, "R7")
    assert rec.eligible and rec.mode is not None and rec.mode["id"] == mode
    d = rec.to_dict()
    assert d["cost_to_body_yen"] == 0
    assert d["plan_item"] == {"measure": "advisor_dispatch", "municipality": rec.body, "fiscal_year": 2025, "mode": mode}


def test_plan_item_is_accepted_by_the_fiscal_engine() -> None:
    from kouiki.fiscal import evaluate

    item = recommend("青森県", "広域連携", "training_event", 2025).plan_item()
    res = evaluate({"items": [item]}).to_dict()
    assert res["errors"] == []
    assert res["lines"][0]["kind"] == "info" and any("啓発・研修事業" in n for n in res["lines"][0]["notes"])


def test_municipality_asking_for_a_seminar_is_pointed_to_the_prefecture() -> None:
    rec = recommend("西目屋村", "広域連携", "training_event", 2025)
    assert any("都道府県に開催を相談" in a for a in rec.alternatives)


def test_year_without_data_is_unknown_not_refused() -> None:
    rec = recommend("西目屋村", "広域連携", "advice", "R6")
    assert rec.eligible is None and rec.mode is None
    assert "令和6年度の支援分野・方法はデータにありません" in rec.reasons[0]
    assert "令和7年度のデータにあります" in rec.reasons[0]


def test_bad_purpose() -> None:
    with pytest.raises(AdvisorError, match="目的"):
        recommend("西目屋村", "広域連携", "party", 2025)
