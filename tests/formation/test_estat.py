"""Importers on fixtures that reproduce the e-Stat layouts (CP932, multi-row headers, suppressed cells)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kouiki.formation.census import CommutingFigure, DaytimeFigure
from kouiki.formation.estat import CensusImportError, census_year_of, import_census, parse_table

FIX = Path(__file__).parent / "fixtures"


def test_fixtures_are_cp932() -> None:
    raw = (FIX / "estat_daytime_table.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "昼夜間人口比率" in raw.decode("cp932")


def test_daytime_table_file() -> None:
    r = import_census(FIX / "estat_daytime_table.csv")
    assert r.kind == "daytime" and r.census_year == 2020
    figs = {f.code: f for f in r.figures if isinstance(f, DaytimeFigure)}
    assert "020001" not in figs and "000000" not in figs  # prefecture / national rows are context
    h = figs["022021"]
    assert h.ratio_per_100 == Decimal("107.2") and h.night_population == 168466 and h.daytime_population == 180596
    assert h.origin == "imported" and "estat_daytime_table.csv" in h.source and "令和２年国勢調査" in h.source
    # suppressed cells ('-', 'x', '…') are unknown, not zero, and listed with their line
    assert figs["293229"].ratio_per_100 is None and figs["293229"].daytime_population is None
    assert figs["293610"].ratio is None
    assert {s["line"] for s in r.skipped} == {14, 15}


def test_daytime_database_download_long_form() -> None:
    r = import_census(FIX / "estat_daytime_db.csv")
    assert r.census_year == 2015
    figs = {f.code: f for f in r.figures if isinstance(f, DaytimeFigure)}
    assert figs["022021"].ratio_per_100 == Decimal("107.2") and figs["022021"].night_population == 177411
    assert figs["282294"].ratio_per_100 is None  # '***'


def test_commuting_od_table() -> None:
    r = import_census(FIX / "estat_commuting_table.csv")
    assert r.kind == "commuting" and r.census_year == 2020
    figs = {(f.from_code, f.to_code): f for f in r.figures if isinstance(f, CommutingFigure)}
    nishimeya = figs[("023434", "022021")]
    assert (nishimeya.commuters, nishimeya.base, nishimeya.share_percent) == (350, 700, Decimal("50.00"))
    assert figs[("023434", "022012")].commuters is None  # 'x'
    assert ("023434", "023434") not in figs  # 自市区町村 is not a flow
    assert figs[("022101", "022047")].share_percent == Decimal("5.63")


def test_bad_cell_names_file_line_and_field() -> None:
    with pytest.raises(CensusImportError) as exc:
        import_census(FIX / "estat_daytime_bad.csv")
    msg = str(exc.value)
    assert "estat_daytime_bad.csv" in msg and "5行目" in msg and "昼間人口" in msg and "二万" in msg


def test_year_from_title_or_option(tmp_path: Path) -> None:
    assert census_year_of("令和２年国勢調査") == 2020 and census_year_of("平成27年") == 2015
    f = tmp_path / "x.csv"
    f.write_bytes('"地域コード","地域名","昼夜間人口比率"\r\n"02202","弘前市","107.2"\r\n'.encode("cp932"))
    with pytest.raises(CensusImportError, match="--year"):
        import_census(f, "daytime")
    assert import_census(f, "daytime", 2020).figures[0].census_year == 2020


def test_a_file_without_data_rows_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "empty.csv"
    f.write_bytes("見出しだけ\r\n".encode("cp932"))
    with pytest.raises(CensusImportError, match="データ行"):
        parse_table(f.read_text(encoding="cp932"), str(f))


def test_database_download_with_two_censuses_on_the_time_axis() -> None:
    r = import_census(FIX / "estat_daytime_db_two_years.csv")
    figs = {f.census_year: f for f in r.figures if isinstance(f, DaytimeFigure)}
    assert set(figs) == {2005, 2010}
    assert figs[2010].night_population == 183473  # the 総数 item, not the 男 one
    assert figs[2010].ratio_per_100 == Decimal("107.0") and figs[2010].daytime_population == 196330
    assert figs[2005].daytime_population is None and figs[2005].ratio is None  # 'x'
    assert {"line": 7, "field": "従業地・通学地による人口_実数_総数(昼間人口)",
            "reason": "秘匿・該当なし・空欄（x）→ 不明"} in r.skipped  # the line of that very cell


def test_commuting_database_download_keeps_sex_breakdowns_apart() -> None:
    r = import_census(FIX / "estat_commuting_db.csv")
    assert r.kind == "commuting"
    figs = {(f.from_code, f.to_code): f for f in r.figures if isinstance(f, CommutingFigure)}
    hirosaki = figs[("023434", "022021")]
    assert (hirosaki.commuters, hirosaki.base, hirosaki.share_percent) == (350, 700, Decimal("50.00"))  # 総数, not 男
    assert figs[("023434", "022012")].commuters is None
    assert [s["line"] for s in r.skipped] == [9]


def test_names_only_file_and_an_ambiguous_name(tmp_path: Path) -> None:
    f = tmp_path / "names.csv"
    f.write_bytes(('"令和２年国勢調査"\r\n"地域名","夜間人口","昼間人口"\r\n'
                   '"弘前市","168466","180596"\r\n"天理市","63889","65998"\r\n').encode("cp932"))
    r = import_census(f, "daytime")
    assert {x.code for x in r.figures} == {"022021", "292044"}  # 168466 is a count, not a code
    bad = tmp_path / "ambiguous.csv"
    bad.write_bytes(('"令和２年国勢調査"\r\n"地域名","夜間人口","昼間人口"\r\n"府中市","100000","90000"\r\n').encode("cp932"))
    with pytest.raises(CensusImportError, match="3行目"):
        import_census(bad, "daytime")
