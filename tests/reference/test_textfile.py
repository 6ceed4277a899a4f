"""The one encoding detector for users' files, and the CLIs that read users' text through it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.reference.textfile import FileEncodingError, decode_user_bytes, detect_encoding, read_user_text

runner = CliRunner()
TEXT = "団体,名称\n022021,弘前市①\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "utf-16"])
def test_round_trip_of_the_encodings_municipal_pcs_save(tmp_path: Path, encoding: str) -> None:
    p = tmp_path / "f.csv"
    p.write_bytes(TEXT.encode(encoding))
    text, found = read_user_text(p)
    assert text == TEXT  # no BOM left, 機種依存文字 ① kept (cp932, not shift_jis)
    assert found == encoding


def test_bomless_utf16_is_recognised() -> None:
    assert detect_encoding("name,code\n".encode("utf-16-le")) == "utf-16-le"


def test_undecodable_bytes_name_the_file() -> None:
    with pytest.raises(FileEncodingError, match=r"計画\.yaml: 文字コードを判別できません"):
        decode_user_bytes(b"\x80\x81\xff\xfe\xfd" * 3 + b"abc", "計画.yaml")


def test_a_folder_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(FileEncodingError, match="フォルダ"):
        read_user_text(tmp_path)


SEED_ITEM = {"measure": "facility_bond", "municipality": "奈良県生駒市", "fiscal_year": "R7",
             "cost_yen": 1_000_000_000, "category": "consolidation", "national_subsidy_rate": "0.5",
             "floor_area_before_m2": 12000, "floor_area_after_m2": 8000, "interest_rate": 0, "term_years": 20,
             "grace_years": 3, "repayment": "annuity", "first_redemption_fiscal_year": 2026}


def test_fiscal_plan_saved_in_cp932_with_a_body_name_gives_72_5_percent(tmp_path: Path) -> None:
    p = tmp_path / "計画.yaml"
    p.write_bytes(yaml.safe_dump({"items": [SEED_ITEM]}, allow_unicode=True).encode("cp932"))
    res = runner.invoke(app, ["fiscal", "evaluate", str(p), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["errors"] == []
    assert out["totals"]["support_yen"] == 725_000_000
    assert {ln["municipality"] for ln in out["lines"]} == {"292095"}  # 生駒市, by name


def test_fiscal_plan_that_is_no_text_is_one_line_naming_the_file(tmp_path: Path) -> None:
    p = tmp_path / "plan.yaml"
    p.write_bytes(b"\x80\x81\xff\xfe\xfd" * 3)
    res = runner.invoke(app, ["fiscal", "evaluate", str(p)])
    assert res.exit_code == 1
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "plan.yaml" in res.output and "文字コード" in res.output


def test_fiscal_errors_name_file_row_item_and_field(tmp_path: Path) -> None:
    p = tmp_path / "plan.yaml"
    p.write_text(yaml.safe_dump({"items": [{**SEED_ITEM, "municipality": "川西町"}]}, allow_unicode=True),
                 encoding="utf-8")
    res = runner.invoke(app, ["fiscal", "evaluate", str(p), "--json"])
    assert res.exit_code == 1
    (err,) = json.loads(res.stdout)["errors"]
    assert err["file"] == str(p) and err["item"] == 0 and err["field"] == "municipality"
    assert "都道府県名" in err["message"]  # ambiguous 川西町: add the prefecture
    human = runner.invoke(app, ["fiscal", "evaluate", str(p)])
    assert human.exit_code == 1
    assert f"{p} 2行目 項目1" in human.output and "団体コード" in human.output  # items numbered from 1, fields in Japanese


@pytest.mark.parametrize("command", [["staffing", "plan"], ["formation", "import-census"], ["regions", "import"]])
def test_undecodable_files_never_give_a_traceback(tmp_path: Path, command: list[str]) -> None:
    p = tmp_path / ("bad.csv" if command[0] == "formation" else "bad.yaml")
    p.write_bytes(b"\x80\x81\xff\xfe\xfd" * 3)
    res = runner.invoke(app, [*command, str(p)])
    assert res.exit_code != 0
    assert isinstance(res.exception, SystemExit), res.exception
    assert "文字コード" in res.output


@pytest.mark.parametrize("command", [["fiscal", "evaluate"], ["staffing", "plan"], ["regions", "import"]])
def test_broken_yaml_is_one_line_naming_file_and_line(tmp_path: Path, command: list[str]) -> None:
    p = tmp_path / "broken.yaml"
    p.write_text("items: [\n  - {a: 1\n", encoding="utf-8")
    res = runner.invoke(app, [*command, str(p)])
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit)
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1, res.output  # PyYAML's caret drawing stays out
    assert "broken.yaml 2行目: YAMLとして読めません" in lines[0]


@pytest.mark.parametrize("command", [["fiscal", "evaluate"], ["staffing", "plan"]])
def test_empty_file_says_so(tmp_path: Path, command: list[str]) -> None:
    p = tmp_path / "empty.yaml"
    p.write_text("", encoding="utf-8")
    res = runner.invoke(app, [*command, str(p)])
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit)
    assert "empty.yaml: 空のファイルです" in res.output


def test_read_user_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    from kouiki.facilities.renewal import RenewalParameterError, RenewalParameters
    from kouiki.reference.textfile import read_user_yaml

    bad = tmp_path / "単価.yaml"
    bad.write_text("id: x\nunit_costs: [1, 2\n", encoding="cp932")
    with pytest.raises(RenewalParameterError, match=r"単価.yaml \d+行目: YAMLとして読めません"):
        RenewalParameters.load(bad)
    with pytest.raises(RenewalParameterError, match="更新費用のパラメータを読めません"):
        RenewalParameters.load(tmp_path / "ない.yaml")
    good = tmp_path / "ok.yaml"
    good.write_text("a: 1\n", encoding="utf-8")
    assert read_user_yaml(good, ValueError, "テスト") == {"a": 1}
