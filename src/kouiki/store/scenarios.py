"""Scenarios of a region (シナリオ) in the store, with optimistic locking.

The scenario itself is a document (the facility-planning scenario format: actions with their
``lead_body`` …); the store keeps it with its region, name and ``version``. Saving with a stale
``expected_version`` raises :class:`~kouiki.store.regions.ConflictError`, so two people editing the same
scenario cannot silently overwrite each other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kouiki.reference.errors import NotFoundError
from kouiki.store.audit import record
from kouiki.store.base import Base, utcnow
from kouiki.store.regions import ConflictError, flush_or_conflict


class ScenarioRow(Base):
    __tablename__ = "scenario"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    region_id: Mapped[str] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "region_id": self.region_id, "name": self.name, "document": self.document,
                "created_by": self.created_by, "version": self.version,
                "updated_at": self.updated_at.isoformat(timespec="seconds")}


def list_scenarios(s: Session, region_id: str | None = None) -> list[ScenarioRow]:
    q = select(ScenarioRow).order_by(ScenarioRow.id)
    if region_id is not None:
        q = q.where(ScenarioRow.region_id == region_id)
    return list(s.scalars(q))


def get_scenario(s: Session, scenario_id: int) -> ScenarioRow:
    row = s.get(ScenarioRow, scenario_id)
    if row is None:
        raise NotFoundError(f"シナリオ {scenario_id} は登録されていません")
    return row


def create_scenario(s: Session, *, region_id: str, name: str, document: dict[str, Any], user: str) -> ScenarioRow:
    row = ScenarioRow(region_id=region_id, name=name, document=document, created_by=user)
    s.add(row)
    s.flush()
    record(s, user=user, action="insert", entity="scenario", entity_id=str(row.id), before=None,
           after={"name": name, "document": document})
    return row


def update_scenario(
    s: Session, scenario_id: int, *, name: str, document: dict[str, Any], user: str, expected_version: int
) -> ScenarioRow:
    """Save an edit made on version ``expected_version``; refuse it when someone saved in between."""
    row = get_scenario(s, scenario_id)
    if row.version != expected_version:
        raise ConflictError(
            f"シナリオ「{row.name}」は他の利用者が更新しました（現在の版 {row.version}、編集開始時の版 {expected_version}）。"
            "再読み込みして変更を確認してからやり直してください (edited by someone else)", current_version=row.version,
        )
    before = {"name": row.name, "document": row.document, "version": row.version}
    row.name = name
    row.document = document
    row.updated_at = utcnow()  # always an UPDATE, so the version moves even when nothing else changed
    flush_or_conflict(s, f"シナリオ「{name}」", lambda fresh: _version(fresh, scenario_id))
    record(s, user=user, action="update", entity="scenario", entity_id=str(row.id), before=before,
           after={"name": name, "document": document, "version": row.version})
    return row


def _version(s: Session, scenario_id: int) -> int | None:
    row = s.get(ScenarioRow, scenario_id)
    return None if row is None else row.version


def delete_scenario(s: Session, scenario_id: int, user: str) -> None:
    row = get_scenario(s, scenario_id)
    record(s, user=user, action="delete", entity="scenario", entity_id=str(row.id),
           before={"name": row.name, "document": row.document}, after=None)
    s.delete(row)
