"""The store's data version: one counter that every audited write raises in the same transaction.

Caches of derived pages (e.g. the 圏域ダッシュボード) key on it, so a cached page is valid exactly until the next
write by anyone, in any process. A counter row rather than ``max(audit_log.id)``: on PostgreSQL a transaction
holding a lower audit id can commit after a higher one is visible, so the max id would not change when its data
appears; the row's update lock orders the increments by commit instead. The row also holds a random
``epoch`` made when the database is created, so a new or re-created database never matches a cache entry made
for another one with the same counter value.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from kouiki.store.base import Base

ROW_ID = 1


class StoreVersion(Base):
    __tablename__ = "store_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, default=0)
    epoch: Mapped[str] = mapped_column(String(32))


def bump(s: Session) -> None:
    """Raise the data version (called by :func:`kouiki.store.audit.record`, i.e. by every write)."""
    s.execute(update(StoreVersion).where(StoreVersion.id == ROW_ID).values(value=StoreVersion.value + 1))


def current(s: Session) -> tuple[str, int] | None:
    """(epoch, data version), or None when the counter row is missing (then nothing may be cached)."""
    row = s.execute(select(StoreVersion.epoch, StoreVersion.value).where(StoreVersion.id == ROW_ID)).first()
    return None if row is None else (row[0], row[1])
