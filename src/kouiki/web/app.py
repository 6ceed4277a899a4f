"""The FastAPI application: Japanese server-rendered pages, their JSON twins under ``/api``, and exports.

This module only assembles: middleware, ``/static``, the exception handlers and one router per capability
package (``web/<capability>/routes.py``; ``web/regions`` has its pages and its API). What the routes share —
the session, permissions, ``render`` — is declared once in :mod:`kouiki.web.deps` and :mod:`kouiki.web.render`.

Offline by construction: every asset is served from ``/static`` (vendored htmx and Leaflet, our CSS/JS),
and the Content-Security-Policy only allows this origin (plus the 地理院タイル server when configured).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from importlib import resources
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kouiki import __version__
from kouiki.reference.errors import KouikiError, NotFoundError
from kouiki.store.regions import CONFLICT_TEXT, ConflictError, DuplicateError
from kouiki.web.auth import LoginRequired
from kouiki.web.render import error_response, tiles_config

_log = logging.getLogger("kouiki.web")


def _csp() -> str:
    img = "'self' data:"
    tiles = tiles_config()
    if tiles:
        parts = urlsplit(tiles["url"].replace("{", "").replace("}", ""))
        img += f" {parts.scheme}://{parts.netloc}"
    return (f"default-src 'self'; img-src {img}; style-src 'self'; script-src 'self'; connect-src 'self'; "
            "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


class SecurityHeaders:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware): CSP and the usual hardening headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.csp = _csp().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        cacheable = path.startswith(("/static/", "/fonts/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", self.csp.decode())
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                if not cacheable:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At server start: optimiser jobs a stopped server left running are marked 中断 (interrupted)."""
    from kouiki.web.optimizer_jobs import mark_interrupted_jobs

    mark_interrupted_jobs()
    yield


def create_app() -> FastAPI:
    from kouiki.reference.user_parameters import register_user_parameters
    from kouiki.settings import user_parameters_dir
    from kouiki.web.uploads import BodyLimit, bounded_rows

    register_user_parameters(user_parameters_dir)  # engines read the user's parameter files from this folder

    app = FastAPI(
        lifespan=_lifespan, dependencies=[Depends(bounded_rows)],  # rows per uploaded file: 413 above the cap
        title="kouiki 広域連携 Web API", version=__version__, openapi_url="/openapi.json",
        docs_url=None, redoc_url=None,  # the bundled Swagger UI pages load scripts from a CDN: off
        description="圏域・財政措置・公共施設・シナリオの API。書き込みにはログインと X-CSRF-Token が必要です。",
    )
    app.add_middleware(BodyLimit)  # request size: 413 「ファイルが大きすぎます（上限 20MB）」 (inner: gets the headers)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(resources.files("kouiki.web").joinpath("static"))), name="static")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(ConflictError)
    async def _conflict(request: Request, exc: ConflictError) -> Response:
        if isinstance(exc, DuplicateError):  # a name or ID already stored: which field, no version to reload
            return error_response(request, 409, str(exc), extra={"field": exc.field})
        return error_response(request, 409, str(exc), extra={"current_version": exc.current_version})

    @app.exception_handler(StaleDataError)
    @app.exception_handler(IntegrityError)
    async def _lost_race(request: Request, exc: Exception) -> Response:
        """A save that lost a race the store did not name (the commit after the handler): 409, never 500."""
        return error_response(request, 409, f"{CONFLICT_TEXT}。再読み込みしてからやり直してください (edited by someone else)")

    @app.exception_handler(ArithmeticError)
    async def _out_of_range(request: Request, exc: ArithmeticError) -> Response:
        """A number too large for the database or a calculation (an ID of 25 digits, 10^30 円): 422, logged."""
        _log.warning("数値が範囲外: %s %s: %s", request.method, request.url.path, type(exc).__name__, exc_info=os.environ.get("KOUIKI_DEBUG_TRACE") == "1")
        return error_response(request, 422, "数値が大きすぎるか範囲外です（扱える範囲を超えています）")

    from sqlalchemy.exc import DataError

    @app.exception_handler(DataError)
    async def _db_out_of_range(request: Request, exc: DataError) -> Response:
        """The same for a value the database refuses (PostgreSQL: an ID beyond its integer column); the request's
        transaction is rolled back by the session dependency before this answer."""
        _log.warning("数値が範囲外（データベース）: %s %s", request.method, request.url.path)
        return error_response(request, 422, "数値が大きすぎるか範囲外です（扱える範囲を超えています）")

    @app.exception_handler(NotFoundError)
    async def _notfound(request: Request, exc: NotFoundError) -> Response:
        return error_response(request, 404, str(exc))

    @app.exception_handler(KouikiError)
    async def _kouiki(request: Request, exc: KouikiError) -> Response:
        return error_response(request, 400, str(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            parts.append(f"{loc}: {e.get('msg')}")
        return error_response(request, 422, "入力が正しくありません: " + "; ".join(parts))

    from kouiki.web.admin import routes as admin
    from kouiki.web.exports import routes as exports
    from kouiki.web.facilities import routes as facilities
    from kouiki.web.fiscal import routes as fiscal
    from kouiki.web.formation import routes as formation
    from kouiki.web.regions import api as regions_api
    from kouiki.web.regions import pages as regions_pages
    from kouiki.web.staffing import routes as staffing

    # Kept in this order (the first route that matches a path answers it): region pages, region API, exports,
    # admin, fiscal, staffing, facilities, formation.
    for module in (regions_pages, regions_api, exports, admin, fiscal, staffing, facilities, formation):
        app.include_router(module.router)
    for hook in _extensions:
        hook(app)

    @app.get("/fonts/{name}", include_in_schema=False)
    def font(name: str) -> Response:
        """The bundled Japanese font (BIZ UDPゴシック, OFL) as a web font: pages render Japanese offline even
        on a PC without Japanese fonts (CSS tries the installed one first)."""
        from kouiki.reports.fonts import font_path

        path = font_path()
        if name != path.name:
            raise HTTPException(status_code=404, detail="フォントがありません")
        return FileResponse(path, media_type="font/ttf", headers={"Cache-Control": "public, max-age=604800"})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app


_extensions: list[Callable[[FastAPI], None]] = []
