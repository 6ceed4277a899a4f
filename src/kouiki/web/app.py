"""The FastAPI application: Japanese server-rendered pages, their JSON twins under ``/api``, and exports.

Offline by construction: every asset is served from ``/static`` (vendored htmx and Leaflet, our CSS/JS),
and the Content-Security-Policy only allows this origin (plus the 地理院タイル server when configured).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from decimal import Decimal
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kouiki import __version__
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError, NotFoundError
from kouiki.store import session as store_session
from kouiki.store.regions import CONFLICT_TEXT, ConflictError
from kouiki.web.auth import LoginRequired, Viewer, is_api, viewer_from_request

_log = logging.getLogger("kouiki.web")
GSI_CREDIT_DEFAULT = "地理院タイル（国土地理院）"


def tiles_config() -> dict[str, str] | None:
    """地理院タイル (or a mirror on the LGWAN) only when ``KOUIKI_MAP_TILES_URL`` is set; never by default."""
    url = os.environ.get("KOUIKI_MAP_TILES_URL")
    if not url:
        return None
    return {"url": url, "credit": os.environ.get("KOUIKI_MAP_TILES_CREDIT", GSI_CREDIT_DEFAULT)}


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


def _grouped(value: Any) -> str:
    """A quantity for people with thousands separators; the exact figure stays in the JSON twin."""
    if value is None or value == "":
        return "不明"
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    text = str(d)
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}" + (f".{frac}" if frac else "")


def _percent(value: Any) -> str:
    try:
        return f"{Decimal(str(value)) * 100:.1f}%"
    except ArithmeticError:  # None, undefined, not a number
        return "不明"


def _jst(value: Any) -> str:
    if value is None or value == "":
        return "—"
    from kouiki.reference.calendar import wareki_datetime

    return wareki_datetime(value)


def _body_name(code: Any) -> str:
    from kouiki.reference.municipalities import registry

    try:
        return registry().by_code(str(code)).name
    except Exception:  # an unknown or malformed code: show it as it is rather than fail the page
        return str(code)


def _region_name(region_id: Any) -> str:
    """The name of a region by its ID: the bundled registry's (regions users add keep their ID as the name)."""
    from kouiki.reference.regions import bundled_regions

    return next((r.display_name for r in bundled_regions() if r.id == region_id), str(region_id))


def _optimizer_time_limit() -> str:
    from kouiki.web.optimizer_jobs import default_time_limit

    return f"{default_time_limit():g}"


def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(resources.files("kouiki.web").joinpath("templates")))
    # Not "version": pages pass a document's own version under that name, which printed 「kouiki None」.
    t.env.globals["kouiki_version"] = __version__
    t.env.globals["optimizer_time_limit_s"] = _optimizer_time_limit  # called by the form (lazy: loads the optimiser)
    t.env.filters["num"] = lambda v: "不明" if v is None else f"{v:,}" if isinstance(v, int) else str(v)
    t.env.filters["sen"] = lambda v: "不明" if v is None else f"{round(v / 1000):,}"
    t.env.filters["wareki"] = lambda y: "不明" if y is None else FiscalYear(int(y)).wareki()  # 年度 → 令和7年度
    t.env.filters["qty"] = _grouped  # 540100.5 → 540,100.5 (areas, lengths: the decimals kept as given)
    t.env.filters["pct"] = _percent  # 0.9962 → 99.6%
    from kouiki.reports import words

    t.env.filters["yesno"] = words.yes_no  # True → はい (never a raw True on a screen)
    t.env.filters["kv"] = words.value_text  # {'method': 'flat'} → 方法: 定額
    t.env.filters["label"] = words.label  # floor_area_m2 → 延床面積（㎡）
    t.env.filters["param_value"] = lambda v, unit: words.parameter_value(unit, v)  # by unit: 0.5 → 0.5（50%）
    t.env.filters["fiscal_text"] = words.fiscal_text  # engine explanations without internal identifiers
    t.env.filters["gap_pct"] = words.gap_percent  # optimiser gap 0.00123 → 0.12%
    t.env.filters["dist"] = words.distance  # 12.3456 → 12.3 km
    t.env.filters["opt_status"] = lambda v: words.STATUS_LABELS.get(str(v), str(v))  # optimal → 最適解
    t.env.filters["jst"] = _jst  # a stored UTC moment → 令和8年12月3日 01:30 (日本時間)
    t.env.filters["body_name"] = _body_name  # 022047 → 黒石市 (a code is never shown alone)
    t.env.filters["region_name"] = _region_name  # hirosaki → 弘前圏域 (an internal ID is never shown alone)
    return t


TEMPLATES = templates()


def db() -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on any error.

    Used with ``Depends(db, scope="function")`` so the commit happens before the response is sent: a browser
    that follows the redirect after a login or a save must see the new row.
    """
    with store_session() as s:
        yield s


def render(request: Request, template: str, viewer: Viewer | None, status_code: int = 200, **context: Any) -> Response:
    ctx = {"request": request, "viewer": viewer, "tiles": tiles_config(), **context}
    return TEMPLATES.TemplateResponse(request, template, ctx, status_code=status_code)


def _error_response(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The error as JSON (API, or ``Accept: application/json``) or as the Japanese error page."""
    if is_api(request) or request.headers.get("accept", "").startswith("application/json"):
        return JSONResponse({"detail": message, **(extra or {})}, status_code=status, headers=headers)
    viewer = None
    try:
        with store_session() as s:
            viewer = viewer_from_request(s, request)
    except Exception:  # the error page must render even when the store is the problem
        viewer = None
    response = render(request, "error.html", viewer, status_code=status, status=status, message=message)
    response.headers.update(headers or {})
    return response


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
        return _error_response(request, 409, str(exc), extra={"current_version": exc.current_version})

    @app.exception_handler(StaleDataError)
    @app.exception_handler(IntegrityError)
    async def _lost_race(request: Request, exc: Exception) -> Response:
        """A save that lost a race the store did not name (the commit after the handler): 409, never 500."""
        return _error_response(request, 409, f"{CONFLICT_TEXT}。再読み込みしてからやり直してください (edited by someone else)")

    @app.exception_handler(ArithmeticError)
    async def _out_of_range(request: Request, exc: ArithmeticError) -> Response:
        """A number too large for the database or a calculation (an ID of 25 digits, 10^30 円): 422, logged."""
        _log.warning("数値が範囲外: %s %s: %s", request.method, request.url.path, type(exc).__name__, exc_info=os.environ.get("KOUIKI_DEBUG_TRACE") == "1")
        return _error_response(request, 422, "数値が大きすぎるか範囲外です（扱える範囲を超えています）")

    from sqlalchemy.exc import DataError

    @app.exception_handler(DataError)
    async def _db_out_of_range(request: Request, exc: DataError) -> Response:
        """The same for a value the database refuses (PostgreSQL: an ID beyond its integer column); the request's
        transaction is rolled back by the session dependency before this answer."""
        _log.warning("数値が範囲外（データベース）: %s %s", request.method, request.url.path)
        return _error_response(request, 422, "数値が大きすぎるか範囲外です（扱える範囲を超えています）")

    @app.exception_handler(NotFoundError)
    async def _notfound(request: Request, exc: NotFoundError) -> Response:
        return _error_response(request, 404, str(exc))

    @app.exception_handler(KouikiError)
    async def _kouiki(request: Request, exc: KouikiError) -> Response:
        return _error_response(request, 400, str(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return _error_response(request, exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            parts.append(f"{loc}: {e.get('msg')}")
        return _error_response(request, 422, "入力が正しくありません: " + "; ".join(parts))

    from kouiki.web import (
        routes_admin,
        routes_api,
        routes_exports,
        routes_facility_planning,
        routes_fiscal,
        routes_formation,
        routes_pages,
        routes_staffing,
    )

    for module in (routes_pages, routes_api, routes_exports, routes_admin, routes_fiscal, routes_staffing,
                   routes_facility_planning, routes_formation):
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
