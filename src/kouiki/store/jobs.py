"""Optimiser jobs of the web app (最適化の処理), kept in the store so a page can follow them and a restart
does not forget them.

A job runs in a thread of the server process (``kouiki.web.optimizer_jobs``) and writes its progress (the last
points: seconds, objective, bound, gap), its result, the scenario it created or its error here. Each process
has a ``runner`` token, and a running job's ``updated_at`` is refreshed by a heartbeat while its thread lives.
A job still marked running by another runner and not heard of for a while is marked ``interrupted`` (中断) —
its process stopped. The heartbeat keeps a job of another live worker (``--workers N``) from being taken for one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from kouiki.reference.errors import NotFoundError
from kouiki.store.audit import record
from kouiki.store.base import Base, utcnow

PROGRESS_KEPT = 50  # progress points kept per job (the page shows the last one, the API the last 20)

STATUS_LABELS = {"running": "計算中", "done": "完了", "failed": "失敗", "interrupted": "中断"}


class JobRow(Base):
    __tablename__ = "web_job"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    region_id: Mapped[str] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(300))
    model: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="running")
    runner: Mapped[str] = mapped_column(String(100))
    progress: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    scenario_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    def public(self) -> dict[str, Any]:
        def iso(t: dt.datetime | None) -> str | None:
            return None if t is None else t.replace(tzinfo=dt.UTC).isoformat(timespec="seconds")

        return {"id": self.id, "region_id": self.region_id, "created_by": self.created_by, "label": self.label,
                "model": self.model, "parameters": self.parameters, "status": self.status,
                "status_label": STATUS_LABELS.get(self.status, self.status),
                "progress": list(self.progress or [])[-20:], "result": self.result, "scenario_id": self.scenario_id,
                "error": self.error, "started": iso(self.started_at), "updated": iso(self.updated_at),
                "finished": iso(self.finished_at)}


def create_job(
    s: Session, *, job_id: str, region_id: str, user: str, label: str, model: str, parameters: dict[str, Any],
    runner: str,
) -> JobRow:
    row = JobRow(id=job_id, region_id=region_id, created_by=user, label=label, model=model, parameters=parameters,
                 status="running", runner=runner, progress=[])
    s.add(row)
    s.flush()
    record(s, user=user, action="insert", entity="web_job", entity_id=job_id, before=None,
           after={"region_id": region_id, "label": label, "model": model, "parameters": parameters})
    return row


def get_job(s: Session, job_id: str) -> JobRow:
    row = s.get(JobRow, job_id)
    if row is None:
        raise NotFoundError(f"処理 {job_id} は見つかりません")
    return row


def list_jobs(s: Session, region_id: str, limit: int = 20) -> list[JobRow]:
    q = select(JobRow).where(JobRow.region_id == region_id).order_by(JobRow.started_at.desc()).limit(limit)
    return list(s.scalars(q))


def add_progress(s: Session, job_id: str, point: dict[str, Any]) -> None:
    row = get_job(s, job_id)
    row.progress = [*(row.progress or []), point][-PROGRESS_KEPT:]
    row.updated_at = utcnow()


def finish_job(s: Session, job_id: str, *, result: dict[str, Any], scenario_id: int | None) -> None:
    """The job ended and created its scenario (the scenario's own insert is audited by the scenario store)."""
    row = get_job(s, job_id)
    row.status, row.result, row.scenario_id = "done", result, scenario_id
    row.updated_at = row.finished_at = utcnow()


def fail_job(s: Session, job_id: str, error: str) -> None:
    row = get_job(s, job_id)
    row.status, row.error = "failed", error
    row.updated_at = row.finished_at = utcnow()


def touch(s: Session, job_id: str) -> None:
    """Heartbeat of a running job (its thread is alive)."""
    s.execute(update(JobRow).where(JobRow.id == job_id, JobRow.status == "running").values(updated_at=utcnow()))


def mark_interrupted(s: Session, runner: str, silent_for: dt.timedelta) -> int:
    """Jobs of another runner not heard of for ``silent_for`` (their process stopped) → 中断. Returns how many."""
    now = utcnow()
    res = s.execute(
        update(JobRow).where(JobRow.status == "running", JobRow.runner != runner,
                             JobRow.updated_at < now - silent_for)
        .values(status="interrupted", updated_at=now, finished_at=now,
                error="サーバーの再起動（または停止）で計算が中断されました。もう一度実行してください")
    )
    return int(getattr(res, "rowcount", 0) or 0)
