"""Limits of the web app, each a setting (environment variable) with a safe default — see docs/web.md.

| setting | default | what |
|---|---|---|
| ``KOUIKI_MAX_UPLOAD_MB`` | 20 | largest request body (an uploaded file); larger → 413 |
| ``KOUIKI_MAX_IMPORT_ROWS`` | 50000 | most data rows in one imported CSV/Excel file; more → 413 |
| ``KOUIKI_LOGIN_MAX_FAILURES`` | 5 | failed logins of one user name within the window before it must wait |
| ``KOUIKI_LOGIN_MAX_FAILURES_PER_ADDRESS`` | 20 | failed logins from one address within the window |
| ``KOUIKI_LOGIN_WINDOW_MINUTES`` | 15 | the window (minutes) |
| ``KOUIKI_PAGE_SIZE`` | 50 | rows per page of long lists (the facility list) |
"""

from __future__ import annotations

import datetime as dt
import os

from kouiki.reference.errors import KouikiError


def _int(name: str, default: int, low: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise KouikiError(f"設定 {name} は整数で指定してください: {raw!r}") from None
    if value < low:
        raise KouikiError(f"設定 {name} は {low} 以上にしてください: {value}")
    return value


def max_upload_mb() -> int:
    return _int("KOUIKI_MAX_UPLOAD_MB", 20)


def max_upload_bytes() -> int:
    return max_upload_mb() * 1024 * 1024


def max_import_rows() -> int:
    return _int("KOUIKI_MAX_IMPORT_ROWS", 50_000)


def login_max_failures() -> int:
    return _int("KOUIKI_LOGIN_MAX_FAILURES", 5)


def login_max_failures_per_address() -> int:
    return _int("KOUIKI_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)


def login_window() -> dt.timedelta:
    return dt.timedelta(minutes=_int("KOUIKI_LOGIN_WINDOW_MINUTES", 15))


def page_size() -> int:
    return _int("KOUIKI_PAGE_SIZE", 50)


def too_large_message() -> str:
    return f"ファイルが大きすぎます（上限 {max_upload_mb()}MB）"
