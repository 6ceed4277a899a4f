"""Excel (.xlsx, openpyxl) as 財政課 expect it: title row, 「（単位：千円）」, 和暦 年度 headers, 出典 row, A4.

Money cells hold the exact yen; the display format ``#,##0,`` shows 千円 without rounding the value, so
sums in Excel stay exact.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kouiki.reference.cellsafe import defuse_worksheet
from kouiki.reports.table import ColumnKind, ReportTable

_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FORMATS = {ColumnKind.YEN: "#,##0,", ColumnKind.INT: "#,##0", ColumnKind.DECIMAL: "#,##0.00",
            ColumnKind.DATE: "yyyy/mm/dd"}


def write_sheet(ws: Worksheet, table: ReportTable) -> None:
    table.check()
    n = len(table.columns)
    ws.title = table.sheet_name[:31]
    ws.cell(row=1, column=1, value=table.title).font = Font(size=14, bold=True)
    if table.unit_label:
        unit = ws.cell(row=2, column=n, value=table.unit_label)
        unit.alignment = Alignment(horizontal="right")
    header_row = 3
    for j, col in enumerate(table.columns, start=1):
        c = ws.cell(row=header_row, column=j, value=col.header)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDEBF7")
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = _BOX
        width = col.width or max(10, min(40, 2 * len(col.header) + 2))
        ws.column_dimensions[get_column_letter(j)].width = width
    r = header_row
    for r, row in enumerate(table.rows, start=header_row + 1):
        for j, (col, cell) in enumerate(zip(table.columns, row, strict=True), start=1):
            value: object = cell
            if isinstance(cell, Decimal):
                value = cell  # openpyxl writes Decimal as a number
            if cell is None:
                value = "不明"
            c = ws.cell(row=r, column=j, value=value)
            c.border = _BOX
            if cell is not None and col.kind in _FORMATS:
                c.number_format = _FORMATS[col.kind]
                c.alignment = Alignment(horizontal="right")
            if isinstance(cell, dt.date):
                c.number_format = _FORMATS[ColumnKind.DATE]
    last = r
    src = ws.cell(row=last + 2, column=1, value=f"出典：{table.source}")
    src.font = Font(size=9)
    for k, note in enumerate(table.notes, start=last + 3):
        ws.cell(row=k, column=1, value=f"注：{note}").font = Font(size=9)
    end_row = last + 2 + len(table.notes)
    ws.print_area = f"A1:{get_column_letter(n)}{end_row}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if n > 6 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    defuse_worksheet(ws)  # every string is text: a name like =HYPERLINK(…) is never a live formula


def workbook_bytes(*tables: ReportTable) -> bytes:
    """One sheet per table, as the bytes of an .xlsx file."""
    wb = Workbook()
    first = True
    for table in tables:
        ws = wb.active if first else wb.create_sheet()
        first = False
        write_sheet(ws, table)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
