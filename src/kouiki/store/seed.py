"""Load the bundled rows into a new store: the seed regions. Idempotent: existing rows are kept."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kouiki.reference.regions import bundled_regions
from kouiki.store.regions import RegionRow, save_region


def seed_bundled(s: Session) -> int:
    """Insert every bundled region that is not in the store yet; return how many were added."""
    added = 0
    for region in bundled_regions():
        if s.get(RegionRow, region.id) is None:
            save_region(s, region, user="system", origin="bundled")
            added += 1
    return added
