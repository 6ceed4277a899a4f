"""Facility inventories and their import reports in the store.

One ``facility_inventory`` row per named inventory (e.g. 「天理市 台帳 R6」) with the import report, and one
``facility`` row per facility holding its plain-data document (``kouiki.facilities.model.facility_to_dict``)
plus indexed columns for queries. Saving replaces an inventory as a whole inside one transaction, so an
import is all-or-nothing; every save is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from kouiki.facilities.model import Facility, Inventory, facility_from_dict, facility_to_dict
from kouiki.reference.errors import NotFoundError
from kouiki.store.audit import record
from kouiki.store.base import Base, utcnow


class FacilityInventoryRow(Base):
    __tablename__ = "facility_inventory"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sources: Mapped[list[str]] = mapped_column(JSON)
    notes: Mapped[list[str]] = mapped_column(JSON)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # ImportReport.to_dict()
    facility_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    facilities: Mapped[list[FacilityRow]] = relationship(
        back_populates="inventory", cascade="all, delete-orphan", lazy="selectin", order_by="FacilityRow.position"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict


class FacilityRow(Base):
    __tablename__ = "facility"
    inventory_id: Mapped[int] = mapped_column(ForeignKey("facility_inventory.id", ondelete="CASCADE"), primary_key=True)
    facility_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    municipality_code: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(50))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    inventory: Mapped[FacilityInventoryRow] = relationship(back_populates="facilities")

    def to_model(self) -> Facility:
        return facility_from_dict(self.document)


def save_inventory(
    s: Session, name: str, inventory: Inventory, *, user: str, report: dict[str, Any] | None = None
) -> int:
    """Insert or replace the inventory ``name`` (all facilities at once); returns its id."""
    row = s.scalar(select(FacilityInventoryRow).where(FacilityInventoryRow.name == name))
    before = None
    if row is not None:
        before = {"facility_count": row.facility_count, "sources": row.sources}
        s.delete(row)
        s.flush()
    row = FacilityInventoryRow(
        name=name,
        sources=list(inventory.sources),
        notes=list(inventory.notes),
        report=report,
        facility_count=len(inventory.facilities),
    )
    row.facilities = [
        FacilityRow(
            facility_id=f.facility_id,
            position=i,
            municipality_code=f.municipality_code,
            name=f.name,
            category=f.category.value,
            document=facility_to_dict(f),
        )
        for i, f in enumerate(inventory.facilities)
    ]
    s.add(row)
    s.flush()
    record(
        s,
        user=user,
        action="import",
        entity="facility_inventory",
        entity_id=name,
        before=before,
        after={"facility_count": row.facility_count, "sources": row.sources},
    )
    return row.id


def load_inventory(s: Session, name: str) -> Inventory:
    row = s.scalar(select(FacilityInventoryRow).where(FacilityInventoryRow.name == name))
    if row is None:
        known = "、".join(r.name for r in list_inventories(s)) or "（なし）"
        raise NotFoundError(f"施設台帳「{name}」は保存されていません（保存済み: {known}）")
    return Inventory([r.to_model() for r in row.facilities], sources=list(row.sources), notes=list(row.notes))


def list_inventories(s: Session) -> list[FacilityInventoryRow]:
    return list(s.scalars(select(FacilityInventoryRow).order_by(FacilityInventoryRow.name)))


def import_report(s: Session, name: str) -> dict[str, Any] | None:
    row = s.scalar(select(FacilityInventoryRow).where(FacilityInventoryRow.name == name))
    if row is None:
        raise NotFoundError(f"施設台帳「{name}」は保存されていません")
    return row.report


def delete_inventory(s: Session, name: str, *, user: str) -> None:
    row = s.scalar(select(FacilityInventoryRow).where(FacilityInventoryRow.name == name))
    if row is None:
        raise NotFoundError(f"施設台帳「{name}」は保存されていません")
    record(s, user=user, action="delete", entity="facility_inventory", entity_id=name,
           before={"facility_count": row.facility_count}, after=None)
    s.delete(row)
