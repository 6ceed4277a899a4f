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


def test_reader_text_says_parameter_paths_modules_files_codes_and_dates_in_words() -> None:
    cases = {
        "上限額（specialist_salary.cap_per_person@2024） は未確認": "上限額（令和6年度からの値） は未確認",
        "措置の有無（training.in_force@2024）": "措置の有無（令和6年度からの値）",
        "出典：kouiki 財政措置エンジン（kouiki.fiscal）; 各行": "出典：kouiki 財政措置エンジン; 各行",
        "計画（kouiki.staffing.sharing: 整数計画 HiGHS）": "計画（整数計画 HiGHS）",
        "按分: kouiki.facilities.council（均等割100%）": "按分: kouiki（均等割100%）",
        "domain-facts.md §6.2": "kouiki の調査メモ §6.2",
        "確度 recalled は": "確度 未確認（記憶による） は",
        "確度 C-web": "確度 確認済（公開資料）",
        "時事通信 2016-06-16": "時事通信 平成28年6月16日",
        "評価（facilities.evaluate.access_points）; 人口": "評価; 人口",
        "表を `kouiki formation import-census` で取り込んで": "表を 「国勢調査の取込」（圏域形成） で取り込んで",
    }
    for text, expected in cases.items():
        assert words.reader_text(text) == expected, text
    assert "renewal.yaml" not in words.reader_text("既定単価（renewal.yaml）")
    assert words.reader_text("022047-gsi-00010 黒石市体育館") == "022047-gsi-00010 黒石市体育館"  # IDs of data stay


def test_a_report_table_says_its_source_notes_and_text_cells_in_words_but_keeps_named_ids() -> None:
    from kouiki.reports.table import Column, ColumnKind, Named, ReportTable

    named = Named([("弘前市", "022021")])
    t = ReportTable("表", [Column("理由"), Column("団体"), Column("額", ColumnKind.YEN)],
                    [["計画に assumed_region を記載", named, 1000]], source="（kouiki.fiscal）出典",
                    notes=["（training.in_force@2024）"])
    assert t.rows[0][0] == "計画に 構想中の圏域 を記載" and t.rows[0][1] is named
    assert t.source == "出典" and t.notes == ["（令和6年度からの値）"]


def test_dates_ja_rewrites_dates_and_seed_references_of_source_titles() -> None:
    assert words.dates_ja("毎日新聞 2016-03-31") == "毎日新聞 平成28年3月31日"
    assert words.dates_ja("seed: R7.4.1現在 131圏域（seed:000_75a76e4477727004.txt）") == "資料（スライド見出し）: R7.4.1現在 131圏域"
    assert words.dates_ja(None) == ""


def test_an_error_message_loses_only_the_codes_beside_their_words() -> None:
    assert words.without_paren_codes("入力: 需要（demand）がありません") == "入力: 需要がありません"
    assert words.without_paren_codes("only は eligible / unknown / ineligible のいずれか（xyz）") == \
        "only は eligible / unknown / ineligible のいずれか（xyz）"


def test_a_report_table_keeps_user_data_as_entered() -> None:
    """A 施設ID or 施設名 an officer typed is data, not program text: never reworded, even when it looks like a code."""
    from kouiki.reports.table import Column, ReportTable

    row = ["consolidation", "shisetsu.yaml 2025-04-01", "consolidation", "自由記述 consolidation"]
    t = ReportTable("表", [Column("施設ID"), Column("施設名"), Column("備考", verbatim=True), Column("理由")], [list(row)],
                    source="出典")
    assert t.rows[0][:3] == row[:3]
    assert t.rows[0][3] == "自由記述 集約化・複合化事業"  # a reason column is still said in words
