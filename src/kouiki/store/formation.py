"""Imported census figures (国勢調査 昼夜間人口比率 and 通勤通学 OD) for the formation checks.

One row per figure: ``kind`` = daytime (``code``) or commuting (``code`` → ``to_code``), census year, the
published numbers as exact strings/ints, and the provenance (table title, file, import time). An import
replaces figures with the same key (same body/pair and census year) and is written in one transaction;
one audit entry per import (the file, the counts), not per figure.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

from sqlalchemy import Integer, String, Table, UniqueConstraint, bindparam, delete, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kouiki.formation.census import CommutingFigure, DaytimeFigure
from kouiki.formation.estat import ImportResult
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import registry
from kouiki.store.audit import record
from kouiki.store.base import Base, utcnow


class CensusFigureRow(Base):
    __tablename__ = "census_figure"
    __table_args__ = (UniqueConstraint("kind", "code", "to_code", "census_year", name="uq_census_figure_key"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))  # daytime / commuting
    code: Mapped[str] = mapped_column(String(6), index=True)  # body, or origin (常住地)
    to_code: Mapped[str] = mapped_column(String(6), default="")  # destination (従業地・通学地); "" for daytime
    census_year: Mapped[int] = mapped_column(Integer)
    ratio_per_100: Mapped[str | None] = mapped_column(String(20))  # exact decimal text as published
    night_population: Mapped[int | None]
    daytime_population: Mapped[int | None]
    commuters: Mapped[int | None]
    base: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(1000))
    file: Mapped[str] = mapped_column(String(500))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(100))

    def to_figure(self) -> DaytimeFigure | CommutingFigure:
        if self.kind == "daytime":
            return DaytimeFigure(
                code=self.code, census_year=self.census_year,
                ratio_per_100=None if self.ratio_per_100 is None else Decimal(self.ratio_per_100),
                night_population=self.night_population, daytime_population=self.daytime_population,
                source=self.source, origin="imported",
            )
        return CommutingFigure(
            from_code=self.code, to_code=self.to_code, census_year=self.census_year, commuters=self.commuters,
            base=self.base, source=self.source, origin="imported",
        )


def _row(f: DaytimeFigure | CommutingFigure, file: str, user: str) -> dict[str, object]:
    if isinstance(f, DaytimeFigure):
        return {"kind": "daytime", "code": f.code, "to_code": "", "census_year": f.census_year,
                "ratio_per_100": None if f.ratio_per_100 is None else str(f.ratio_per_100),
                "night_population": f.night_population, "daytime_population": f.daytime_population,
                "commuters": None, "base": None, "source": f.source, "file": file, "imported_by": user,
                "imported_at": utcnow()}
    return {"kind": "commuting", "code": f.from_code, "to_code": f.to_code, "census_year": f.census_year,
            "ratio_per_100": None, "night_population": None, "daytime_population": None,
            "commuters": f.commuters, "base": f.base, "source": f.source, "file": file, "imported_by": user,
            "imported_at": utcnow()}


_VALUES = ("ratio_per_100", "night_population", "daytime_population", "commuters", "base")


def _one_per_key(rows: list[dict[str, object]], file: str) -> list[dict[str, object]]:
    """The rows of an import, one per key (the table's unique index): a repeat with the same figures is dropped, a
    repeat with other figures is refused in Japanese (400) instead of failing the INSERT (reported as a 409)."""
    def name(code: object) -> str:
        try:
            return f"{registry().by_code(str(code)).name}（{code}）"
        except KouikiError:
            return str(code)

    seen: dict[tuple[object, ...], dict[str, object]] = {}
    for r in rows:
        key = (r["kind"], r["code"], r["to_code"], r["census_year"])
        first = seen.setdefault(key, r)
        if first is not r and any(first[k] != r[k] for k in _VALUES):
            what = (f"{name(r['code'])}の昼夜間人口" if r["kind"] == "daytime"
                    else f"{name(r['code'])}から{name(r['to_code'])}への通勤・通学者")
            raise KouikiError(f"{file}: {what}（{r['census_year']}年）が2回あり、値が違います。"
                              "どちらか一方にしてから取り込んでください (duplicate figure)")
    return list(seen.values())


def save_import(s: Session, result: ImportResult, user: str) -> int:
    """Write an import (replacing figures with the same keys); return the number of figures written."""
    rows = _one_per_key([_row(f, result.file, user) for f in result.figures], result.file)
    tbl = cast(Table, CensusFigureRow.__table__)
    conn = s.connection()
    if rows:
        # one keyed DELETE per figure (uses the unique index), then one bulk INSERT
        conn.execute(
            delete(tbl).where(tbl.c.kind == bindparam("k_kind"), tbl.c.code == bindparam("k_code"),
                              tbl.c.to_code == bindparam("k_to"), tbl.c.census_year == bindparam("k_year")),
            [{"k_kind": r["kind"], "k_code": r["code"], "k_to": r["to_code"], "k_year": r["census_year"]} for r in rows],
        )
        conn.execute(insert(tbl), rows)
    record(s, user=user, action="import", entity="census_figure", entity_id=result.file,
           before=None, after=result.summary())
    return len(rows)


def imported_figures(s: Session) -> list[DaytimeFigure | CommutingFigure]:
    return [r.to_figure() for r in s.scalars(select(CensusFigureRow).order_by(CensusFigureRow.id))]


def count_figures(s: Session) -> dict[str, int]:
    q = select(CensusFigureRow.kind, func.count()).group_by(CensusFigureRow.kind)
    return {k: int(n) for k, n in s.execute(q)}
