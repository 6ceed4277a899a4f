"""Facility-planning pages (公共施設マネジメント) with their JSON twins and Excel/CSV downloads.

更新費用の推計 (buildings, and infrastructure from an uploaded asset list), 計画の指標, 施設カルテ, 最寄り施設までの
所要時間, 費用按分, 使用料の統一 and 協議会. Each page
has ``/api/facilities/…`` (or ``/api/regions/{id}/council``) returning the same data, and its tables download
from ``/export/facility-planning/…``. Charts are the CLI's (kouiki.reports.charts) served as PNG from this
origin, always next to the table holding their data. Figures come from the engines via :mod:`kouiki.web.facilities.views`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kouiki.facilities.model import MajorCategory
from kouiki.reference.errors import KouikiError
from kouiki.reports.table import ReportTable
from kouiki.store.facility_council import save_council
from kouiki.store.regions import ConflictError
from kouiki.web import service
from kouiki.web.auth import Viewer, check_csrf
from kouiki.web.deps import DB, V, require_region_editor
from kouiki.web.downloads import download, table_response
from kouiki.web.facilities import views as vf
from kouiki.web.render import render
from kouiki.web.summary import current_fiscal_year

router = APIRouter()

PNG = {"Cache-Control": "no-store"}


def _start_year(start: str | None) -> int:
    from kouiki.reference.calendar import FiscalYear

    if not start:
        return current_fiscal_year().year
    try:
        return FiscalYear.parse(start).year
    except (KouikiError, ValueError):
        raise KouikiError(f"試算開始年度「{start}」が読めません（例: 2025、R7、令和7年度）") from None


def _page(request: Request, viewer: Viewer, s: Session, template: str, status_code: int = 200, **ctx: Any) -> Response:
    return render(request, template, viewer, status_code=status_code, choices=vf.choices(s),
                  categories=[c.value for c in MajorCategory], **ctx)


def _own_scope(s: Session, viewer: Viewer, body: str | None, region: str | None) -> vf.Scope | None:
    """The page's scope; with none asked for, the viewer's own region (圏域担当) or body (団体担当)."""
    if not body and not region:
        region, body = viewer.region_id, viewer.body_code
    return vf.scope_of(s, body, region)


def _stem(scope: vf.Scope, what: str) -> str:
    return f"{scope.label}_{what}"


def _tables(tables: list[ReportTable], stem: str, fmt: str, encoding: str) -> Response:
    return table_response(tables, stem, fmt, encoding)


# ----- 1. 更新費用の推計 -----------------------------------------------------------------------------------

@router.get("/facilities/renewal", include_in_schema=False)
def renewal_page(request: Request, s: DB, viewer: V, body: str | None = None, region: str | None = None,
                 start: str | None = None) -> Response:
    scope = _own_scope(s, viewer, body, region)
    data = None
    if scope is not None:
        data = vf.renewal_view(scope, vf.renewal_result(scope, _start_year(start)))
    return _page(request, viewer, s, "facilities_renewal.html", scope=scope, data=data, start=start or "")


@router.get("/api/facilities/renewal", tags=["facilities"], summary="更新費用の推計（団体または圏域、40年度・大分類別）")
def renewal_api(s: DB, viewer: V, body: str | None = None, region: str | None = None, start: str | None = None) -> dict[str, Any]:
    scope = vf.require_scope(s, body, region)
    return vf.renewal_view(scope, vf.renewal_result(scope, _start_year(start)))


@router.get("/facilities/renewal/chart.png", include_in_schema=False)
def renewal_chart(s: DB, viewer: V, body: str | None = None, region: str | None = None, start: str | None = None,
                  stack: str = "category") -> Response:
    scope = vf.require_scope(s, body, region)
    png = vf.renewal_chart_png(scope, vf.renewal_result(scope, _start_year(start)), stack)
    return Response(png, media_type="image/png", headers=PNG)


@router.get("/export/facility-planning/renewal.{fmt}", tags=["exports"], summary="更新費用の推計（xlsx / csv）")
def renewal_export(fmt: str, s: DB, viewer: V, body: str | None = None, region: str | None = None,
                   start: str | None = None, encoding: str = "cp932") -> Response:
    scope = vf.require_scope(s, body, region)
    return _tables(vf.renewal_tables(scope, vf.renewal_result(scope, _start_year(start))), _stem(scope, "更新費用"), fmt, encoding)


# ----- 2. 計画の指標 -------------------------------------------------------------------------------------

@router.get("/facilities/indicators", include_in_schema=False)
def indicators_page(request: Request, s: DB, viewer: V, body: str | None = None, region: str | None = None) -> Response:
    scope = _own_scope(s, viewer, body, region)
    data = vf.indicators_view(scope) if scope is not None else None
    return _page(request, viewer, s, "facilities_indicators.html", scope=scope, data=data)


@router.get("/api/facilities/indicators", tags=["facilities"], summary="計画の指標（延床面積・一人当たり・新耐震・減価償却率）")
def indicators_api(s: DB, viewer: V, body: str | None = None, region: str | None = None) -> dict[str, Any]:
    return vf.indicators_view(vf.require_scope(s, body, region))


@router.get("/facilities/indicators/chart.png", include_in_schema=False)
def indicators_chart(s: DB, viewer: V, body: str | None = None, region: str | None = None) -> Response:
    return Response(vf.indicators_chart_png(vf.require_scope(s, body, region)), media_type="image/png", headers=PNG)


@router.get("/export/facility-planning/indicators.{fmt}", tags=["exports"], summary="計画の指標（xlsx / csv）")
def indicators_export(fmt: str, s: DB, viewer: V, body: str | None = None, region: str | None = None,
                      encoding: str = "cp932") -> Response:
    scope = vf.require_scope(s, body, region)
    return _tables(vf.indicators_tables(scope), _stem(scope, "計画の指標"), fmt, encoding)


# ----- 3. 施設カルテ -------------------------------------------------------------------------------------

def _karte(s: Session, body: str, facility_id: str, year: str | None) -> dict[str, Any]:
    if not facility_id.strip():
        raise KouikiError("施設ID（id）を指定してください")
    ref = _start_year(year)
    return vf.karte_view(s, body, facility_id.strip(), ref)


@router.get("/facilities/karte", include_in_schema=False)
def karte_page(request: Request, s: DB, viewer: V, body: str, id: str, year: str | None = None) -> Response:
    return render(request, "facilities_karte.html", viewer, v=_karte(s, body, id, year))


@router.get("/api/facilities/karte", tags=["facilities"], summary="施設カルテ（基本情報・経過年数・耐震・年度別の状況・更新費用）")
def karte_api(s: DB, viewer: V, body: str, id: str, year: str | None = None) -> dict[str, Any]:
    return _karte(s, body, id, year)


@router.get("/export/facility-planning/karte.{fmt}", tags=["exports"], summary="施設カルテ（xlsx / csv）")
def karte_export(fmt: str, s: DB, viewer: V, body: str, id: str, year: str | None = None, encoding: str = "cp932") -> Response:
    v = _karte(s, body, id, year)
    return _tables(vf.karte_tables(v), f"施設カルテ_{v['karte']['name']}", fmt, encoding)


# ----- 4. 最寄り施設までの所要時間 -----------------------------------------------------------------------

@router.get("/facilities/access", include_in_schema=False)
def access_page(request: Request, s: DB, viewer: V, body: str | None = None, region: str | None = None,
                category: str | None = None, threshold: str | None = None) -> Response:
    scope = _own_scope(s, viewer, body, region)
    counts: dict[str, int] = {}
    if scope is not None:
        for f in scope.inventory.facilities:
            counts[f.category.value] = counts.get(f.category.value, 0) + 1
    data, error = None, None
    if scope is not None and category:
        try:
            data = vf.access_view(scope, category, threshold)
        except KouikiError as exc:
            error = str(exc)
    return _page(request, viewer, s, "facilities_access.html", status_code=400 if error else 200, scope=scope, data=data,
                 error=error, category=category or "", threshold=threshold or "", counts=counts)


@router.get("/api/facilities/access", tags=["facilities"], summary="最寄り施設までの所要時間（団体別の人口加重平均・90パーセンタイル）")
def access_api(s: DB, viewer: V, category: str, body: str | None = None, region: str | None = None,
               threshold: str | None = None) -> dict[str, Any]:
    return vf.access_view(vf.require_scope(s, body, region), category, threshold)


@router.get("/export/facility-planning/access.{fmt}", tags=["exports"], summary="最寄り施設までの所要時間（xlsx / csv）")
def access_export(fmt: str, s: DB, viewer: V, category: str, body: str | None = None, region: str | None = None,
                  threshold: str | None = None, encoding: str = "cp932") -> Response:
    scope = vf.require_scope(s, body, region)
    return _tables(vf.access_tables(vf.access_view(scope, category, threshold)), _stem(scope, f"所要時間_{category}"), fmt, encoding)


# ----- 5. 費用按分 / 6. 使用料の統一 (forms over the region's members; computing writes nothing) ----------------

def _region_scope(s: Session, viewer: Viewer, region: str | None) -> vf.Scope | None:
    if not region:
        own = service.default_region(s, viewer) if (viewer.region_id or viewer.body_code) else None
        region = None if own is None else own.id
    return vf.scope_of(s, None, region) if region else None


def _share(scope: vf.Scope, q: dict[str, str]) -> dict[str, Any]:
    total = vf._int_field(q.get("total_yen"), "按分する額（円）")
    if total is None:
        raise KouikiError("按分する額（円）を入力してください")
    return vf.share_view(total, vf.share_rule_input(q, scope.codes), scope.codes)


@router.get("/facilities/share", include_in_schema=False)
def share_page(request: Request, s: DB, viewer: V, region: str | None = None) -> Response:
    scope = _region_scope(s, viewer, region)
    q = dict(request.query_params)
    data, error = None, None
    if scope is not None and "total_yen" in q:
        try:
            data = _share(scope, q)
        except KouikiError as exc:
            error = str(exc)
    return _page(request, viewer, s, "facilities_share.html", status_code=400 if error else 200, scope=scope, data=data,
                 error=error, q=q, methods=vf.SHARE_METHODS, query_string=request.url.query)


@router.get("/api/facilities/share", tags=["facilities"], summary="費用按分（均等割・人口割・利用割…、1円単位で合計一致）")
def share_api(request: Request, s: DB, viewer: V, region: str) -> dict[str, Any]:
    return _share(vf.require_scope(s, None, region), dict(request.query_params))


class ShareBody(BaseModel):
    total_yen: int
    municipalities: list[str]
    rule: dict[str, Any] | str = "population"


@router.post("/api/facilities/share", tags=["facilities"], summary="費用按分（任意の団体・規則を JSON で）")
def share_api_post(body: ShareBody, viewer: V) -> dict[str, Any]:
    from kouiki.reference import codes

    rule = {"method": body.rule} if isinstance(body.rule, str) else body.rule
    return vf.share_view(body.total_yen, rule, [codes.normalize(c) for c in body.municipalities])


@router.get("/export/facility-planning/share.{fmt}", tags=["exports"], summary="費用按分（xlsx / csv）")
def share_export(request: Request, fmt: str, s: DB, viewer: V, region: str, encoding: str = "cp932") -> Response:
    scope = vf.require_scope(s, None, region)
    return _tables(vf.share_tables(_share(scope, dict(request.query_params)), scope.label), _stem(scope, "費用按分"), fmt, encoding)


def _fees(scope: vf.Scope, q: dict[str, str]) -> dict[str, Any]:
    return vf.fee_view(vf.fee_input(q, scope.codes))


@router.get("/facilities/fees", include_in_schema=False)
def fees_page(request: Request, s: DB, viewer: V, region: str | None = None) -> Response:
    scope = _region_scope(s, viewer, region)
    q = dict(request.query_params)
    data, error = None, None
    if scope is not None and "facility_type" in q:
        try:
            data = _fees(scope, q)
        except KouikiError as exc:
            error = str(exc)
    return _page(request, viewer, s, "facilities_fees.html", status_code=400 if error else 200, scope=scope, data=data,
                 error=error, q=q, rules=vf.FEE_RULES, query_string=request.url.query,
                 next_year=current_fiscal_year().year + 1)


@router.get("/api/facilities/fees", tags=["facilities"], summary="使用料の統一案と激変緩和の段階（年度別）")
def fees_api(request: Request, s: DB, viewer: V, region: str) -> dict[str, Any]:
    return _fees(vf.require_scope(s, None, region), dict(request.query_params))


class FeesBody(BaseModel):
    fees: list[dict[str, Any]]


@router.post("/api/facilities/fees", tags=["facilities"], summary="使用料の統一（fees: のリストを JSON で、CLI と同じ形式）")
def fees_api_post(body: FeesBody, viewer: V) -> dict[str, Any]:
    if not body.fees:
        raise KouikiError("fees のリストが空です")
    return {"fees": [vf.fee_view(g)["result"] for g in body.fees]}


@router.get("/export/facility-planning/fees.{fmt}", tags=["exports"], summary="使用料の統一（xlsx / csv）")
def fees_export(request: Request, fmt: str, s: DB, viewer: V, region: str, encoding: str = "cp932") -> Response:
    scope = vf.require_scope(s, None, region)
    return _tables(vf.fee_tables(_fees(scope, dict(request.query_params)), scope.label), _stem(scope, "使用料の統一"), fmt, encoding)


# ----- 7. 協議会 -----------------------------------------------------------------------------------------

def add_council_record(s: Session, viewer: Viewer, region_id: str, kind: str, fields: dict[str, Any],
                       version: int) -> int:
    """Append one record to the region's council (圏域担当 of that region / 管理者), audited, version-checked."""
    region = service.region_or_404(s, region_id)
    require_region_editor(viewer, region.id, "この圏域の協議会の記録を追加する権限がありません（圏域担当または管理者）")
    doc, _current = vf.council_document(s, region)
    new = vf.council_with_record(doc, kind, vf.council_record(kind, fields))
    return save_council(s, region.id, new, user=viewer.username, expected_version=version or None)


@router.get("/regions/{region_id}/council", include_in_schema=False)
def council_page(request: Request, region_id: str, s: DB, viewer: V) -> Response:
    region = service.region_or_404(s, region_id)
    return render(request, "facilities_council.html", viewer, v=vf.council_view(s, region),
                  can_edit=viewer.can_edit_region(region.id), kinds=vf.COUNCIL_KINDS, error=None, form={},
                  next_year=current_fiscal_year().year)


COUNCIL_FIELDS = ("date", "title", "cost_yen", "summary", "name", "fiscal_year", "affiliation", "role", "fee_yen", "what",
                  "municipality")
OptForm = Annotated[str, Form()]


@router.post("/regions/{region_id}/council", include_in_schema=False)
def council_submit(  # one form field per council record field
    request: Request, region_id: str, s: DB, viewer: V, kind: Annotated[str, Form()], version: Annotated[int, Form()],
    csrf_token: OptForm = "", date: OptForm = "", title: OptForm = "", cost_yen: OptForm = "", summary: OptForm = "",
    name: OptForm = "", fiscal_year: OptForm = "", affiliation: OptForm = "", role: OptForm = "", fee_yen: OptForm = "",
    what: OptForm = "", municipality: OptForm = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    values = (date, title, cost_yen, summary, name, fiscal_year, affiliation, role, fee_yen, what, municipality)
    form = {"kind": kind, **dict(zip(COUNCIL_FIELDS, values, strict=True))}
    try:
        add_council_record(s, viewer, region_id, kind, form, version)
    except (ConflictError, KouikiError) as exc:  # nothing was written: the record is checked before the save
        region = service.region_or_404(s, region_id)
        return render(request, "facilities_council.html", viewer, status_code=409 if isinstance(exc, ConflictError) else 400,
                      v=vf.council_view(s, region), can_edit=viewer.can_edit_region(region.id), kinds=vf.COUNCIL_KINDS,
                      error=str(exc), form=form, next_year=current_fiscal_year().year)
    return RedirectResponse(f"/regions/{region_id}/council", status_code=303)


@router.get("/api/regions/{region_id}/council", tags=["facilities"], summary="協議会の記録と調査検討経費（団体・年度別）")
def council_api(region_id: str, s: DB, viewer: V) -> dict[str, Any]:
    return vf.council_view(s, service.region_or_404(s, region_id))


class CouncilRecordBody(BaseModel):
    kind: str  # meeting | expert | study_cost
    version: int  # 0 when nothing is recorded yet
    record: dict[str, Any]


@router.post("/api/regions/{region_id}/council/records", tags=["facilities"], status_code=201,
             summary="協議会の記録を追加（圏域担当・管理者、版を指定）")
def council_api_add(request: Request, region_id: str, body: CouncilRecordBody, s: DB, viewer: V) -> dict[str, Any]:
    check_csrf(viewer, request)
    version = add_council_record(s, viewer, region_id, body.kind, body.record, body.version)
    return {"version": version, **vf.council_view(s, service.region_or_404(s, region_id))}


@router.get("/export/regions/{region_id}/council.{fmt}", tags=["exports"], summary="協議会の記録と調査検討経費（xlsx / csv）")
def council_export(region_id: str, fmt: str, s: DB, viewer: V, encoding: str = "cp932") -> Response:
    region = service.region_or_404(s, region_id)
    return _tables(vf.council_tables(vf.council_view(s, region)), f"{region.display_name}_協議会", fmt, encoding)


# ----- インフラ資産の更新費用 (an uploaded asset list; computed, nothing saved) ---------------------------------

def _infrastructure(data: bytes, filename: str, body: str, start: str, years: str) -> Any:
    from kouiki.facilities.infrastructure import project_infrastructure, read_assets_upload
    from kouiki.reference import codes

    try:
        n = int(years) if years.strip() else None  # empty: the horizon of the parameters (renewal.horizon_years)
    except ValueError:
        raise KouikiError(f"試算期間「{years}」は年数（整数）で入力してください") from None
    if n is not None and not 1 <= n <= 100:
        raise KouikiError("試算期間は1〜100年で入力してください")
    default_code = codes.normalize(body) if body else None
    return project_infrastructure(read_assets_upload(data, filename, default_code), _start_year(start), n)


def _infrastructure_page(request: Request, viewer: Viewer, s: Session, status_code: int = 200, **ctx: Any) -> Response:
    from kouiki.facilities.infrastructure import InfrastructureParameters

    ctx.setdefault("result", None)
    ctx.setdefault("error", None)
    ctx.setdefault("form", {})
    return _page(request, viewer, s, "facilities_infrastructure.html", status_code=status_code,
                 params=InfrastructureParameters.load(), **ctx)


@router.get("/facilities/infrastructure", include_in_schema=False)
def infrastructure_page(request: Request, s: DB, viewer: V) -> Response:
    return _infrastructure_page(request, viewer, s)


@router.post("/facilities/infrastructure", include_in_schema=False)
def infrastructure_submit(
    request: Request, s: DB, viewer: V, file: Annotated[UploadFile, File()],
    body: Annotated[str, Form()] = "", start: Annotated[str, Form()] = "", years: Annotated[str, Form()] = "",
    fmt: Annotated[str, Form()] = "html", csrf_token: Annotated[str, Form()] = "",
) -> Response:
    from kouiki.reports.infrastructure import infrastructure_tables

    check_csrf(viewer, request, csrf_token)
    form = {"body": body, "start": start, "years": years}
    name = file.filename or "upload.csv"
    try:
        result = _infrastructure(file.file.read(), name, body, start, years)
    except KouikiError as exc:
        return _infrastructure_page(request, viewer, s, status_code=400, error=str(exc), form=form)
    if fmt in ("xlsx", "csv"):
        stem = name.rsplit(".", 1)[0] + "_更新費用"
        return _tables(infrastructure_tables(result, name.rsplit(".", 1)[0]), stem, fmt, "cp932")
    return _infrastructure_page(request, viewer, s, result=result.to_dict(), filename=name, form=form)


@router.post("/api/facilities/infrastructure", tags=["facilities"],
             summary="インフラ資産（道路・橋梁・上下水道管）の更新費用（CSV/XLSX をアップロード。保存はしない）")
def infrastructure_api(
    request: Request, viewer: V, file: Annotated[UploadFile, File()], body: Annotated[str, Form()] = "",
    start: Annotated[str, Form()] = "", years: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    check_csrf(viewer, request)
    result: dict[str, Any] = _infrastructure(file.file.read(), file.filename or "upload.csv", body, start, years).to_dict()
    return result


@router.get("/export/facility-planning/infrastructure-template.csv", tags=["exports"],
            summary="インフラ資産の一覧の入力様式（CSV、例の行つき）")
def infrastructure_template(viewer: V, encoding: str = "cp932") -> Response:
    from kouiki.facilities.infrastructure import template_csv

    enc = "utf-8-sig" if encoding.lower() in ("utf-8", "utf-8-sig", "utf8") else "cp932"
    return download(template_csv().encode(enc), "インフラ資産_入力様式.csv",
                    f"text/csv; charset={'shift_jis' if enc == 'cp932' else 'utf-8'}")
