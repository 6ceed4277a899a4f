"""年度 (Japanese fiscal year, April–March) and 和暦 (era names).

A :class:`FiscalYear` is identified by the 西暦 year in which it starts: ``FiscalYear(2025)`` is
令和7年度 (2025-04-01 .. 2026-03-31). The era of a 年度 is the era in force on its *last* day
rather than its first: FY2019 is officially 令和元年度 for the whole year, although 2019-04-01 .. 04-30
was still 平成31年. Input written 平成31年度 is accepted and means the same 年度 (= 2019).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import total_ordering

from kouiki.reference.errors import FiscalYearError


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    letter: str  # R
    start: dt.date  # first day of the era


# Newest first. Start dates are the days the era names took effect.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", dt.date(2019, 5, 1)),
    Era("平成", "H", dt.date(1989, 1, 8)),
    Era("昭和", "S", dt.date(1926, 12, 25)),
    Era("大正", "T", dt.date(1912, 7, 30)),
    Era("明治", "M", dt.date(1868, 1, 25)),
)
_BY_NAME = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS} | {e.name[0]: e for e in ERAS}


def era_of(date: dt.date) -> Era:
    """The era in force on ``date``."""
    for era in ERAS:
        if date >= era.start:
            return era
    raise FiscalYearError(f"明治より前の日付は扱えません: {date.isoformat()}")


def era_year(era: Era, western_year: int) -> int:
    """The 和暦 year number of ``western_year`` within ``era`` (元年 = 1)."""
    return western_year - era.start.year + 1


def _year_label(n: int) -> str:
    return "元" if n == 1 else str(n)


def wareki_date(date: dt.date) -> str:
    """A date in 和暦: 2019-05-01 → 令和元年5月1日."""
    era = era_of(date)
    return f"{era.name}{_year_label(era_year(era, date.year))}年{date.month}月{date.day}日"


JST = dt.timezone(dt.timedelta(hours=9), "JST")  # 日本標準時: no daylight saving, so a fixed offset is exact


def to_jst(moment: dt.datetime | str) -> dt.datetime:
    """A stored moment in 日本標準時. Naive datetimes and ISO strings without an offset are UTC (the store's rule)."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(JST)


def wareki_datetime(moment: dt.datetime | str) -> str:
    """A stored moment as people read it: 2026-12-02T16:30:05Z → 令和8年12月3日 01:30（日本時間）."""
    j = to_jst(moment)
    return f"{wareki_date(j.date())} {j:%H:%M}"


_ERA_RE = re.compile(
    r"^(?P<era>令和|平成|昭和|大正|明治|令|平|昭|大|明|[RHSTM])\s*(?P<num>元|\d{1,2})\s*(?:年度|年)?$"
)
_WEST_RE = re.compile(r"^(?:FY|fy|Fy)?\s*(?P<year>\d{4})\s*(?:年度|年)?$")


@total_ordering
@dataclass(frozen=True)
class FiscalYear:
    """A 年度, April 1 to March 31, identified by the 西暦 year it starts in."""

    year: int

    def __post_init__(self) -> None:
        if not 1868 <= self.year <= 2200:
            raise FiscalYearError(f"年度が範囲外です: {self.year} (fiscal year out of range)")

    # ----- construction -------------------------------------------------------------------
    @classmethod
    def parse(cls, value: FiscalYear | int | str) -> FiscalYear:
        """Parse 2025, "2025", "FY2025", "2025年度", "R7", "令和7年度", "令和元年度", "H31", "平成31年度".

        平成31年度 is the same 年度 as 令和元年度 (2019). Full-width characters are accepted.
        """
        if isinstance(value, FiscalYear):
            return value
        if isinstance(value, bool):
            raise FiscalYearError(f"年度ではありません: {value!r}")
        if isinstance(value, int):
            return cls(value)
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
        m = _WEST_RE.match(text)
        if m:
            return cls(int(m.group("year")))
        m = _ERA_RE.match(text.upper() if text[:1].isascii() else text)
        if m:
            era = _BY_NAME[m.group("era")]
            num = 1 if m.group("num") == "元" else int(m.group("num"))
            if num < 1:
                raise FiscalYearError(f"和暦の年は1以上です: 「{value}」")
            return cls(era.start.year + num - 1)
        raise FiscalYearError(
            f"年度「{value}」を解釈できません（例: 2025、FY2025、R7、令和7年度、平成31年度）"
        )

    @classmethod
    def of_date(cls, date: dt.date) -> FiscalYear:
        """The 年度 containing ``date``: 2020-03-31 → 2019 (令和元年度), 2020-04-01 → 2020."""
        return cls(date.year if date.month >= 4 else date.year - 1)

    # ----- properties ---------------------------------------------------------------------
    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year + 1, 3, 31)

    @property
    def era(self) -> Era:
        """The era used to name this 年度: the one in force at its end (FY2019 → 令和元年度), unless that era
        began only in the following calendar year (FY1988 ends 1989-03-31 under 平成, but is 昭和63年度 —
        never 平成0年度)."""
        era = era_of(self.end)
        return era if era.start.year <= self.year else era_of(self.start)

    @property
    def era_year(self) -> int:
        return era_year(self.era, self.year)

    def wareki(self) -> str:
        """令和7年度, 令和元年度, 平成30年度."""
        return f"{self.era.name}{_year_label(self.era_year)}年度"

    def short(self) -> str:
        """R7, R1, H30 (the form used in tight tables)."""
        return f"{self.era.letter}{self.era_year}"

    def label(self, with_western: bool = False) -> str:
        """令和7年度, or 令和7年度（2025年度） with ``with_western``."""
        return f"{self.wareki()}（{self.year}年度）" if with_western else self.wareki()

    def __add__(self, years: int) -> FiscalYear:
        return FiscalYear(self.year + years)

    def __sub__(self, other: int) -> FiscalYear:
        return FiscalYear(self.year - other)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, FiscalYear):
            return NotImplemented
        return self.year < other.year

    def __int__(self) -> int:
        return self.year

    def __str__(self) -> str:
        return self.wareki()

    def contains(self, date: dt.date) -> bool:
        return self.start <= date <= self.end


def fiscal_year_label(year: int | FiscalYear, with_western: bool = False) -> str:
    """Shortcut: ``fiscal_year_label(2025)`` → 令和7年度."""
    return FiscalYear.parse(year).label(with_western)
