"""財政措置シミュレーション and パラメータ: pages and JSON twins over the fiscal engine (``kouiki.fiscal``).

The engine computes every line; the web layer only passes the plan and the what-if overrides, shows each
line with its explanation (trace), parameters, citation and confidence, and saves the region's plan.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from kouiki.fiscal.model import KIND_LABEL as KIND_LABELS
from kouiki.reference.errors import KouikiError
from kouiki.reference.parameters import CONFIDENCE_SHORT as CONFIDENCE_LABELS
from kouiki.reference.regions import Region, Role
from kouiki.reports.table import Column, ColumnKind, ReportTable
from kouiki.store.fiscal_plans import get_plan, save_plan
from kouiki.store.regions import ConflictError, list_regions
from kouiki.web import service
from kouiki.web.auth import Viewer, check_csrf
from kouiki.web.deps import DB, V, require_region_editor
from kouiki.web.downloads import XLSX, download, table_response
from kouiki.web.fiscal.views import parameter_measures, run
from kouiki.web.render import render
from kouiki.web.summary import current_fiscal_year

router = APIRouter()


def example_plan(region: Region) -> dict[str, Any]:
    """A starting plan for the region (amounts are examples to overwrite; the page says so)."""
    fy = current_fiscal_year().year
    vision = region.has_vision(fy)  # None when the registry does not say: the example assumes one (to check)
    items: list[dict[str, Any]] = []
    for m in region.members:
        measure = "comprehensive_central" if m.role is Role.CENTRAL else "comprehensive_neighbor"
        items.append({"measure": measure, "municipality": m.code, "fiscal_year": fy,
                      "cost_yen": 100_000_000 if m.role is Role.CENTRAL else 20_000_000,
                      "has_vision": True if vision is None else vision})
    partners = [m.code for m in region.members[:2]]
    items.append({"measure": "consolidation_study", "municipality": region.central[0], "fiscal_year": fy,
                  "cost_yen": 12_000_000, "partner_bodies": partners})
    return {"items": items}


def lines_table(region: Region, result: dict[str, Any]) -> ReportTable:
    from kouiki.web.fiscal.form import japanese, override_summary

    rows = [[ln["item_no"], ln["measure_label"], ln["municipality_name"], ln["fiscal_year_wareki"], ln["kind_label"],
             ln["base_yen"], ln["rate"] or "—", ln["cap_yen"], ln["amount_yen"], ln["confidence_label"], ln["citation"],
             japanese("／".join([*ln["notes"], *(f"注意: {w}" for w in ln.get("warnings", []))]))]
            for ln in result["lines"]]
    notes = [japanese(w["message"]) for w in result.get("warnings", [])][:20]
    if result.get("scenario"):
        notes.insert(0, "仮定値: " + "、".join(override_summary(result["scenario"])))
    return ReportTable(
        title=f"{region.name} 財政措置シミュレーション（明細）", sheet_name="明細",
        columns=[Column("項目", ColumnKind.INT), Column("措置"), Column("団体"), Column("年度"), Column("種類", width=16),
                 Column("対象経費", ColumnKind.YEN), Column("率"), Column("上限額", ColumnKind.YEN),
                 Column("措置額", ColumnKind.YEN), Column("確度"), Column("出典", width=40), Column("注記", width=30)],
        rows=rows, source="kouiki 財政措置エンジン（kouiki.fiscal）; 各行の出典欄を参照", notes=notes,
    )


SUMMARY_SHEETS = {"special_allocation_tax": "団体×年度_特別交付税", "ordinary_allocation_tax": "団体×年度_交付税算入",
                  "national_subsidy": "団体×年度_国庫補助"}


def body_year_tables(region: Region, result: dict[str, Any]) -> list[ReportTable]:
    """団体 × 年度, one sheet per kind of support (each with its own 計 row and column; never summed across)."""
    tables = []
    for b in result["summary"]["blocks"]:
        years = list(b["by_fiscal_year"])
        rows: list[list[Any]] = [[r["name"], code, *[r["by_fiscal_year"][y] for y in years], r["total_yen"]]
                                 for code, r in b["bodies"].items()]
        rows.append(["計", "", *[b["by_fiscal_year"][y] for y in years], b["total_yen"]])
        tables.append(ReportTable(
            title=f"{region.name} 団体 × 年度　{b['label']}", sheet_name=SUMMARY_SHEETS.get(b["kind"], b["label"][:31]),
            columns=[Column("団体", width=16), Column("団体コード"), *[Column.fiscal_year(int(y)) for y in years],
                     Column("計", ColumnKind.YEN)],
            rows=rows, source="kouiki 財政措置エンジン（kouiki.fiscal）",
            notes=[b["note"], "種類の異なる措置額（特別交付税・交付税算入・国庫補助）は合算しません"],
        ))
    return tables


def body_year_csv_table(region: Region, result: dict[str, Any]) -> ReportTable:
    """The 団体 × 年度 summary as one CSV table: a 種類 column keeps the kinds apart, each with its own 計 row."""
    blocks = result["summary"]["blocks"]
    years = sorted({int(y) for b in blocks for y in b["by_fiscal_year"]})
    rows: list[list[Any]] = []
    for b in blocks:
        for code, r in b["bodies"].items():
            rows.append([b["label"], r["name"], code, *[r["by_fiscal_year"].get(str(y), 0) for y in years], r["total_yen"]])
        rows.append([b["label"], "計", "", *[b["by_fiscal_year"].get(str(y), 0) for y in years], b["total_yen"]])
    return ReportTable(
        title=f"{region.name} 団体 × 年度の措置額", sheet_name="団体×年度",
        columns=[Column("種類", width=30), Column("団体", width=16), Column("団体コード"),
                 *[Column.fiscal_year(y) for y in years], Column("計", ColumnKind.YEN)],
        rows=rows, source="kouiki 財政措置エンジン（kouiki.fiscal）",
        notes=["種類ごとの計は別々で、種類をまたいで合算しません"],
    )


def by_year_table(region: Region, result: dict[str, Any]) -> ReportTable:
    by_year: dict[str, dict[str, int]] = result["totals"]["by_fiscal_year"]
    years = sorted(int(y) for y in by_year)
    kinds = [k for k in KIND_LABELS if any(k in by_year[str(y)] for y in years)]
    rows = [[KIND_LABELS[k], *[by_year[str(y)].get(k, 0) for y in years]] for k in kinds]
    return ReportTable(
        title=f"{region.name} 財政措置（年度別）", sheet_name="年度別",
        columns=[Column("種類", width=30), *[Column.fiscal_year(y) for y in years]], rows=rows,
        source="kouiki 財政措置エンジン（kouiki.fiscal）",
        notes=["措置額（特別交付税・普通交付税算入・国庫補助）と借入（地方債・融資）は合算しません",
               "普通交付税の算入額は、不交付団体には現金として交付されません"],
    )


def _plan_state(s: Session, region: Region) -> tuple[str, str, int | None]:
    row = get_plan(s, region.id)
    doc = row.document if row is not None else example_plan(region)
    plan = {"items": doc.get("items", [])}
    overrides = "\n".join(doc.get("overrides", []))
    return yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), overrides, None if row is None else row.version


def _overrides(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


# ----- pages ----------------------------------------------------------------------------------------------

@router.get("/fiscal", include_in_schema=False)
def fiscal_page(request: Request, s: DB, viewer: V, region: str | None = None) -> Response:
    chosen = service.region_or_404(s, region) if region else service.default_region(s, viewer)
    if chosen is None:
        raise HTTPException(status_code=404, detail="圏域が登録されていません")
    return _page(request, s, viewer, chosen)


def _page(request: Request, s: Session, viewer: Viewer, region: Region, *, status: int = 200,
          upload_errors: list[str] | None = None, uploaded: bool = False) -> Response:
    from kouiki.web.fiscal import form as ff

    plan_text, overrides, version = _plan_state(s, region)
    doc = yaml.safe_load(plan_text)
    result = run(doc, _overrides(overrides), list_regions(s))
    state = ff.EditorState(ff.rows_from_document(doc), _overrides(overrides))
    if result["errors"]:
        _place_engine_errors(state, result["errors"], list(range(len(state.rows))))
    return _render(request, s, viewer, region, state=state, result=result, version=version, status=status,
                   plan_text=plan_text, overrides=overrides, saved=version is not None,
                   upload_errors=upload_errors or [], uploaded=uploaded)


def _place_engine_errors(state: Any, errors: list[dict[str, Any]], where: list[int]) -> None:
    from kouiki.web.fiscal import form as ff

    cells, rows, loose = ff.engine_errors(errors, where)
    for k, v in cells.items():
        state.cell_errors.setdefault(k, v)
    for r, msgs in rows.items():
        state.row_errors.setdefault(r, []).extend(msgs)
    state.plan_errors.extend(loose)


def _render(request: Request, s: Session, viewer: Viewer, region: Region, *, state: Any,
            result: dict[str, Any] | None, version: int | None, plan_text: str, overrides: str, saved: bool,
            status: int = 200, error: str | None = None, text_open: bool = False,
            upload_errors: list[str] | None = None, uploaded: bool = False) -> Response:
    """The fiscal page: the table and what-if form (``editor``), the text editor behind its toggle, the result."""
    from kouiki.web.fiscal import form as ff

    editor = ff.editor_context(state, region.member_codes(), result,
                               ff.blank_row(region.central[0], current_fiscal_year().year))
    return render(request, "fiscal.html", viewer, status_code=status, regions=list_regions(s), region=region,
                  plan_text=plan_text, overrides=overrides, version=version, result=result, error=error,
                  can_edit=viewer.can_edit_region(region.id), saved=saved, editor=editor, text_open=text_open,
                  measure_labels=ff.measure_labels(), param_text=ff.param_text, japanese=ff.japanese,
                  overrides_stored=json.dumps(state.overrides, ensure_ascii=False),
                  upload_errors=upload_errors or [], uploaded=uploaded)


# ----- Excel plan (the engine's template): download prefilled, upload filled ------------------------------

class UploadRefused(KouikiError):
    """A filled template with errors: every problem names the sheet, row and column. Nothing is saved."""

    def __init__(self, problems: list[dict[str, Any]]):
        self.problems = problems
        super().__init__("Excelの計画に誤りがあるため保存しませんでした: " + "; ".join(p["text"] for p in problems[:10]))


def _jsonable(v: Any) -> Any:
    """A raw Excel cell as JSON (the store keeps plain data): whole floats → int, dates → ISO text."""
    if isinstance(v, float):
        return int(v) if v.is_integer() else str(Decimal(str(v)))
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


def read_plan_upload(data: bytes, filename: str, overrides: list[str]) -> list[dict[str, Any]]:
    """The items of a filled template, checked by the fiscal engine; :class:`UploadRefused` naming sheet, row
    and column of every problem otherwise."""
    from kouiki.fiscal.template import SHEET, column_label, field_columns, read_xlsx

    if not filename.lower().endswith(".xlsx"):
        raise UploadRefused([{"sheet": None, "row": None, "column": None, "field": None,
                              "message": "Excel（.xlsx）ファイルを選んでください",
                              "text": f"{filename}: Excel（.xlsx）ファイルを選んでください"}])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.xlsx"
        path.write_bytes(data)
        result = run(path, overrides)
        if result["errors"]:
            cols = field_columns(path)
            problems = []
            for e in result["errors"]:
                fld = e.get("field")
                col = cols.get(fld) if fld else None
                where = filename
                if e.get("row") is not None or fld:  # a file that cannot be opened has no sheet to name
                    where += f" シート「{SHEET}」"
                if e.get("row") is not None:
                    where += f" {e['row']}行目"
                if fld:
                    where += f" {col + '列' if col else ''}（{column_label(fld)}・{fld}）"
                problems.append({"sheet": SHEET, "row": e.get("row"), "column": col, "field": fld,
                                 "message": e["message"], "text": f"{where}: {e['message']}"})
            raise UploadRefused(problems)
        items, _rows, _sheet = read_xlsx(path)
    return [_jsonable(it) for it in items]


def _saved_overrides(s: Session, region_id: str) -> list[str]:
    row = get_plan(s, region_id)
    return list(row.document.get("overrides", [])) if row is not None else []


@router.get("/export/fiscal/{region_id}/plan-template.xlsx", tags=["exports"],
            summary="財政計画の Excel 様式（保存済みの計画入り）")
def export_plan_template(region_id: str, s: DB, viewer: V) -> Response:
    from kouiki.fiscal.template import write_template

    region = service.region_or_404(s, region_id)
    row = get_plan(s, region_id)
    doc = row.document if row is not None else example_plan(region)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_template(Path(tmp) / "plan.xlsx", items=list(doc.get("items", [])))
        body = path.read_bytes()
    return download(body, f"{region.display_name}_財政計画.xlsx", XLSX)


@router.post("/fiscal/xlsx", include_in_schema=False)
def fiscal_upload(
    request: Request, s: DB, viewer: V, region: Annotated[str, Form()], file: Annotated[UploadFile, File()],
    version: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    chosen = service.region_or_404(s, region)
    require_region_editor(viewer, chosen.id, "この圏域の計画を保存する権限がありません（圏域担当または管理者）")
    data = file.file.read()
    overrides = _saved_overrides(s, chosen.id)
    try:
        items = read_plan_upload(data, file.filename or "計画.xlsx", overrides)
        save_plan(s, chosen.id, {"items": items, "overrides": overrides}, user=viewer.username,
                  expected_version=int(version) if version.isdigit() else None)
    except UploadRefused as exc:
        return _page(request, s, viewer, chosen, status=400, upload_errors=[p["text"] for p in exc.problems])
    except ConflictError as exc:
        return _page(request, s, viewer, chosen, status=409, upload_errors=[str(exc)])
    return RedirectResponse(f"/fiscal?region={chosen.id}&uploaded=1", status_code=303)


@router.post("/api/regions/{region_id}/fiscal-plan/xlsx", tags=["fiscal"],
             summary="財政計画を Excel 様式から保存（版を指定。誤りはシート・行・列つきで 400、保存しない）")
def api_plan_upload(
    region_id: str, request: Request, s: DB, viewer: V, file: Annotated[UploadFile, File()],
    version: Annotated[int | None, Form()] = None,
) -> Response:
    check_csrf(viewer, request)
    service.region_or_404(s, region_id)
    require_region_editor(viewer, region_id, "この圏域の計画を保存する権限がありません（圏域担当または管理者）")
    data = file.file.read()
    overrides = _saved_overrides(s, region_id)
    try:
        items = read_plan_upload(data, file.filename or "計画.xlsx", overrides)
    except UploadRefused as exc:
        return JSONResponse({"detail": str(exc), "errors": exc.problems}, status_code=400)
    new_version = save_plan(s, region_id, {"items": items, "overrides": overrides}, user=viewer.username,
                            expected_version=version)
    result = run({"items": items}, overrides, list_regions(s))
    return JSONResponse({"region_id": region_id, "version": new_version, "items": len(items),
                         "totals": result["totals"]})


@router.post("/fiscal", include_in_schema=False)
def fiscal_submit(
    request: Request, s: DB, viewer: V, region: Annotated[str, Form()], plan: Annotated[str, Form()],
    overrides: Annotated[str, Form()] = "", action: Annotated[str, Form()] = "evaluate",
    version: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
) -> Response:
    from kouiki.web.fiscal import form as ff

    check_csrf(viewer, request, csrf_token)
    chosen = service.region_or_404(s, region)
    error = None
    result: dict[str, Any] | None = None
    status = 200
    state = None
    try:
        data = service.parse_document(plan, "計画")
        state = ff.EditorState(ff.rows_from_document(data), _overrides(overrides))
        result = run(data, _overrides(overrides), list_regions(s))
        if action == "save":
            require_region_editor(viewer, chosen.id, "この圏域の計画を保存する権限がありません（圏域担当または管理者）")
            if result["errors"]:
                raise KouikiError("計画に誤りがあるため保存できません（下の一覧を確認してください）")
            save_plan(s, chosen.id, {"items": data.get("items", []), "overrides": _overrides(overrides)},
                      user=viewer.username, expected_version=int(version) if version else None)
            return RedirectResponse(f"/fiscal?region={chosen.id}", status_code=303)
    except ConflictError as exc:
        error, status = str(exc), 409
    except KouikiError as exc:
        error, status = str(exc), 400
    if state is None:  # the text is not a document: the table shows the saved plan, the text stays as typed
        stored_text, stored_overrides, _v = _plan_state(s, chosen)
        state = ff.EditorState(ff.rows_from_document(yaml.safe_load(stored_text)), _overrides(stored_overrides))
    elif result is not None and result["errors"]:
        _place_engine_errors(state, result["errors"], list(range(len(state.rows))))
    return _render(request, s, viewer, chosen, state=state, result=result, version=int(version) if version else None,
                   plan_text=plan, overrides=overrides, saved=bool(version), status=status, error=error,
                   text_open=True)


async def _form_data(request: Request) -> FormData:
    """The raw form (the table's cells are numbered: r0.measure, r1.cost_yen, …), read in the event loop so the
    handler stays a plain function run in the thread pool."""
    return await request.form()


@router.post("/fiscal/table", include_in_schema=False)
def fiscal_table_submit(request: Request, s: DB, viewer: V, form: Annotated[FormData, Depends(_form_data)]) -> Response:
    """The table and what-if form: 行を追加・コピー・削除 and 措置の切替 re-draw the rows; 計算する evaluates;
    計算して保存する saves the same document as ``PUT /api/regions/{id}/fiscal-plan`` — never while any cell
    has an error (each shown in its cell, in Japanese)."""
    from kouiki.web.fiscal import form as ff

    check_csrf(viewer, request, str(form.get("csrf_token") or ""))
    chosen = service.region_or_404(s, str(form.get("region") or ""))
    version_text = str(form.get("version") or "")
    version = int(version_text) if version_text.isdigit() else None
    op = str(form.get("op") or "evaluate")
    try:
        stored = [str(x) for x in json.loads(str(form.get("overrides_stored") or "[]"))]
    except (json.JSONDecodeError, TypeError):
        stored = []
    lines, typed, ov_errors = ff.overrides_from_form(form, stored)
    rows = ff.rows_from_form(form)
    new_row = ff.blank_row(chosen.central[0], current_fiscal_year().year)
    if op not in ("evaluate", "save"):
        rows = ff.apply_op(rows, op, new_row)
    items, cell_errors, where = ff.document_from_rows(rows)
    state = ff.EditorState(rows, lines, cell_errors, typed_overrides=typed, override_errors=ov_errors)
    plan_text = yaml.safe_dump({"items": items}, allow_unicode=True, sort_keys=False)

    def page(result: dict[str, Any] | None, status: int = 200, error: str | None = None) -> Response:
        return _render(request, s, viewer, chosen, state=state, result=result, version=version, plan_text=plan_text,
                       overrides="\n".join(lines), saved=version is not None, status=status, error=error)

    if op not in ("evaluate", "save"):
        return page(None)
    result: dict[str, Any] | None = None
    if not state.error_count:
        try:
            result = run({"items": items}, lines, list_regions(s))
        except KouikiError as exc:
            state.plan_errors.append(ff.japanese(str(exc)))
        else:
            if result["errors"]:
                _place_engine_errors(state, result["errors"], where)
    if state.error_count:
        return page(None, 400, f"入力に誤りが {state.error_count} 件あります。赤く示した欄を直してください（保存していません）。")
    if op == "save":
        require_region_editor(viewer, chosen.id, "この圏域の計画を保存する権限がありません（圏域担当または管理者）")
        try:
            save_plan(s, chosen.id, {"items": items, "overrides": lines}, user=viewer.username,
                      expected_version=version)
        except ConflictError as exc:
            return page(result, 409, str(exc))
        return RedirectResponse(f"/fiscal?region={chosen.id}&saved=1", status_code=303)
    return page(result)


@router.get("/parameters", include_in_schema=False)
def parameters_page(request: Request, s: DB, viewer: V) -> Response:
    return render(request, "parameters.html", viewer, measures=parameter_measures(), confidence=CONFIDENCE_LABELS)


# ----- API ------------------------------------------------------------------------------------------------

class EvaluateBody(BaseModel):
    plan: dict[str, Any] | list[Any]
    overrides: list[str] = []


@router.post("/api/fiscal/evaluate", tags=["fiscal"], summary="財政措置の計算（明細・説明・出典つき）")
def api_evaluate(body: EvaluateBody, s: DB, viewer: V) -> dict[str, Any]:
    return run(body.plan, body.overrides, list_regions(s))  # the gates read the regions stored here


class PlanWrite(BaseModel):
    items: list[dict[str, Any]]
    overrides: list[str] = []
    version: int | None = None


@router.get("/api/regions/{region_id}/fiscal-plan", tags=["fiscal"], summary="圏域の財政計画と計算結果")
def api_get_plan(region_id: str, s: DB, viewer: V) -> dict[str, Any]:
    region = service.region_or_404(s, region_id)
    row = get_plan(s, region_id)
    doc = row.document if row is not None else example_plan(region)
    return {"region_id": region_id, "saved": row is not None, "version": None if row is None else row.version,
            "plan": {"items": doc.get("items", [])}, "overrides": doc.get("overrides", []),
            "result": run({"items": doc.get("items", [])}, doc.get("overrides", []), list_regions(s))}


@router.put("/api/regions/{region_id}/fiscal-plan", tags=["fiscal"], summary="圏域の財政計画の保存（版を指定）")
def api_put_plan(region_id: str, body: PlanWrite, request: Request, s: DB, viewer: V) -> dict[str, Any]:
    check_csrf(viewer, request)
    service.region_or_404(s, region_id)
    require_region_editor(viewer, region_id, "この圏域の計画を保存する権限がありません（圏域担当または管理者）")
    result = run({"items": body.items}, body.overrides, list_regions(s))
    if result["errors"]:
        raise HTTPException(status_code=422, detail=result["errors"])
    version = save_plan(s, region_id, {"items": body.items, "overrides": body.overrides}, user=viewer.username,
                        expected_version=body.version)
    return {"region_id": region_id, "version": version, "totals": result["totals"]}


@router.get("/api/parameters", tags=["fiscal"], summary="パラメータ一覧（値・年度・出典・確度）")
def api_parameters(viewer: V, fiscal_year: int | None = None) -> dict[str, Any]:
    return {"measures": parameter_measures(fiscal_year)}  # the page's files, every capability


@router.get("/export/fiscal/{region_id}.{fmt}", tags=["exports"], summary="財政措置シミュレーション（xlsx / csv）")
def export_fiscal(region_id: str, fmt: str, s: DB, viewer: V, encoding: str = "cp932", table: str = "lines") -> Response:
    """Excel: 明細, 団体×年度 (one sheet per kind of support) and 年度別. CSV: ``table=lines`` (明細, default) or
    ``table=summary`` (団体 × 年度)."""

    region = service.region_or_404(s, region_id)
    row = get_plan(s, region_id)
    doc = row.document if row is not None else example_plan(region)
    result = run({"items": doc.get("items", [])}, doc.get("overrides", []), list_regions(s))
    if result["errors"]:
        raise HTTPException(status_code=422, detail=result["errors"])
    if table not in ("lines", "summary"):
        raise HTTPException(status_code=400, detail="table は lines（明細）か summary（団体×年度）です")
    if fmt == "csv" and table == "summary":
        return table_response([body_year_csv_table(region, result)], f"{region.display_name}_財政措置_団体年度", fmt, encoding)
    return table_response([lines_table(region, result), *body_year_tables(region, result), by_year_table(region, result)],
                          f"{region.display_name}_財政措置", fmt, encoding)
