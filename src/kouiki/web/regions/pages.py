"""The Japanese pages (server-rendered Jinja2). Each page has a JSON twin in :mod:`kouiki.web.regions.api`."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from kouiki.facilities.model import MajorCategory
from kouiki.reference import codes
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import registry
from kouiki.reference.region_sources import region_sources_view
from kouiki.store.regions import ConflictError, DuplicateError, list_regions
from kouiki.store.scenarios import ScenarioRow, get_scenario, list_scenarios
from kouiki.store.users import AuthError, close_session, open_session
from kouiki.web import service
from kouiki.web.auth import (
    COOKIE,
    LoginThrottled,
    Viewer,
    check_csrf,
    login_user,
    session_lifetime,
    set_login_cookie,
    viewer_from_request,
)
from kouiki.web.deps import DB, A, V, require_region_editor
from kouiki.web.facilities.inventory_import import import_facilities
from kouiki.web.optimizer_jobs import JobRequest, start_optimizer
from kouiki.web.regions import region_form, scenario_form, views
from kouiki.web.render import render
from kouiki.web.summary import current_fiscal_year

router = APIRouter(include_in_schema=False)



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
        user = login_user(s, request, username, password)
    except (AuthError, LoginThrottled) as exc:
        throttled = isinstance(exc, LoginThrottled)
        response = render(request, "login.html", None, status_code=429 if throttled else 401, next=_safe_next(next),
                          error=str(exc), username=username)
        if isinstance(exc, LoginThrottled):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
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


async def _form_data(request: Request) -> FormData:
    """The raw form (its action fields are numbered: a0_type, a1_type, …); parsed here, in the event loop, so the
    handlers themselves stay plain functions run in the thread pool (they query the store and evaluate)."""
    return await request.form()


FormDataDep = Annotated[FormData, Depends(_form_data)]


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
    except KouikiError as exc:  # a name or ID already stored (ConflictError): 409, as from the API
        return render(request, "regions.html", viewer, status_code=409 if isinstance(exc, ConflictError) else 400,
                      data=views.regions_list(s), error=str(exc), document=document)
    return RedirectResponse(f"/regions/{region.id}", status_code=303)


# ----- region form (圏域の登録・編集をフォームで) ------------------------------------------------------------

def _region_form_page(
    request: Request, s: Session, viewer: Viewer, *, region: Any = None, values: dict[str, Any],
    version: int | None = None, error: str | None = None, field: str | None = None, status_code: int = 200,
    document_text: str | None = None,
) -> Response:
    """The form of a new region (``region`` None) or of a stored one; ``field``: where the error belongs."""
    framework = values.get("framework") or "定住自立圏"
    return render(request, "region_form.html", viewer, status_code=status_code, region=region, values=values,
                  version=version, error=error, errors={field: error} if field and error else {},
                  frameworks=region_form.FRAMEWORKS, types=region_form.TYPES,
                  roles=region_form.ROLE_LABELS.get(framework, region_form.ROLE_LABELS["定住自立圏"]),
                  role_labels=region_form.ROLE_LABELS, id_hint=service.REGION_ID_HINT,
                  bodies=region_form.body_choices(), prefectures=region_form.prefectures(),
                  members_locked=region is not None and not viewer.is_admin, wareki=region_form.wareki,
                  action=f"/regions/{region.id}/edit" if region is not None else "/regions/new",
                  document_text=document_text if document_text is not None else
                  (yaml.safe_dump(region.model_dump(mode="json", exclude_defaults=True), allow_unicode=True,
                                  sort_keys=False) if region is not None else ""))


@router.get("/regions/new")
def region_new_form(request: Request, s: DB, viewer: A) -> Response:
    return _region_form_page(request, s, viewer, values=region_form.blank_values())


def _region_submit(
    request: Request, form: FormData, s: Session, viewer: Viewer, region: Any
) -> Response:
    from kouiki.store.regions import get_region

    check_csrf(viewer, request, str(form.get("csrf_token") or ""))
    values = region_form.submitted_values(form)
    version_text = str(form.get("version") or "")
    version = int(version_text) if version_text.isdigit() else None
    op = str(form.get("op") or "")
    if op in ("add-neighbour", "add-vision"):  # 行を追加 without JavaScript: nothing is saved
        if op == "add-neighbour":
            values["neighbours"].append(region_form.blank_neighbour())
        else:
            values["visions"].append(region_form.blank_vision())
        return _region_form_page(request, s, viewer, region=region, values=values, version=version)
    stored = None
    if region is not None:
        stored = get_region(s, region.id).model_dump(mode="json", exclude_defaults=True)
    document_text = str(form.get("document") or "")
    try:
        if op == "yaml":  # 詳細（YAML）: the whole document as text, the same checks
            doc = service.parse_document(document_text, "圏域の定義")
        else:
            new_id = None
            if region is None:
                new_id = region_form.chosen_id(values)
            if region is None and new_id is None:
                taken = {r.id for r in list_regions(s)}
                with contextlib.suppress(KouikiError):
                    central = registry().get(values["central0"]).code if values["central0"] else ""
                    new_id = region_form.new_region_id(values["framework"], central, taken)
            doc = region_form.document_from_form(form, stored, new_id)
            region_form.check(doc, values)
        if region is not None and version is None:
            raise KouikiError("版（version）がありません。ページを再読み込みしてください")
        saved, _ = service.save_region_document(s, viewer, doc, version, region.id if region is not None else None)
    except DuplicateError as exc:  # the name (or ID) of another region: at its field, 409 like the API
        return _region_form_page(request, s, viewer, region=region, values=values, version=version, error=str(exc),
                                 field=exc.field, status_code=409, document_text=document_text or None)
    except ConflictError as exc:
        return _region_form_page(request, s, viewer, region=region, values=values, version=version, error=str(exc),
                                 status_code=409, document_text=document_text or None)
    except region_form.FormError as exc:
        return _region_form_page(request, s, viewer, region=region, values=values, version=version, error=str(exc),
                                 field=exc.field, status_code=400, document_text=document_text or None)
    except KouikiError as exc:
        return _region_form_page(request, s, viewer, region=region, values=values, version=version, error=str(exc),
                                 status_code=400, document_text=document_text or None)
    except HTTPException as exc:
        if exc.status_code != 403:
            raise
        return _region_form_page(request, s, viewer, region=region, values=values, version=version,
                                 error=str(exc.detail), status_code=403, document_text=document_text or None)
    return RedirectResponse(f"/regions/{saved.id}", status_code=303)


@router.post("/regions/new")
def region_new_submit(request: Request, s: DB, viewer: A, form: FormDataDep) -> Response:
    return _region_submit(request, form, s, viewer, None)


@router.get("/regions/{region_id}/edit")
def region_edit_form(request: Request, region_id: str, s: DB, viewer: V) -> Response:
    from kouiki.store.regions import region_version

    region = service.region_or_404(s, region_id)
    require_region_editor(viewer, region_id, "この圏域を編集する権限がありません（圏域担当または管理者）")
    return _region_form_page(request, s, viewer, region=region, version=region_version(s, region_id),
                             values=region_form.values_from_document(region.model_dump(mode="json")))


@router.post("/regions/{region_id}/edit")
def region_edit_submit(request: Request, region_id: str, s: DB, viewer: V, form: FormDataDep) -> Response:
    region = service.region_or_404(s, region_id)
    require_region_editor(viewer, region_id, "この圏域を編集する権限がありません（圏域担当または管理者）")
    return _region_submit(request, form, s, viewer, region)


@router.get("/regions/{region_id}")
def region_page(request: Request, region_id: str, s: DB, viewer: V) -> Response:
    region, d = views.region_dashboard(s, region_id)
    return render(request, "region.html", viewer, d=d, region=region,
                  can_edit=viewer.can_edit_region(region.id), sources=region_sources_view(region))


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
def facilities_page(
    request: Request, s: DB, viewer: V, body: str | None = None, page: Annotated[int, Query(ge=1, le=10**9)] = 1,
) -> Response:
    """50 facilities a page (``KOUIKI_PAGE_SIZE``), chosen on the server: the page stays light for any inventory."""
    from kouiki.web.limits import page_size

    code = codes.normalize(body) if body else (viewer.body_code or None)
    data = views.facilities_view(s, [code], page=page, size=page_size()) if code else None
    return render(request, "facilities.html", viewer, bodies=_bodies(s), code=code,
                  body_name=registry().by_code(code).name if code else None, data=data,
                  can_edit=bool(code) and service.can_edit_body(s, viewer, code or ""), report=None,
                  import_error=None)


@router.get("/facilities/template.xlsx")
def facilities_template(viewer: V) -> Response:
    """The kouiki inventory template (.xlsx, 大分類 drop-down, 記入例 and 説明 sheets) the import errors point to."""
    import tempfile
    from pathlib import Path
    from urllib.parse import quote

    from kouiki.reports.facilities_xlsx import inventory_template

    with tempfile.TemporaryDirectory(prefix="kouiki-template-") as tmp:
        data = inventory_template(Path(tmp) / "template.xlsx").read_bytes()
    name = quote("施設台帳テンプレート.xlsx")
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=\"facility-template.xlsx\"; filename*=UTF-8''{name}"})


def _facilities_import_page(
    request: Request, s: Session, viewer: Viewer, code6: str, *, report: dict[str, Any] | None = None,
    import_error: str | None = None, status_code: int = 200,
) -> Response:
    """The facilities page with the import result (or the reason nothing was imported) beside the upload form."""
    return render(request, "facilities.html", viewer, status_code=status_code, bodies=_bodies(s), code=code6,
                  body_name=registry().by_code(code6).name, data=views.facilities_view(s, [code6]),
                  can_edit=service.can_edit_body(s, viewer, code6), report=report, import_error=import_error)


def _run_import(
    request: Request, s: Session, viewer: Viewer, code6: str, data: bytes, filename: str, **options: Any
) -> tuple[Response, dict[str, Any] | None]:
    from kouiki.web.facilities.inventory_import import stash

    try:
        report = import_facilities(s, viewer, code6, data, filename, **options)
    except HTTPException as exc:
        if exc.status_code != 403:
            raise
        return _facilities_import_page(request, s, viewer, code6, import_error=str(exc.detail), status_code=403), None
    except ConflictError as exc:
        return _facilities_import_page(request, s, viewer, code6, import_error=str(exc), status_code=409), None
    except KouikiError as exc:
        return _facilities_import_page(request, s, viewer, code6, import_error=str(exc), status_code=400), None
    if report["status"] == "confirm" or (report["status"] == "rejected" and report["facilities"]):
        report["pending"] = stash(data, filename, code6, viewer.username)
    status = {"imported": 200, "confirm": 200}.get(report["status"], 422)
    return _facilities_import_page(request, s, viewer, code6, report=report, status_code=status), report


@router.post("/facilities/{code}/import")
def facilities_import(
    request: Request, code: str, s: DB, viewer: V, file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Step 1: the file is checked as a whole; nothing changes unless every row is right (and no scenario
    loses a facility). Otherwise the page lists every bad row beside the form and offers step 2."""
    check_csrf(viewer, request, csrf_token)
    code6 = codes.normalize(code)
    response, _ = _run_import(request, s, viewer, code6, file.file.read(), file.filename or "upload.csv")
    return response


@router.post("/facilities/{code}/import/confirm")
def facilities_import_confirm(
    request: Request, code: str, s: DB, viewer: V, pending: Annotated[str, Form(max_length=64)],
    revision: Annotated[str, Form(max_length=64)], csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Step 2, confirmed by the user: replace the list with the good rows of the kept upload, as previewed
    (件数 before/after); refused when the list changed since the preview."""
    from kouiki.web.facilities.inventory_import import PendingImportError, drop, unstash

    check_csrf(viewer, request, csrf_token)
    code6 = codes.normalize(code)
    try:
        data, filename = unstash(pending, code6, viewer.username)
    except PendingImportError as exc:
        return _facilities_import_page(request, s, viewer, code6, import_error=str(exc), status_code=400)
    response, report = _run_import(request, s, viewer, code6, data, filename, only_valid=True, confirm=True,
                                   expected_revision=revision)
    if report is not None and report["imported"]:
        drop(pending)
    return response


# ----- scenarios ------------------------------------------------------------------------------------------

def _scenarios_context(s: Session, viewer: Viewer, region_id: str) -> dict[str, Any]:
    from kouiki.web.optimizer_jobs import MODELS, region_jobs

    region = service.region_or_404(s, region_id)
    return {"region": region, "rows": list_scenarios(s, region_id), "can_edit": viewer.can_edit_region(region_id),
            "categories": [c.value for c in MajorCategory], "next_year": current_fiscal_year().year + 2,
            "jobs": region_jobs(s, region_id), "models": MODELS}


@router.get("/regions/{region_id}/scenarios")
def scenarios_page(request: Request, region_id: str, s: DB, viewer: V) -> Response:
    return render(request, "scenarios.html", viewer, error=None, example=views.example_scenario(s, region_id),
                  **_scenarios_context(s, viewer, region_id))


@router.post("/regions/{region_id}/scenarios")
def scenarios_create(
    request: Request, region_id: str, s: DB, viewer: V, name: Annotated[str, Form()],
    document: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    try:
        row = service.new_scenario(s, viewer, region_id, name, service.parse_document(document, "シナリオ"))
    except KouikiError as exc:
        return render(request, "scenarios.html", viewer, status_code=400, error=str(exc), example=document, name=name,
                      **_scenarios_context(s, viewer, region_id))
    return RedirectResponse(f"/scenarios/{row.id}", status_code=303)


def _scenario_context(s: Session, viewer: Viewer, scenario_id: int, category: str | None = None) -> dict[str, Any]:
    from kouiki.web.regions.scenario_access import access_geojson, worst_points

    row = get_scenario(s, scenario_id)
    region = service.region_or_404(s, row.region_id)
    evaluation = service.scenario_evaluation(s, row)
    geo = access_geojson(s, row, category)
    return {"row": row, "region": region, "evaluation": evaluation,
            "removed": evaluation.closed_ids,
            "names": {m.code: m.municipality.name for m in region.members},
            "can_edit": viewer.can_edit_region(row.region_id),
            "access_map": {k: geo.get(k) for k in ("category", "categories", "legend", "table", "notes",
                                                   "threshold_minutes", "views")},
            "worst_points": worst_points(geo),
            "document_text": yaml.safe_dump(row.document, allow_unicode=True, sort_keys=False)}


@router.get("/scenarios/{scenario_id}")
def scenario_page(request: Request, scenario_id: int, s: DB, viewer: V, category: str | None = None) -> Response:
    """``?category=大分類`` chooses which 大分類's access the map shows (default: the first evaluated)."""
    return render(request, "scenario.html", viewer, error=None, **_scenario_context(s, viewer, scenario_id, category))


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


# ----- scenario form editor -------------------------------------------------------------------------------

def _form_page(
    request: Request, s: Session, viewer: Viewer, region_id: str, *, row: ScenarioRow | None,
    values: dict[str, Any], rows: list[dict[str, Any]], error: str | None = None, status_code: int = 200,
    version: int | None = None, field: str | None = None,
) -> Response:
    """``field``: the form field the error belongs to (shown beside it as well as above the form)."""
    region = service.region_or_404(s, region_id)
    opts = scenario_form.options(s, region, row.document if row else None)
    rows = [dict(r, index=i + 1) for i, r in enumerate(rows)]
    return render(request, "scenario_form.html", viewer, status_code=status_code, region=region, row=row,
                  values=values, rows=rows, opts=opts, error=error, errors={field: error} if field and error else {},
                  action=f"/scenarios/{row.id}/form" if row else f"/regions/{region.id}/scenarios/form",
                  version=version if version is not None else (row.version if row else None),
                  template_row=scenario_form.blank_row(start if isinstance(start := values.get("start_fiscal_year"), int)
                                                       else opts["years"][0]["year"]))


def _form_values(doc: dict[str, Any], name: str) -> dict[str, Any]:
    start = doc.get("start_fiscal_year")
    try:
        start_year = FiscalYear.parse(start).year if start is not None else current_fiscal_year().year
    except Exception:
        start_year = None
    return {"name": name, "description": doc.get("description") or "", "start_fiscal_year": start_year,
            "categories": list(doc.get("categories") or [])}


def _require_editor(viewer: Viewer, region_id: str) -> None:
    require_region_editor(viewer, region_id, "この圏域のシナリオを編集する権限がありません（圏域担当または管理者）")


@router.get("/regions/{region_id}/scenarios/new")
def scenario_new_form(request: Request, region_id: str, s: DB, viewer: V) -> Response:
    _require_editor(viewer, region_id)
    fy = current_fiscal_year().year
    return _form_page(request, s, viewer, region_id, row=None,
                      values={"name": "", "description": "", "start_fiscal_year": fy, "categories": []},
                      rows=[scenario_form.blank_row(fy + 2)])


@router.get("/scenarios/{scenario_id}/edit")
def scenario_edit_form(request: Request, scenario_id: int, s: DB, viewer: V) -> Response:
    row = get_scenario(s, scenario_id)
    _require_editor(viewer, row.region_id)
    rows = scenario_form.rows_from_document(row.document) or [scenario_form.blank_row(current_fiscal_year().year + 2)]
    return _form_page(request, s, viewer, row.region_id, row=row, values=_form_values(row.document, row.name), rows=rows)


def _submit_form(
    request: Request, form: FormData, s: Session, viewer: Viewer, region_id: str, row: ScenarioRow | None
) -> Response:
    check_csrf(viewer, request, str(form.get("csrf_token") or ""))
    _require_editor(viewer, region_id)
    values: dict[str, Any] = {"name": str(form.get("name") or "").strip(), "description": str(form.get("description") or "").strip(),
              "start_fiscal_year": str(form.get("start_fiscal_year") or ""),
              "categories": [str(c) for c in form.getlist("categories")]}
    with contextlib.suppress(Exception):  # shown unchosen; the schema names it on save
        values["start_fiscal_year"] = FiscalYear.parse(values["start_fiscal_year"]).year
    rows = scenario_form.submitted_rows(form)
    version_text = str(form.get("version") or "")
    version = int(version_text) if version_text.isdigit() else None
    op = str(form.get("op") or "")
    if op == "add":  # 行を追加 without JavaScript: show the form again with one more row, save nothing
        rows.append(scenario_form.blank_row(rows[-1]["fiscal_year"] if rows and rows[-1]["fiscal_year"] else
                                            current_fiscal_year().year + 2))
        return _form_page(request, s, viewer, region_id, row=row, values=values, rows=rows, version=version)
    if op.startswith(("add-demo-", "add-smooth-")):  # 除却 / 円滑化経費 を追加 (a button of the row), save nothing
        kind, _, field = op[len("add-"):].partition("-")
        for r in rows:
            if str(r["field"]) == field:
                if kind == "demo":
                    r["demos"].append(scenario_form.blank_demolition(r["fiscal_year"]))
                else:
                    r["smooths"].append(scenario_form.blank_smoothing(r["fiscal_year"]))
        return _form_page(request, s, viewer, region_id, row=row, values=values, rows=rows, version=version)
    region = service.region_or_404(s, region_id)
    opts = scenario_form.options(s, region, row.document if row else None)
    numbers: list[int] = []
    places: dict[str, str] = {}
    try:
        name, doc, numbers, places = scenario_form.document_from_form(form, row.document if row else {}, opts)
        if row is None:
            saved = service.new_scenario(s, viewer, region_id, name, doc)
        else:
            if version is None:
                raise KouikiError("版（version）がありません。ページを再読み込みしてください")
            saved = service.edit_scenario(s, viewer, row.id, name, doc, version)
    except ConflictError as exc:
        return _form_page(request, s, viewer, region_id, row=row, values=values, rows=rows, error=str(exc),
                          status_code=409, version=version)
    except KouikiError as exc:
        where = exc.field if isinstance(exc, scenario_form.FormError) else scenario_form.place(str(exc), places)
        return _form_page(request, s, viewer, region_id, row=row, values=values, rows=rows,
                          error=scenario_form.explain(str(exc), numbers), status_code=400, version=version,
                          field=where)
    return RedirectResponse(f"/scenarios/{saved.id}", status_code=303)


@router.post("/regions/{region_id}/scenarios/form")
def scenario_create_form(request: Request, region_id: str, s: DB, viewer: V, form: FormDataDep) -> Response:
    service.region_or_404(s, region_id)
    return _submit_form(request, form, s, viewer, region_id, None)


@router.post("/scenarios/{scenario_id}/form")
def scenario_save_form(request: Request, scenario_id: int, s: DB, viewer: V, form: FormDataDep) -> Response:
    row = get_scenario(s, scenario_id)
    return _submit_form(request, form, s, viewer, row.region_id, row)


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

def _number(text: str, what: str, kind: type[int] | type[float]) -> Any:
    text = text.strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise KouikiError(f"「{what}」は数値で入力してください: {text}") from None


@router.post("/regions/{region_id}/optimize")
def optimize_submit(
    request: Request, region_id: str, s: DB, viewer: V, category: Annotated[str, Form()],
    fiscal_year: Annotated[str, Form()], model: Annotated[str, Form()] = "p-median",
    keep: Annotated[str, Form()] = "", threshold_km: Annotated[str, Form()] = "",
    time_limit: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    try:
        year = FiscalYear.parse(fiscal_year.strip()).year
    except Exception:
        raise KouikiError(f"「廃止年度」が年度として読めません: {fiscal_year}") from None
    req = JobRequest(model=model, category=category, fiscal_year=year, keep=_number(keep, "残す施設数", int),
                     threshold_km=_number(threshold_km, "距離の閾値（km）", float),
                     time_limit=_number(time_limit, "計算時間の上限（秒）", float))
    job_id = start_optimizer(s, viewer, region_id, req)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str, s: DB, viewer: V) -> Response:
    from kouiki.web.optimizer_jobs import job_view

    job = job_view(s, job_id)
    fragment = request.headers.get("hx-request") == "true"
    return render(request, "_job.html" if fragment else "job.html", viewer, job=job)
