"""Which facilities the web app shows for a body or a region, from the inventories in the store.

A body's own import is saved as the inventory 「団体:<code>」 and wins; a body without one shows its
facilities from the newest other inventory that has them (e.g. the demo inventories). So each body's
facilities come from exactly one inventory and are never counted twice.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from kouiki.facilities.model import Facility, Inventory
from kouiki.reference import codes
from kouiki.store.facilities import FacilityInventoryRow, FacilityRow

BODY_PREFIX = "団体:"


def body_inventory_name(code: str) -> str:
    return f"{BODY_PREFIX}{codes.normalize(code)}"


def _chosen_inventories(s: Session, codes6: list[str]) -> dict[str, FacilityInventoryRow]:
    q = (select(FacilityRow.municipality_code, FacilityInventoryRow.id, FacilityInventoryRow.name)
         .join(FacilityInventoryRow, FacilityRow.inventory_id == FacilityInventoryRow.id)
         .where(FacilityRow.municipality_code.in_(codes6)).distinct())  # no JSON column: PostgreSQL cannot DISTINCT json
    chosen_ids: dict[str, tuple[int, str]] = {}
    for code, inv_id, name in s.execute(q):
        current = chosen_ids.get(code)
        own = name == body_inventory_name(code)
        if current is None or own or (current[1] != body_inventory_name(code) and inv_id > current[0]):
            chosen_ids[code] = (inv_id, name)
    rows = {r.id: r for r in s.scalars(select(FacilityInventoryRow)
                                       .options(lazyload(FacilityInventoryRow.facilities))  # rows are read per body
                                       .where(FacilityInventoryRow.id.in_({i for i, _ in chosen_ids.values()})))}
    return {code: rows[inv_id] for code, (inv_id, _name) in chosen_ids.items()}


def facilities_of(s: Session, body_codes: list[str]) -> Inventory:
    """Facilities of the given bodies (each from its chosen inventory), with those inventories' sources/notes."""
    codes6 = [codes.normalize(c) for c in body_codes]
    chosen = _chosen_inventories(s, codes6)
    facilities: list[Facility] = []
    sources: list[str] = []
    notes: list[str] = []
    for code in codes6:
        inv = chosen.get(code)
        if inv is None:
            continue
        rows = s.scalars(select(FacilityRow).where(FacilityRow.inventory_id == inv.id,
                                                   FacilityRow.municipality_code == code)
                         .order_by(FacilityRow.position))
        facilities.extend(r.to_model() for r in rows)
        for src in inv.sources:
            if src not in sources:
                sources.append(src)
        for n in inv.notes:
            if n not in notes:
                notes.append(n)
    return Inventory(facilities, sources=sources, notes=notes)


def inventory_names_of(s: Session, body_codes: list[str]) -> dict[str, str]:
    """Body code → name of the inventory its facilities come from."""
    return {code: inv.name for code, inv in _chosen_inventories(s, [codes.normalize(c) for c in body_codes]).items()}


def facility_count_of(s: Session, body_codes: list[str]) -> int:
    """How many facilities :func:`facilities_of` would return, in one grouped query (dashboards)."""
    codes6 = [codes.normalize(c) for c in body_codes]
    q = (select(FacilityRow.municipality_code, FacilityInventoryRow.id, FacilityInventoryRow.name, func.count())
         .join(FacilityInventoryRow, FacilityRow.inventory_id == FacilityInventoryRow.id)
         .where(FacilityRow.municipality_code.in_(codes6))
         .group_by(FacilityRow.municipality_code, FacilityInventoryRow.id, FacilityInventoryRow.name))
    chosen: dict[str, tuple[int, str, int]] = {}
    for code, inv_id, name, n in s.execute(q):
        current = chosen.get(code)
        own = name == body_inventory_name(code)
        if current is None or own or (current[1] != body_inventory_name(code) and inv_id > current[0]):
            chosen[code] = (inv_id, name, int(n))
    return sum(n for _i, _name, n in chosen.values())
