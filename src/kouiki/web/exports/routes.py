"""Downloads of the region pages' tables and of a scenario: Excel (.xlsx), CSV (CP932 by default,
``?encoding=utf-8-sig``), PDF reports. The file answers themselves are :mod:`kouiki.web.downloads`; each
capability's own downloads are in its routes (``/export/fiscal/…`` in ``web/fiscal/routes.py``, …)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from kouiki.reference import codes
from kouiki.reference.municipalities import registry
from kouiki.store.scenarios import get_scenario
from kouiki.web import service
from kouiki.web.deps import DB, V
from kouiki.web.downloads import download, table_response
from kouiki.web.inventories import facilities_of
from kouiki.web.regions import views

router = APIRouter(prefix="/export", tags=["exports"])


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
        from kouiki.web.regions.maps import feature_collection
        from kouiki.web.regions.views import member_rows

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
    from kouiki.web.regions.scenario_access import access_geojson, access_table

    row = get_scenario(s, scenario_id)
    region = service.region_or_404(s, row.region_id)
    geo = access_geojson(s, row, category)
    names = {m.code: m.municipality.name for m in region.members}
    stem = f"{region.display_name}_{row.name}_需要点の所要時間"
    return table_response([access_table(geo, names, row.name)], stem, fmt, encoding)
