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


def test_fiscal_text_leaves_no_engine_identifier() -> None:
    from kouiki.reports.words import fiscal_text
    from tests.web.leaks import leaks

    steps = [
        "措置: 包括的財政措置（中心市）（comprehensive_central）／令和8年度／団体 282294",
        "措置の有無 = あり（comprehensive_central.in_force@2009、確認済、出典: 総務省）",
        "償還方法（元利均等 か 元金均等） = annuity（bond_defaults.repayment@2000、不明（既定値）、出典: kouiki の既定値"
        "（docs/fiscal.md「地方債」））",
        "同じ上限枠（comprehensive_neighbor・2025・022021）で使用済み 0円",
        "区分: 市町村役場機能緊急保全事業（city_hall）",
        "対象外: 派遣先ポストにつき派遣初年度分のみ措置対象（specialist.first_year_only_measures）",
        "人口・面積等による上限額の補正 = method=linear（comprehensive_central.cap_adjustment@2014・scenario、出典: 仮定値）",
    ]
    for step in steps:
        assert leaks(step), step  # each example does leak before
        shown = fiscal_text(step)
        assert not leaks(shown), (step, shown)
    assert fiscal_text(steps[0]).endswith("団体 たつの市（282294）")
    assert "平成21年度からの値" in fiscal_text(steps[1]) and "元利均等" in fiscal_text(steps[2])
    assert fiscal_text("人口 168466人・面積 210.87km²") == "人口 168,466人・面積 210.87km²"


def test_parameter_values_in_words() -> None:
    from kouiki.reports.words import parameter_value

    assert parameter_value("bool", True) == "はい"
    assert parameter_value("adjustment", {"method": "flat"}) == "方法: 定額"
    assert parameter_value("rate", "0.5") == "0.5（50%）"
    assert parameter_value("yen", 85_000_000) == "85,000,000円"
    assert parameter_value("rate_schedule", [{"fsi_below": "0.4", "rate": "0.5"}, {"fsi_below": None, "rate": "0.3"}]) \
        == "財政力指数 0.4 未満: 0.5（50%）、それ以外: 0.3（30%）"
    assert parameter_value("text_list", ["local_autonomy_act"]) == "自治法派遣"


def test_a_rule_table_reads_as_labelled_lines_in_its_files_words() -> None:
    labels = {"at_age": "経過年数", "backlog": "積み残し", "great_circle_km": "大圏距離", "C-web": "確認済（公開資料）",
              "census_year": "国勢調査の年"}
    rows = [{"kind": "建替え", "at_age": 60, "backlog": {"spread_years": 10}, "confidence": "C-web", "cost": 400000}]
    assert words.table_lines(rows, labels) == [
        "kind: 建替え、経過年数: 60、積み残し: （spread_years: 10）、confidence: 確認済（公開資料）、cost: 400,000"]
    assert words.table_lines({"census_year": 2020, "blocking": False, "cite": []}, labels) == [
        "国勢調査の年: 2020", "blocking: いいえ", "cite: なし"]
    assert words.parameter_lines("text", "great_circle_km", labels) == ["大圏距離"]
    # inside a sentence only snake_case names are replaced; 「名前（identifier）」 keeps the name alone
    assert words.glossary_text("新施設（new_site）の運営費、at_age と age", {"new_site": "新施設", "at_age": "経過年数",
                                                                         "age": "年齢"}) == "新施設の運営費、経過年数 と age"
    assert words.parameter_lines("int", 1981, labels, "indicators.last_old_fiscal_year") == ["1981"]
    assert words.parameter_lines("int", 1981, labels, "renewal.count") == ["1,981"]
