"""Writes of the web app, shared by the forms and the JSON API: permission check, store call, audit.

Each function takes the store session and the :class:`~kouiki.web.auth.Viewer` and raises 403 (HTTP) when
the role does not allow the change; the store functions record every change in the audit log.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session

from kouiki.facilities.evaluate import Progress
from kouiki.facilities.evaluate import evaluate as evaluate_scenario
from kouiki.facilities.finance import Engine, default_engine
from kouiki.facilities.inventory_source import STORE_PREFIX, InventorySource
from kouiki.facilities.model import Inventory
from kouiki.facilities.result import ScenarioResult
from kouiki.facilities.scenario import Scenario
from kouiki.facilities.scenario import parse as parse_scenario
from kouiki.reference import codes
from kouiki.reference.errors import KouikiError, NotFoundError
from kouiki.reference.regions import Region
from kouiki.store.regions import RegionRow, get_region, list_regions, regions_of_body, save_region
from kouiki.store.scenarios import ScenarioRow, create_scenario, get_scenario, update_scenario
from kouiki.web.auth import Viewer, forbid
from kouiki.web.inventories import facilities_of


def region_or_404(s: Session, region_id: str) -> Region:
    """By id (the fast path of every region page), else by name as the registry allows."""
    row = s.get(RegionRow, region_id)
    if row is not None:
        return row.to_model()
    try:
        return get_region(s, region_id)
    except KouikiError as exc:
        raise NotFoundError(str(exc)) from None


def default_region(s: Session, viewer: Viewer) -> Region | None:
    """The region a page opens on when none is asked for: the viewer's own region (圏域担当), else a region of the
    viewer's body (団体担当), else the first registered one."""
    regions = list_regions(s)
    own = next((r for r in regions if r.id == viewer.region_id), None)
    if own is None and viewer.body_code:
        own = next((r for r in regions if viewer.body_code in r.member_codes()), None)
    return own or (regions[0] if regions else None)


def _pydantic_message(exc: ValidationError, what: str) -> str:
    parts = [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return f"{what}が正しくありません: " + "; ".join(parts)


def parse_document(text: str, what: str) -> dict[str, Any]:
    """YAML or JSON text (JSON is YAML) → dict, with a Japanese error naming the line."""
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}行目" if mark is not None else ""
        raise KouikiError(f"{what}: YAML/JSON として読めません {where}（{exc}）") from None
    if not isinstance(data, dict):
        raise KouikiError(f"{what}: 先頭はキーと値の組（マッピング）にしてください")
    return data


# ----- regions --------------------------------------------------------------------------------------------

def save_region_document(
    s: Session, viewer: Viewer, document: dict[str, Any], expected_version: int | None, region_id: str | None = None
) -> tuple[Region, int]:
    try:
        region = Region.model_validate(document)
    except ValidationError as exc:
        raise KouikiError(_pydantic_message(exc, "圏域の定義")) from None
    if region_id is None:  # create
        if not viewer.is_admin:
            raise forbid("圏域の新規登録は管理者だけができます")
        check_region_id(region.id)
    else:
        if region.id != region_id:
            raise KouikiError(f"圏域ID は変更できません（{region_id} → {region.id}）")
        current = region_or_404(s, region_id)
        if not viewer.can_edit_region(region_id):
            raise forbid("この圏域を編集する権限がありません（圏域担当または管理者）")
        if not viewer.is_admin and member_roles(current) != member_roles(region):
            raise forbid("構成団体（団体とその役割）の変更は管理者だけができます。圏域担当は他の項目だけを編集できます")
    version = save_region(s, region, user=viewer.username, expected_version=expected_version, create=region_id is None)
    return region, version


REGION_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # every bundled id has this shape (hirosaki, teiju-022021)
REGION_ID_MAX = 100  # the store's column
REGION_ID_HINT = "半角の英小文字・数字と「-」で100文字まで（例: hirosaki、teiju-022021）"


def check_region_id(region_id: str) -> None:
    """A new region's ID names it in URLs and files: lower-case letters, digits and single hyphens."""
    if not region_id:
        raise KouikiError("圏域ID（id）を入力してください")
    if len(region_id) > REGION_ID_MAX or not REGION_ID.fullmatch(region_id):
        raise KouikiError(f"圏域ID「{region_id}」は使えません: {REGION_ID_HINT}")


def member_roles(region: Region) -> dict[str, str]:
    """Who is in the region and as what (code → 中心市/近隣…): the part only a 管理者 may change, because the
    rights of a 圏域担当 over bodies (their facilities, plans) follow from it."""
    return {m.code: m.role.value for m in region.members}


# ----- facilities -----------------------------------------------------------------------------------------

def can_edit_body(s: Session, viewer: Viewer, code: str) -> bool:
    return viewer.can_edit_body(codes.normalize(code), regions_of_body(s, code))


# ----- scenarios ------------------------------------------------------------------------------------------

def store_inventory_ref(region_id: str) -> str:
    return f"{STORE_PREFIX}{region_id}"


def validate_scenario(document: dict[str, Any], region_id: str, name: str) -> Scenario:
    """The facility-planning scenario format (JSON Schema published by kouiki.facilities.scenario)."""
    doc = dict(document)
    doc["name"] = name
    doc.setdefault("inventory", store_inventory_ref(region_id))
    return parse_scenario(doc, f"シナリオ「{name}」")


def new_scenario(s: Session, viewer: Viewer, region_id: str, name: str, document: dict[str, Any]) -> ScenarioRow:
    region_or_404(s, region_id)
    if not viewer.can_edit_region(region_id):
        raise forbid("この圏域のシナリオを作成する権限がありません（圏域担当または管理者）")
    if not name.strip():
        raise KouikiError("シナリオ名を入力してください")
    sc = validate_scenario(document, region_id, name.strip())
    return create_scenario(s, region_id=region_id, name=name.strip(), document=scenario_document(sc),
                           user=viewer.username)


def edit_scenario(
    s: Session, viewer: Viewer, scenario_id: int, name: str, document: dict[str, Any], expected_version: int
) -> ScenarioRow:
    row = get_scenario(s, scenario_id)
    if not viewer.can_edit_region(row.region_id):
        raise forbid("このシナリオを編集する権限がありません（圏域担当または管理者）")
    name = name.strip() or row.name
    sc = validate_scenario(document, row.region_id, name)
    return update_scenario(s, scenario_id, name=name, document=scenario_document(sc), user=viewer.username,
                           expected_version=expected_version)


def scenario_document(sc: Scenario) -> dict[str, Any]:
    data: dict[str, Any] = sc.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return {"schema_version": 1, **data}


def region_inventory(s: Session, region: Region) -> Inventory:
    return facilities_of(s, region.member_codes())


def scenario_evaluation(s: Session, row: ScenarioRow, progress: Progress | None = None) -> ScenarioResult:
    """Evaluate with the facility-planning engine; the scenario's ``inventory`` (``store:<region>`` by default) is
    read through :class:`InventorySource`, the store lookup given here (the engine never opens the store)."""
    region = region_or_404(s, row.region_id)
    sc = validate_scenario(row.document, row.region_id, row.name)

    def from_store(name: str) -> Inventory:
        if name != region.id:
            raise KouikiError(f"シナリオの施設台帳 store:{name} はこの圏域（{region.id}）のものではありません")
        return region_inventory(s, region)

    inventory = InventorySource.parse(sc.inventory).load(from_store)
    return evaluate_scenario(sc, inventory, engine=fiscal_engine(), progress=progress)


def fiscal_engine() -> Engine | None:
    """The fiscal engine for the financing lines (None while the fiscal capability is not installed)."""
    return default_engine()
