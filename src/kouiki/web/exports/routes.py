"""Downloads: Excel (.xlsx) for every table, CSV (CP932 by default, ``?encoding=utf-8-sig``), PDF reports."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kouiki.reference import codes
from kouiki.reference.municipalities import registry
from kouiki.reports.csv import csv_bytes
from kouiki.reports.excel import workbook_bytes
from kouiki.reports.table import ReportTable
from kouiki.store.scenarios import get_scenario
from kouiki.web import service, views
from kouiki.web.app import db
from kouiki.web.auth import Viewer, require_viewer
from kouiki.web.inventories import facilities_of

router = APIRouter(prefix="/export", tags=["exports"])
DB = Annotated[Session, Depends(db, scope="function")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def viewer_dep(request: Request, s: DB) -> Viewer:
    return require_viewer(s, request)


V = Annotated[Viewer, Depends(viewer_dep)]


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def content_disposition(filename: str) -> str:
    """RFC 6266/5987: the Japanese file name in ``filename*=UTF-8''…`` (percent-encoded), a plain ASCII
    fallback in ``filename``. Quotes, semicolons, path separators and control characters (a line break in a
    scenario name) never reach the header: they become ``_``."""
    cleaned = _UNSAFE_NAME.sub("_", filename).strip(" .") or "kouiki"
    stem, dot, ext = cleaned.rpartition(".")
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem if dot else cleaned).strip("_")
    ascii_name = (ascii_stem or "kouiki") + (f".{re.sub(r'[^A-Za-z0-9]', '', ext)}" if dot else "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def download(body: bytes, filename: str, media_type: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": content_disposition(filename)})


def table_response(tables: list[ReportTable], stem: str, fmt: str, encoding: str) -> Response:
    if fmt == "xlsx":
        return download(workbook_bytes(*tables), f"{stem}.xlsx", XLSX)
    if fmt == "csv":
        try:
            body = csv_bytes(tables[0], encoding)
        except ValueError as exc:
            raise HTTPException(status_code=400, detail=f"encoding: {exc}") from None
        charset = "shift_jis" if encoding.lower() in ("cp932", "shift-jis", "sjis", "ms932") else "utf-8"
        return download(body, f"{stem}.csv", f"text/csv; charset={charset}")
    raise HTTPException(status_code=404, detail=f"形式 {fmt} には対応していません（xlsx / csv）")


@router.get("/regions.{fmt}", summary="圏域一覧（xlsx / csv）")
def export_regions(fmt: str, s: DB, viewer: V, encoding: str = "cp932") -> Response:
    return table_response([views.regions_table(s)], "圏域一覧", fmt, encoding)


@router.get("/regions/{region_id}/members.{fmt}", summary="構成団体（xlsx / csv）")
def export_members(region_id: str, fmt: str, s: DB, viewer: V, encoding: str = "cp932") -> Response:
    region = service.region_or_404(s, region_id)
    return table_response([views.members_table(region)], f"{region.display_name}_構成団体", fmt, encoding)


@router.get("/facilities/{code}.{fmt}", summary="公共施設一覧（xlsx / csv）")
def export_facilities(code: str, fmt: str, s: DB, viewer: V, encoding: str = "cp932") -> Response:
    code6 = codes.normalize(code)
    name = registry().by_code(code6).name
    table = views.facilities_table(facilities_of(s, [code6]).facilities, f"{name} 公共施設一覧")
    return table_response([table], f"{name}_公共施設一覧", fmt, encoding)


@router.get("/scenarios/{scenario_id}.{fmt}", summary="シナリオ報告（xlsx / csv / pdf）")
def export_scenario(scenario_id: int, fmt: str, s: DB, viewer: V, encoding: str = "cp932") -> Response:
    from kouiki.reports import scenario as report

    row = get_scenario(s, scenario_id)
    region = service.region_or_404(s, row.region_id)
    result = service.scenario_evaluation(s, row)
    ctx = report.ReportContext(region.name, {m.code: m.municipality.name for m in region.members})
    stem = f"{region.display_name}_{row.name}"
    if fmt == "pdf":
        from kouiki.web.maps import feature_collection
        from kouiki.web.views import member_rows

        facilities = service.region_inventory(s, region).facilities
        body = report.pdf(result, ctx, facilities, boundaries=feature_collection(member_rows(region)))
        return download(body, f"{stem}.pdf", "application/pdf")
    tables = report.scenario_tables(result, ctx)
    if fmt == "csv":  # one table per CSV file: the body-by-body before/after table
        tables = [report.before_after_table(result, ctx)]
    return table_response(tables, stem, fmt, encoding)


@router.get("/scenarios/{scenario_id}/access.{fmt}", summary="需要点ごとの所要時間（地図の数値、xlsx / csv）")
def export_scenario_access(
    scenario_id: int, fmt: str, s: DB, viewer: V, category: str | None = None, encoding: str = "cp932"
) -> Response:
    from kouiki.web.scenario_access import access_geojson, access_table

    row = get_scenario(s, scenario_id)
    region = service.region_or_404(s, row.region_id)
    geo = access_geojson(s, row, category)
    names = {m.code: m.municipality.name for m in region.members}
    stem = f"{region.display_name}_{row.name}_需要点の所要時間"
    return table_response([access_table(geo, names, row.name)], stem, fmt, encoding)
