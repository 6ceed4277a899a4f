"""Writes of the web app, shared by the forms and the JSON API: permission check, store call, audit.

Each function takes the store session and the :class:`~kouiki.web.auth.Viewer` and raises 403 (HTTP) when
the role does not allow the change; the store functions record every change in the audit log.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session

from kouiki.facilities.evaluate import Progress
from kouiki.facilities.evaluate import evaluate as evaluate_scenario
from kouiki.facilities.finance import Engine, default_engine
from kouiki.facilities.importers import InventoryImportError, import_inventory
from kouiki.facilities.model import Inventory
from kouiki.facilities.scenario import Scenario
from kouiki.facilities.scenario import parse as parse_scenario
from kouiki.reference import codes
from kouiki.reference.errors import KouikiError, NotFoundError
from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Region
from kouiki.store.facilities import save_inventory
from kouiki.store.regions import RegionRow, get_region, regions_of_body, save_region
from kouiki.store.scenarios import ScenarioRow, create_scenario, get_scenario, update_scenario
from kouiki.web.auth import Viewer, forbid
from kouiki.web.inventories import body_inventory_name, facilities_of


def region_or_404(s: Session, region_id: str) -> Region:
    """By id (the fast path of every region page), else by name as the registry allows."""
    row = s.get(RegionRow, region_id)
    if row is not None:
        return row.to_model()
    try:
        return get_region(s, region_id)
    except KouikiError as exc:
        raise NotFoundError(str(exc)) from None


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
        try:
            get_region(s, region.id)
        except KouikiError:
            pass
        else:
            raise KouikiError(f"圏域ID「{region.id}」は既に登録されています")
    else:
        if region.id != region_id:
            raise KouikiError(f"圏域ID は変更できません（{region_id} → {region.id}）")
        current = region_or_404(s, region_id)
        if not viewer.can_edit_region(region_id):
            raise forbid("この圏域を編集する権限がありません（圏域担当または管理者）")
        if not viewer.is_admin and member_roles(current) != member_roles(region):
            raise forbid("構成団体（団体とその役割）の変更は管理者だけができます。圏域担当は他の項目だけを編集できます")
    version = save_region(s, region, user=viewer.username, expected_version=expected_version)
    return region, version


def member_roles(region: Region) -> dict[str, str]:
    """Who is in the region and as what (code → 中心市/近隣…): the part only a 管理者 may change, because the
    rights of a 圏域担当 over bodies (their facilities, plans) follow from it."""
    return {m.code: m.role.value for m in region.members}


# ----- facilities -----------------------------------------------------------------------------------------

def can_edit_body(s: Session, viewer: Viewer, code: str) -> bool:
    return viewer.can_edit_body(codes.normalize(code), regions_of_body(s, code))


def import_facilities(s: Session, viewer: Viewer, code: str, data: bytes, filename: str) -> dict[str, Any]:
    """Import one body's inventory file (any format the importers know) and replace that body's inventory.

    403 unless the viewer may edit that body's data; a file naming another body's facilities is refused
    as a whole. Rows the importer rejects are listed in the report (row, column, reason) and not saved.
    """
    code6 = codes.normalize(code)
    body = registry().by_code(code6)
    if not can_edit_body(s, viewer, code6):
        raise forbid(f"{body.name}（{code6}）の施設データを編集する権限がありません（団体担当は自団体のみ）")
    safe_name = Path(filename).name or "upload.csv"
    if Path(safe_name).suffix.lower() not in (".csv", ".xlsx", ".txt"):
        raise KouikiError(f"{safe_name}: CSV（.csv）または Excel（.xlsx）のファイルを選んでください")
    with tempfile.TemporaryDirectory(prefix="kouiki-import-") as tmp:
        path = Path(tmp) / safe_name
        path.write_bytes(data)
        try:
            inventory, report = import_inventory(path, default_code=code6)
        except InventoryImportError as exc:
            raise KouikiError(str(exc).replace(str(path), safe_name)) from None
    others = sorted({f.municipality_code for f in inventory.facilities if f.municipality_code != code6})
    if others:
        names = "、".join(f"{registry().by_code(c).name}（{c}）" for c in others)
        raise forbid(f"{safe_name}: 他団体の施設が含まれています: {names}。{body.name} の施設だけを取り込めます")
    out: dict[str, Any] = report.to_dict()
    out["source"] = safe_name
    for key in ("rejected", "warnings"):
        for issue in out[key]:
            issue["text"] = f"{safe_name} {issue['row']}行目" + (f" 列「{issue['column']}」" if issue["column"] else "") \
                + f": {issue['reason']}"
    out.update(municipality_code=code6, municipality_name=body.name, imported=False)
    if not inventory.facilities:
        out["notes"] = [*out.get("notes", []), "取り込める施設が1件もないため、何も変更していません"]
        return out
    save_inventory(s, body_inventory_name(code6), inventory, user=viewer.username, report=out)
    out["imported"] = True
    return out


# ----- scenarios ------------------------------------------------------------------------------------------

def store_inventory_ref(region_id: str) -> str:
    return f"store:{region_id}"


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


def scenario_evaluation(s: Session, row: ScenarioRow, progress: Progress | None = None) -> dict[str, Any]:
    """Evaluate with the facility-planning engine on the region's inventory in the store."""
    region = region_or_404(s, row.region_id)
    sc = validate_scenario(row.document, row.region_id, row.name)
    inventory = region_inventory(s, region)
    result = evaluate_scenario(sc, inventory, engine=fiscal_engine(), progress=progress)
    result["counts"] = facility_counts(sc, inventory)
    result["closed_ids"] = sorted({fid for a in sc.actions for fid in a.closed_ids()})
    return result


def facility_counts(sc: Scenario, inventory: Inventory) -> dict[str, dict[str, int]]:
    """施設数 before/after per body (closed = 統合元・廃止・除却 of the scenario's actions)."""
    closed = {fid for a in sc.actions for fid in a.closed_ids()}
    out: dict[str, dict[str, int]] = {}
    for f in inventory.facilities:
        c = out.setdefault(f.municipality_code, {"before": 0, "after": 0})
        c["before"] += 1
        c["after"] += int(f.facility_id not in closed)
    return out


def fiscal_engine() -> Engine | None:
    """The fiscal engine for the financing lines (None while the fiscal capability is not installed)."""
    return default_engine()
