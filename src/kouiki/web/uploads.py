"""Bounded uploads: the request-size cap (413 before the body is parsed) and the rows-per-file cap of imports.

- :class:`BodyLimit` (pure ASGI middleware) refuses a request whose ``Content-Length`` is above
  ``KOUIKI_MAX_UPLOAD_MB`` before reading it, and stops one that streams more than that without a length; the
  answer is 413 「ファイルが大きすぎます（上限 20MB）」.
- :func:`bounded_rows` (an app-wide dependency) counts the data rows of every uploaded CSV/Excel file in a worker
  thread, off the event loop, and refuses one above ``KOUIKI_MAX_IMPORT_ROWS`` with 413 — before any import
  handler parses it. Handlers then read the file from its start as before.
"""

from __future__ import annotations

import json
from typing import IO, Any

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kouiki.web import limits

_CHUNK = 1024 * 1024


class BodyLimit:
    """413 for a request body larger than the upload cap (checked on the header, then on the bytes received)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = limits.max_upload_bytes()
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.strip().isdigit() and int(length) > cap:
            await _too_large(scope, send)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    exceeded = True
                    return {"type": "http.disconnect"}  # the app stops reading; its answer is replaced below
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _too_large(scope, send)
                return  # swallow the app's own answer to the cut-off body
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
            if not started:
                await _too_large(scope, send)


async def _too_large(scope: Scope, send: Send) -> None:
    message = limits.too_large_message()
    path: str = scope.get("path", "")
    accept = dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
    if path.startswith(("/api/", "/export/")) or accept.startswith("application/json"):
        body = json.dumps({"detail": message}, ensure_ascii=False).encode()
        ctype = b"application/json"
    else:
        body = (f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>413 {message}</title></head>'
                f'<body><h1>{message}</h1><p>ファイルを分けるか、管理者に上限（KOUIKI_MAX_UPLOAD_MB）を'
                f'確認してください。<a href="javascript:history.back()">戻る</a></p></body></html>').encode()
        ctype = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def count_rows(file: IO[bytes], filename: str) -> int:
    """Data rows of an uploaded file, cheaply: line breaks of a CSV/text file, the rows of an Excel workbook's
    largest sheet (its stored dimension, else by reading it). Leaves the file at its start."""
    try:
        if filename.lower().endswith((".xlsx", ".xlsm")):
            return _xlsx_rows(file)
        lines = 0
        last = b""
        while chunk := file.read(_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk
        if last and not last.endswith(b"\n"):
            lines += 1
        return max(0, lines - 1)  # the header line
    finally:
        file.seek(0)


def _xlsx_rows(file: IO[bytes]) -> int:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # not a workbook: the importer names the problem
        return 0
    try:
        most = 0
        for ws in wb.worksheets:
            rows = getattr(ws, "max_row", None)
            if not rows:
                rows = sum(1 for _ in ws.iter_rows(values_only=True))
            most = max(most, int(rows))
        return max(0, most - 1)
    finally:
        wb.close()


async def bounded_rows(request: Request) -> None:
    """App-wide dependency: every uploaded file of a multipart request has at most ``KOUIKI_MAX_IMPORT_ROWS`` rows."""
    if request.method not in ("POST", "PUT") or not request.headers.get("content-type", "").startswith("multipart/"):
        return
    form = await request.form()  # parsed once: the route reads the same cached form
    cap = limits.max_import_rows()
    uploads: list[Any] = [v for _k, v in form.multi_items() if isinstance(v, UploadFile)]
    for upload in uploads:
        rows = await run_in_threadpool(count_rows, upload.file, upload.filename or "")
        if rows > cap:
            raise HTTPException(
                status_code=413,
                detail=f"{upload.filename or 'ファイル'}: 行数が多すぎます（{rows:,} 行、上限 {cap:,} 行）。"
                       "ファイルを分けて取り込んでください（上限は設定 KOUIKI_MAX_IMPORT_ROWS）",
            )
