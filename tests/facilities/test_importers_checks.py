"""Issue 14 points 1–4 and issue 18 points 7 and 10 at the importer, store and CLI level.

1. all-or-nothing by default (every bad row: row, column letter, field, value, reason), the old list kept,
   ``--only-valid`` as a confirmed second step showing 件数 before/after;
2. range checks from the one schema (``kouiki.facilities.model.BOUNDS``), also enforced by the store;
3. header row found below title rows / merged title cells;
4. renewal says when every facility lacks 延床面積・建築年度 and points to the template;
10. a re-import that removes facility IDs used by stored scenarios lists them and asks to confirm.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.facilities.importers import IncompleteFileError, import_inventory
from kouiki.facilities.importers.common import column_letter
from kouiki.facilities.importers.yearly import import_yearly_figures
from kouiki.facilities.model import (
    BOUNDS,
    Building,
    Facility,
    Inventory,
    MajorCategory,
    check_value,
    current_fiscal_year,
    facility_problems,
)
from kouiki.store import session
from kouiki.store.facilities import (
    OutOfRangeError,
    load_inventory,
    plan_replacement,
    save_inventory,
)
from kouiki.store.regions import ConflictError

HEADER = "施設ID,団体コード,施設名,大分類,延床面積,建築年度,年間利用者数,年間運営費"
runner = CliRunner()


def _csv(tmp_path: Path, lines: list[str], name: str = "022047_template.csv", encoding: str = "cp932") -> Path:
    p = tmp_path / name
    p.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return p


def _good(n: int, prefix: str = "K") -> list[str]:
    return [f"{prefix}{i},022047,黒石施設{i},市民文化系施設,{1000 + i},1990,100,2000000" for i in range(1, n + 1)]


def _run(*args: str, input: str | None = None) -> tuple[int, str]:
    r = runner.invoke(app, ["facilities", *args], input=input)
    return r.exit_code, r.stdout


# ---- 2. range checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("延床面積", "99999999999999999999", "延床面積が大きすぎます（上限 500,000㎡）"),
        ("延床面積", "1e308", "延床面積の桁数が多すぎます"),
        ("延床面積", "600000", "延床面積が大きすぎます（上限 500,000㎡）"),
        ("延床面積", "0", "延床面積は0㎡より大きい値にしてください"),
        ("延床面積", "-5", "延床面積は0㎡より大きい値にしてください"),
        ("建築年度", "令和99年", "建築年度が将来の年度です"),
        ("建築年度", "1850", "建築年度の年が範囲外です（1868年＝明治元年以降）"),
        ("年間利用者数", "-1", "年間利用者数が負の値です（0以上）"),
        ("年間運営費", "△100", "年間運営費が負の値です（0以上）"),
        ("年間運営費", "99999999999999999999", "年間運営費が大きすぎます"),
    ],
)
def test_out_of_range_values_are_rejected_with_row_column_and_reason(
    tmp_path: Path, column: str, value: str, reason: str
) -> None:
    cells = dict(zip(HEADER.split(","), ["K9", "022047", "黒石会館", "市民文化系施設", "1200", "1990", "10", "100"], strict=True))
    cells[column] = value
    p = _csv(tmp_path, [HEADER, *_good(2), ",".join(cells.values())])
    inv, rep = import_inventory(p)
    assert [f.facility_id for f in inv.facilities] == ["K1", "K2"]
    (issue,) = rep.rejected
    assert issue.row == 4 and issue.column == column and issue.value == value
    assert issue.letter == column_letter(HEADER.split(",").index(column))
    assert reason in issue.reason
    with pytest.raises(IncompleteFileError, match="何も取り込んでいません"):
        rep.require_complete()


def test_the_bounds_schema_is_one_table_of_japanese_reasons() -> None:
    assert check_value("floor_area_m2", Decimal("1e308")) == "延床面積が大きすぎます（上限 500,000㎡）"
    assert check_value("floor_area_m2", Decimal("500000")) is None
    assert check_value("built_year", current_fiscal_year()) is None
    assert check_value("built_year", current_fiscal_year() + 1) is not None
    assert check_value("built_year", 1867) is not None
    assert check_value("annual_users", 2**63) is not None and check_value("annual_users", 2**63 - 1) is None
    assert check_value("lat", float("nan")) == "緯度が数値ではありません"
    assert set(BOUNDS) >= {"floor_area_m2", "built_year", "annual_users", "annual_operating_cost_yen", "capacity"}


def test_a_facility_of_several_buildings_may_exceed_one_buildings_limit_but_each_building_may_not() -> None:
    b = [Building("b1", Decimal(400_000), 1990), Building("b2", Decimal(300_000), 1995)]
    f = Facility("F", "022047", "大学", MajorCategory.SCHOOL_EDUCATION, floor_area_m2=Decimal(700_000), buildings=tuple(b))
    assert facility_problems(f) == []
    bad = Facility("F", "022047", "大学", MajorCategory.SCHOOL_EDUCATION, floor_area_m2=Decimal(700_000))
    assert [p[0] for p in facility_problems(bad)] == ["floor_area_m2"]


def test_yearly_figures_refuse_negative_users_and_costs(tmp_path: Path) -> None:
    inv = Inventory([Facility("K1", "022047", "黒石会館", MajorCategory.CIVIC_CULTURE)])
    p = _csv(tmp_path, ["施設ID,年度,利用者数,運営費", "K1,R5,-3,1000", "K1,R4,10,-1000", "K1,R3,10,1000"], "fig.csv")
    merged, rep = import_yearly_figures(p, inv)
    assert {(i.row, i.letter, i.reason) for i in rep.rejected} == {
        (2, "C", "利用者数が負の値です（0以上）"), (3, "D", "運営費が負の値です（0以上）")}
    assert list(merged.facilities[0].yearly) == [2021]


def test_ledger_rows_out_of_range_are_rejected(tmp_path: Path) -> None:
    lines = ["施設名,勘定科目,取得価額,減価償却累計額,数量,取得年月日",
             "会館,建物,1000000,100,500,S60.4.1",
             "会館,建物,-1000000,100,500,S60.4.1",
             "会館,建物,1000000,100,1e308,S60.4.1",
             "会館,建物,1000000,100,500,令和99年4月1日"]
    inv, rep = import_inventory(_csv(tmp_path, lines, "022047_ledger.csv"))
    assert {(i.row, i.letter) for i in rep.rejected} == {(3, "C"), (4, "E"), (5, "F")}
    assert len(inv.facilities) == 1 and len(inv.facilities[0].buildings) == 1


def test_the_store_refuses_an_out_of_range_inventory_whole() -> None:
    good = Facility("K1", "022047", "黒石会館", MajorCategory.CIVIC_CULTURE, floor_area_m2=Decimal(1000), built_year=1990)
    bad = Facility("K2", "022047", "黒石体育館", MajorCategory.SPORTS_RECREATION, floor_area_m2=Decimal("1e308"),
                   annual_users=-5, annual_operating_cost_yen=-1)
    with session() as s:
        save_inventory(s, "黒石", Inventory([good]), user="t")
    with pytest.raises(OutOfRangeError, match="延床面積が大きすぎます"), session() as s:
        save_inventory(s, "黒石", Inventory([good, bad]), user="t")
    with session() as s:
        assert [f.facility_id for f in load_inventory(s, "黒石").facilities] == ["K1"]


# ---- 3. title rows and real layouts -----------------------------------------------------------------


def test_csv_with_title_and_note_rows_finds_the_header(tmp_path: Path) -> None:
    p = _csv(tmp_path, ["黒石市 公共施設一覧（令和7年3月31日現在）", "", "単位: ㎡,,,", HEADER, *_good(3)])
    inv, rep = import_inventory(p)
    assert rep.complete and rep.header_row == 4 and len(inv.facilities) == 3
    assert inv.facilities[0].source_row == 5
    assert any("4行目を見出し" in n and "黒石市 公共施設一覧" in n for n in rep.notes)


def test_xlsx_with_merged_title_cells_finds_the_header_and_numbers_rows_as_excel(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["黒石市 公共施設一覧（令和7年3月31日現在）"])
    ws.merge_cells("A1:H1")
    ws.append(["作成: 財政課"])
    ws.merge_cells("A2:H2")
    ws.append(HEADER.split(","))
    ws.append(["K1", "022047", "黒石会館", "市民文化系施設", 1200.5, "S60", 100, 2000000])
    ws.append(["K2", "022047", "黒石体育館", "スポーツ・レクリエーション系施設", "広い", "H2", 100, 2000000])
    p = tmp_path / "黒石.xlsx"
    wb.save(p)
    inv, rep = import_inventory(p)
    assert rep.header_row == 3 and [f.facility_id for f in inv.facilities] == ["K1"]
    (issue,) = rep.rejected
    assert (issue.row, issue.letter, issue.column, issue.value) == (5, "E", "延床面積", "広い")


# ---- 1. all-or-nothing in the CLI, --only-valid as a confirmed second step ---------------------------


def test_cli_refuses_a_file_with_bad_rows_and_keeps_the_old_list(tmp_path: Path) -> None:
    code, out = _run("import", str(_csv(tmp_path, [HEADER, *_good(43)])), "--name", "黒石", "--json")
    assert code == 0 and json.loads(out)["plan"]["after"] == 43
    bad = [*_good(5), "K6,022047,黒石会館,市民文化系施設,99999999999999999999,1990,1,1",
           "K7,022047,黒石体育館,宇宙系施設,1000,令和99年,1,1"]
    f = _csv(tmp_path, [HEADER, *bad], "new.csv")
    r = runner.invoke(app, ["facilities", "import", str(f), "--name", "黒石"])
    assert r.exit_code == 1
    assert "何も取り込んでいません" in r.output and "--only-valid" in r.output
    assert "99999999999999999999" in r.output and "令和99年" in r.output  # every bad row, with its value
    with session() as s:
        assert len(load_inventory(s, "黒石").facilities) == 43
    code, out = _run("import", str(f), "--name", "黒石", "--json")
    d = json.loads(out)
    assert code == 1 and d["stored_as"] is None
    assert [(p["row"], p["letter"]) for p in d["report"]["rejected"]] == [(7, "E"), (8, "D"), (8, "F")]
    # the second step: before/after shown, then a confirmation; "n" changes nothing
    code, out = _run("import", str(f), "--name", "黒石", "--only-valid", input="n\n")
    assert code == 1 and "43 件 → 5 件" in out and "この内容で置き換えますか" in out
    with session() as s:
        assert len(load_inventory(s, "黒石").facilities) == 43
    code, out = _run("import", str(f), "--name", "黒石", "--only-valid", input="y\n")
    assert code == 0, out
    assert "43 件 → 5 件" in out
    with session() as s:
        assert [x.facility_id for x in load_inventory(s, "黒石").facilities] == ["K1", "K2", "K3", "K4", "K5"]


def test_cli_only_valid_with_json_needs_yes(tmp_path: Path) -> None:
    f = _csv(tmp_path, [HEADER, *_good(2), "K3,022047,,市民文化系施設,1,1990,1,1"])
    code, out = _run("import", str(f), "--name", "x", "--only-valid", "--json")
    d = json.loads(out)
    assert code == 1 and d["plan"] == {**d["plan"], "before": 0, "after": 2} and "--yes" in d["errors"][0]
    code, out = _run("import", str(f), "--name", "x", "--only-valid", "--yes", "--json")
    assert code == 0 and json.loads(out)["stored_as"] == "x"


# ---- 10. a re-import that orphans scenarios ------------------------------------------------------------


def _scenario_on(region: str, target: str, sources: list[str]) -> int:
    from kouiki.store.scenarios import create_scenario

    doc = {"start_fiscal_year": 2026, "actions": [{"id": "a1", "type": "consolidate", "fiscal_year": 2028,
                                                     "lead_body": "022047", "sources": sources, "target": target}]}
    with session() as s:
        return create_scenario(s, region_id=region, name="黒石の集約", document=doc, user="t").id


def test_a_reimport_removing_ids_used_by_a_scenario_lists_it_and_asks(tmp_path: Path) -> None:
    code, _ = _run("import", str(_csv(tmp_path, [HEADER, *_good(4)])), "--name", "団体:022047", "--json")
    assert code == 0
    sid = _scenario_on("hirosaki", "K1", ["K3"])
    f = _csv(tmp_path, [HEADER, *_good(2)], "new.csv")  # K3, K4 go away; the scenario uses K3
    with session() as s:
        plan = plan_replacement(s, "団体:022047", import_inventory(f)[0])
    assert (plan.before, plan.after, plan.removed_ids) == (4, 2, ("K3", "K4"))
    assert [(a.id, a.facility_ids) for a in plan.affected_scenarios] == [(sid, ("K3",))]
    code, out = _run("import", str(f), "--name", "団体:022047", "--json")
    d = json.loads(out)
    assert code == 1 and d["plan"]["affected_scenarios"][0]["name"] == "黒石の集約"
    code, out = _run("import", str(f), "--name", "団体:022047", input="n\n")
    assert code == 1 and "開けなくなるシナリオ" in out and "黒石の集約" in out
    with session() as s:
        assert len(load_inventory(s, "団体:022047").facilities) == 4
    code, out = _run("import", str(f), "--name", "団体:022047", "--yes")
    assert code == 0
    with session() as s:
        assert len(load_inventory(s, "団体:022047").facilities) == 2


def test_a_confirmation_is_refused_when_the_list_changed_since(tmp_path: Path) -> None:
    inv4 = import_inventory(_csv(tmp_path, [HEADER, *_good(4)]))[0]
    inv2 = import_inventory(_csv(tmp_path, [HEADER, *_good(2)], "b.csv"))[0]
    with session() as s:
        save_inventory(s, "黒石", inv4, user="t")
    with session() as s:
        plan = plan_replacement(s, "黒石", inv2)
    with session() as s:  # someone else replaces the list after the preview
        save_inventory(s, "黒石", inv4, user="other")
    with pytest.raises(ConflictError, match="他の利用者が更新しました"), session() as s:
        save_inventory(s, "黒石", inv2, user="t", expected_revision=plan.revision)
    with session() as s:
        assert len(load_inventory(s, "黒石").facilities) == 4


# ---- 4. renewal when no facility has 延床面積・建築年度 ------------------------------------------------------


def test_renewal_of_the_real_yaizu_list_says_every_facility_is_excluded(fixtures: Path) -> None:
    from kouiki.facilities.renewal import project

    inv, rep = import_inventory(fixtures / "222127_public_facility.csv")
    assert rep.complete and len(inv.facilities) == 230
    result = project(inv, 2025, 40)
    assert result.all_excluded
    assert result.coverage_message().startswith("230 件すべて除外: 延床面積・建築年度がありません")  # type: ignore[union-attr]
    assert "テンプレート" in result.coverage_message()  # type: ignore[operator]
    r = runner.invoke(app, ["facilities", "renewal", str(fixtures / "222127_public_facility.csv")])
    assert r.exit_code == 1
    assert "230 件すべて除外: 延床面積・建築年度がありません" in r.output and "kouiki facilities template" in r.output
    assert "0.0" not in r.stdout  # no table of zeros
    code, out = _run("renewal", str(fixtures / "222127_public_facility.csv"), "--json")
    assert code == 1 and json.loads(out)["summary"]["all_excluded"] is True


def test_renewal_with_some_known_facilities_is_not_flagged(fixtures: Path) -> None:
    from kouiki.facilities.renewal import project

    inv, _ = import_inventory(fixtures / "293628_template.csv")
    result = project(inv, 2025, 40)
    assert not result.all_excluded and result.coverage_message() is None and result.total > 0


def test_every_rejected_row_names_its_column_value_and_reason_in_several_columns(tmp_path: Path) -> None:
    # bad values in five columns; the last two are caught by the whole-facility check (model.facility_problems)
    rows = [
        "K1,022047,黒石会館,市民文化系施設,abc,1990,10,100",  # 延床面積
        "K2,022047,黒石体育館,市民文化系施設,1200,昔,10,100",  # 建築年度
        "K3,022047,黒石図書館,ない分類,1200,1990,10,100",  # 大分類
        f"{'X' * 201},022047,黒石公民館,市民文化系施設,1200,1990,10,100",  # 施設ID too long
        f"K5,022047,{'名' * 301},市民文化系施設,1200,1990,10,100",  # 施設名 too long
    ]
    inv, rep = import_inventory(_csv(tmp_path, [HEADER, *_good(1, "G"), *rows]))
    assert [f.facility_id for f in inv.facilities] == ["G1"]
    got = {i.row: i for i in rep.rejected}
    assert set(got) == {3, 4, 5, 6, 7}
    header = HEADER.split(",")
    for row, column in ((3, "延床面積"), (4, "建築年度"), (5, "大分類"), (6, "施設ID"), (7, "施設名")):
        i = got[row]
        assert (i.column, i.letter) == (column, column_letter(header.index(column))), row
        assert i.value and i.reason and f"{i.letter}列「{column}」" in i.text()


def test_ledger_facility_problems_name_the_ledger_column(tmp_path: Path) -> None:
    lines = ["施設名,勘定科目,取得価額,減価償却累計額,数量,取得年月日",
             "会館,建物,1000000,100,500,S60.4.1",
             f"{'館' * 301},建物,1000000,100,500,S60.4.1"]
    _inv, rep = import_inventory(_csv(tmp_path, lines, "022047_ledger.csv"))
    assert [(i.row, i.letter, i.column) for i in rep.rejected] == [(3, "A", "施設名")] * len(rep.rejected)
    assert rep.rejected
