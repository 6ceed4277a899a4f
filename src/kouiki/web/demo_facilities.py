"""Demo inventories for ``kouiki serve --demo``: the facility-planning capability's demo of each seed region.

They are built from 国土地理院 shelter points with documented, marked imputation (see
``kouiki.facilities.demo``) and saved once as the inventory 「デモ:<圏域名>」.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouiki.facilities.demo import demo_inventory, demo_regions
from kouiki.store.facilities import FacilityInventoryRow, save_inventory


def load_demo_inventories(s: Session) -> list[str]:
    notes = []
    for region in demo_regions():
        name = f"デモ:{region.name}"
        if s.scalar(select(FacilityInventoryRow).where(FacilityInventoryRow.name == name)) is not None:
            continue
        inv = demo_inventory(region)
        save_inventory(s, name, inv, user="demo")
        notes.append(f"デモ用の施設データ「{name}」を読み込みました（{len(inv.facilities)}件・延床面積等は推計値）")
    return notes
