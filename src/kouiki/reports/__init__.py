"""Reports: the bundled Japanese font (``fonts.py``) and the builders officers take to meetings.

Build a :class:`~kouiki.reports.table.ReportTable` once and render it with
:func:`kouiki.reports.excel.workbook_bytes`, :func:`kouiki.reports.csv.csv_bytes` or the A4 PDF builders in
:mod:`kouiki.reports.pdf`; the CLI and the web app use the same builders.
"""
