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

from kouiki.store.audit import record
from kouiki.store.base import Base, utcnow
from kouiki.store.regions import ConflictError


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
    row = s.get(FacilityCouncilRow, region_id)
    if row is None:
        if expected_version not in (None, 0):
            raise ConflictError(f"この圏域の協議会の記録は削除されたか、まだありません（編集開始時の版 {expected_version}）。"
                                "再読み込みしてからやり直してください")
        row = FacilityCouncilRow(region_id=region_id, document=document, updated_by=user)
        s.add(row)
        s.flush()
        record(s, user=user, action="insert", entity="facility_council", entity_id=region_id, before=None, after=document)
        return row.version
    if expected_version is None or row.version != expected_version:
        raise ConflictError(
            f"この圏域の協議会の記録は他の利用者が更新しました（現在の版 {row.version}、編集開始時の版 {expected_version}）。"
            "再読み込みしてからやり直してください (edited by someone else)"
        )
    before = row.document
    row.document = document
    row.updated_by = user
    row.updated_at = utcnow()
    s.flush()
    record(s, user=user, action="update", entity="facility_council", entity_id=region_id, before=before, after=document)
    return row.version
