"""圏域形成 (region formation): pages, JSON twins and downloads over ``kouiki.formation``.

中心市候補 and 判定基準, 近隣市町村の指標 (for a region or a candidate 中心市), 形成手続 (timeline, and recording
the next step: 圏域担当 of that region / 管理者, CSRF, audit, optimistic locking on the region's version),
全国の状況, and 国勢調査の取込 (管理者; e-Stat CSV, transactional). The engines decide; this module only
passes inputs, checks who may write and renders :mod:`kouiki.web.formation.views`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kouiki.formation.estat import import_census
from kouiki.formation.regions_csv import parse_date
from kouiki.formation.steps import StepInput, record_step
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError, NotFoundError
from kouiki.reference.municipalities import registry
from kouiki.store.audit import record
from kouiki.store.formation import save_import
from kouiki.store.regions import ConflictError, list_regions, save_region
from kouiki.web import service
from kouiki.web.auth import Viewer, check_csrf, forbid
from kouiki.web.deps import DB, V, W
from kouiki.web.downloads import table_response
from kouiki.web.formation import views as vf
from kouiki.web.render import render
from kouiki.web.summary import region_summary

router = APIRouter()



def _date(text: str | None, label: str, required: bool = False) -> dt.date | None:
    if text is None or not str(text).strip():
        if required:
            raise KouikiError(f"{label}: 日付を入力してください（例: 2025-04-01, 令和7年4月1日）")
        return None
    try:
        return parse_date(str(text))
    except ValueError as exc:
        raise KouikiError(f"{label}: {exc}") from None


def _fiscal_year(text: str | int | None, label: str) -> int | None:
    if text is None or not str(text).strip():
        return None
    try:
        return FiscalYear.parse(str(text).strip()).year
    except KouikiError as exc:
        raise KouikiError(f"{label}: {exc}") from None


def parse_step(form: dict[str, Any]) -> StepInput:
    """The step as typed on the form or sent as JSON; errors name the field in Japanese."""
    step = str(form.get("step") or "").strip()
    if step not in ("declaration", "agreement", "vision", "policy"):
        raise KouikiError(f"手続: 記録する手続を選んでください（declaration / agreement / vision / policy; 指定: {step or '空'}）")
    day = _date(form.get("date"), "日付", required=True)
    assert day is not None
    text = {k: (str(form.get(k) or "").strip() or None) for k in ("member", "title", "source_title", "source_url")}
    return StepInput(
        step=step,  # type: ignore[arg-type]
        date=day, member=text["member"],
        central_vote_date=_date(form.get("central_vote_date"), "中心市議会の議決日"),
        member_vote_date=_date(form.get("member_vote_date"), "近隣市町村議会の議決日"),
        title=text["title"], start_fiscal_year=_fiscal_year(form.get("start_fiscal_year"), "開始年度"),
        end_fiscal_year=_fiscal_year(form.get("end_fiscal_year"), "終了年度"),
        source_title=text["source_title"], source_url=text["source_url"],
    )


def record_procedure_step(s: Session, viewer: Viewer, region_id: str, form: dict[str, Any],
                          version: int | None) -> tuple[str, int]:
    """Check the role (403), parse, record the step on the region document (model rules), save on the version
    the user read (409 when someone saved in between), audit. Returns (region id, new version)."""
    region = service.region_or_404(s, region_id)
    if not viewer.can_edit_region(region.id):
        raise forbid("この圏域の形成手続を記録する権限がありません（その圏域の圏域担当または管理者）")
    if version is None:
        raise HTTPException(status_code=428, detail="version（編集開始時の版）を指定してください")
    step = parse_step(form)
    updated = record_step(region, step)
    new_version = save_region(s, updated, user=viewer.username, expected_version=version)
    record(s, user=viewer.username, action="procedure", entity="region_procedure", entity_id=region.id,
           before=None, after=step.to_dict() | {"version": new_version})
    return region.id, new_version


def import_census_upload(s: Session, viewer: Viewer, data: bytes, filename: str, kind: str | None,
                         year: int | None) -> dict[str, Any]:
    """管理者 only. Parse the whole file first (errors name file/row/field), then write in the request's
    transaction; nothing is written when the file is refused."""
    if not viewer.is_admin:
        raise forbid("国勢調査の取込は管理者だけができます")
    safe = Path(filename).name or "census.csv"
    if Path(safe).suffix.lower() not in (".csv", ".txt"):
        raise KouikiError(f"{safe}: e-Stat からダウンロードした CSV（.csv）を選んでください")
    if kind not in (None, "daytime", "commuting"):
        raise KouikiError(f"表の種類: daytime（昼夜間人口）か commuting（従業地・通学地）です（指定: {kind}）")
    if not data:
        raise KouikiError(f"{safe}: 空のファイルです")
    with tempfile.TemporaryDirectory(prefix="kouiki-census-") as tmp:
        path = Path(tmp) / safe
        path.write_bytes(data)
        try:
            result = import_census(path, kind, year)  # type: ignore[arg-type]
        except KouikiError as exc:
            message = str(exc).replace(str(path), safe).replace("--year で指定してください", "「国勢調査の年」で指定してください")
            raise KouikiError(message) from None
    result = dataclasses.replace(result, file=safe)
    written = save_import(s, result, viewer.username)
    return {**result.summary(), "written": written,
            "kind_label": {"daytime": "昼夜間人口", "commuting": "通勤通学（従業地・通学地）"}[result.kind]}


def _year_field(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    t = text.strip()
    if not t.isdigit() or not 1920 <= int(t) <= 2100:
        raise KouikiError(f"国勢調査の年: 西暦4桁で入力してください（例: 2020; 入力: {t}）")
    return int(t)


def _on(text: str | None) -> dt.date | None:
    return _date(text, "時点")


# ----- pages ----------------------------------------------------------------------------------------------

@router.get("/formation", include_in_schema=False)
def formation_index(request: Request, s: DB, viewer: V) -> Response:
    return render(request, "formation_index.html", viewer, regions=[region_summary(r) for r in list_regions(s)],
                  prefectures=vf.prefecture_names())


@router.get("/formation/candidates", include_in_schema=False)
def candidates_page(request: Request, s: DB, viewer: V, prefecture: str | None = None, only: str | None = None) -> Response:
    return render(request, "formation_candidates.html", viewer, d=vf.candidates(s, prefecture, only), rules=vf.rules())


@router.get("/formation/rules", include_in_schema=False)
def rules_page(request: Request, viewer: V) -> Response:
    return render(request, "formation_rules.html", viewer, rules=vf.rules())


@router.get("/formation/neighbours", include_in_schema=False)
def neighbours_page(request: Request, s: DB, viewer: V, body: str | None = None, radius_km: float | None = None) -> Response:
    d = vf.neighbours(s, body, radius_km) if body else None
    return render(request, "formation_neighbours.html", viewer, d=d, body=body or "", radius_km=radius_km)


@router.get("/regions/{region_id}/neighbours", include_in_schema=False)
def region_neighbours_page(request: Request, region_id: str, s: DB, viewer: V, central: str | None = None,
                           radius_km: float | None = None) -> Response:
    region = service.region_or_404(s, region_id)
    d = vf.neighbours(s, _central_of(region, central), radius_km, region)
    return render(request, "formation_neighbours.html", viewer, d=d, body=d["central"]["name"], radius_km=radius_km)


def _central_of(region: Any, central: str | None) -> str:
    if not central:
        return str(region.central[0])
    code = registry().get(central).code
    if code not in region.central:
        raise KouikiError(f"中心市: {central} はこの圏域の中心市ではありません")
    return code


def _procedure_page(request: Request, s: Session, viewer: Viewer, region_id: str, on: str | None, *,
                    status_code: int = 200, error: str | None = None, form: dict[str, Any] | None = None,
                    saved: bool = False) -> Response:
    region = service.region_or_404(s, region_id)
    d = vf.procedure(s, region, _on(on))
    return render(request, "formation_procedure.html", viewer, status_code=status_code, d=d, error=error,
                  form=form or {}, saved=saved, can_edit=viewer.can_edit_region(region.id))


@router.get("/regions/{region_id}/procedure", include_in_schema=False)
def procedure_page(request: Request, region_id: str, s: DB, viewer: V, on: str | None = None, saved: str | None = None) -> Response:
    return _procedure_page(request, s, viewer, region_id, on, saved=bool(saved))


@router.post("/regions/{region_id}/procedure", include_in_schema=False)
def procedure_submit(
    request: Request, region_id: str, s: DB, viewer: V, step: Annotated[str, Form()] = "",
    date: Annotated[str, Form()] = "", member: Annotated[str, Form()] = "",
    central_vote_date: Annotated[str, Form()] = "", member_vote_date: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "", start_fiscal_year: Annotated[str, Form()] = "",
    end_fiscal_year: Annotated[str, Form()] = "", source_title: Annotated[str, Form()] = "",
    source_url: Annotated[str, Form()] = "", version: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    kept = {"step": step, "date": date, "member": member, "central_vote_date": central_vote_date,
            "member_vote_date": member_vote_date, "title": title, "start_fiscal_year": start_fiscal_year,
            "end_fiscal_year": end_fiscal_year, "source_title": source_title, "source_url": source_url}
    try:
        rid, _v = record_procedure_step(s, viewer, region_id, kept, int(version) if version.strip().isdigit() else None)
    except ConflictError as exc:
        return _procedure_page(request, s, viewer, region_id, None, status_code=409, error=str(exc), form=kept)
    except NotFoundError:
        raise
    except KouikiError as exc:
        return _procedure_page(request, s, viewer, region_id, None, status_code=400, error=str(exc), form=kept)
    return RedirectResponse(f"/regions/{rid}/procedure?saved=1", status_code=303)


@router.get("/formation/status", include_in_schema=False)
def status_page(request: Request, s: DB, viewer: V) -> Response:
    return render(request, "formation_status.html", viewer, d=vf.status(s))


@router.get("/formation/census", include_in_schema=False)
def census_page(request: Request, s: DB, viewer: V) -> Response:
    return render(request, "formation_census.html", viewer, d=vf.census_overview(s), report=None, error=None)


@router.post("/formation/census", include_in_schema=False)
def census_submit(
    request: Request, s: DB, viewer: V, file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()] = "", year: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    if not viewer.is_admin:
        raise forbid("国勢調査の取込は管理者だけができます")
    try:
        report = import_census_upload(s, viewer, file.file.read(), file.filename or "census.csv", kind or None,
                                      _year_field(year))
    except KouikiError as exc:
        return render(request, "formation_census.html", viewer, status_code=400, d=vf.census_overview(s),
                      report=None, error=str(exc))
    return render(request, "formation_census.html", viewer, d=vf.census_overview(s), report=report, error=None)


# ----- JSON twins ----------------------------------------------------------------------------------------

@router.get("/api/formation/candidates", tags=["formation"], summary="中心市候補（全国または都道府県）の一括判定")
def api_candidates(s: DB, viewer: V, prefecture: str | None = None, only: str | None = None) -> dict[str, Any]:
    return vf.candidates(s, prefecture, only)


@router.get("/api/formation/rules", tags=["formation"], summary="判定基準（値・確度・出典）")
def api_rules(viewer: V) -> dict[str, Any]:
    return vf.rules()


@router.get("/api/formation/neighbours", tags=["formation"], summary="近隣市町村の指標（中心市・候補の市）")
def api_neighbours(s: DB, viewer: V, body: str, radius_km: float | None = None) -> dict[str, Any]:
    return vf.neighbours(s, body, radius_km)


@router.get("/api/regions/{region_id}/neighbours", tags=["formation"], summary="圏域の中心市の近隣市町村の指標")
def api_region_neighbours(region_id: str, s: DB, viewer: V, central: str | None = None,
                          radius_km: float | None = None) -> dict[str, Any]:
    region = service.region_or_404(s, region_id)
    return vf.neighbours(s, _central_of(region, central), radius_km, region)


@router.get("/api/regions/{region_id}/procedure", tags=["formation"], summary="形成手続の状態と経過")
def api_procedure(region_id: str, s: DB, viewer: V, on: str | None = None) -> dict[str, Any]:
    return vf.procedure(s, service.region_or_404(s, region_id), _on(on))


class StepBody(BaseModel):
    step: str
    date: str
    version: int | None = None
    member: str | None = None
    central_vote_date: str | None = None
    member_vote_date: str | None = None
    title: str | None = None
    start_fiscal_year: str | int | None = None
    end_fiscal_year: str | int | None = None
    source_title: str | None = None
    source_url: str | None = None


@router.post("/api/regions/{region_id}/procedure", tags=["formation"],
             summary="形成手続の次の段階を記録（圏域担当・管理者; 版を指定）")
def api_record_step(region_id: str, body: StepBody, s: DB, viewer: W) -> dict[str, Any]:
    rid, version = record_procedure_step(s, viewer, region_id, body.model_dump(exclude={"version"}), body.version)
    return {"id": rid, "version": version}


@router.get("/api/formation/status", tags=["formation"], summary="全国の定住自立圏の状況と KPI")
def api_status(s: DB, viewer: V) -> dict[str, Any]:
    return vf.status(s)


@router.get("/api/formation/census", tags=["formation"], summary="国勢調査の数値の件数（同梱・取込）")
def api_census(s: DB, viewer: V) -> dict[str, Any]:
    return vf.census_overview(s)


@router.post("/api/formation/census", tags=["formation"], summary="国勢調査（e-Stat CSV）の取込（管理者）")
def api_import_census(
    s: DB, viewer: W, file: Annotated[UploadFile, File()], kind: Annotated[str, Form()] = "",
    year: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    return import_census_upload(s, viewer, file.file.read(), file.filename or "census.csv", kind or None,
                                _year_field(year))


# ----- downloads -----------------------------------------------------------------------------------------

@router.get("/export/formation/candidates.{fmt}", tags=["exports"], summary="中心市候補（xlsx / csv）")
def export_candidates(fmt: str, s: DB, viewer: V, prefecture: str | None = None, only: str | None = None,
                      encoding: str = "cp932") -> Response:
    d = vf.candidates(s, prefecture, only)
    return table_response([vf.candidates_table(d), vf.rules_table(vf.rules())],
                          f"中心市候補_{d['prefecture'] or '全国'}", fmt, encoding)


@router.get("/export/formation/rules.{fmt}", tags=["exports"], summary="判定基準（xlsx / csv）")
def export_rules(fmt: str, viewer: V, encoding: str = "cp932") -> Response:
    return table_response([vf.rules_table(vf.rules())], "圏域形成_判定基準", fmt, encoding)


@router.get("/export/formation/neighbours/{body}.{fmt}", tags=["exports"], summary="近隣市町村の指標（xlsx / csv）")
def export_neighbours(body: str, fmt: str, s: DB, viewer: V, radius_km: float | None = None,
                      region: str | None = None, encoding: str = "cp932") -> Response:
    reg = service.region_or_404(s, region) if region else None
    d = vf.neighbours(s, body, radius_km, reg)
    return table_response([vf.neighbours_table(d)], f"{d['central']['name']}_近隣市町村の指標", fmt, encoding)


@router.get("/export/regions/{region_id}/procedure.{fmt}", tags=["exports"], summary="形成手続（xlsx / csv）")
def export_procedure(region_id: str, fmt: str, s: DB, viewer: V, on: str | None = None, encoding: str = "cp932") -> Response:
    region = service.region_or_404(s, region_id)
    d = vf.procedure(s, region, _on(on))
    return table_response([vf.procedure_table(d)], f"{region.display_name}_形成手続", fmt, encoding)


@router.get("/export/formation/status.{fmt}", tags=["exports"], summary="全国の定住自立圏の状況（xlsx / csv）")
def export_status(fmt: str, s: DB, viewer: V, encoding: str = "cp932") -> Response:
    return table_response([vf.status_table(vf.status(s))], "全国の定住自立圏の状況", fmt, encoding)
