"""JSON twins of the pages (``/api/…``). Reads need a login (401); writes also need ``X-CSRF-Token`` (403)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, Request, Response, UploadFile
from pydantic import BaseModel

from kouiki.reference import codes
from kouiki.store.regions import list_regions, region_version
from kouiki.store.scenarios import delete_scenario, get_scenario, list_scenarios
from kouiki.store.users import AuthError, close_session, open_session
from kouiki.web import service
from kouiki.web.auth import COOKIE, LoginThrottled, forbid, login_user, session_lifetime, set_login_cookie
from kouiki.web.deps import DB, V, W
from kouiki.web.facilities.inventory_import import import_facilities
from kouiki.web.regions import views
from kouiki.web.regions.maps import feature_collection

router = APIRouter(prefix="/api", tags=["api"])



class LoginBody(BaseModel):
    username: str
    password: str


@router.post("/login", summary="ログイン（Cookie を設定し CSRF トークンを返す）")
def api_login(body: LoginBody, request: Request, response: Response, s: DB) -> dict[str, Any]:
    try:
        user = login_user(s, request, body.username, body.password)
    except AuthError as exc:
        raise HTTPException(status_code=401, detail=str(exc)) from None
    except LoginThrottled as exc:
        raise HTTPException(status_code=429, detail=str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    token, csrf = open_session(s, user, session_lifetime())
    set_login_cookie(response, token, request)
    return {"user": user.public(), "csrf_token": csrf}


@router.post("/logout", summary="ログアウト")
def api_logout(request: Request, response: Response, s: DB, viewer: W) -> dict[str, str]:
    close_session(s, request.cookies.get(COOKIE, ""))
    response.delete_cookie(COOKIE, path="/")
    return {"status": "ok"}


@router.get("/me", summary="ログイン中の利用者")
def api_me(viewer: V) -> dict[str, Any]:
    return viewer.public() | {"csrf_token": viewer.csrf_token}


# ----- regions --------------------------------------------------------------------------------------------

class RegionWrite(BaseModel):
    document: dict[str, Any]
    version: int | None = None  # the version the edit started from (optimistic locking)


@router.get("/regions", summary="圏域一覧")
def api_regions(s: DB, viewer: V) -> dict[str, Any]:
    return views.regions_list(s)


@router.post("/regions", status_code=201, summary="圏域の登録（管理者）")
def api_create_region(body: RegionWrite, s: DB, viewer: W) -> dict[str, Any]:
    region, version = service.save_region_document(s, viewer, body.document, None)
    return {"id": region.id, "version": version}


@router.get("/regions/{region_id}", summary="圏域ダッシュボード")
def api_region(region_id: str, s: DB, viewer: V) -> dict[str, Any]:
    region, d = views.region_dashboard(s, region_id)
    return d | {"document": region.model_dump(mode="json")}


@router.put("/regions/{region_id}", summary="圏域の更新（版を指定: 他の人の更新を上書きしない）")
def api_update_region(region_id: str, body: RegionWrite, s: DB, viewer: W) -> dict[str, Any]:
    if body.version is None:
        raise HTTPException(status_code=428, detail="version（編集開始時の版）を指定してください")
    region, version = service.save_region_document(s, viewer, body.document, body.version, region_id)
    return {"id": region.id, "version": version}


@router.get("/regions/{region_id}/geojson", summary="構成団体の境界（N03）")
def api_region_geojson(region_id: str, s: DB, viewer: V) -> dict[str, Any]:
    region = service.region_or_404(s, region_id)
    return feature_collection(views.member_rows(region))


@router.get("/regions/{region_id}/central-check", summary="中心市チェック（判定の基礎となる事実）")
def api_central_check(region_id: str, s: DB, viewer: V) -> dict[str, Any]:
    return views.central_check(s, service.region_or_404(s, region_id))


# ----- facilities -----------------------------------------------------------------------------------------

@router.get("/facilities", summary="公共施設一覧（団体または圏域で絞り込み）")
def api_facilities(
    s: DB, viewer: V, body: str | None = None, region: str | None = None, slim: bool = False
) -> dict[str, Any]:
    """``slim=true``: only id, name, body, 大分類 and position (what the maps draw)."""
    if body:
        selected = [codes.normalize(body)]
    elif region:
        selected = service.region_or_404(s, region).member_codes()
    else:
        selected = sorted({c for r in list_regions(s) for c in r.member_codes()})
    data = views.facilities_view(s, selected)
    if slim:
        keep = ("facility_id", "name", "municipality_code", "category", "lat", "lon")
        data["facilities"] = [{k: f[k] for k in keep} for f in data["facilities"]]
    return data


@router.post(
    "/facilities/{code}/import",
    summary="施設一覧の取込（団体担当は自団体のみ）: 1行でも誤りがあれば何も変更しない",
    responses={422: {"description": "誤りのある行がある（detail と rejected に全行）か、取り込める行がない。何も変更していない"},
               409: {"description": "確認が必要（only_valid、またはシナリオが使う施設が消える）。plan に件数と影響するシナリオ。"
                                    "confirm=true と plan.revision を付けて送り直すと置き換える"}},
)
def api_import_facilities(
    code: str, s: DB, viewer: W, file: Annotated[UploadFile, File(description="CSV（CP932/UTF-8）または .xlsx")],
    only_valid: Annotated[bool, Query(description="誤りのある行を除き、正しい行だけで置き換える（2段階目）")] = False,
    confirm: Annotated[bool, Query(description="plan を確認した上で置き換える")] = False,
    revision: Annotated[str | None, Query(max_length=64, description="確認した plan.revision（その後に一覧が変わっていれば 409）")] = None,
) -> Any:
    from fastapi.encoders import jsonable_encoder
    from fastapi.responses import JSONResponse

    data = file.file.read()
    result = import_facilities(s, viewer, code, data, file.filename or "upload.csv", only_valid=only_valid,
                                       confirm=confirm, expected_revision=revision)
    status = {"imported": 200, "confirm": 409}.get(result["status"], 422)
    if status != 200:
        return JSONResponse(status_code=status, content=jsonable_encoder({"detail": result["message"], **result}))
    return result


# ----- scenarios ------------------------------------------------------------------------------------------

class ScenarioWrite(BaseModel):
    name: str
    document: dict[str, Any] = {}
    version: int | None = None


@router.get("/regions/{region_id}/scenarios", summary="圏域のシナリオ一覧")
def api_scenarios(region_id: str, s: DB, viewer: V) -> dict[str, Any]:
    service.region_or_404(s, region_id)
    return {"scenarios": [row.public() for row in list_scenarios(s, region_id)]}


@router.post("/regions/{region_id}/scenarios", status_code=201, summary="シナリオの作成")
def api_create_scenario(region_id: str, body: ScenarioWrite, s: DB, viewer: W) -> dict[str, Any]:
    return service.new_scenario(s, viewer, region_id, body.name, body.document).public()


@router.get("/scenarios/{scenario_id}", summary="シナリオと評価（前後比較）")
def api_scenario(scenario_id: int, s: DB, viewer: V) -> dict[str, Any]:
    row = get_scenario(s, scenario_id)
    return row.public() | {"evaluation": service.scenario_evaluation(s, row).to_dict()}


@router.put("/scenarios/{scenario_id}", summary="シナリオの更新（版が古ければ 409）")
def api_update_scenario(scenario_id: int, body: ScenarioWrite, s: DB, viewer: W) -> dict[str, Any]:
    if body.version is None:
        raise HTTPException(status_code=428, detail="version（編集開始時の版）を指定してください")
    return service.edit_scenario(s, viewer, scenario_id, body.name, body.document, body.version).public()


@router.delete("/scenarios/{scenario_id}", summary="シナリオの削除")
def api_delete_scenario(scenario_id: int, s: DB, viewer: W) -> dict[str, str]:
    row = get_scenario(s, scenario_id)
    if not viewer.can_edit_region(row.region_id):
        raise forbid("このシナリオを削除する権限がありません")
    delete_scenario(s, scenario_id, viewer.username)
    return {"status": "deleted"}


@router.get("/regions/{region_id}/scenarios/compare", summary="シナリオの比較")
def api_compare(region_id: str, s: DB, viewer: V, ids: Annotated[list[int], Query()]) -> dict[str, Any]:
    service.region_or_404(s, region_id)
    out = []
    for sid in ids:
        row = get_scenario(s, sid)
        if row.region_id != region_id:
            raise HTTPException(status_code=400, detail=f"シナリオ {sid} はこの圏域のものではありません")
        out.append({"id": row.id, "name": row.name, "evaluation": service.scenario_evaluation(s, row).to_dict()})
    return {"region_id": region_id, "version": region_version(s, region_id), "scenarios": out}


@router.get("/regions/{region_id}/scenario-form", summary="シナリオのフォーム編集の選択肢（団体・施設・年度・種類）")
def api_scenario_form_options(region_id: str, s: DB, viewer: V) -> dict[str, Any]:
    from kouiki.web.regions import scenario_form

    return scenario_form.public_options(scenario_form.options(s, service.region_or_404(s, region_id)))


@router.get("/scenarios/{scenario_id}/form", summary="シナリオのフォーム編集（行と選択肢）")
def api_scenario_form(scenario_id: int, s: DB, viewer: V) -> dict[str, Any]:
    from kouiki.web.regions import scenario_form

    row = get_scenario(s, scenario_id)
    opts = scenario_form.options(s, service.region_or_404(s, row.region_id), row.document)
    return {"id": row.id, "name": row.name, "version": row.version, "document": row.document,
            "rows": scenario_form.rows_from_document(row.document), "options": scenario_form.public_options(opts)}


@router.get("/scenarios/{scenario_id}/access.geojson", summary="アクセスの変化（需要点ごとの所要時間: 変更前・変更後・増加）")
def api_scenario_access(scenario_id: int, s: DB, viewer: V, category: str | None = None) -> dict[str, Any]:
    from kouiki.web.regions.scenario_access import access_geojson

    return access_geojson(s, get_scenario(s, scenario_id), category)


# ----- optimiser ------------------------------------------------------------------------------------------

class OptimizeBody(BaseModel):
    category: str  # 大分類
    fiscal_year: int | str  # 廃止年度 of the closures in the resulting scenario (2028 or "R10")
    model: str = "p-median"  # p-median / mclp / lscp
    keep: int | None = None  # 残す施設数 (p-median, mclp)
    threshold_km: float | None = None  # 距離の閾値 km (mclp, lscp)
    time_limit: float | None = None  # 計算時間の上限（秒）; 省略時は optimize/parameters/optimize.yaml の既定値


@router.post("/regions/{region_id}/optimize", status_code=202, summary="施設配置の最適化を開始（進捗は /api/jobs/{id}）")
def api_optimize(region_id: str, body: OptimizeBody, s: DB, viewer: W) -> dict[str, Any]:
    from kouiki.reference.calendar import FiscalYear
    from kouiki.web.optimizer_jobs import JobRequest, start_optimizer

    req = JobRequest(model=body.model, category=body.category, fiscal_year=FiscalYear.parse(body.fiscal_year).year,
                     keep=body.keep, threshold_km=body.threshold_km, time_limit=body.time_limit)
    return {"job_id": start_optimizer(s, viewer, region_id, req)}


@router.get("/regions/{region_id}/jobs", summary="圏域の最適化の処理（新しい順）")
def api_jobs(region_id: str, s: DB, viewer: V) -> dict[str, Any]:
    from kouiki.web.optimizer_jobs import region_jobs

    service.region_or_404(s, region_id)
    return {"jobs": region_jobs(s, region_id)}


@router.get("/jobs/{job_id}", summary="最適化の進捗と結果")
def api_job(job_id: str, s: DB, viewer: V) -> dict[str, Any]:
    from kouiki.web.optimizer_jobs import job_view

    return job_view(s, job_id)
