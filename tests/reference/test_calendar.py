import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kouiki.reference.calendar import FiscalYear, wareki_date
from kouiki.reference.errors import FiscalYearError


@pytest.mark.parametrize(
    ("text", "year"),
    [
        (2025, 2025),
        ("2025", 2025),
        ("FY2025", 2025),
        ("2025年度", 2025),
        ("R7", 2025),
        ("r7", 2025),
        ("令和7年度", 2025),
        ("令7", 2025),
        ("令和元年度", 2019),
        ("令和1年度", 2019),
        ("H31", 2019),
        ("平成31年度", 2019),
        ("平成30年度", 2018),
        ("Ｒ７", 2025),
        ("令和７年度", 2025),
        ("S56", 1981),
        ("H21", 2009),
    ],
)
def test_parse(text: object, year: int) -> None:
    assert FiscalYear.parse(text).year == year  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", "R", "令和", "abc", "20255", "FY", "令和0年度", True])
def test_parse_errors(bad: object) -> None:
    with pytest.raises(FiscalYearError):
        FiscalYear.parse(bad)  # type: ignore[arg-type]


def test_heisei_31_is_reiwa_gannendo() -> None:
    fy = FiscalYear.parse("平成31年度")
    assert fy == FiscalYear.parse("令和元年度") == FiscalYear(2019)
    assert fy.wareki() == "令和元年度"
    assert fy.short() == "R1"


def test_dates_to_fiscal_years_at_the_era_change() -> None:
    # 2019-04-01 .. 04-30 is still 平成31年 but already 令和元年度.
    assert FiscalYear.of_date(dt.date(2019, 4, 1)).wareki() == "令和元年度"
    assert FiscalYear.of_date(dt.date(2019, 4, 30)).wareki() == "令和元年度"
    assert wareki_date(dt.date(2019, 4, 30)) == "平成31年4月30日"
    assert wareki_date(dt.date(2019, 5, 1)) == "令和元年5月1日"
    # 2020-03-31 is the last day of 令和元年度; 2020-04-01 starts 令和2年度.
    assert FiscalYear.of_date(dt.date(2020, 3, 31)) == FiscalYear(2019)
    assert FiscalYear.of_date(dt.date(2020, 4, 1)).wareki() == "令和2年度"
    assert FiscalYear.of_date(dt.date(2019, 3, 31)).wareki() == "平成30年度"


def test_printing() -> None:
    fy = FiscalYear(2025)
    assert str(fy) == "令和7年度"
    assert fy.short() == "R7"
    assert fy.label(with_western=True) == "令和7年度（2025年度）"
    assert FiscalYear(2013).wareki() == "平成25年度"
    assert FiscalYear(1981).wareki() == "昭和56年度"
    assert fy.start == dt.date(2025, 4, 1) and fy.end == dt.date(2026, 3, 31)
    assert fy + 1 == FiscalYear(2026) and fy - 1 == FiscalYear(2024)
    assert FiscalYear(2024) < fy


def test_the_showa_heisei_change_never_prints_year_zero() -> None:
    # 平成 began 1989-01-08, inside FY1988; that 年度 is 昭和63年度 (buildings of that year are common in
    # facility ledgers), the next one 平成元年度.
    assert FiscalYear(1988).wareki() == "昭和63年度" and FiscalYear(1988).short() == "S63"
    assert FiscalYear.of_date(dt.date(1989, 3, 31)).wareki() == "昭和63年度"
    assert FiscalYear(1989).wareki() == "平成元年度"
    assert FiscalYear.parse("昭和63年度") == FiscalYear(1988)
    assert wareki_date(dt.date(1989, 1, 7)) == "昭和64年1月7日"


@given(st.integers(min_value=1868, max_value=2100))
def test_every_fiscal_year_round_trips_through_its_wareki(year: int) -> None:
    fy = FiscalYear(year)
    assert fy.era_year >= 1
    assert FiscalYear.parse(fy.wareki()) == fy
    assert FiscalYear.parse(fy.short()) == fy


def test_a_stored_utc_moment_is_shown_in_japan_time_and_wareki() -> None:
    import datetime as dt

    from kouiki.reference.calendar import to_jst, wareki_datetime

    # 16:30 UTC on 2 December is 01:30 on 3 December in Japan: the date moves too.
    assert wareki_datetime(dt.datetime(2026, 12, 2, 16, 30, 5)) == "令和8年12月3日 01:30"
    assert wareki_datetime("2026-12-02T16:30:05Z") == "令和8年12月3日 01:30"
    assert wareki_datetime("2019-04-30T15:00:00+00:00") == "令和元年5月1日 00:00"
    assert to_jst("2026-12-02T00:00:00").utcoffset() == dt.timedelta(hours=9)
