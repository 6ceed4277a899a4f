"""Rendering for every page, declared once: the Jinja2 templates with their filters (和暦, 千円, 不明 for a
missing figure), ``render`` and the error answer (JSON for the API, the Japanese error page otherwise).

The templates and static files stay in ``kouiki/web/templates`` and ``kouiki/web/static``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates

from kouiki import __version__
from kouiki.formation.params import confidence_words
from kouiki.reference.calendar import FiscalYear
from kouiki.store import session as store_session
from kouiki.web.auth import Viewer, is_api, viewer_from_request

GSI_CREDIT_DEFAULT = "地理院タイル（国土地理院）"


def tiles_config() -> dict[str, str] | None:
    """地理院タイル (or a mirror on the LGWAN) only when ``KOUIKI_MAP_TILES_URL`` is set; never by default."""
    url = os.environ.get("KOUIKI_MAP_TILES_URL")
    if not url:
        return None
    return {"url": url, "credit": os.environ.get("KOUIKI_MAP_TILES_CREDIT", GSI_CREDIT_DEFAULT)}


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


def _date_ja(value: Any) -> str:
    """A date (or an ISO date text such as a rule file's 版 「2025-04-01」) in 和暦: 令和7年4月1日; other text as is."""
    import datetime as dt

    from kouiki.reference.calendar import wareki_date

    if isinstance(value, dt.date):
        return wareki_date(value)
    try:
        return wareki_date(dt.date.fromisoformat(str(value)))
    except ValueError:
        return "不明" if value is None else str(value)


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


# The optimiser's account of how it solved (an engine string, English: 「lagrangian+local-search (K=8, …) → HiGHS
# MILP (optimal)」) in words, step by step; the JSON and the downloads keep the engine's text.
_SOLVER_STEPS = (("lagrangian", "ラグランジュ緩和と局所探索"), ("reduced-cost fixing", "被約費用による変数の固定"),
                 ("greedy", "貪欲法"), ("HiGHS", "整数計画ソルバー HiGHS"), ("enumeration", "全数列挙"),
                 ("all candidates", "全候補を残す"), ("zero total weight", "需要がないため、どの配置も最適"))


def solver_method(method: Any) -> str:
    steps = [ja for key, ja in _SOLVER_STEPS if key in str(method or "")]
    return " → ".join(steps) if steps else "計算方法の記録なし" if not method else str(method)


def _optimizer_time_limit() -> str:
    from kouiki.web.optimizer_jobs import default_time_limit

    return f"{default_time_limit():g}"


def _parameter_label(measure: str) -> str:
    from kouiki.reference.parameters import file_label

    return file_label(measure) or "規則"


def _file_words(measure: str) -> dict[str, str]:
    """The glossary (``labels:``) of a packaged parameter file of a capability other than fiscal: the words a page
    uses for the file's codes (``C-web`` → 確認済（公開資料）, ``unknown`` → 不明)."""
    from kouiki.reference.parameters import CAPABILITY_LABELS, packaged

    for name in CAPABILITY_LABELS:
        if name == "fiscal":
            continue
        header = packaged(name).measures.get(measure)
        if header is not None:
            return dict(header.labels)
    return {}


def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(resources.files("kouiki.web").joinpath("templates")))
    # Not "version": pages pass a document's own version under that name, which printed 「kouiki None」.
    t.env.globals["kouiki_version"] = __version__
    t.env.globals["optimizer_time_limit_s"] = _optimizer_time_limit  # called by the form (lazy: loads the optimiser)
    t.env.globals["file_words"] = _file_words  # infrastructure → its glossary {C-web: 確認済（公開資料）, …}
    t.env.globals["parameter_label"] = _parameter_label  # renewal → its Japanese name (templates/_parameter_link.html)
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
    # a rule table as 「項目: 値」 lines in the words of its file's glossary (labels:)
    t.env.filters["glossary"] = lambda text, labels=None: words.glossary_text(text, labels or {})
    t.env.filters["param_lines"] = lambda v, unit, labels=None, path="": words.parameter_lines(unit, v, labels, path)
    t.env.filters["dates_ja"] = words.dates_ja  # a source's title 「時事通信 2016-06-16」 → 「時事通信 平成28年6月16日」
    t.env.filters["no_paren_codes"] = words.without_paren_codes  # 需要（demand） → 需要 (error messages)
    t.env.filters["fiscal_text"] = words.fiscal_text  # engine explanations without internal identifiers
    t.env.filters["gap_pct"] = words.gap_percent  # optimiser gap 0.00123 → 0.12%
    t.env.filters["solver_method"] = solver_method  # lagrangian+local-search (…) → ラグランジュ緩和と局所探索
    t.env.filters["dist"] = words.distance  # 12.3456 → 12.3 km
    t.env.filters["opt_status"] = lambda v: words.STATUS_LABELS.get(str(v), str(v))  # optimal → 最適解
    t.env.filters["date_ja"] = _date_ja  # 2025-04-01 → 令和7年4月1日 (a rule file's 版, a recorded date)
    t.env.filters["jst"] = _jst  # a stored UTC moment → 令和8年12月3日 01:30 (日本時間)
    t.env.filters["body_name"] = _body_name  # 022047 → 黒石市 (a code is never shown alone)
    t.env.filters["confidence"] = confidence_words  # recalled → 未確認（記憶による） (a rule's confidence tag)
    t.env.filters["region_name"] = _region_name  # hirosaki → 弘前圏域 (an internal ID is never shown alone)
    return t


TEMPLATES = templates()


def render(request: Request, template: str, viewer: Viewer | None, status_code: int = 200, **context: Any) -> Response:
    ctx = {"request": request, "viewer": viewer, "tiles": tiles_config(), **context}
    return TEMPLATES.TemplateResponse(request, template, ctx, status_code=status_code)


def error_response(
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
