"""Census figures the formation checks need: 昼夜間人口比率 and 通勤通学 flows, each with source and year.

Bundled: the partial 2015 figures in ``reference/data/census_flows`` (gathered from public pages, every row
with its URL). Users load the full official tables with :mod:`kouiki.formation.estat`; imported figures
override bundled ones for the same body (and pair) and census year, and keep their own provenance.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal

from kouiki.reference import codes
from kouiki.reference.errors import NotFoundError
from kouiki.reference.municipalities import registry

Origin = Literal["bundled", "imported"]
BUNDLED_DIR = "reference/data/census_flows"
CENSUS_TITLE = {2015: "平成27年国勢調査", 2020: "令和2年国勢調査"}


def census_title(year: int) -> str:
    return CENSUS_TITLE.get(year, f"{year}年国勢調査")


@dataclass(frozen=True)
class DaytimeFigure:
    """昼夜間人口比率 of one body in one census: per 100 as published (107.2 = ratio 1.072)."""

    code: str
    census_year: int
    ratio_per_100: Decimal | None
    night_population: int | None = None  # 夜間人口 (= 常住人口)
    daytime_population: int | None = None  # 昼間人口
    source: str = ""
    origin: Origin = "bundled"
    note: str | None = None

    @property
    def ratio(self) -> Decimal | None:
        """Daytime ÷ night-time population (1.072), exact when both counts are known."""
        if self.night_population and self.daytime_population is not None:
            return Decimal(self.daytime_population) / Decimal(self.night_population)
        return None if self.ratio_per_100 is None else self.ratio_per_100 / 100

    def to_dict(self) -> dict[str, Any]:
        r = self.ratio
        return {
            "code": self.code, "census_year": self.census_year,
            "ratio": None if r is None else str(r.quantize(Decimal("0.0001"), ROUND_HALF_UP)),
            "ratio_per_100": None if self.ratio_per_100 is None else str(self.ratio_per_100),
            "night_population": self.night_population, "daytime_population": self.daytime_population,
            "source": self.source, "origin": self.origin, "note": self.note,
        }


@dataclass(frozen=True)
class CommutingFigure:
    """Residents of ``from_code`` who work or study in ``to_code`` (通勤通学), one census.

    ``base`` is the number of employed persons and students living in ``from_code`` (常住地の15歳以上就業者
    及び15歳以上通学者 総数); the share is commuters ÷ base unless the source states the share itself.
    """

    from_code: str
    to_code: str
    census_year: int
    commuters: int | None
    base: int | None = None
    stated_share_percent: Decimal | None = None
    source: str = ""
    origin: Origin = "bundled"
    note: str | None = None

    @property
    def share_percent(self) -> Decimal | None:
        if self.commuters is not None and self.base:
            return (Decimal(self.commuters) * 100 / Decimal(self.base)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return self.stated_share_percent

    @property
    def share_basis(self) -> str | None:
        if self.commuters is not None and self.base:
            return "computed"  # commuters ÷ base
        return "stated" if self.stated_share_percent is not None else None

    def to_dict(self) -> dict[str, Any]:
        s = self.share_percent
        return {
            "from_code": self.from_code, "to_code": self.to_code, "census_year": self.census_year,
            "commuters": self.commuters, "base": self.base,
            "share_percent": None if s is None else str(s), "share_basis": self.share_basis,
            "source": self.source, "origin": self.origin, "note": self.note,
        }


@dataclass
class CensusData:
    """Daytime ratios and commuting flows keyed by body (pair) and census year. Later ``add`` wins."""

    daytime: dict[tuple[str, int], DaytimeFigure] = field(default_factory=dict)
    commuting: dict[tuple[str, str, int], CommutingFigure] = field(default_factory=dict)
    _by_origin: dict[str, list[CommutingFigure]] | None = field(default=None, init=False, repr=False, compare=False)

    def add(self, figures: Iterable[DaytimeFigure | CommutingFigure]) -> CensusData:
        for f in figures:
            if isinstance(f, DaytimeFigure):
                self.daytime[(f.code, f.census_year)] = f
            else:
                self.commuting[(f.from_code, f.to_code, f.census_year)] = f
        self._by_origin = None
        return self

    def flows_from(self, code: str) -> list[CommutingFigure]:
        """Every commuting figure whose origin (常住地) is ``code`` (indexed on first use)."""
        if self._by_origin is None:
            index: dict[str, list[CommutingFigure]] = {}
            for f in self.commuting.values():
                index.setdefault(f.from_code, []).append(f)
            self._by_origin = index
        return self._by_origin.get(codes.normalize(code), [])

    def overlaid(self, figures: Iterable[DaytimeFigure | CommutingFigure]) -> CensusData:
        """A copy with ``figures`` on top (imported figures override bundled ones)."""
        out = CensusData(dict(self.daytime), dict(self.commuting))
        return out.add(figures)

    def daytime_ratio(self, code: str, census_year: int | None = None) -> DaytimeFigure | None:
        """The figure of that census; when ``census_year`` is None, the latest census whose ratio is known
        (else the latest figure, whose ratio is then unknown)."""
        code6 = codes.normalize(code)
        if census_year is not None:
            return self.daytime.get((code6, census_year))
        figs = [f for (c, _y), f in self.daytime.items() if c == code6]
        known = [f for f in figs if f.ratio is not None]
        pick = known or figs
        return max(pick, key=lambda f: f.census_year) if pick else None

    def commuting_to(self, from_code: str, to_code: str, census_year: int | None = None) -> CommutingFigure | None:
        a, b = codes.normalize(from_code), codes.normalize(to_code)
        if census_year is not None:
            return self.commuting.get((a, b, census_year))
        pair = [f for f in self.flows_from(a) if f.to_code == b]
        with_share = [f for f in pair if f.share_percent is not None]
        pick = with_share or pair
        return max(pick, key=lambda f: f.census_year) if pick else None

    def all_figures(self) -> list[DaytimeFigure | CommutingFigure]:
        return [*self.daytime.values(), *self.commuting.values()]


def _open(name: str) -> Any:
    text = resources.files("kouiki.reference").joinpath("data", "census_flows", name).read_text(encoding="utf-8-sig")
    return io.StringIO(text, newline="")


def _dec(text: str) -> Decimal | None:
    text = (text or "").strip()
    return Decimal(text) if text else None


def _int(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text else None


def _code_by_name(name: str, prefecture_hint: str) -> str:
    """A body by name: unique nationwide (大館市 is in 秋田県), else unique within the hinted prefecture."""
    matches = [m for m in registry().find(name) if not m.is_prefecture]
    if len(matches) > 1:
        matches = [m for m in matches if m.prefecture == prefecture_hint]
    if len(matches) != 1:
        raise NotFoundError(f"{BUNDLED_DIR}/commuting_shares.csv: 団体名「{name}」を一意に特定できません")
    return matches[0].code


@cache
def _bundled_figures() -> tuple[DaytimeFigure | CommutingFigure, ...]:
    out: list[DaytimeFigure | CommutingFigure] = []
    with _open("daytime_ratio.csv") as fh:
        for row in csv.DictReader(fh):
            if row["code6"].endswith("0001") or "(県計)" in row["municipality"]:
                continue  # prefecture totals are context, not bodies a formation check is about
            out.append(DaytimeFigure(
                code=codes.normalize(row["code6"]), census_year=int(row["census_year"]),
                ratio_per_100=_dec(row["daytime_ratio"]), night_population=_int(row["night_population"]),
                daytime_population=_int(row["daytime_population"]),
                source=f"{census_title(int(row['census_year']))}（{row['source_url']} より; {BUNDLED_DIR}/PROVENANCE.md）",
                note=None,
            ))
    with _open("commuting_shares.csv") as fh:
        for row in csv.DictReader(fh):
            year = int(row["census_year"])
            out.append(CommutingFigure(
                from_code=_code_by_name(row["from_municipality"], "青森県"),
                to_code=_code_by_name(row["to_municipality"], "青森県"),
                census_year=year, commuters=_int(row["commuters_count_if_given"]),
                base=_int(row["base_population_if_given"]),
                stated_share_percent=_dec(row["share_percent"]),
                source=f"{census_title(year)}（{row['source_url']} より; {BUNDLED_DIR}/PROVENANCE.md）",
            ))
    return tuple(out)


def bundled_census() -> CensusData:
    """The partial 2015 figures shipped with kouiki (a fresh container each call)."""
    return CensusData().add(_bundled_figures())


def with_origin(fig: DaytimeFigure | CommutingFigure, origin: Origin) -> DaytimeFigure | CommutingFigure:
    return replace(fig, origin=origin)
