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


# What the audit page shows people (the stored codes stay in English for machines and the JSON twin).
ACTION_LABELS: dict[str, str] = {
    "insert": "登録", "update": "更新", "delete": "削除", "import": "取込", "login": "ログイン",
    "login_failed": "ログイン失敗", "logout": "ログアウト", "procedure": "形成手続の記録", "members": "構成団体の変更",
}
ENTITY_LABELS: dict[str, str] = {
    "region": "圏域", "region_procedure": "圏域の形成手続", "scenario": "シナリオ", "user": "利用者",
    "web_job": "最適化の計算", "census_figure": "国勢調査の数値", "facility_inventory": "公共施設一覧",
    "facility_council": "協議会の記録", "fiscal_plan": "財政計画", "staffing_plan": "派遣計画",
}


def action_label(action: str) -> str:
    """The Japanese name of an audit action (an unknown code is shown as it is)."""
    return ACTION_LABELS.get(action, action)


def entity_label(entity: str) -> str:
    """The Japanese name of an audited kind of record (an unknown code is shown as it is)."""
    return ENTITY_LABELS.get(entity, entity)
