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

from kouiki.store.base import Base, utcnow
from kouiki.store.region_documents import save_region_document


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
    """Insert (``expected_version`` None or 0) or update; returns the new version (see store.region_documents)."""
    return save_region_document(s, StaffingPlanRow, region_id, document, user=user, expected_version=expected_version,
                                entity="staffing_plan", what="派遣計画")
