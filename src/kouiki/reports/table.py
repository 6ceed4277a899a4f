"""The table model every output renders: columns with a kind, rows of plain values, title, unit and 出典."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kouiki.reference.calendar import FiscalYear


class ColumnKind(StrEnum):
    TEXT = "text"
    YEN = "yen"  # int 円; shown in 千円 (Excel keeps the exact yen and formats with #,##0,)
    INT = "int"
    DECIMAL = "decimal"
    DATE = "date"


class Named(str):
    """A cell naming things by name, with their IDs as a quiet second line (PDF: small type under the name).

    It *is* the text 「名前（ID）」 for Excel and CSV; :attr:`entries` keeps (name, id) pairs for the PDF.
    """

    entries: tuple[tuple[str, str], ...]

    def __new__(cls, entries: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> Named:
        text = "、".join(f"{n}（{i}）" if i and i != n else n for n, i in entries) or "—"
        obj = super().__new__(cls, text)
        obj.entries = tuple(entries)
        return obj


@dataclass(frozen=True)
class Column:
    header: str
    kind: ColumnKind = ColumnKind.TEXT
    width: int | None = None  # Excel column width in characters
    verbatim: bool | None = None  # user data, shown as entered (None: decided by the header, see keeps_text)

    @property
    def keeps_text(self) -> bool:
        """Whether a text cell is shown exactly as given, not through ``reader_text``: what an officer entered or a
        source published (a 施設ID, a 施設名, a 事業名, 名称) must never be reworded, even when it happens to look like
        one of the program's codes. By default a column headed with an ID or a name (…ID, …名, 名称) keeps its text."""
        if self.verbatim is not None:
            return self.verbatim
        return self.header.endswith("ID") or "名" in self.header

    @classmethod
    def fiscal_year(cls, year: int, kind: ColumnKind = ColumnKind.YEN) -> Column:
        """A 年度 column headed in 和暦 (令和7年度)."""
        return cls(FiscalYear(year).wareki(), kind)


@dataclass
class ReportTable:
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    source: str  # 出典
    notes: list[str] = field(default_factory=list)
    sheet_name: str = "表"

    def __post_init__(self) -> None:
        # 出典 and 注 are read by people in every output (Excel, CSV, PDF): engine notes carry parameter paths
        # (「（specialist_recruitment.first_year_only@2024）」), module and file names; they are said in words here.
        from kouiki.reports.words import reader_text

        self.source = reader_text(self.source)
        self.notes = [reader_text(n) for n in self.notes]
        # Text cells too (a reason 「… assumed_region を記載」, a 確度 「confirmed」); a Named cell keeps its IDs for the PDF.
        text_columns = [i for i, c in enumerate(self.columns) if c.kind is ColumnKind.TEXT and not c.keeps_text]
        for row in self.rows:
            for i in text_columns:
                if i < len(row) and type(row[i]) is str:
                    row[i] = reader_text(row[i])

    @property
    def has_money(self) -> bool:
        return any(c.kind is ColumnKind.YEN for c in self.columns)

    @property
    def unit_label(self) -> str | None:
        return "（単位：千円）" if self.has_money else None

    def check(self) -> None:
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"row {i}: {len(row)} cells for {len(self.columns)} columns")
            for col, cell in zip(self.columns, row, strict=True):
                if col.kind is ColumnKind.YEN and cell is not None and not isinstance(cell, int):
                    raise TypeError(f"row {i} {col.header}: yen must be int, got {type(cell).__name__}")
                if isinstance(cell, float):
                    raise TypeError(f"row {i} {col.header}: float cell (use int or Decimal)")


def display(cell: Any, kind: ColumnKind) -> str:
    """Text of a cell as printed (CSV, PDF): 千円 with thousands separators for yen, '—' for unknown."""
    if cell is None:
        return "不明"
    if kind is ColumnKind.YEN:
        thousands = (Decimal(cell) / 1000).quantize(Decimal("1"))
        return f"{thousands:,}"
    if kind is ColumnKind.INT and isinstance(cell, int):
        return f"{cell:,}"
    return str(cell)
