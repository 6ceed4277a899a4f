from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from kouiki.staffing.io import case_from_dict, load_case
from kouiki.staffing.items import build_items, flows_by_body
from tests.staffing.helpers import HIROSAKI, NISHIMEYA, OWANI, PREF, case_dict


def _items(data: dict[str, Any]) -> Any:
    return build_items(case_from_dict(data, "t.yaml"))


def _find(items: list[dict[str, Any]], **kw: Any) -> list[dict[str, Any]]:
    return [i for i in items if all(i.get(k) == v for k, v in kw.items())]


def test_salary_is_split_exactly_by_share() -> None:
    out = _items(case_dict())
    for year in (2025, 2026):
        sal = _find(out.items, measure="specialist_salary", fiscal_year=year)
        parts = sum(i["cost_yen"] for i in sal)
        assert parts + out.own_work[("P1", year)] == 6_000_001
        owani = _find(sal, receiver=OWANI)[0]
        assert owani["cost_yen"] == 3_600_001  # 0.6 of 6,000,001 by largest remainder (the odd yen)
        assert owani["persons"] == Decimal("0.6667") and owani["name"] == "P1 保健師（任期付）→大鰐町"
        assert owani["contribution_yen"] == 1_800_000  # rate 0.5 of 3,600,001, 円未満切捨て


def test_recruitment_only_in_recruiting_year_split_by_share() -> None:
    out = _items(case_dict())
    rec = _find(out.items, measure="specialist_recruitment")
    assert {i["fiscal_year"] for i in rec} == {2025}
    assert sum(i["cost_yen"] for i in rec) == 1_000_001
    assert {i["receiver"]: i["cost_yen"] for i in rec} == {OWANI: 666_667, NISHIMEYA: 333_334}
    assert all(i["municipality"] == PREF for i in rec)


def test_first_year_flag_per_post_and_receiver() -> None:
    data = case_dict()
    data["secondments"][0]["from_year"] = 2024  # already served 大鰐町 before the recruiting 年度
    data["years"] = {"from": 2025, "to": 2026}
    data["posts"][0]["start_year"] = 2024
    data["posts"][0]["recruiting_year"] = 2025
    out = _items(data)
    rec = _find(out.items, measure="specialist_recruitment")
    assert {i["receiver"]: i["first_year"] for i in rec} == {OWANI: False, NISHIMEYA: True}


def test_recruiting_ahead_of_the_secondments() -> None:
    data = case_dict()
    data["years"] = {"from": 2024, "to": 2025}
    data["posts"][0].update(start_year=2024, recruiting_year=2024)
    for s in data["secondments"]:
        s["from_year"] = 2025
    out = _items(data)
    rec = _find(out.items, measure="specialist_recruitment")
    assert {i["fiscal_year"] for i in rec} == {2024}
    assert {i["receiver"] for i in rec} == {OWANI, NISHIMEYA} and all(i["first_year"] for i in rec)
    assert sum(i["cost_yen"] for i in rec) == 1_000_001


def test_recruiting_without_any_secondment_warns() -> None:
    data = case_dict(secondments=[])
    out = _items(data)
    assert out.items == []
    assert any("派遣先がないため" in w for w in out.warnings)


def test_contribution_item_for_receiver_both_types() -> None:
    data = case_dict()
    data["secondments"][1].update(type="自治法派遣", contribution_yen=900_000)
    out = _items(data)
    con = _find(out.items, measure="specialist_contribution", fiscal_year=2025)
    by = {i["municipality"]: i for i in con}
    # agreement-type with a 負担金: item made so the engine states why the receiver gets nothing
    assert by[OWANI]["secondment"] == "agreement" and by[OWANI]["cost_yen"] == 1_800_000
    assert by[NISHIMEYA]["secondment"] == "local_autonomy_act" and by[NISHIMEYA]["cost_yen"] == 900_000
    assert by[NISHIMEYA]["sender"] == PREF
    # the sender's salary item under 自治法派遣 still goes to the engine (which refuses it with its reason)
    sal = _find(out.items, measure="specialist_salary", fiscal_year=2025, receiver=NISHIMEYA)[0]
    assert sal["secondment"] == "local_autonomy_act" and sal["contribution_yen"] == 900_000


def test_no_contribution_no_contribution_item() -> None:
    out = _items(case_dict())
    assert not _find(out.items, measure="specialist_contribution", municipality=NISHIMEYA)


def test_flows_per_body() -> None:
    out = _items(case_dict())
    f = flows_by_body(out)
    assert f[(PREF, 2025)]["recruiting_yen"] == 1_000_001
    assert f[(PREF, 2025)]["contribution_received_yen"] == 1_800_000
    assert f[(OWANI, 2025)]["contribution_paid_yen"] == 1_800_000


def _refused(data: dict[str, Any], measure: str = "specialist_salary") -> list[str]:
    out = _items(data)
    return [r for ref in out.refusals if ref.measure == measure for r in ref.reasons]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d.update(agreements=[]), "連携協約がありません"),
        (lambda d: d["agreements"][0].pop("basic_policy"), "基本方針の定めがありません"),
        (lambda d: d["agreements"][0].pop("role_split"), "役割分担の定めがありません"),
        (lambda d: d["agreements"][0].update(expertise=["土木"]), "職種「保健師」は連携協約"),
        (lambda d: d["agreements"][0].update(concluded_on="2026-04-01"), "締結日（2026-04-01）が令和7年度の末日より後"),
        (lambda d: d["agreements"][0]["council_votes"].update({OWANI: "2026-05-01"}), "議会の議決（2026-05-01）"),
        (lambda d: d["posts"][0].update(employment="常勤", main_duty_municipal_support=False, hired_as_specialist=True), "主な所掌事務が市町村支援業務"),
        (lambda d: d["posts"][0].update(employment="常勤"), "未入力のため確認できません"),
    ],
)
def test_staffing_refusals_have_reasons(mutate: Any, reason: str) -> None:
    data = case_dict()
    mutate(data)
    if not data["agreements"]:
        data["agreements"] = []
    reasons = _refused(data)
    assert any(reason in r for r in reasons), reasons


def test_receiver_not_party_refused() -> None:
    data = case_dict()
    data["agreements"][0]["parties"] = [PREF, NISHIMEYA, HIROSAKI]
    data["agreements"][0]["council_votes"].pop(OWANI)
    data["secondments"][0]["agreement"] = "K1"
    out = _items(data)
    owani = [r for r in out.refusals if r.origin.receiver == OWANI]
    assert owani and all(any("当事者ではありません" in x for x in r.reasons) for r in owani)
    # the other receiver is unaffected
    assert _find(out.items, measure="specialist_salary", receiver=NISHIMEYA)


def test_refused_secondment_makes_no_items() -> None:
    data = case_dict()
    data["agreements"][0]["expertise"] = ["土木"]
    out = _items(data)
    assert out.items == []
    assert {r.measure for r in out.refusals} == {"specialist_recruitment", "specialist_salary", "specialist_contribution"}


def test_permanent_post_with_both_conditions_is_fine() -> None:
    data = case_dict()
    data["posts"][0].update(employment="常勤", main_duty_municipal_support=True, hired_as_specialist=True)
    out = _items(data)
    assert out.refusals == []
    assert _find(out.items, measure="specialist_salary")


def test_missing_council_vote_is_a_warning_not_a_refusal() -> None:
    data = case_dict()
    data["agreements"][0]["council_votes"].pop(OWANI)
    out = _items(data)
    assert out.refusals == []
    assert any("議会の議決日が未入力" in w for w in out.warnings)


def test_warnings_and_reasons_name_bodies_in_japanese_not_by_code() -> None:
    data = case_dict()
    data["agreements"][0]["council_votes"].pop(OWANI)
    out = _items(data)
    assert any(w.startswith("連携協約「協約」の大鰐町の議会の議決日が未入力です") for w in out.warnings), out.warnings
    data = case_dict()
    data["agreements"][0]["parties"] = [PREF, NISHIMEYA, HIROSAKI]
    data["agreements"][0]["council_votes"].pop(OWANI)
    data["agreements"][0]["council_votes"][NISHIMEYA] = "2026-05-01"
    data["secondments"][0]["agreement"] = "K1"
    reasons = [r for ref in _items(data).refusals for r in ref.reasons]
    assert "派遣先の大鰐町は連携協約「協約」の当事者ではありません" in reasons
    assert any(r.startswith("西目屋村の議会の議決（2026-05-01）が") for r in reasons), reasons
    data = case_dict()
    data["agreements"][0]["sender"] = HIROSAKI
    reasons = [r for ref in _items(data).refusals for r in ref.reasons]
    assert "採用団体の青森県は連携協約「協約」の派遣元ではありません" in reasons
    texts = [*out.warnings, *reasons]
    assert not [t for t in texts if re.search(r"\d{6}", t)], texts


def test_demo_items_cover_both_secondment_types_and_a_refusal() -> None:
    out = build_items(load_case("demo"))
    kinds = {(i["measure"], i.get("secondment")) for i in out.items}
    assert ("specialist_contribution", "local_autonomy_act") in kinds
    assert ("specialist_salary", "agreement") in kinds
    assert any(r.origin.post == "TX-1" for r in out.refusals)
    # the plan contract: every item has measure, municipality (6 digits), fiscal_year and cost_yen
    for i in out.items:
        assert len(i["municipality"]) == 6 and isinstance(i["cost_yen"], int) and i["cost_yen"] >= 0
