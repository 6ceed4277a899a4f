from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from kouiki.facilities.importers import InventoryImportError, LedgerMapping, detect_format, import_inventory
from kouiki.facilities.importers.common import ValueProblem, detect_encoding, parse_date, parse_decimal
from kouiki.facilities.importers.template import write_template_csv
from kouiki.facilities.model import MajorCategory

# ---- 公共施設一覧 gen-1: the real Yaizu file ------------------------------------------------------------


def test_real_yaizu_file_imports_every_row(fixtures: Path) -> None:
    inv, rep = import_inventory(fixtures / "222127_public_facility.csv")
    assert rep.format == "public_facility"
    assert rep.encoding == "utf-8"
    assert rep.rows_read == 230 and rep.rows_rejected == 0
    assert len(inv.facilities) == 230
    assert {f.municipality_code for f in inv.facilities} == {"222127"}
    first = inv.facilities[0]
    assert first.name == "親子ふれあい広場"
    assert first.facility_id == "222127-0000010001"
    assert first.lat == pytest.approx(34.86313333) and first.lon == pytest.approx(138.320437)
    assert first.address == "焼津市本町5-6-1"
    assert first.kana == "オヤコフレアイヒロバ"
    assert first.source_row == 2
    # 公共施設一覧 files carry no floor area / build year: unknown, never guessed
    assert all(f.floor_area_m2 is None and f.built_year is None and not f.imputed for f in inv.facilities)
    assert rep.code_from_filename == "222127"


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("222127_public_facility_cp932.csv", "cp932"),
        ("222127_public_facility_utf16.csv", "utf-16"),
        ("222127_public_facility_bom.csv", "utf-8-sig"),
    ],
)
def test_encodings_are_detected_and_reported(fixtures: Path, name: str, encoding: str) -> None:
    ref, _ = import_inventory(fixtures / "222127_public_facility.csv")
    inv, rep = import_inventory(fixtures / name)
    assert rep.encoding == encoding
    assert [(f.facility_id, f.name, f.address) for f in inv.facilities] == [
        (f.facility_id, f.name, f.address) for f in ref.facilities
    ]


def test_utf16_without_bom_is_detected() -> None:
    data = "名称,緯度\n公民館,34.5\n".encode("utf-16-le")
    assert detect_encoding(data) == "utf-16-le"


def test_code_is_taken_from_the_file_name_when_the_column_is_blank(fixtures: Path) -> None:
    inv, rep = import_inventory(fixtures / "blank_code" / "222127_public_facility.csv")
    assert rep.rows_rejected == 0 and len(inv.facilities) == 230
    assert {f.municipality_code for f in inv.facilities} == {"222127"}
    assert any("ファイル名" in n and "222127" in n for n in rep.notes)


def test_blank_code_without_a_code_in_the_file_name_rejects_rows(fixtures: Path, tmp_path: Path) -> None:
    p = tmp_path / "public_facility.csv"
    p.write_bytes((fixtures / "blank_code" / "222127_public_facility.csv").read_bytes())
    inv, rep = import_inventory(p)
    assert inv.facilities == []
    assert rep.rows_rejected == 230
    assert rep.rejected[0].row == 2 and "団体コード" in rep.rejected[0].reason


# ---- 公共施設一覧 gen-2 -----------------------------------------------------------------------------------


def test_gen2_with_misspelled_address_header(fixtures: Path) -> None:
    inv, rep = import_inventory(fixtures / "292044_public_facility.csv")
    assert rep.format == "public_facility_v2"
    assert rep.encoding == "utf-8-sig"
    assert rep.columns["address"] == "所在地_連結標記"
    by = {f.name: f for f in inv.facilities}
    assert by["天理市民会館"].address == "奈良県天理市川原城町739"
    # 連結表記 empty → the split address parts are joined
    assert by["天理市立式上公民館"].address == "奈良県天理市遠田町45-9"
    # POIコード 1012a 文化会館 wins over the name; 1301a → 集会施設
    assert by["天理市民会館"].subcategory == "文化施設"
    assert by["天理市立式上公民館"].extra["classified_by"] == "POIコード 1301a"
    assert by["天理市立朝和小学校"].category is MajorCategory.SCHOOL_EDUCATION
    # no coordinates: kept (counts as a facility) with a warning
    assert by["天理市立総合体育館"].lat is None
    assert any(w.row == 5 and "緯度" in w.reason for w in rep.warnings)


# ---- broken files -----------------------------------------------------------------------------------


def test_broken_rows_are_rejected_with_row_column_and_reason(fixtures: Path) -> None:
    inv, rep = import_inventory(fixtures / "293628_public_facility_broken.csv")
    assert rep.rows_read == 7
    issues = {i.row: i for i in rep.rejected}
    assert set(issues) == {3, 4, 6, 7, 8}
    assert issues[3].column == "名称" and "名称が空" in issues[3].reason
    assert issues[4].column == "都道府県コード又は市区町村コード" and "検査数字" in issues[4].reason
    assert "範囲外" in issues[6].reason
    assert "一方だけ" in issues[7].reason
    assert issues[8].column == "NO" and "2行目と重複" in issues[8].reason
    # full-width digits in 緯度/経度 are read
    kid = next(f for f in inv.facilities if f.name == "三宅幼児園")
    assert kid.lat == pytest.approx(34.573) and kid.lon == pytest.approx(135.778)
    assert rep.rows_accepted == 2
    text = issues[3].text("x.csv")
    assert text.startswith("x.csv 3行目 E列「名称」")
    assert issues[3].letter == "E"


def test_strict_refuses_the_whole_file(fixtures: Path) -> None:
    with pytest.raises(InventoryImportError, match="何も取り込んでいません") as exc:
        import_inventory(fixtures / "293628_public_facility_broken.csv", strict=True)
    assert exc.value.report is not None and exc.value.report.rows_rejected == 5


def test_misspelled_required_header_refuses_the_file_naming_it(fixtures: Path) -> None:
    with pytest.raises(InventoryImportError, match=r"293628_public_facility_badheader\.csv.*名称"):
        import_inventory(fixtures / "293628_public_facility_badheader.csv", fmt="public_facility")


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InventoryImportError, match="見つかりません"):
        import_inventory(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("\n\n", encoding="utf-8")
    with pytest.raises(InventoryImportError, match="見出し行がありません"):
        import_inventory(tmp_path / "empty.csv")


# ---- kouiki template ----------------------------------------------------------------------------------


def test_template_groups_buildings_and_reads_wareki_and_full_width(fixtures: Path) -> None:
    inv, rep = import_inventory(fixtures / "293628_template.csv")
    assert rep.format == "template" and rep.encoding == "cp932"
    by = inv.by_id()
    school = by["A01"]
    assert len(school.buildings) == 2
    assert school.floor_area_m2 == Decimal("4000.5")
    assert [b.built_year for b in school.buildings] == [1981, 1991]
    assert school.built_year == 1981  # the oldest 棟
    hall = by["B01"]
    assert hall.municipality_code == "293628"  # 5-digit code normalised
    assert hall.category is MajorCategory.CIVIC_CULTURE  # short form 市民文化系
    assert hall.floor_area_m2 == Decimal("1234.5")  # full-width １，２３４．５
    assert hall.built_year == 1985
    assert hall.annual_operating_cost_yen == 15_000_000
    kid = by["C01"]
    assert kid.category is MajorCategory.CHILD_CARE  # empty 大分類 → from the name, with a warning
    assert kid.imputed == {"floor_area_m2": "台帳未整備のため設計図書から推計"}
    assert by["F01"].built_year == 2019  # 令和元年度
    rejected = {i.row: i for i in rep.rejected}
    assert "大分類が不明" in rejected[6].reason and rejected[6].column == "大分類"
    assert "施設名が空" in rejected[7].reason
    assert any(w.row == 5 and "名称から" in w.reason for w in rep.warnings)


def test_template_xlsx_with_excel_dates(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["facility_id", "municipality_code", "name", "category", "floor_area_m2", "built_year"])
    ws.append(["X1", "292044", "天理市民会館", "市民文化系施設", 3000, dt.datetime(1982, 3, 31)])
    ws.append(["X2", 292044, "天理市立北中学校", "学校教育系施設", 6000.25, 1967])
    ws.append(["X3", "292044", "天理市立南中学校", "学校教育系施設", "5000", 30000])  # Excel serial 1982-02-18
    p = tmp_path / "inv.xlsx"
    wb.save(p)
    inv, rep = import_inventory(p)
    assert rep.encoding == "xlsx" and rep.rows_rejected == 0
    by = inv.by_id()
    assert by["X1"].built_year == 1981  # 1982-03-31 is in 昭和56年度
    assert by["X2"].floor_area_m2 == Decimal("6000.25") and by["X2"].built_year == 1967
    assert by["X3"].built_year == 1981


def test_template_round_trip_keeps_imputed_marks(fixtures: Path, tmp_path: Path) -> None:
    inv, _ = import_inventory(fixtures / "293628_template.csv")
    out = write_template_csv(inv, tmp_path / "out.csv")
    again, rep = import_inventory(out)
    assert rep.rows_rejected == 0
    a, b = inv.by_id(), again.by_id()
    assert set(a) == set(b)
    for fid in a:
        assert (a[fid].floor_area_m2, a[fid].built_year, a[fid].imputed, a[fid].category) == (
            b[fid].floor_area_m2,
            b[fid].built_year,
            b[fid].imputed,
            b[fid].category,
        )


# ---- 固定資産台帳 -------------------------------------------------------------------------------------------


def test_ledger_in_thousand_yen(fixtures: Path) -> None:
    inv, rep = import_inventory(fixtures / "293628_ledger.csv", unit="千円", default_code="293628")
    assert rep.format == "ledger" and rep.encoding == "cp932"
    assert rep.rows_rejected == 0
    by = {f.name: f for f in inv.facilities}
    assert set(by) == {"三宅小学校", "中央公民館", "旧集会所"}  # 町道 (工作物) and land are not facilities
    school = by["三宅小学校"]
    assert [b.built_year for b in school.buildings] == [1981, 1990]  # H3.3.31 is 平成2年度
    assert school.floor_area_m2 == Decimal("4000.5")
    # 取得価額 includes 附属設備, excludes land: (500,000 + 120,000.5 + 10,000) 千円
    assert school.acquisition_cost_yen == 630_000_500
    assert school.accumulated_depreciation_yen == 490_000_000
    assert school.category is MajorCategory.SCHOOL_EDUCATION
    hall = by["中央公民館"]
    # the ¥1 倉庫 (備忘価額) is a building (floor area counts) but not an asset of value
    assert hall.floor_area_m2 == Decimal("1254.5")
    assert hall.acquisition_cost_yen == 300_000_000
    assert hall.buildings[1].acquisition_cost_yen is None
    old = by["旧集会所"]
    assert old.acquisition_cost_yen is None  # only a ¥1 row
    assert old.built_year == 1963
    memo = [w for w in rep.warnings if "備忘価額" in w.reason]
    assert {w.row for w in memo} == {7, 9}
    assert any("土地 1行" in n and "備忘価額（1円） 2行" in n for n in rep.notes)


def test_ledger_in_yen_refuses_fractions(fixtures: Path) -> None:
    _inv, rep = import_inventory(fixtures / "293628_ledger.csv", unit="円", default_code="293628")
    assert any("円単位の整数" in i.reason for i in rep.rejected)


def test_ledger_mapping_file_and_saved_mapping(fixtures: Path, tmp_path: Path) -> None:
    m = tmp_path / "mapping.yaml"
    m.write_text("unit: 千円\nmunicipality_code: '293628'\ncolumns:\n  facility_key: 件名\n", encoding="utf-8")
    mapping = LedgerMapping.load(m)
    inv, rep = import_inventory(fixtures / "293628_ledger.csv", mapping=mapping)
    assert rep.columns["facility_key"] == "件名"
    # grouped by 件名 now: every building is its own facility
    assert len(inv.facilities) == 5
    again = LedgerMapping.load(_dump(tmp_path, mapping))
    assert again.columns == {"facility_key": "件名"} and again.unit == "千円"


def _dump(tmp_path: Path, m: LedgerMapping) -> Path:
    p = tmp_path / "saved.yaml"
    p.write_text(m.dump(), encoding="utf-8")
    return p


def test_ledger_mapping_with_unknown_column(fixtures: Path, tmp_path: Path) -> None:
    m = tmp_path / "mapping.yaml"
    m.write_text("columns:\n  facility_key: 施設の名前\n", encoding="utf-8")
    with pytest.raises(InventoryImportError, match="施設の名前"):
        import_inventory(fixtures / "293628_ledger.csv", mapping=LedgerMapping.load(m), default_code="293628")
    m.write_text("colums: {}\n", encoding="utf-8")
    with pytest.raises(InventoryImportError, match="colums"):
        LedgerMapping.load(m)


def test_detect_format() -> None:
    assert detect_format(["都道府県コード又は市区町村コード", "NO", "名称", "名称_カナ"]) == "public_facility"
    assert detect_format(["番号", "勘定科目", "取得価額等"]) == "ledger"
    assert detect_format(["facility_id", "name"]) == "template"


# ---- values ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fiscal"),
    [
        ("昭和56年4月1日", 1981),
        ("S56.4.1", 1981),
        ("Ｓ５６．３．３１", 1980),
        ("H3/3/31", 1990),
        ("令和元年度", 2019),
        ("平成31年度", 2019),
        ("R1", 2019),
        ("1982-03-31", 1981),
        ("1982/4/1", 1982),
        ("1975", 1975),
        ("2019年度", 2019),
        (44698, 2022),  # 2022-05-17
        (dt.date(2020, 3, 31), 2019),
    ],
)
def test_parse_date(text: object, fiscal: int) -> None:
    pd = parse_date(text, "取得年月日")
    assert pd is not None and pd.fiscal_year() == fiscal


def test_excel_serial_is_the_1900_system() -> None:
    pd = parse_date(44698, "x")
    assert pd is not None and (pd.year, pd.month, pd.day) == (2022, 5, 17)


@pytest.mark.parametrize("bad", ["昭和56年13月1日", "abc", "S56.2.30"])
def test_parse_date_rejects(bad: str) -> None:
    with pytest.raises(ValueProblem):
        parse_date(bad, "建築年度")


def test_parse_decimal_forms() -> None:
    assert parse_decimal("１，２３４．５㎡", "x") == Decimal("1234.5")
    assert parse_decimal("△1,000", "x") == Decimal("-1000")
    assert parse_decimal(0.1, "x") == Decimal("0.1")
    assert parse_decimal("", "x") is None
    with pytest.raises(ValueProblem):
        parse_decimal("12a", "延床面積")


def test_yearly_figures_merge_into_the_karte(fixtures: Path) -> None:
    from kouiki.facilities.importers.yearly import import_yearly_figures
    from kouiki.facilities.indicators import karte

    inv, _ = import_inventory(fixtures / "293628_template.csv")
    merged, rep = import_yearly_figures(fixtures / "293628_figures.csv", inv, unit="千円")
    assert rep.encoding == "cp932"
    assert {i.row: i.column for i in rep.rejected} == {5: "施設ID", 6: "年度"}
    hall = merged.by_id()["B01"]
    assert hall.yearly[2022] == {"annual_users": 12_000, "operating_cost_yen": 15_000_000, "revenue_yen": 1_500_000}
    assert hall.yearly[2021]["operating_cost_yen"] == 14_000_500
    k = karte(hall, 2025)
    assert [r["fiscal_year"] for r in k["figures"]] == [2021, 2022, 2023]
    assert k["figures"][1]["cost_recovery_percent"] == "10.0"
    assert k["figures"][1]["cost_per_m2_yen"] == "12151"  # 15,000,000 / 1,234.5 = 12150.6


def test_progress_callback_reaches_the_end(fixtures: Path) -> None:
    seen: list[tuple[int, int]] = []
    import_inventory(fixtures / "222127_public_facility.csv", progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (230, 230)


def test_ledger_xlsx_with_date_cells_and_serials(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台帳"
    ws.append(["番号", "施設名", "勘定科目", "取得年月日", "取得価額", "減価償却累計額", "期末簿価", "数量"])
    ws.append([1, "天理市民会館", "建物", dt.datetime(1987, 3, 31), 1_000_000_000, 700_000_000, 300_000_000, 3000])
    ws.append([2, "天理市民会館", "建物", 32964, 100_000_000, 50_000_000, 50_000_000, 200.5])  # serial: 1990-04-01
    ws.append([3, "天理市民会館", "土地", "S50.4.1", 50_000_000, None, 50_000_000, 8000])
    p = tmp_path / "292044_台帳.xlsx"
    wb.save(p)
    inv, rep = import_inventory(p, fmt="ledger")
    assert rep.encoding == "xlsx" and rep.rows_rejected == 0
    (hall,) = inv.facilities
    assert hall.municipality_code == "292044"  # from the file name
    assert [b.built_year for b in hall.buildings] == [1986, 1990]
    assert hall.floor_area_m2 == Decimal("3200.5")
    assert hall.acquisition_cost_yen == 1_100_000_000 and hall.accumulated_depreciation_yen == 750_000_000


def test_public_facility_xlsx(fixtures: Path, tmp_path: Path) -> None:
    import csv

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    with (fixtures / "222127_public_facility.csv").open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.reader(fh)):
            ws.append(row)
            if i == 10:
                break
    p = tmp_path / "222127_public_facility.xlsx"
    wb.save(p)
    inv, rep = import_inventory(p)
    assert rep.format == "public_facility" and rep.encoding == "xlsx"
    assert len(inv.facilities) == 10 and inv.facilities[0].name == "親子ふれあい広場"
