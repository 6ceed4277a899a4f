"""A body's facility list from an uploaded file, for the page and the JSON API: all-or-nothing by default.

:func:`import_facilities` reads the file with the importers, and

- refuses the whole file when any row is wrong (status ``rejected``: every bad row with row, column letter,
  header, value and reason; the stored list is untouched);
- asks for confirmation (status ``confirm``) before a replacement that imports only the good rows
  (``only_valid``) or removes facility IDs that stored scenarios use, showing 件数 before/after;
- replaces the list (status ``imported``) only when the file is complete and orphans no scenario, or the
  user confirmed the plan whose ``revision`` still matches (someone else's change in between → 409).

The page keeps the uploaded file for the confirming second step in :func:`stash` (a file under the data
folder, readable only by the same user for the same body, for :data:`PENDING_SECONDS`), so the officer does
not choose it again.
"""

from __future__ import annotations

import json
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kouiki.facilities.importers import InventoryImportError, import_inventory
from kouiki.reference import codes
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import registry
from kouiki.store.facilities import plan_replacement, save_inventory
from kouiki.store.regions import regions_of_body
from kouiki.web.auth import Viewer, forbid
from kouiki.web.inventories import body_inventory_name, facilities_of

PENDING_SECONDS = 3600  # how long an upload waits for its confirming second step
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
SUFFIXES = (".csv", ".xlsx", ".txt")


class ImportFileError(KouikiError):
    """The upload cannot be imported at all (wrong kind of file, unreadable, missing columns): 400."""


class PendingImportError(KouikiError):
    """The confirming second step refers to an upload that is gone (expired, another user, another body)."""


def import_facilities(
    s: Session, viewer: Viewer, code: str, data: bytes, filename: str, *, only_valid: bool = False,
    confirm: bool = False, expected_revision: str | None = None,
) -> dict[str, Any]:
    """Import one body's file and, when allowed, replace that body's facility list. See the module docstring.

    Returns the import report plus ``status`` (imported | rejected | confirm | empty), ``imported``,
    ``message`` (Japanese), ``problems`` (one line per bad row) and ``plan`` (件数 before/after, removed IDs,
    affected scenarios, revision). 403 (HTTPException) when the viewer may not edit the body or the file
    holds another body's facilities; :class:`ImportFileError` for a file that cannot be read at all.
    """
    code6 = codes.normalize(code)
    body = registry().by_code(code6)
    if not viewer.can_edit_body(code6, regions_of_body(s, code6)):  # the rule of service.can_edit_body
        raise forbid(f"{body.name}（{code6}）の施設データを編集する権限がありません（団体担当は自団体のみ）")
    safe_name = Path(filename).name or "upload.csv"
    if Path(safe_name).suffix.lower() not in SUFFIXES:
        raise ImportFileError(f"{safe_name}: CSV（.csv）または Excel（.xlsx）のファイルを選んでください")
    with tempfile.TemporaryDirectory(prefix="kouiki-import-") as tmp:
        path = Path(tmp) / safe_name
        path.write_bytes(data)
        try:
            inventory, report = import_inventory(path, default_code=code6)
        except InventoryImportError as exc:
            raise ImportFileError(str(exc).replace(str(path), safe_name)) from None
    others = sorted({f.municipality_code for f in inventory.facilities if f.municipality_code != code6})
    if others:
        names = "、".join(f"{registry().by_code(c).name}（{c}）" for c in others)
        raise forbid(f"{safe_name}: 他団体の施設が含まれています: {names}。{body.name} の施設だけを取り込めます")
    out: dict[str, Any] = report.to_dict()
    out.update(source=safe_name, municipality_code=code6, municipality_name=body.name, imported=False,
               problems=[i.text(safe_name) for i in report.rejected])
    current = facilities_of(s, [code6]).facilities
    name = body_inventory_name(code6)
    plan = plan_replacement(s, name, inventory, current=current)
    out["plan"] = plan.to_dict()
    if not inventory.facilities:
        out.update(status="empty", message=(
            f"{safe_name}: 取り込める施設が1件もないため、何も変更していません（{body.name} の施設 {plan.before:,} 件はそのままです）"))
        return out
    if report.rejected and not only_valid:
        out.update(status="rejected", message=report.refusal().replace(report.source, safe_name, 1))
        return out
    if (report.rejected or plan.needs_confirmation) and not confirm:
        why = []
        if report.rejected:
            why.append(f"誤りのある {report.rows_rejected} 行を除いた正しい {plan.after:,} 件で置き換えます")
        if plan.affected_scenarios:
            why.append(f"シナリオ {len(plan.affected_scenarios)} 件が使う施設が一覧から消えます")
        out.update(status="confirm", message=(
            f"{body.name} の施設一覧を置き換える前に確認してください（{plan.summary()}）: " + "。".join(why)
            + "。まだ何も変更していません"))
        return out
    save_inventory(s, name, inventory, user=viewer.username, report=out, current=current,
                   expected_revision=expected_revision if expected_revision is not None else plan.revision)
    out.update(status="imported", imported=True,
               message=f"{body.name} の施設一覧を {plan.after:,} 件で置き換えました（置き換え前 {plan.before:,} 件）")
    return out


# ----- the upload kept for the second step ----------------------------------------------------------------

def _pending_dir() -> Path:
    from kouiki.settings import data_dir

    d = data_dir() / "import-pending"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _sweep(folder: Path, now: float) -> None:
    for p in folder.glob("*.json"):
        try:
            if now - p.stat().st_mtime > PENDING_SECONDS:
                p.unlink(missing_ok=True)
                p.with_suffix(".bin").unlink(missing_ok=True)
        except OSError:
            continue


def stash(data: bytes, filename: str, code: str, user: str) -> str:
    """Keep an upload for its confirming second step; returns the token the confirm form sends back."""
    folder = _pending_dir()
    now = time.time()
    _sweep(folder, now)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(data)
    meta = {"filename": Path(filename).name, "code": codes.normalize(code), "user": user, "created": now}
    (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def unstash(token: str, code: str, user: str) -> tuple[bytes, str]:
    """The upload kept under ``token`` for this user and body, or :class:`PendingImportError`."""
    gone = PendingImportError("取り込みの確認の期限が切れたか、見つかりません。もう一度ファイルを選んで取り込んでください")
    if not _TOKEN.match(token or ""):
        raise gone
    folder = _pending_dir()
    meta_path, data_path = folder / f"{token}.json", folder / f"{token}.bin"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = data_path.read_bytes()
    except (OSError, ValueError):
        raise gone from None
    if meta.get("user") != user or meta.get("code") != codes.normalize(code):
        raise gone
    if time.time() - float(meta.get("created", 0)) > PENDING_SECONDS:
        drop(token)
        raise gone
    return data, str(meta.get("filename") or "upload.csv")


def drop(token: str) -> None:
    if _TOKEN.match(token or ""):
        folder = _pending_dir()
        (folder / f"{token}.json").unlink(missing_ok=True)
        (folder / f"{token}.bin").unlink(missing_ok=True)
