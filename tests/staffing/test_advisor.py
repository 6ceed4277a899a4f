from __future__ import annotations

import pytest

from kouiki.staffing.advisor import AdvisorError, fields_in, find_field, load_programme, recommend


def test_programme_data() -> None:
    prog = load_programme()
    assert len(prog["modes"]) == 3
    assert prog["programme"]["cost_to_body_yen"] == 0
    assert "経営・財務マネジメント強化事業" in prog["programme"]["citation"]
    ids = {f["id"] for f in fields_in(2025)}
    assert "wide_area_cooperation" in ids
    assert "wide_area_cooperation" not in {f["id"] for f in fields_in(2024)}


def test_find_field_by_topic() -> None:
    assert find_field("専門人材の確保")["id"] == "wide_area_cooperation"
    assert find_field("公共施設等総合管理計画の見直し・実行")["id"] == "facility_management_plan"
    with pytest.raises(AdvisorError, match="見つかりません"):
        find_field("宇宙開発")


@pytest.mark.parametrize(
    ("body", "purpose", "mode"),
    [
        ("青森県", "training_event", "training_event"),
        ("青森県", "advice", "advice"),
        ("西目屋村", "advice", "advice"),
        ("西目屋村", "achieve_task", "task_achievement"),
        ("西目屋村", "training_event", "advice"),
    ],
)
def test_mode(body: str, purpose: str, mode: str) -> None:
    rec = recommend(body, "広域連携", purpose, "R7")
    assert rec.eligible and rec.mode is not None and rec.mode["id"] == mode
    assert rec.to_dict()["cost_to_body_yen"] == 0


def test_municipality_asking_for_a_seminar_is_pointed_to_the_prefecture() -> None:
    rec = recommend("西目屋村", "広域連携", "training_event", 2025)
    assert any("都道府県に開催を相談" in a for a in rec.alternatives)


def test_field_not_yet_offered() -> None:
    rec = recommend("西目屋村", "広域連携", "advice", "R6")
    assert not rec.eligible and rec.mode is None
    assert "令和7年度から" in rec.reasons[0]


def test_bad_purpose() -> None:
    with pytest.raises(AdvisorError, match="目的"):
        recommend("西目屋村", "広域連携", "party", 2025)
