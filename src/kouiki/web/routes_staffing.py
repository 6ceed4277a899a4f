"""専門人材の共同活用 (staffing): the page and its JSON twin over ``kouiki.staffing``.

The staffing capability turns agreements, posts and secondments into fiscal plan items and evaluates them
with the fiscal engine; the page passes the case (YAML, prefilled with the packaged demo) and shows the
burden and support per body and 年度, the refusals and warnings. Nothing is computed here.
"""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kouiki.reference.errors import KouikiError
from kouiki.staffing import case_from_dict, evaluate_support
from kouiki.web import service
from kouiki.web.app import db, render
from kouiki.web.auth import Viewer, check_csrf, require_viewer

router = APIRouter()
DB = Annotated[Session, Depends(db, scope="function")]


def viewer_dep(request: Request, s: DB) -> Viewer:
    return require_viewer(s, request)


V = Annotated[Viewer, Depends(viewer_dep)]


def demo_case_text() -> str:
    return resources.files("kouiki.staffing").joinpath("demo/aomori_hirosaki.yaml").read_text(encoding="utf-8")


def run_case(data: dict[str, Any], overrides: list[str] | None = None) -> dict[str, Any]:
    try:
        case = case_from_dict(data, "入力")
        result: dict[str, Any] = evaluate_support(case, overrides=overrides or None).to_dict()
    except (KouikiError, ValueError) as exc:
        raise KouikiError(str(exc)) from None
    return result


@router.get("/staffing", include_in_schema=False)
def staffing_page(request: Request, viewer: V) -> Response:
    text = demo_case_text()
    return render(request, "staffing.html", viewer, case_text=text,
                  result=run_case(service.parse_document(text, "入力")), error=None, demo=True)


@router.post("/staffing", include_in_schema=False)
def staffing_submit(
    request: Request, viewer: V, case: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    try:
        result = run_case(service.parse_document(case, "入力"))
        error = None
    except KouikiError as exc:
        result, error = None, str(exc)
    return render(request, "staffing.html", viewer, status_code=400 if error else 200, case_text=case,
                  result=result, error=error, demo=False)


class StaffingBody(BaseModel):
    case: dict[str, Any]
    overrides: list[str] = []


@router.post("/api/staffing/support", tags=["staffing"], summary="専門人材の派遣: 団体別の負担と措置")
def api_staffing(body: StaffingBody, viewer: V) -> dict[str, Any]:
    return run_case(body.case, body.overrides)
