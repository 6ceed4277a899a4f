"""The staffing plan (専門人材の共同活用計画) a region keeps: one staffing case per region, versioned.

The document is the staffing capability's case as plain data (``title``, ``years``, ``defaults``,
``agreements`` 連携協約, ``posts`` ポスト, ``secondments`` 派遣, ``demand`` 需要; see docs/staffing.md), with
dates as ISO text. Saving with a stale version raises ConflictError; every save is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from kouiki.store.audit import record
from kouiki.store.base import Base, utcnow
from kouiki.store.regions import ConflictError


class StaffingPlanRow(Base):
    __tablename__ = "staffing_plan"
    region_id: Mapped[str] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict


def get_staffing_plan(s: Session, region_id: str) -> StaffingPlanRow | None:
    return s.get(StaffingPlanRow, region_id)


def save_staffing_plan(
    s: Session, region_id: str, document: dict[str, Any], *, user: str, expected_version: int | None
) -> int:
    """Insert or update; ``expected_version`` None only for the first save. Returns the new version."""
    row = s.get(StaffingPlanRow, region_id)
    if row is None:
        if expected_version is not None:
            raise ConflictError(
                "この圏域の派遣計画は他の利用者が削除したか、まだ保存されていません。再読み込みしてください"
            )
        row = StaffingPlanRow(region_id=region_id, document=document, updated_by=user)
        s.add(row)
        s.flush()
        record(s, user=user, action="insert", entity="staffing_plan", entity_id=region_id, before=None,
               after=document)
        return row.version
    if expected_version is None or row.version != expected_version:
        raise ConflictError(
            f"この圏域の派遣計画は他の利用者が更新しました（現在の版 {row.version}、編集開始時の版 "
            f"{expected_version}）。再読み込みしてからやり直してください (edited by someone else)"
        )
    before = row.document
    row.document = document
    row.updated_by = user
    row.updated_at = utcnow()  # always an UPDATE, so the version moves even when the plan is unchanged
    s.flush()
    record(s, user=user, action="update", entity="staffing_plan", entity_id=region_id, before=before,
           after=document)
    return row.version
