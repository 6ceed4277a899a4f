"""File answers shared by every capability's routes: Excel (.xlsx) for every table, CSV (CP932 by default,
``?encoding=utf-8-sig``), and the ``Content-Disposition`` of a Japanese file name."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import HTTPException
from fastapi.responses import Response

from kouiki.reports.csv import csv_bytes
from kouiki.reports.excel import workbook_bytes
from kouiki.reports.table import ReportTable

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def content_disposition(filename: str) -> str:
    """RFC 6266/5987: the Japanese file name in ``filename*=UTF-8''…`` (percent-encoded), a plain ASCII
    fallback in ``filename``. Quotes, semicolons, path separators and control characters (a line break in a
    scenario name) never reach the header: they become ``_``."""
    cleaned = _UNSAFE_NAME.sub("_", filename).strip(" .") or "kouiki"
    stem, dot, ext = cleaned.rpartition(".")
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem if dot else cleaned).strip("_")
    ascii_name = (ascii_stem or "kouiki") + (f".{re.sub(r'[^A-Za-z0-9]', '', ext)}" if dot else "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def download(body: bytes, filename: str, media_type: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": content_disposition(filename)})


def table_response(tables: list[ReportTable], stem: str, fmt: str, encoding: str) -> Response:
    if fmt == "xlsx":
        return download(workbook_bytes(*tables), f"{stem}.xlsx", XLSX)
    if fmt == "csv":
        try:
            body = csv_bytes(tables[0], encoding)
        except ValueError as exc:
            raise HTTPException(status_code=400, detail=f"encoding: {exc}") from None
        charset = "shift_jis" if encoding.lower() in ("cp932", "shift-jis", "sjis", "ms932") else "utf-8"
        return download(body, f"{stem}.csv", f"text/csv; charset={charset}")
    raise HTTPException(status_code=404, detail=f"形式 {fmt} には対応していません（xlsx / csv）")
