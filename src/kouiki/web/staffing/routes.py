"""専門人材の共同活用 (staffing): pages and JSON twins over ``kouiki.staffing``; the region's staffing plan is kept
in the store (``kouiki.store.staffing``).

The staffing capability turns agreements, posts and secondments into fiscal plan items and evaluates them
with the fiscal engine; the pages pass the case (YAML; the region's saved plan, else the packaged demo) and
show the burden and support per body and 年度, the sharing plan proposal (``staffing plan``), the 人材育成
conditions (``staffing training``) and the advisor-dispatch helper (``staffing advisor``). Nothing is computed
here. 圏域担当 of the region and 管理者 save the plan (version-locked, audited); everyone else reads.
"""

from __future__ import annotations

import json
import tempfile
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from kouiki.reference.errors import KouikiError
from kouiki.reference.regions import Region
from kouiki.staffing import case_from_dict, evaluate_support, plan_sharing, recommend
from kouiki.staffing.support import body_name
from kouiki.staffing.training import evaluate_training, policies_from_dict
from kouiki.store.regions import ConflictError, list_regions
from kouiki.store.staffing import get_staffing_plan, save_staffing_plan
from kouiki.web import service
from kouiki.web.auth import Viewer, check_csrf
from kouiki.web.deps import DB, V, require_region_editor
from kouiki.web.downloads import XLSX, download, table_response
from kouiki.web.render import render
from kouiki.web.staffing.views import decorate_support, plan_tables, support_tables, training_tables, wareki

router = APIRouter()
NO_RIGHT = "この圏域の派遣計画を保存する権限がありません（圏域担当または管理者）"


def plain(value: dict[str, Any]) -> dict[str, Any]:
    """Engine output as JSON data: Decimals and dates as text (money stays int yen)."""
    out: dict[str, Any] = json.loads(json.dumps(value, default=str, ensure_ascii=False))
    return out


def _demo_text(name: str) -> str:
    return resources.files("kouiki.staffing").joinpath(f"demo/{name}").read_text(encoding="utf-8")


DEMO_REGION_ID = "hirosaki"  # the packaged demo case is 青森県 seconding to 弘前圏域's members; others get a たたき台


def demo_case_text() -> str:
    return _demo_text("aomori_hirosaki.yaml")


def run_case(data: dict[str, Any], overrides: list[str] | None = None) -> dict[str, Any]:
    try:
        case = case_from_dict(data, "入力")
        result: dict[str, Any] = evaluate_support(case, overrides=overrides or None).to_dict()
    except (KouikiError, ValueError) as exc:
        raise KouikiError(str(exc)) from None
    return plain(result)


def run_plan(data: dict[str, Any], keep_entered: bool = False) -> dict[str, Any]:
    """共同活用計画（案）: the sharing plan of the case and the burden and support of its secondments."""
    try:
        case = case_from_dict(data, "入力")
        sharing = plan_sharing(case, keep_entered=keep_entered)
        support = evaluate_support(case, sharing.secondments).to_dict()
    except (KouikiError, ValueError) as exc:
        raise KouikiError(str(exc)) from None
    return plain({"title": case.title, **sharing.to_dict(), "support": support})


# ----- the region's staffing plan (store) -------------------------------------------------------------------

def _choose(s: Session, viewer: Viewer, region: str | None) -> Region:
    chosen = service.region_or_404(s, region) if region else service.default_region(s, viewer)
    if chosen is None:
        raise HTTPException(status_code=404, detail="圏域が登録されていません")
    return chosen


def case_state(s: Session, region_id: str) -> tuple[dict[str, Any], str, int | None]:
    """(case data, YAML text, version): the saved plan; when none is saved (version None), the packaged demo for
    弘前圏域 and a たたき台 from its own members for any other region."""
    import yaml

    row = get_staffing_plan(s, region_id)
    if row is None:
        if region_id != DEMO_REGION_ID:
            from kouiki.staffing.starter import starter_case
            from kouiki.web.summary import current_fiscal_year

            data = starter_case(service.region_or_404(s, region_id), current_fiscal_year())
            return data, yaml.safe_dump(data, allow_unicode=True, sort_keys=False), None
        text = demo_case_text()
        return plain(service.parse_document(text, "入力")), text, None
    text = yaml.safe_dump(row.document, allow_unicode=True, sort_keys=False)
    return row.document, text, row.version


def save_case(s: Session, viewer: Viewer, region_id: str, data: dict[str, Any], version: int | None) -> int:
    require_region_editor(viewer, region_id, NO_RIGHT)
    run_case(data)  # a case the engine refuses is never saved (the error names the section and record)
    return save_staffing_plan(s, region_id, plain(data), user=viewer.username, expected_version=version)


def _page(request: Request, s: Session, viewer: Viewer, region: Region, *, case_text: str, version: int | None,
          result: dict[str, Any] | None, error: str | None, status: int = 200, saved: bool,
          form: Any = None, cell_errors: dict[tuple[str, int, str], str] | None = None,
          row_errors: dict[tuple[str, int], str] | None = None, text_open: bool = False) -> Response:
    from kouiki.web.staffing import form as sf

    if form is None:  # the forms show the text's case; a text that is not a case shows the saved one
        try:
            form = sf.form_from_document(service.parse_document(case_text, "入力"))
        except KouikiError:
            form = sf.form_from_document(case_state(s, region.id)[0])
    staff = sf.editor_context(form, region.member_codes(), cell_errors or {}, row_errors)
    return render(request, "staffing.html", viewer, status_code=status, regions=list_regions(s), region=region,
                  case_text=case_text, version=version, result=None if result is None else decorate_support(result),
                  error=error, saved=saved, demo=not saved and region.id == DEMO_REGION_ID,
                  starter=not saved and region.id != DEMO_REGION_ID, can_edit=viewer.can_edit_region(region.id),
                  staff=staff, text_open=text_open)


@router.get("/staffing", include_in_schema=False)
def staffing_page(request: Request, s: DB, viewer: V, region: str | None = None) -> Response:
    chosen = _choose(s, viewer, region)
    data, text, version = case_state(s, chosen.id)
    return _page(request, s, viewer, chosen, case_text=text, version=version, result=run_case(data), error=None,
                 saved=version is not None)


@router.post("/staffing", include_in_schema=False)
def staffing_submit(
    request: Request, s: DB, viewer: V, case: Annotated[str, Form()], region: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "evaluate", version: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    chosen = _choose(s, viewer, region or None)
    expected = int(version) if version.isdigit() else None
    result: dict[str, Any] | None = None
    error, status = None, 200
    try:
        data = service.parse_document(case, "入力")
        if action == "save":
            save_case(s, viewer, chosen.id, data, expected)
            return RedirectResponse(f"/staffing?region={chosen.id}&saved=1", status_code=303)
        result = run_case(data)
    except ConflictError as exc:
        error, status = str(exc), 409
    except KouikiError as exc:
        error, status = str(exc), 400
    return _page(request, s, viewer, chosen, case_text=case, version=expected, result=result, error=error,
                 status=status, saved=expected is not None, text_open=True)


async def _form_data(request: Request) -> FormData:
    """The raw form (rows are numbered: posts0.salary_yen, …), read in the event loop; the handler stays a plain
    function run in the thread pool."""
    return await request.form()


@router.post("/staffing/table", include_in_schema=False)
def staffing_table_submit(request: Request, s: DB, viewer: V, form: Annotated[FormData, Depends(_form_data)]) -> Response:
    """The forms (協約・ポスト・派遣・需要): 行を追加・コピー・削除 re-draw; 計算する evaluates; 保存する saves the same
    ``case`` document as ``PUT /api/regions/{id}/staffing`` — never while a cell has an error."""
    import yaml

    from kouiki.web.staffing import form as sf

    check_csrf(viewer, request, str(form.get("csrf_token") or ""))
    chosen = _choose(s, viewer, str(form.get("region") or "") or None)
    version_text = str(form.get("version") or "")
    expected = int(version_text) if version_text.isdigit() else None
    op = str(form.get("op") or "evaluate")
    posted = sf.form_from_post(form)
    if op not in ("evaluate", "save"):
        sf.apply_op(posted, op)
    data, cells, where = sf.document_from_form(posted)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    def page(result: dict[str, Any] | None, status: int = 200, error: str | None = None,
             row_errors: dict[tuple[str, int], str] | None = None) -> Response:
        return _page(request, s, viewer, chosen, case_text=text, version=expected, result=result, error=error,
                     status=status, saved=expected is not None, form=posted, cell_errors=cells, row_errors=row_errors)

    if op not in ("evaluate", "save"):
        return page(None)
    if cells:
        return page(None, 400, f"入力に誤りが {len(cells)} 件あります。赤く示した欄を直してください（保存していません）。")
    try:
        result = run_case(data)
    except KouikiError as exc:
        placed, rows, loose = sf.place_error(str(exc), where)
        cells.update(placed)
        return page(None, 400, "入力に誤りがあります（保存していません）: " + "、".join(
            [*loose, *rows.values(), *placed.values()]), rows)
    if op == "save":
        try:
            save_case(s, viewer, chosen.id, data, expected)
        except ConflictError as exc:
            return page(result, 409, str(exc))
        return RedirectResponse(f"/staffing?region={chosen.id}&saved=1", status_code=303)
    return page(result)


class StaffingBody(BaseModel):
    case: dict[str, Any]
    overrides: list[str] = []


class StaffingWrite(BaseModel):
    case: dict[str, Any]
    version: int | None = None  # the version the edit started from (optimistic locking)


@router.post("/api/staffing/support", tags=["staffing"], summary="専門人材の派遣: 団体別の負担と措置")
def api_staffing(body: StaffingBody, viewer: V) -> dict[str, Any]:
    return run_case(body.case, body.overrides)


@router.get("/api/regions/{region_id}/staffing", tags=["staffing"], summary="圏域の派遣計画（保存済み、なければデモ）と負担・措置")
def api_get_staffing(region_id: str, s: DB, viewer: V) -> dict[str, Any]:
    service.region_or_404(s, region_id)
    data, _text, version = case_state(s, region_id)
    return {"region_id": region_id, "saved": version is not None, "version": version, "case": data,
            "result": run_case(data)}


@router.put("/api/regions/{region_id}/staffing", tags=["staffing"], summary="圏域の派遣計画の保存（版を指定）")
def api_put_staffing(region_id: str, body: StaffingWrite, request: Request, s: DB, viewer: V) -> dict[str, Any]:
    check_csrf(viewer, request)
    service.region_or_404(s, region_id)
    version = save_case(s, viewer, region_id, body.case, body.version)
    return {"region_id": region_id, "version": version, "totals": run_case(body.case)["totals"]}


# ----- 共同活用計画（案）: kouiki staffing plan ------------------------------------------------------------------

@router.get("/staffing/plan", include_in_schema=False)
def staffing_plan_page(request: Request, s: DB, viewer: V, region: str | None = None, keep_entered: bool = False) -> Response:
    chosen = _choose(s, viewer, region)
    data, _text, version = case_state(s, chosen.id)
    result = run_plan(data, keep_entered)
    for y in result["years"]:
        y["fiscal_year_wareki"] = wareki(y["fiscal_year"])
        for a in y["assignments"]:
            a["base_name"], a["receiver_name"] = body_name(a["base"]), body_name(a["receiver"])
        for u in y["unmet"]:
            u["body_name"] = body_name(u["body"])
    decorate_support(result["support"])
    return render(request, "staffing_plan.html", viewer, regions=list_regions(s), region=chosen, result=result,
                  saved=version is not None, keep_entered=keep_entered)


@router.get("/api/regions/{region_id}/staffing/plan", tags=["staffing"],
            summary="共同活用計画（案）: 需要とポストからの派遣の割当、充足できない需要、負担と措置")
def api_staffing_plan(region_id: str, s: DB, viewer: V, keep_entered: bool = False) -> dict[str, Any]:
    service.region_or_404(s, region_id)
    data, _text, version = case_state(s, region_id)
    return {"region_id": region_id, "saved": version is not None, **run_plan(data, keep_entered)}


@router.post("/api/staffing/plan", tags=["staffing"], summary="共同活用計画（案）: 入力した case から")
def api_staffing_plan_of_case(body: StaffingBody, viewer: V, keep_entered: bool = False) -> dict[str, Any]:
    return run_plan(body.case, keep_entered)


# ----- downloads ----------------------------------------------------------------------------------------------

@router.get("/export/staffing/{region_id}.{fmt}", tags=["exports"], summary="派遣の負担と措置（xlsx / csv）")
def export_staffing(region_id: str, fmt: str, s: DB, viewer: V, encoding: str = "cp932") -> Response:

    region = service.region_or_404(s, region_id)
    data, _text, _version = case_state(s, region_id)
    return table_response(support_tables(run_case(data)), f"{region.display_name}_専門人材", fmt, encoding)


@router.get("/export/staffing/{region_id}/plan.{fmt}", tags=["exports"], summary="共同活用計画（案）（xlsx / csv）")
def export_staffing_plan(region_id: str, fmt: str, s: DB, viewer: V, encoding: str = "cp932") -> Response:

    region = service.region_or_404(s, region_id)
    data, _text, _version = case_state(s, region_id)
    result = run_plan(data)
    tables = plan_tables(result["title"], result) + support_tables(result["support"])
    return table_response(tables, f"{region.display_name}_共同活用計画", fmt, encoding)


@router.get("/export/staffing/{region_id}/input.xlsx", tags=["exports"],
            summary="派遣計画の Excel 入力様式（保存済みの計画入り。kouiki staffing support/plan で読めます）")
def export_staffing_input(region_id: str, s: DB, viewer: V) -> Response:
    from kouiki.staffing.xlsx import write_workbook

    region = service.region_or_404(s, region_id)
    data, _text, _version = case_state(s, region_id)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.xlsx"
        write_workbook(data, path)
        body = path.read_bytes()
    return download(body, f"{region.display_name}_専門人材_入力.xlsx", XLSX)


# ----- 人材育成: kouiki staffing training ---------------------------------------------------------------------

def run_training(data: dict[str, Any], overrides: list[str] | None = None) -> dict[str, Any]:
    try:
        policies, years = policies_from_dict(data, "入力")
        if not policies:
            raise KouikiError("入力: 人材育成基本方針（policies）がありません")
        res = evaluate_training(policies, years, str(data.get("title") or "人材育成"), overrides=overrides or None)
    except (KouikiError, ValueError) as exc:
        raise KouikiError(str(exc)) from None
    out: dict[str, Any] = plain(res.to_dict())
    for ln in out["lines"]:
        ln["fiscal_year_wareki"] = wareki(ln.get("fiscal_year"))
        ln["municipality_name"] = body_name(str(ln["municipality"])) if ln.get("municipality") else ""
    return out


@router.get("/staffing/training", include_in_schema=False)
def training_page(request: Request, viewer: V) -> Response:
    text = _demo_text("aomori_training.yaml")
    return render(request, "staffing_training.html", viewer, case_text=text,
                  result=run_training(service.parse_document(text, "入力")), error=None, demo=True)


@router.post("/staffing/training", include_in_schema=False)
def training_submit(
    request: Request, viewer: V, case: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    try:
        result, error = run_training(service.parse_document(case, "入力")), None
    except KouikiError as exc:
        result, error = None, str(exc)
    return render(request, "staffing_training.html", viewer, status_code=400 if error else 200, case_text=case,
                  result=result, error=error, demo=False)


@router.post("/api/staffing/training", tags=["staffing"], summary="人材育成: 要件①②③の判定と研修の措置")
def api_training(body: StaffingBody, viewer: V) -> dict[str, Any]:
    return run_training(body.case, body.overrides)


@router.post("/staffing/training/export", include_in_schema=False)
def training_export(
    request: Request, viewer: V, case: Annotated[str, Form()], fmt: Annotated[str, Form()] = "xlsx",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The entered 人材育成 case's checks and lines as Excel/CSV (the page's download button)."""

    check_csrf(viewer, request, csrf_token)
    result = run_training(service.parse_document(case, "入力"))
    return table_response(training_tables(result), "人材育成", fmt, "cp932")


@router.get("/export/staffing/training/demo.{fmt}", tags=["exports"], summary="人材育成（デモ）の判定と措置（xlsx / csv）")
def export_training_demo(fmt: str, viewer: V, encoding: str = "cp932") -> Response:

    data = plain(service.parse_document(_demo_text("aomori_training.yaml"), "入力"))
    return table_response(training_tables(run_training(data)), "人材育成_デモ", fmt, encoding)


# ----- アドバイザー派遣: kouiki staffing advisor ---------------------------------------------------------------

def run_advisor(body: str, field: str, purpose: str, year: str) -> dict[str, Any]:
    try:
        rec: dict[str, Any] = recommend(body, field, purpose, year).to_dict()
    except (KouikiError, ValueError, LookupError) as exc:
        raise KouikiError(str(exc)) from None
    rec["fiscal_year_wareki"] = wareki(rec["fiscal_year"])
    return rec


@router.get("/staffing/advisor", include_in_schema=False)
def advisor_page(request: Request, viewer: V, body: str = "", field: str = "", purpose: str = "advice",
                 year: str = "R7") -> Response:
    from kouiki.staffing.advisor import load_modes

    purposes = load_modes()["purposes"]
    result, error, status = None, None, 200
    if body or field:
        try:
            if not body or not field:
                raise KouikiError("団体と支援分野の両方を入力してください")
            result = run_advisor(body, field, purpose, year)
        except KouikiError as exc:
            error, status = str(exc), 400
    return render(request, "staffing_advisor.html", viewer, status_code=status, purposes=purposes,
                  form={"body": body, "field": field, "purpose": purpose, "year": year}, result=result, error=error)


@router.get("/api/staffing/advisor", tags=["staffing"], summary="アドバイザー派遣: 要請に合う方法（団体の負担なし）")
def api_advisor(viewer: V, body: str, field: str, purpose: str = "advice", year: str = "R7") -> dict[str, Any]:
    return run_advisor(body, field, purpose, year)
