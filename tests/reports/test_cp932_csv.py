"""CP932 CSV keeps look-alikes for the characters Shift_JIS lacks instead of garbling or failing."""

from __future__ import annotations

from kouiki.reports.csv import cp932_safe, csv_bytes
from kouiki.reports.table import Column, ReportTable


def _table(cell: str) -> ReportTable:
    return ReportTable(title="試験表", columns=[Column("名称")], rows=[[cell]], source="試験")


def test_an_em_dash_is_written_as_the_cp932_horizontal_bar() -> None:
    data = csv_bytes(_table("—"))
    text = data.decode("cp932")
    assert "―" in text  # U+2015, which CP932 holds (0x815C)
    assert "〓" not in text and "置き換えました" not in text


def test_a_wave_dash_and_a_minus_sign_become_their_fullwidth_look_alikes() -> None:
    assert cp932_safe("R7〜R9 −3") == "R7～R9 －3"
    assert "R7～R9 －3" in csv_bytes(_table("R7〜R9 −3")).decode("cp932")


def test_a_character_without_a_look_alike_still_becomes_a_geta_with_a_note() -> None:
    text = csv_bytes(_table("𠮷野家")).decode("cp932")
    assert "〓野家" in text and "置き換えました" in text


def test_utf8_csv_keeps_the_em_dash_unchanged() -> None:
    assert "—" in csv_bytes(_table("—"), encoding="utf-8-sig").decode("utf-8-sig")
