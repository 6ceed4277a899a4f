from __future__ import annotations

import copy
from typing import Any

import pytest

from kouiki.staffing.io import read_mapping, strip_lines
from kouiki.staffing.model import StaffingInputError
from kouiki.staffing.training import build_training_items, evaluate_training, policies_from_dict
from tests.staffing.test_support import fake_engine

HIRO = "022021"


def _demo() -> dict[str, Any]:
    data, _ = read_mapping("training-demo")
    return data


def _checks(data: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(items with their programme id, checks, notes)."""
    policies, years = policies_from_dict(data, "t.yaml")
    items, origins, checks, notes = build_training_items(policies, years)
    return [{**i, "programme": o["programme"]} for i, o in zip(items, origins, strict=True)], checks, notes


def _check(data: dict[str, Any], programme: str) -> dict[str, Any]:
    return next(c for c in _checks(data)[1] if c["programme"] == programme)


def test_demo_checks() -> None:
    items, checks, notes = _checks(_demo())
    by = {c["programme"]: c for c in checks}
    assert by["PREF-GX"]["all_met"] and by["HIRO-MC"]["all_met"]
    dx = by["PREF-DX"]
    assert not dx["all_met"] and dx["participants_meet_conditions"] is False
    assert any("黒石市: ③" in r for r in dx["reasons"])
    # joining entries of 市町村 are not programmes of their own
    assert "HIRO-DX" not in by
    wide = [i for i in items if i["programme"] == "PREF-DX"]
    assert [i["cost_yen"] for i in wide] == [4_000_000, 3_500_000]  # 開催経費 only
    assert all(i["wide_area"] and i["participants_meet_conditions"] is False for i in wide)
    own = next(i for i in items if i["programme"] == "HIRO-MC")
    assert own["cost_yen"] == 800_000 and own["municipality"] == HIRO  # 開催 + 受講
    assert [n["base_yen"] for n in notes] == [300_000]  # wide-area 受講経費 explained as not eligible


def test_wide_area_ok_when_every_participant_meets_conditions() -> None:
    data = _demo()
    kuro = next(p for p in data["policies"] if p["body"] == "黒石市")
    kuro["programmes"][0]["target_staff"] = 5
    c = _check(data, "PREF-DX")
    assert c["all_met"] and c["participants_meet_conditions"] and c["wide_area_ok"]


@pytest.mark.parametrize(
    ("mutate", "programme", "flag", "reason"),
    [
        (lambda d: d["policies"][0].update(new_policy=False), "PREF-GX", "priority_in_plan", "新たに策定した人材育成基本方針ではありません"),
        (lambda d: d["policies"][0].pop("new_policy"), "PREF-GX", "priority_in_plan", "指針"),
        (lambda d: d["policies"][0]["priority_issues"][1].update(in_medium_term_plan=False), "PREF-GX", "priority_in_plan", "中長期的な計画"),
        (lambda d: d["policies"][0]["priority_issues"][1].update(in_policy=False), "PREF-GX", "priority_in_plan", "位置づけられていません"),
        (lambda d: d["policies"][0]["programmes"][1].update(issue="観光"), "PREF-GX", "priority_in_plan", "重点課題（priority_issues）にありません"),
        (lambda d: d["policies"][0]["programmes"][1].update(stated_in_policy=False), "PREF-GX", "systematic_program", "体系的に明示"),
        (lambda d: d["policies"][0]["programmes"][1].pop("schedule"), "PREF-GX", "systematic_program", "実施スケジュール"),
        (lambda d: d["policies"][0]["programmes"][1].pop("target_staff"), "PREF-GX", "numeric_target", "数値目標がありません"),
        (lambda d: d["policies"][0]["programmes"][1].update(target_staff=0), "PREF-GX", "numeric_target", "数値目標がありません"),
    ],
)
def test_each_condition(mutate: Any, programme: str, flag: str, reason: str) -> None:
    data = copy.deepcopy(_demo())
    mutate(data)
    c = _check(data, programme)
    assert c[flag] is False and not c["all_met"]
    assert any(reason in r for r in c["reasons"]), c["reasons"]
    items = [i for i in _checks(data)[0] if i["programme"] == programme]
    assert items and all(i["conditions"][flag] is False for i in items)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda p: p.update(covers_municipalities=False), "市町村を含む広域的な研修であることが明示されていません"),
        (lambda p: p["municipal_targets"].pop("平川市"), "平川市の数値目標"),
        (lambda p: p.update(participants=["弘前市", "平川市", "黒石市", "大鰐町"]), "大鰐町の人材育成基本方針が入力されていない"),
    ],
)
def test_wide_area_conditions(mutate: Any, reason: str) -> None:
    data = copy.deepcopy(_demo())
    mutate(data["policies"][0]["programmes"][0])
    c = _check(data, "PREF-DX")
    assert not c["all_met"]
    assert any(reason in r for r in c["reasons"]), c["reasons"]


def test_wide_area_only_for_prefectures() -> None:
    data = copy.deepcopy(_demo())
    data["policies"][1]["programmes"][1]["wide_area"] = True
    with pytest.raises(StaffingInputError, match=r"広域研修は都道府県等が開催するものです（弘前市（022021）は都道府県ではありません）"):
        _checks(data)


def test_evaluate_with_engine_stand_in() -> None:
    policies, years = policies_from_dict(strip_lines(_demo()), "t.yaml")
    res = evaluate_training(policies, years, evaluator=fake_engine)
    fiscal = [ln for ln in res.lines if ln["source"] == "fiscal"]
    assert {ln["programme"] for ln in fiscal} == {"PREF-DX", "PREF-GX", "HIRO-MC"}
    assert set(res.items[0]) <= {"measure", "municipality", "fiscal_year", "cost_yen", "conditions", "wide_area",
                                 "participants_meet_conditions", "name"}
    assert res.to_dict()["plan"]["items"][0]["measure"] == "training"


def test_with_the_real_fiscal_engine() -> None:
    pytest.importorskip("kouiki.fiscal")
    policies, years = policies_from_dict(_demo(), "t.yaml")
    res = evaluate_training(policies, years)
    by = {(ln["programme"], ln["fiscal_year"]): ln for ln in res.lines if ln["source"] == "fiscal"}
    assert by[("HIRO-MC", 2025)]["amount_yen"] == 400_000  # 市町村 own staff: 特交 0.5
    assert by[("PREF-DX", 2025)]["amount_yen"] == 0  # a participant fails ③


def test_bad_participant_names_file_line_and_field() -> None:
    data = copy.deepcopy(_demo())
    data["policies"][0]["programmes"][0]["participants"] = ["弘前市", "存在しない村"]
    with pytest.raises(StaffingInputError, match=r"t.yaml \d+行目.*項目「participants」.*存在しない村"):
        _checks(data)


def test_xlsx_demo_equals_yaml_demo() -> None:
    a = policies_from_dict(read_mapping("training-demo")[0], "a")
    b = policies_from_dict(read_mapping("training-demo-xlsx")[0], "b")
    assert a == b


def test_xlsx_unknown_programme_in_costs(tmp_path: Any) -> None:
    from kouiki.staffing.xlsx import write_training_workbook

    data = strip_lines(_demo())
    data["policies"][0]["programmes"][0]["costs"] = []
    path = tmp_path / "t.xlsx"
    write_training_workbook(data, path)
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb["研修経費"].append(["NOPE", "R7", 1, 0])
    wb.save(path)
    with pytest.raises(StaffingInputError, match=r"「研修経費」シート .*行目: 研修ID「NOPE」"):
        read_mapping(path)


def test_unknown_programme_key() -> None:
    data = copy.deepcopy(_demo())
    data["policies"][0]["programmes"][1]["target"] = 5
    with pytest.raises(StaffingInputError, match="項目「target」は使えません"):
        _checks(data)
