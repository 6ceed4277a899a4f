"""Audit log: every write records who, when, what, before → after (visible to 管理者 in the web app)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kouiki.store.base import Base, utcnow
from kouiki.store.version import bump


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))  # insert / update / delete / import / login …
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(200))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)


def record(
    s: Session, *, user: str, action: str, entity: str, entity_id: str, before: Any, after: Any
) -> AuditEntry:
    entry = AuditEntry(user=user, action=action, entity=entity, entity_id=entity_id, before=before, after=after)
    s.add(entry)
    bump(s)  # page caches key on the data version: any write invalidates them
    return entry


def recent(s: Session, limit: int = 200) -> list[AuditEntry]:
    return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
