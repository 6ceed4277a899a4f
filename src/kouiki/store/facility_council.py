"""The council record (広域的な議論の場 / 協議会) of a region: one document per region, versioned.

The document is the council format of ``kouiki.facilities.council`` (members, meetings, experts,
study_costs, sharing); the store only keeps it. Saving with a stale version raises ConflictError and every
save is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from kouiki.store.base import Base, utcnow
from kouiki.store.region_documents import save_region_document


class FacilityCouncilRow(Base):
    __tablename__ = "facility_council"
    region_id: Mapped[str] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict


def get_council(s: Session, region_id: str) -> FacilityCouncilRow | None:
    return s.get(FacilityCouncilRow, region_id)


def save_council(
    s: Session, region_id: str, document: dict[str, Any], *, user: str, expected_version: int | None
) -> int:
    """Insert (``expected_version`` None or 0 when there is no record yet) or update; returns the new version."""
    return save_region_document(s, FacilityCouncilRow, region_id, document, user=user, expected_version=expected_version,
                                entity="facility_council", what="協議会の記録")
