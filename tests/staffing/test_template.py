"""The staffing Excel 入力様式 (``kouiki staffing template``, the web's input.xlsx): the officer's words, drop-down
lists, units in the titles, the sheets 記入例 and 説明, and the round trip of a prefilled plan."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kouiki.staffing.io import case_from_dict, load_case, read_mapping, strip_lines
from kouiki.staffing.model import (
    EmploymentKind,
    SecondmentType,
    StaffingInputError,
    builtin_types,
    parse_bool,
    parse_employment,
    parse_secondment_type,
    resolve_type,
)
from kouiki.staffing.support import evaluate_support
from kouiki.staffing.xlsx import (
    EXAMPLE_SHEET,
    FICTIONAL,
    GUIDE_SHEET,
    SETTINGS,
    SHEETS,
    choices,
    read_example,
    write_workbook,
)

DATA_SHEETS = ["設定", *(sheet for sheet, _ in SHEETS.values())]


def _demo() -> dict[str, Any]:
    return strip_lines(read_mapping("demo")[0])


def _same(a: Any, b: Any) -> None:
    assert (a.title, a.years, a.defaults, a.agreements, a.posts, a.secondments, a.demand) == (
        b.title, b.years, b.defaults, b.agreements, b.posts, b.secondments, b.demand)


def _coded(data: dict[str, Any]) -> dict[str, Any]:
    """The demo as a program might store it: codes and ids, true/false, 西暦 years."""
    out = copy.deepcopy(data)
    ids = {t.name: t.id for t in builtin_types()}
    out["defaults"]["secondment_type"] = "agreement"
    out["years"] = {"from": 2025, "to": 2027}
    for a in out["agreements"]:
        a["expertise"] = [ids[x] for x in a["expertise"]]
    for p in out["posts"]:
        p["employment"] = parse_employment(p["employment"]).value
        p["type"] = ids[p["type"]]
        p["start_year"] = 2025
    for s in out["secondments"]:
        if "type" in s:
            s["type"] = parse_secondment_type(s["type"]).value
    for d in out["demand"]:
        d["type"] = ids[d["type"]]
    return out


def _codes() -> set[str]:
    words = {k.value for k in EmploymentKind} | {k.value for k in SecondmentType} | {t.id for t in builtin_types()}
    return words | {"true", "false", "True", "False", "yes", "no"}


def _english_cells(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    codes = _codes()
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, bool) or (isinstance(c.value, str) and c.value.strip() in codes):
                    found.append(f"{ws.title}!{c.coordinate}={c.value!r}")
                elif isinstance(c.value, str) and ws.title != GUIDE_SHEET:
                    found += [f"{ws.title}!{c.coordinate}={c.value!r}" for part in c.value.split("、") if part in codes]
    return found


def test_prefilled_demo_reads_back_as_the_same_plan(tmp_path: Path) -> None:
    path = tmp_path / "demo.xlsx"
    write_workbook(_demo(), path)  # the function the CLI (--demo) and the web's input.xlsx both call
    _same(load_case(path), load_case("demo"))


def test_a_plan_stored_with_codes_is_written_in_words_and_reads_back(tmp_path: Path) -> None:
    coded = _coded(_demo())
    path = tmp_path / "coded.xlsx"
    write_workbook(coded, path)
    assert _english_cells(path) == []
    _same(load_case(path), case_from_dict(coded, "coded"))
    wb = openpyxl.load_workbook(path)
    post = next(iter(wb["ポスト"].iter_rows(min_row=2, max_row=2, values_only=True)))
    assert post[3:5] == ("保健師", "常勤") and post[11:13] == ("はい", "はい")
    assert dict(wb["設定"].iter_rows(values_only=True, max_col=2))["派遣形態の既定"] == "協約派遣"


def test_the_english_cell_check_can_fail(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["雇用形態", "主な所掌が市町村支援"])
    wb.active.append(["permanent", True])
    path = tmp_path / "codes.xlsx"
    wb.save(path)
    assert len(_english_cells(path)) == 2


def test_blank_template_has_no_english_codes_and_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    write_workbook({}, path)
    assert _english_cells(path) == []
    assert openpyxl.load_workbook(path).sheetnames == [*DATA_SHEETS, EXAMPLE_SHEET, GUIDE_SHEET]


def _validations(ws: Any) -> dict[str, tuple[list[str], str]]:
    """Top-left cell of each list validation → (its words, its error style)."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        words = dv.formula1.strip('"').split(",")
        out[str(dv.sqref).split(":")[0]] = (words, dv.errorStyle)
    return out


def test_choice_columns_offer_their_japanese_words_as_warning_lists(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_workbook({}, path)
    wb = openpyxl.load_workbook(path)
    kinds = ["保健師", "保育士", "税務", "用地", "土木", "建築", "農業土木", "林業", "移住交流", "DX"]
    expected = {
        "ポスト": {"雇用形態": ["常勤", "任期付", "非常勤"], "職種": kinds,
                   "主な所掌が市町村支援（はい/いいえ）": ["はい", "いいえ"], "専門職として採用（はい/いいえ）": ["はい", "いいえ"]},
        "派遣": {"派遣形態": ["協約派遣", "自治法派遣"]},
        "需要": {"職種": kinds},
    }
    for sheet, cols in expected.items():
        ws = wb[sheet]
        titles = {c.value: c.column_letter for c in ws[1]}
        found = _validations(ws)
        assert len(found) == len(cols), sheet
        for title, words in cols.items():
            assert found[f"{titles[title]}2"] == (words, "warning"), (sheet, title)
    settings = _validations(wb["設定"])
    row = next(c.row for c in wb["設定"]["A"] if c.value == "派遣形態の既定")
    assert settings == {f"B{row}": (["協約派遣", "自治法派遣"], "warning")}


def test_every_offered_word_is_read_and_the_codes_still_are() -> None:
    for word in choices("posts", "employment") or []:
        parse_employment(word)
    for word in choices("secondments", "type") or []:
        parse_secondment_type(word)
    for word in choices("posts", "type") or []:
        assert resolve_type(word, builtin_types()) is not None
    assert [parse_bool(w) for w in choices("posts", "hired_as_specialist") or []] == [True, False]
    assert parse_employment("fixed_term") is EmploymentKind.FIXED_TERM
    assert parse_secondment_type("local_autonomy_act") is SecondmentType.LOCAL_AUTONOMY_ACT
    assert parse_employment("常勤（任期の定めなし）") is EmploymentKind.PERMANENT  # the label kouiki shows


def test_titles_say_the_unit(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_workbook({}, path)
    wb = openpyxl.load_workbook(path)
    titles = {sheet: [c.value for c in wb[sheet][1]] for sheet in DATA_SHEETS[1:]}
    assert "人件費（円/年度）" in titles["ポスト"] and "募集経費（円）" in titles["ポスト"]
    assert any("0〜1 の割合" in t for t in titles["ポスト"])
    assert {"週日数（日/週）", "割合（0〜1 の割合）", "負担金（円/年度）", "負担率（0〜1 の割合）"} <= set(titles["派遣"])
    assert {"人工（人、1＝常勤1人分）", "週日数（日/週）"} <= set(titles["需要"])


def test_guide_sheet_explains_every_column(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_workbook({}, path)
    wb = openpyxl.load_workbook(path)
    rows = {(r[0], r[1]): (r[2], r[3]) for r in wb[GUIDE_SHEET].iter_rows(min_row=2, values_only=True) if r[1]}
    for key, labels in SETTINGS:
        assert rows[("設定", labels[0])][0], key
    for sheet in DATA_SHEETS[1:]:
        for c in wb[sheet][1]:
            what, _words = rows[(sheet, c.value)]
            assert what, (sheet, c.value)
    assert rows[("派遣", "派遣形態")][1] == "協約派遣、自治法派遣"


def test_example_sheet_is_marked_fictional_reads_back_and_evaluates(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_workbook({}, path)
    wb = openpyxl.load_workbook(path)
    assert FICTIONAL in str(wb[EXAMPLE_SHEET]["A1"].value) and "架空" in FICTIONAL
    case = case_from_dict(read_example(path), "記入例")
    assert {p.employment for p in case.posts} == {EmploymentKind.PERMANENT, EmploymentKind.FIXED_TERM}
    assert {s.type for s in case.secondments} == {SecondmentType.AGREEMENT, SecondmentType.LOCAL_AUTONOMY_ACT}
    assert {s.receiver for s in case.secondments} == {"023621", "023434"}  # 大鰐町, 西目屋村
    demo = load_case("demo")
    assert all(s in demo.secondments for s in case.secondments) and all(p in demo.posts for p in case.posts)
    res = evaluate_support(case)
    towns = [b for b in res.bodies if b["municipality"] in ("023621", "023434")]
    assert towns and all(b["support_yen"] is not None for b in towns)
    assert sum(b["support_yen"] for b in towns) > 0
    assert not any("エラー" in w for w in res.warnings)
    assert _english_cells(path) == []


def _edit(src: Path, dst: Path, sheet: str, title: str, value: Any, row: int = 2) -> None:
    wb = openpyxl.load_workbook(src)
    ws = wb[sheet]
    col = next(c.column for c in ws[1] if c.value == title)
    ws.cell(row, col, value)
    wb.save(dst)


@pytest.mark.parametrize(("sheet", "title", "value", "words"), [
    ("ポスト", "雇用形態", "正社員", "「常勤」「任期付」「非常勤」"),
    ("ポスト", "主な所掌が市町村支援（はい/いいえ）", "たぶん", "「はい」か「いいえ」"),
    ("派遣", "派遣形態", "出向", "「協約派遣」「自治法派遣」"),
    ("需要", "職種", "看護師", "保健師、保育士、税務"),
])
def test_a_wrong_word_is_refused_naming_sheet_row_column_value_and_the_words(
        tmp_path: Path, sheet: str, title: str, value: str, words: str) -> None:
    good = tmp_path / "good.xlsx"
    write_workbook(_demo(), good)
    bad = tmp_path / "bad.xlsx"
    _edit(good, bad, sheet, title, value, row=3)
    with pytest.raises(StaffingInputError) as err:
        load_case(bad)
    text = str(err.value)
    assert f"bad.xlsx 3行目（「{sheet}」シート）" in text
    assert f"項目「{title}」" in text and repr(value) in text and words in text
    for code in ("permanent", "agreement", "true"):
        assert code not in text


def test_every_wrong_word_is_listed_at_once_and_nothing_is_read(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    write_workbook(_demo(), good)
    wb = openpyxl.load_workbook(good)
    edits = [("ポスト", "雇用形態", 2, "正社員"), ("ポスト", "専門職として採用（はい/いいえ）", 3, "未定"),
             ("派遣", "派遣形態", 5, "出向"), ("設定", None, 5, "出向")]
    for sheet, title, row, value in edits:
        ws = wb[sheet]
        col = 2 if title is None else next(c.column for c in ws[1] if c.value == title)
        ws.cell(row, col, value)
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    with pytest.raises(StaffingInputError) as err:
        load_case(bad)
    lines = str(err.value).splitlines()
    assert "一覧にない語が4件" in lines[0]
    assert sorted(lines[1:]) == sorted([
        "bad.xlsx 5行目（「設定」シート） 項目「派遣形態の既定」: 派遣形態は「協約派遣」「自治法派遣」のいずれかで記入してください: '出向'",
        "bad.xlsx 2行目（「ポスト」シート） 項目「雇用形態」: 雇用形態は「常勤」「任期付」「非常勤」のいずれかで記入してください: '正社員'",
        "bad.xlsx 3行目（「ポスト」シート） 項目「専門職として採用（はい/いいえ）」: 「はい」か「いいえ」で記入してください（○/×、あり/なし も可）: '未定'",
        "bad.xlsx 5行目（「派遣」シート） 項目「派遣形態」: 派遣形態は「協約派遣」「自治法派遣」のいずれかで記入してください: '出向'",
    ])


def test_training_workbook_writes_yes_no_with_drop_downs_and_reads_back(tmp_path: Path) -> None:
    from kouiki.staffing.training import policies_from_dict
    from kouiki.staffing.xlsx import read_workbook, write_training_workbook

    data = strip_lines(read_mapping("training-demo")[0])
    path = tmp_path / "training.xlsx"
    write_training_workbook(data, path)
    assert _english_cells(path) == []
    wb = openpyxl.load_workbook(path)
    titles = {c.value: c.column_letter for c in wb["研修"][1]}
    assert _validations(wb["研修"])[f"{titles['広域研修']}2"] == (["はい", "いいえ"], "warning")
    assert policies_from_dict(read_workbook(path), "t") == policies_from_dict(data, "t")


def test_a_wrong_setting_names_its_row_and_label(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    write_workbook(_demo(), good)
    wb = openpyxl.load_workbook(good)
    row = next(c.row for c in wb["設定"]["A"] if c.value == "負担率の既定（0〜1 の割合）")
    wb["設定"].cell(row, 2, "1.5")
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    with pytest.raises(StaffingInputError, match=rf"bad.xlsx {row}行目（「設定」シート）.*項目「負担率の既定（0〜1 の割合）」: 負担率は0〜1です"):
        load_case(bad)
