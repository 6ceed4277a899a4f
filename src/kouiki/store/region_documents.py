"""One versioned, audited document per region — the shape shared by the fiscal plan, the staffing plan and the
協議会 record (each its own table, so each capability migrates on its own branch).

Saving checks the version the user read: a stale one (someone else saved in between, or deleted the record)
raises :class:`~kouiki.store.regions.ConflictError` instead of overwriting; every save is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol, TypeVar

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from kouiki.store.audit import record
from kouiki.store.base import utcnow
from kouiki.store.regions import ConflictError, flush_or_conflict


class RegionDocumentColumns:
    """The columns of every per-region document table; each capability's row class sets its own table name."""

    region_id: Mapped[str] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class DocumentRow(Protocol):
    region_id: Any
    document: Any
    updated_by: Any
    version: Any
    updated_at: Any

    def __init__(self, *, region_id: str, document: dict[str, Any], updated_by: str) -> None: ...


R = TypeVar("R", bound=DocumentRow)


def save_region_document(
    s: Session, row_type: type[R], region_id: str, document: dict[str, Any], *, user: str,
    expected_version: int | None, entity: str, what: str,
) -> int:
    """Insert (``expected_version`` None, or 0 = "there was none") or update; returns the new version.

    ``entity`` names the audit entries (``fiscal_plan`` …); ``what`` the record in messages (財政計画 …)."""
    def current(fresh: Session) -> int | None:
        found = fresh.get(row_type, region_id)
        return None if found is None else int(found.version)

    row = s.get(row_type, region_id)
    if row is None:
        if expected_version not in (None, 0):
            raise ConflictError(f"この圏域の{what}は他の利用者が削除したか、まだ保存されていません（編集開始時の版 "
                                f"{expected_version}）。再読み込みしてからやり直してください")
        row = row_type(region_id=region_id, document=document, updated_by=user)
        s.add(row)
        flush_or_conflict(s, f"この圏域の{what}", current)
        record(s, user=user, action="insert", entity=entity, entity_id=region_id, before=None, after=document)
        return int(row.version)
    if expected_version is None or row.version != expected_version:
        raise ConflictError(
            f"この圏域の{what}は他の利用者が更新しました（現在の版 {row.version}、編集開始時の版 {expected_version}）。"
            "再読み込みしてからやり直してください (edited by someone else)", current_version=row.version,
        )
    before = row.document
    row.document = document
    row.updated_by = user
    row.updated_at = utcnow()  # always an UPDATE, so the version moves even when the document is unchanged
    flush_or_conflict(s, f"この圏域の{what}", current)
    record(s, user=user, action="update", entity=entity, entity_id=region_id, before=before, after=document)
    return int(row.version)
