"""Values a person reads are words, not raw Python: はい/いいえ, labelled pairs, gap in %, rounded distances."""

from __future__ import annotations

from decimal import Decimal

from kouiki.reports import words


def test_booleans_read_as_hai_and_iie_and_none_as_unknown() -> None:
    assert (words.yes_no(True), words.yes_no(False), words.yes_no(None)) == ("はい", "いいえ", "不明")


def test_a_mapping_reads_as_labelled_japanese_pairs_not_a_python_dict() -> None:
    text = words.value_text({"method": "flat", "enabled": True})
    assert text == "方法: 定額、enabled: はい"
    assert "{" not in text and "'" not in text


def test_the_optimiser_gap_reads_as_a_percentage() -> None:
    assert words.gap_percent(0.00123) == "0.12%"
    assert words.gap_percent(None) == "不明"


def test_distances_are_rounded_to_one_decimal_km_or_whole_minutes() -> None:
    assert words.distance(12.3456) == "12.3 km"
    assert words.distance(Decimal("1234.56")) == "1,234.6 km"
    assert words.distance(14.6, "minutes") == "15 分"


def test_floor_areas_get_thousands_separators() -> None:
    assert words.area_m2(540100) == "540,100"
    assert words.area_m2("1234.5") == "1,234.50"
    assert words.area_m2(None) == "不明"
