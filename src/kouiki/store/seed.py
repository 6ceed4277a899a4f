"""Load the bundled rows into a store: the seed regions.

Idempotent. A bundled region missing from the store is inserted, unless a person deleted it. A stored region that came from the bundle
and that no person has changed since (every audit entry for it is by ``system``) follows the bundle: when a
new release corrects or adds facts (a 協定締結日, a source, ``agreement_by``), an existing store gets them at
the next start instead of answering from the old copy. A region someone edited, imported or created is never
overwritten.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouiki.reference.regions import Region, bundled_regions
from kouiki.store.audit import AuditEntry
from kouiki.store.regions import ConflictError, RegionRow, save_region

log = logging.getLogger(__name__)
SYSTEM_USER = "system"


def seed_bundled(s: Session) -> int:
    """Insert bundled regions the store lacks and refresh untouched bundled copies; return how many changed."""
    # the three columns the decision needs, not ORM rows with their members (this runs at every start)
    rows = {i: (origin, doc) for i, origin, doc in s.execute(select(RegionRow.id, RegionRow.origin, RegionRow.document))}
    touched = set(
        s.scalars(
            select(AuditEntry.entity_id).where(
                AuditEntry.entity.in_(("region", "region_members")), AuditEntry.user != SYSTEM_USER
            )
        )
    )
    changed = 0
    for region in bundled_regions():
        row = rows.get(region.id)
        if row is None and region.id in touched:
            continue  # a person deleted it: a bundled region does not come back at the next start
        if row is None or (
            row[0] == "bundled" and region.id not in touched and row[1] != region.model_dump(mode="json")
        ):
            changed += _try_save(s, region, origin="bundled")
    return changed


def _try_save(s: Session, region: Region, origin: str) -> int:
    """Save one bundled region in a savepoint; a clash with the store (another region already holds the name) keeps
    the store's region and skips this one, so a new release never stops the store from starting."""
    try:
        with s.begin_nested():
            save_region(s, region, user=SYSTEM_USER, origin=origin)
    except ConflictError:
        # INFO, not WARNING: the store's own region of that name stands in for the bundled one (an officer's copy, or
        # an older release's ID); printing this on every CLI call would only be noise
        log.info("同梱の圏域「%s」（%s）は、同じ名前か ID の圏域がストアにあるため読み込みません", region.name, region.id)
        return 0
    return 1
