"""The Japanese pages (server-rendered Jinja2). Each page has a JSON twin in :mod:`routes_api`."""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kouiki.facilities.model import MajorCategory
from kouiki.reference import codes
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import registry
from kouiki.store.regions import ConflictError, list_regions
from kouiki.store.scenarios import get_scenario, list_scenarios
from kouiki.store.users import AuthError, authenticate, close_session, open_session
from kouiki.web import service, views
from kouiki.web.app import db, render
from kouiki.web.auth import COOKIE, Viewer, check_csrf, require_viewer, session_lifetime, viewer_from_request
from kouiki.web.routes_api import set_login_cookie
from kouiki.web.scenario_report import body_rows

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(db, scope="function")]


def page_viewer(request: Request, s: DB) -> Viewer:
    return require_viewer(s, request)


V = Annotated[Viewer, Depends(page_viewer)]


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/regions"
    return target


@router.get("/login")
def login_page(request: Request, s: DB, next: str | None = None) -> Response:
    return render(request, "login.html", viewer_from_request(s, request), next=_safe_next(next), error=None)


@router.post("/login")
def login_submit(
    request: Request, s: DB, username: Annotated[str, Form()], password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/regions",
) -> Response:
    try:
        user = authenticate(s, username, password)
    except AuthError as exc:
        return render(request, "login.html", None, status_code=401, next=_safe_next(next), error=str(exc),
                      username=username)
    token, _csrf = open_session(s, user, session_lifetime())
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_login_cookie(response, token, request)
    return response


@router.post("/logout")
def logout(request: Request, s: DB, viewer: V, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(viewer, request, csrf_token)
    close_session(s, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
def home() -> Response:
    return RedirectResponse("/regions", status_code=303)


# ----- regions --------------------------------------------------------------------------------------------

@router.get("/regions")
def regions_page(request: Request, s: DB, viewer: V) -> Response:
    return render(request, "regions.html", viewer, data=views.regions_list(s), error=None)


@router.post("/regions")
def regions_create(
    request: Request, s: DB, viewer: V, document: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(viewer, request, csrf_token)
    try:
        region, _ = service.save_region_document(s, viewer, service.parse_document(document, "圏域の定義"), None)
    except KouikiError as exc:
        return render(request, "regions.html", viewer, status_code=400, data=views.regions_list(s),
                      error=str(exc), document=document)
    return RedirectResponse(f"/regions/{region.id}", status_code=303)


@router.get("/regions/{region_id}")
def region_page(request: Request, region_id: str, s: DB, viewer: V) -> Response:
    region, d = views.region_dashboard(s, region_id)
    return render(request, "region.html", viewer, d=d, region=region,
                  can_edit=viewer.can_edit_region(region.id))


@router.get("/regions/{region_id}/central")
def central_page(request: Request, region_id: str, s: DB, viewer: V) -> Response:
    region = service.region_or_404(s, region_id)
    return render(request, "central.html", viewer, d=views.central_check(s, region))


# ----- facilities -----------------------------------------------------------------------------------------

def _bodies(s: Session) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for r in list_regions(s):
        for c in r.member_codes():
            seen.setdefault(c, {"code": c, "name": registry().by_code(c).name, "regions": []})["regions"].append(
                r.display_name)
    return sorted(seen.values(), key=lambda b: b["code"])


@router.get("/facilities")
def facilities_page(request: Request, s: DB, viewer: V, body: str | None = None) -> Response:
    code = codes.normalize(body) if body else (viewer.body_code or None)
    data = views.facilities_view(s, [code]) if code else None
    return render(request, "facilities.html", viewer, bodies=_bodies(s), code=code,
                  body_name=registry().by_code(code).name if code else None, data=data,
                  can_edit=bool(code) and service.can_edit_body(s, viewer, code or ""), report=None)


@router.post("/facilities/{code}/import")
def facilities_import(
    request: Request, code: str, s: DB, viewer: V, file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    code6 = codes.normalize(code)
    report = service.import_facilities(s, viewer, code6, file.file.read(), file.filename or "upload.csv")
    return render(request, "facilities.html", viewer, status_code=200 if report["imported"] else 422,
                  bodies=_bodies(s), code=code6, body_name=registry().by_code(code6).name,
                  data=views.facilities_view(s, [code6]), can_edit=True, report=report)


# ----- scenarios ------------------------------------------------------------------------------------------

def example_scenario(s: Session, region_id: str) -> str:
    """A valid starting point built from the region's own inventory: two facilities of one 大分類 into one."""
    region = service.region_or_404(s, region_id)
    facilities = service.region_inventory(s, region).facilities
    doc: dict[str, Any] = {"description": "例: 同じ種類の2施設を1施設に集約する", "start_fiscal_year": views.current_fiscal_year().year,
                           "actions": []}
    by_cat: dict[str, list[Any]] = {}
    for f in facilities:
        by_cat.setdefault(f.category.value, []).append(f)
    for group in by_cat.values():
        bodies = {f.municipality_code for f in group}
        if len(group) >= 2:
            a = group[0]
            b = next((f for f in group[1:] if f.municipality_code != a.municipality_code), group[1]) if len(bodies) > 1 else group[1]
            doc["actions"] = [{"id": "a1", "type": "consolidate", "label": f"{b.name}を{a.name}に集約",
                               "fiscal_year": views.current_fiscal_year().year + 2, "lead_body": a.municipality_code,
                               "sources": [b.facility_id], "target": a.facility_id}]
            break
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


@router.get("/regions/{region_id}/scenarios")
def scenarios_page(request: Request, region_id: str, s: DB, viewer: V) -> Response:
    region = service.region_or_404(s, region_id)
    return render(request, "scenarios.html", viewer, region=region, rows=list_scenarios(s, region_id),
                  can_edit=viewer.can_edit_region(region_id), error=None, example=example_scenario(s, region_id),
                  categories=[c.value for c in MajorCategory], next_year=views.current_fiscal_year().year + 2)


@router.post("/regions/{region_id}/scenarios")
def scenarios_create(
    request: Request, region_id: str, s: DB, viewer: V, name: Annotated[str, Form()],
    document: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    try:
        row = service.new_scenario(s, viewer, region_id, name, service.parse_document(document, "シナリオ"))
    except KouikiError as exc:
        region = service.region_or_404(s, region_id)
        return render(request, "scenarios.html", viewer, status_code=400, region=region,
                      rows=list_scenarios(s, region_id), can_edit=viewer.can_edit_region(region_id),
                      error=str(exc), example=document, name=name, categories=[c.value for c in MajorCategory],
                      next_year=views.current_fiscal_year().year + 2)
    return RedirectResponse(f"/scenarios/{row.id}", status_code=303)


def _scenario_context(s: Session, viewer: Viewer, scenario_id: int) -> dict[str, Any]:
    row = get_scenario(s, scenario_id)
    region = service.region_or_404(s, row.region_id)
    evaluation = service.scenario_evaluation(s, row)
    return {"row": row, "region": region, "evaluation": evaluation, "body_rows": body_rows(evaluation),
            "removed": evaluation["closed_ids"],
            "names": {m.code: m.municipality.name for m in region.members},
            "can_edit": viewer.can_edit_region(row.region_id),
            "document_text": yaml.safe_dump(row.document, allow_unicode=True, sort_keys=False)}


@router.get("/scenarios/{scenario_id}")
def scenario_page(request: Request, scenario_id: int, s: DB, viewer: V) -> Response:
    return render(request, "scenario.html", viewer, error=None, **_scenario_context(s, viewer, scenario_id))


@router.post("/scenarios/{scenario_id}")
def scenario_save(
    request: Request, scenario_id: int, s: DB, viewer: V, name: Annotated[str, Form()],
    document: Annotated[str, Form()], version: Annotated[int, Form()], csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    try:
        service.edit_scenario(s, viewer, scenario_id, name, service.parse_document(document, "シナリオ"), version)
    except (ConflictError, KouikiError) as exc:
        ctx = _scenario_context(s, viewer, scenario_id)
        ctx["document_text"] = document  # keep what the user typed so nothing is lost
        return render(request, "scenario.html", viewer, status_code=409 if isinstance(exc, ConflictError) else 400,
                      error=str(exc), submitted_version=version, **ctx)
    return RedirectResponse(f"/scenarios/{scenario_id}", status_code=303)


@router.get("/regions/{region_id}/compare")
def compare_page(
    request: Request, region_id: str, s: DB, viewer: V, ids: Annotated[list[int] | None, Query()] = None
) -> Response:
    region = service.region_or_404(s, region_id)
    chosen = []
    for sid in ids or []:
        row = get_scenario(s, sid)
        if row.region_id != region_id:
            raise HTTPException(status_code=400, detail=f"シナリオ {sid} はこの圏域のものではありません")
        chosen.append({"row": row, "evaluation": service.scenario_evaluation(s, row)})
    return render(request, "compare.html", viewer, region=region, chosen=chosen, rows=list_scenarios(s, region_id))


# ----- optimiser (background job with progress) -----------------------------------------------------------

def start_optimizer(s: Session, viewer: Viewer, region_id: str, category: str, keep: int, fiscal_year: int) -> str:
    from kouiki.web.optimizer_jobs import start_p_median

    region = service.region_or_404(s, region_id)
    if not viewer.can_edit_region(region_id):
        raise HTTPException(status_code=403, detail="最適化でシナリオを作る権限がありません（圏域担当または管理者）")
    try:
        cat = MajorCategory(category)
    except ValueError:
        raise KouikiError(f"大分類「{category}」は13区分のどれでもありません") from None
    facilities = service.region_inventory(s, region).facilities
    return start_p_median(viewer, region_id, region.member_codes(), facilities, cat, keep, fiscal_year).id


@router.post("/regions/{region_id}/optimize")
def optimize_submit(
    request: Request, region_id: str, s: DB, viewer: V, category: Annotated[str, Form()],
    keep: Annotated[int, Form()], fiscal_year: Annotated[int, Form()], csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    job_id = start_optimizer(s, viewer, region_id, category, keep, fiscal_year)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str, s: DB, viewer: V) -> Response:
    from kouiki.web.optimizer_jobs import get_job

    job = get_job(job_id)
    if job is None:
        raise HTTPException(status_code=404, detail="この処理は見つかりません（サーバーの再起動で消えた可能性があります）")
    fragment = request.headers.get("hx-request") == "true"
    return render(request, "_job.html" if fragment else "job.html", viewer, job=job.public())
