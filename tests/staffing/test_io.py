from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kouiki.staffing.io import case_from_dict, load_case, read_mapping, strip_lines
from kouiki.staffing.model import EmploymentKind, SecondmentType, StaffingInputError
from kouiki.staffing.xlsx import write_workbook
from tests.staffing.helpers import NISHIMEYA, OWANI, PREF, case_dict


def test_demo_loads_and_resolves_names_to_codes() -> None:
    case = load_case("demo")
    assert case.years == (2025, 2026, 2027)
    agreement = case.agreements[0]
    assert agreement.sender == PREF
    assert "023621" in agreement.parties  # 大鰐町 by name
    assert {p.id for p in case.posts} == {"HN-1", "HN-2", "CE-1", "MG-1", "TX-1"}
    ce = [s for s in case.secondments if s.post == "CE-1"]
    assert {s.type for s in ce} == {SecondmentType.LOCAL_AUTONOMY_ACT}
    assert [s.share for s in ce] == [Decimal("0.6"), Decimal("0.4")]  # days_per_week 3 and 2
    assert case.post("TX-1").employment is EmploymentKind.PERMANENT


def test_xlsx_demo_equals_yaml_demo() -> None:
    a, b = load_case("demo"), load_case("demo-xlsx")
    assert (a.agreements, a.posts, a.secondments, a.demand, a.years, a.defaults) == (
        b.agreements, b.posts, b.secondments, b.demand, b.years, b.defaults
    )


def test_xlsx_round_trip(tmp_path: Path) -> None:
    data, _ = read_mapping("demo")
    path = tmp_path / "case.xlsx"
    write_workbook(strip_lines(data), path)
    assert load_case(path).secondments == load_case("demo").secondments


def test_xlsx_unknown_column_names_sheet_and_column(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ポスト"
    ws.append(["ポストID", "給与"])
    ws.append(["P1", 1])
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    with pytest.raises(StaffingInputError, match=r"bad.xlsx「ポスト」シート 1行目: 列「給与」"):
        load_case(path)


def test_xlsx_row_number_in_field_error(tmp_path: Path) -> None:
    data, _ = read_mapping("demo")
    data = strip_lines(data)
    data["posts"][1]["salary_yen"] = -5
    path = tmp_path / "neg.xlsx"
    write_workbook(data, path)
    with pytest.raises(StaffingInputError, match=r"neg.xlsx 3行目（「ポスト」シート）.*項目「人件費（円/年度）」"):
        load_case(path)


def test_yaml_error_names_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(
        "years: {from: R7, to: R7}\nposts:\n  - id: P1\n    employer: '020002'\n    type: 保健師\n"
        "    employment: 任期付\n    salary_yen: 1\n    start_year: R7\n",
        encoding="utf-8",
    )
    with pytest.raises(StaffingInputError, match=r"case.yaml 3行目.*項目「employer」: .*検査数字"):
        load_case(path)


@pytest.mark.parametrize(
    ("section", "index", "field", "value", "message"),
    [
        ("posts", 0, "type", "宇宙飛行士", "職種が不明です"),
        ("posts", 0, "employment", "正社員?", "雇用形態は"),
        ("posts", 0, "salary_yen", "1.5", "円単位の整数"),
        ("posts", 0, "fte", "1.2", "勤務量は0より大きく1以下"),
        ("secondments", 0, "share", "0.8", "割合の合計"),
        ("secondments", 0, "post", "P9", "ポストID 'P9' がありません"),
        ("secondments", 0, "receiver", PREF, "派遣先が採用団体と同じ"),
        ("secondments", 0, "type", "出向", "派遣形態は"),
        ("secondments", 0, "contribution_rate", "1.5", "負担率は0〜1"),
        ("agreements", 0, "sender", NISHIMEYA, None),
    ],
)
def test_bad_fields_are_named(section: str, index: int, field: str, value: object, message: str | None) -> None:
    data = case_dict()
    data[section][index][field] = value
    if section == "agreements":
        case = case_from_dict(data, "x.yaml")  # a 村 as sender is allowed by the model; refusals say more
        assert case.agreements[0].sender == NISHIMEYA
        return
    with pytest.raises(StaffingInputError) as exc:
        case_from_dict(data, "x.yaml")
    assert "x.yaml" in str(exc.value)
    assert message is not None and message in str(exc.value)


def test_duplicate_post_id() -> None:
    data = case_dict()
    data["posts"].append(dict(data["posts"][0]))
    with pytest.raises(StaffingInputError, match="ポストID 'P1' が重複"):
        case_from_dict(data, "x.yaml")


def test_share_and_days_are_exclusive() -> None:
    data = case_dict()
    data["secondments"][0]["days_per_week"] = 3
    with pytest.raises(StaffingInputError, match="どちらか一方"):
        case_from_dict(data, "x.yaml")


def test_sender_must_be_a_party() -> None:
    data = case_dict()
    data["agreements"][0]["parties"] = [OWANI, NISHIMEYA]
    with pytest.raises(StaffingInputError, match="派遣元（sender）を指定"):
        case_from_dict(data, "x.yaml")


def test_years_default_to_the_records() -> None:
    data = case_dict()
    del data["years"]
    data["secondments"][0]["to_year"] = "R9"
    assert case_from_dict(data).years == (2025, 2026, 2027)


def test_region_as_agreement_party() -> None:
    data = case_dict()
    data["agreements"][0]["parties"] = ["青森県", "圏域:弘前圏域"]
    case = case_from_dict(data)
    assert case.agreements[0].parties == (PREF, "022021", "022047", "022101", "023612", "023817", OWANI, "023671", NISHIMEYA)
    data["agreements"][0]["parties"] = ["青森県", "圏域:存在しない圏域"]
    with pytest.raises(StaffingInputError, match="項目「parties」"):
        case_from_dict(data, "x.yaml")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "utf-16"])
def test_yaml_encodings(tmp_path: Path, encoding: str) -> None:
    from kouiki.staffing.io import demo_path

    text = demo_path("demo").read_text(encoding="utf-8")
    path = tmp_path / f"case-{encoding}.yaml"
    path.write_text(text, encoding=encoding)
    assert load_case(path).secondments == load_case("demo").secondments


def test_unknown_key_is_refused_with_a_suggestion() -> None:
    data = case_dict()
    data["secondments"][0]["contribution_yem"] = 100
    with pytest.raises(StaffingInputError, match="項目「contribution_yem」は使えません（「contribution_yen」の誤りでは？）"):
        case_from_dict(data, "x.yaml")
    data = case_dict()
    data["secondments"][0]["備考"] = "自由記述は可"
    case_from_dict(data, "x.yaml")
    data = case_dict()
    data["secondment"] = []
    with pytest.raises(StaffingInputError, match="「secondments」の誤りでは"):
        case_from_dict(data, "x.yaml")


def test_training_file_given_to_support_is_pointed_to_training() -> None:
    with pytest.raises(StaffingInputError, match="kouiki staffing training"):
        load_case("training-demo")


def test_agreement_errors_name_the_body_and_its_code() -> None:
    data = case_dict()
    data["agreements"][0]["sender"] = "022012"  # 青森市: not a party
    with pytest.raises(StaffingInputError, match=r"派遣元の青森市（022012）が当事者（parties）に含まれていません"):
        case_from_dict(data, "t.yaml")
    data = case_dict()
    data["agreements"][0]["council_votes"]["022012"] = "2025-03-10"
    with pytest.raises(StaffingInputError, match=r"項目「council_votes」: 青森市（022012）は協約の当事者ではありません"):
        case_from_dict(data, "t.yaml")
