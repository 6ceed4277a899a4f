"""The fiscal plan (財政措置の計画) a region keeps in the web app: one document per region, versioned.

The document is the fiscal engine's plan (``{"items": [...]}``, see docs/fiscal.md) plus the what-if
overrides the users last used; saving with a stale version raises ConflictError; every save is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from kouiki.store.audit import record
from kouiki.store.base import Base, utcnow
from kouiki.store.regions import ConflictError


class FiscalPlanRow(Base):
    __tablename__ = "fiscal_plan"
    region_id: Mapped[str] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict


def get_plan(s: Session, region_id: str) -> FiscalPlanRow | None:
    return s.get(FiscalPlanRow, region_id)


def save_plan(s: Session, region_id: str, document: dict[str, Any], *, user: str, expected_version: int | None) -> int:
    """Insert or update; ``expected_version`` None only for the first save. Returns the new version."""
    row = s.get(FiscalPlanRow, region_id)
    if row is None:
        row = FiscalPlanRow(region_id=region_id, document=document, updated_by=user)
        s.add(row)
        s.flush()
        record(s, user=user, action="insert", entity="fiscal_plan", entity_id=region_id, before=None, after=document)
        return row.version
    if expected_version is None or row.version != expected_version:
        raise ConflictError(
            f"この圏域の財政計画は他の利用者が更新しました（現在の版 {row.version}、編集開始時の版 {expected_version}）。"
            "再読み込みしてからやり直してください (edited by someone else)"
        )
    before = row.document
    row.document = document
    row.updated_by = user
    row.updated_at = utcnow()  # always an UPDATE, so the version moves even when the plan is unchanged
    s.flush()
    record(s, user=user, action="update", entity="fiscal_plan", entity_id=region_id, before=before, after=document)
    return row.version
