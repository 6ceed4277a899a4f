"""Facility inventories and their import reports in the store.

One ``facility_inventory`` row per named inventory (e.g. 「天理市 台帳 R6」) with the import report, and one
``facility`` row per facility holding its plain-data document (``kouiki.facilities.model.facility_to_dict``)
plus indexed columns for queries. Saving replaces an inventory as a whole inside one transaction, so an
import is all-or-nothing; every save is audited.

Nothing out of range is stored: :func:`save_inventory` checks every facility against the one range schema
(:data:`kouiki.facilities.model.BOUNDS`) and refuses the whole inventory otherwise. :func:`plan_replacement`
says what a replacement would do (件数 before/after, facility IDs removed, the scenarios that use them) so a
surface can ask the user to confirm; its ``revision`` lets the confirmed save refuse when someone changed the
list in between.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from kouiki.facilities.model import (
    Facility,
    Inventory,
    facility_from_dict,
    facility_problems,
    facility_to_dict,
)
from kouiki.reference.errors import KouikiError, NotFoundError
from kouiki.store.audit import record
from kouiki.store.base import Base, utcnow
from kouiki.store.regions import ConflictError


class OutOfRangeError(KouikiError, ValueError):
    """An inventory with a figure outside the range schema: nothing is stored."""


@dataclass(frozen=True)
class AffectedScenario:
    """A stored scenario that names facility IDs a replacement would remove (it could no longer be opened)."""

    id: int
    region_id: str
    name: str
    facility_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "region_id": self.region_id, "name": self.name, "facility_ids": list(self.facility_ids),
                "text": self.text()}

    def text(self) -> str:
        return f"シナリオ「{self.name}」（{self.region_id}、ID {self.id}）が使う施設ID: {'、'.join(self.facility_ids)}"


@dataclass(frozen=True)
class ReplacementPlan:
    """What replacing a facility list would do, for the user to confirm before it happens."""

    name: str
    before: int  # facilities shown now (0 when there is no list yet)
    after: int
    removed_ids: tuple[str, ...]  # facility IDs now listed that the new list lacks
    affected_scenarios: tuple[AffectedScenario, ...]
    revision: str  # changes whenever the current list changes

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.affected_scenarios)

    def summary(self) -> str:
        return f"{self.before:,} 件 → {self.after:,} 件"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "before": self.before, "after": self.after, "summary": self.summary(),
                "removed_ids": list(self.removed_ids), "removed": len(self.removed_ids),
                "affected_scenarios": [a.to_dict() for a in self.affected_scenarios], "revision": self.revision}


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


def check_inventory(inventory: Inventory) -> None:
    """Refuse (:class:`OutOfRangeError`) an inventory with any figure outside the range schema or a repeated ID."""
    problems: list[str] = []
    seen: set[str] = set()
    for f in inventory.facilities:
        if f.facility_id in seen:
            problems.append(f"施設ID「{f.facility_id[:40]}」が重複しています")
        seen.add(f.facility_id)
        for _field, value, reason in facility_problems(f):
            problems.append(f"{f.facility_id[:40]}「{f.name[:40]}」: {reason}（値: {str(value)[:40]}）")
    if problems:
        more = f" ほか {len(problems) - 5}件" if len(problems) > 5 else ""
        raise OutOfRangeError("範囲外の値があるため保存しません: " + "; ".join(problems[:5]) + more)


def _revision(row: FacilityInventoryRow | None, current_ids: Iterable[str]) -> str:
    h = hashlib.sha256()
    if row is not None:
        h.update(f"{row.id}:{row.version}:{row.created_at.isoformat()}".encode())
    for fid in sorted(current_ids):
        h.update(b"\0" + fid.encode())
    return h.hexdigest()[:16]


def scenarios_using(s: Session, facility_ids: Iterable[str], body_codes: Iterable[str]) -> list[AffectedScenario]:
    """Stored scenarios of the regions of ``body_codes`` whose actions name any of ``facility_ids``."""
    from kouiki.store.regions import regions_of_body
    from kouiki.store.scenarios import list_scenarios

    wanted = set(facility_ids)
    if not wanted:
        return []
    region_ids = sorted({r.id for c in set(body_codes) for r in regions_of_body(s, c)})
    out: list[AffectedScenario] = []
    for region_id in region_ids:
        for sc in list_scenarios(s, region_id):
            used = [fid for fid in _scenario_facility_ids(sc.document) if fid in wanted]
            if used:
                out.append(AffectedScenario(sc.id, sc.region_id, sc.name, tuple(dict.fromkeys(used))))
    return out


def _scenario_facility_ids(document: Any) -> list[str]:
    """Facility IDs a scenario document names (actions' sources, target, facilities, facility_id)."""
    out: list[str] = []
    actions = document.get("actions") if isinstance(document, dict) else None
    for a in actions if isinstance(actions, list) else []:
        if not isinstance(a, dict):
            continue
        for key in ("sources", "facilities"):
            v = a.get(key)
            if isinstance(v, list):
                out.extend(str(x) for x in v)
        for key in ("target", "facility_id"):
            if a.get(key) is not None:
                out.append(str(a[key]))
    return out


def plan_replacement(
    s: Session, name: str, inventory: Inventory, *, current: Sequence[Facility] | None = None
) -> ReplacementPlan:
    """What saving ``inventory`` as ``name`` would change. ``current``: the facilities users see now, when
    that is not simply the stored list ``name`` (the web shows a body's facilities from another inventory
    until the body imports its own)."""
    row = s.scalar(select(FacilityInventoryRow).where(FacilityInventoryRow.name == name))
    if current is None:
        now = [(r.facility_id, r.municipality_code) for r in row.facilities] if row is not None else []
    else:
        now = [(f.facility_id, f.municipality_code) for f in current]
    new_ids = {f.facility_id for f in inventory.facilities}
    removed = [(fid, code) for fid, code in now if fid not in new_ids]
    affected = scenarios_using(s, [fid for fid, _ in removed], {code for _, code in removed})
    return ReplacementPlan(
        name=name, before=len(now), after=len(inventory.facilities), removed_ids=tuple(fid for fid, _ in removed),
        affected_scenarios=tuple(affected), revision=_revision(row, (fid for fid, _ in now)),
    )


def save_inventory(
    s: Session, name: str, inventory: Inventory, *, user: str, report: dict[str, Any] | None = None,
    expected_revision: str | None = None, current: Sequence[Facility] | None = None,
) -> int:
    """Insert or replace the inventory ``name`` (all facilities at once); returns its id.

    Refuses (:class:`OutOfRangeError`) an inventory with a figure out of range. ``expected_revision``: the
    :attr:`ReplacementPlan.revision` the user confirmed; when the list changed since, :class:`ConflictError`.
    """
    check_inventory(inventory)
    if expected_revision is not None:
        plan = plan_replacement(s, name, inventory, current=current)
        if plan.revision != expected_revision:
            raise ConflictError(
                f"施設一覧「{name}」は確認の後に他の利用者が更新しました（現在 {plan.before:,} 件）。"
                "もう一度取り込んで、件数を確認してください"
            )
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
