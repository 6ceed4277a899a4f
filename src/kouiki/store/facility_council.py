"""The council record (広域的な議論の場 / 協議会) of a region: one document per region, versioned.

The document is the council format of ``kouiki.facilities.council`` (members, meetings, experts,
study_costs, sharing); the store only keeps it. Saving with a stale version raises ConflictError and every
save is audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kouiki.store.base import Base
from kouiki.store.region_documents import RegionDocumentColumns, save_region_document


class FacilityCouncilRow(RegionDocumentColumns, Base):
    __tablename__ = "facility_council"


def get_council(s: Session, region_id: str) -> FacilityCouncilRow | None:
    return s.get(FacilityCouncilRow, region_id)


def save_council(
    s: Session, region_id: str, document: dict[str, Any], *, user: str, expected_version: int | None
) -> int:
    """Insert (``expected_version`` None or 0 when there is no record yet) or update; returns the new version."""
    return save_region_document(s, FacilityCouncilRow, region_id, document, user=user, expected_version=expected_version,
                                entity="facility_council", what="協議会の記録")
