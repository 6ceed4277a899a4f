"""The staffing plan (専門人材の共同活用計画) a region keeps: one staffing case per region, versioned.

The document is the staffing capability's case as plain data (``title``, ``years``, ``defaults``,
``agreements`` 連携協約, ``posts`` ポスト, ``secondments`` 派遣, ``demand`` 需要; see docs/staffing.md), with
dates as ISO text. Saving with a stale version raises ConflictError; every save is audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kouiki.store.base import Base
from kouiki.store.region_documents import RegionDocumentColumns, save_region_document


class StaffingPlanRow(RegionDocumentColumns, Base):
    __tablename__ = "staffing_plan"


def get_staffing_plan(s: Session, region_id: str) -> StaffingPlanRow | None:
    return s.get(StaffingPlanRow, region_id)


def save_staffing_plan(
    s: Session, region_id: str, document: dict[str, Any], *, user: str, expected_version: int | None
) -> int:
    """Insert (``expected_version`` None or 0) or update; returns the new version (see store.region_documents)."""
    return save_region_document(s, StaffingPlanRow, region_id, document, user=user, expected_version=expected_version,
                                entity="staffing_plan", what="派遣計画")
