"""Cells that came from users, made safe for spreadsheets (formula / CSV injection, OWASP).

A facility or scenario named ``=HYPERLINK("http://…")`` must reach Excel as the text it is, never as a live
formula. Every writer of .xlsx or CSV in kouiki goes through this module. It sits in ``reference`` (like
``textfile``, the one reader of users' files) so that the few engine-side workbook writers (the input 様式 of
fiscal plans, facility lists and staffing cases) and ``reports`` use the same rule:

- .xlsx (openpyxl): :func:`text_cell` writes one value, :func:`defuse_worksheet` / :func:`defuse_workbook`
  turn every cell openpyxl took for a formula (a string starting with ``=``) back into text (data type
  ``s``). Call ``defuse_workbook(wb)`` right before ``wb.save(…)``. kouiki writes no formulas of its own
  into cells (list validations are not cells and are kept).
- CSV: :func:`csv_cell` / :func:`csv_row` prefix ``'`` to a text starting with ``= + - @`` TAB or CR (the OWASP
  rule; Excel and LibreOffice then show it as text). Plain numbers such as ``-1234`` or ``+3.5`` are kept.
"""

from __future__ import annotations

import csv as _csv
import re
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9][0-9,]*(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def csv_cell(value: Any) -> Any:
    """A CSV field that no spreadsheet evaluates: text starting with ``= + - @ \\t \\r`` gets a leading ``'``."""
    if not isinstance(value, str) or not value or value[0] not in CSV_TRIGGERS:
        return value
    if _NUMBER.fullmatch(value):
        return value  # a signed number, not a formula
    return "'" + value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """:func:`csv_cell` applied to every field of a row (use with ``csv.writer(...).writerow``)."""
    return [csv_cell(v) for v in values]


def csv_dict(row: dict[str, Any]) -> dict[str, Any]:
    """:func:`csv_cell` applied to every value (use with ``csv.DictWriter(...).writerow``)."""
    return {k: csv_cell(v) for k, v in row.items()}


def _as_text(cell: Any) -> None:
    if getattr(cell, "data_type", None) == "f" and isinstance(cell.value, str):
        cell.data_type = "s"


def text_cell(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """``ws.cell(row, column, value)``, but a string is always stored as text (never a formula)."""
    cell = ws.cell(row=row, column=column, value=value)
    _as_text(cell)
    return cell


def defuse_worksheet(ws: Worksheet) -> None:
    """Every cell of ``ws`` that openpyxl would write as a formula becomes text."""
    for row in ws.iter_rows():
        for cell in row:
            _as_text(cell)


def defuse_workbook(wb: Workbook) -> Workbook:
    """:func:`defuse_worksheet` on every sheet; returns ``wb`` (call right before ``wb.save``)."""
    for ws in wb.worksheets:
        defuse_worksheet(ws)
    return wb


class SafeCsvWriter:
    """``csv.writer`` whose every row goes through :func:`csv_row` (``safe_writer(buf, lineterminator=…)``)."""

    def __init__(self, stream: Any, **fmtparams: Any) -> None:
        self._writer = _csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(csv_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(stream: Any, **fmtparams: Any) -> SafeCsvWriter:
    """The CSV writer every kouiki CSV output uses (same arguments as :func:`csv.writer`)."""
    return SafeCsvWriter(stream, **fmtparams)
