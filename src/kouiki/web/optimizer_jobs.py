"""Run the location optimiser (``kouiki.optimize``) from the web app, in the background, with progress.

A 圏域担当 picks a 大分類 and how many of its facilities to keep (p-median: residents' distance to the nearest
kept facility, weighted by the approximate census demand of ``kouiki.facilities.demand``). The job reports
the solver's objective, proven bound and gap as it goes; when it ends, the result becomes a scenario (close
actions for the facilities not kept) that the scenario pages evaluate like any other.

Jobs live in this process's memory (``kouiki serve`` runs one process by default); a restart forgets them,
the scenarios they created stay in the store.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from kouiki.facilities.demand import approximate_demand
from kouiki.facilities.model import MajorCategory
from kouiki.optimize import PMedian, Problem
from kouiki.reference.errors import KouikiError
from kouiki.store import session
from kouiki.web.auth import Viewer


@dataclass
class Job:
    id: str
    region_id: str
    label: str
    status: str = "running"  # running / done / failed
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    progress: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | None = None
    scenario_id: int | None = None
    error: str | None = None

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "region_id": self.region_id, "label": self.label, "status": self.status,
                "started": self.started.isoformat(timespec="seconds"), "progress": self.progress[-20:],
                "result": self.result, "scenario_id": self.scenario_id, "error": self.error}


_jobs: dict[str, Job] = {}
_lock = threading.Lock()


def get_job(job_id: str) -> Job | None:
    with _lock:
        return _jobs.get(job_id)


def start_p_median(
    viewer: Viewer, region_id: str, member_codes: list[str], facilities: list[Any], category: MajorCategory,
    keep: int, fiscal_year: int, time_limit: float = 30.0,
) -> Job:
    """Validate and start the job (raises KouikiError for input a user can fix)."""
    sites = [f for f in facilities if f.category is category and f.lat is not None and f.lon is not None]
    if len(sites) < 2:
        raise KouikiError(f"{category.value} で位置の分かる施設が {len(sites)} 件しかないため、最適化できません")
    if not 1 <= keep < len(sites):
        raise KouikiError(f"残す施設数は 1 以上 {len(sites) - 1} 以下にしてください（{category.value}: {len(sites)} 件）")
    job = Job(secrets.token_urlsafe(8), region_id, f"{category.value}: {len(sites)} 施設のうち {keep} 施設を残す（p-median）")
    with _lock:
        _jobs[job.id] = job

    def run() -> None:
        try:
            demand = approximate_demand(member_codes)
            problem = Problem.from_arrays(
                [(d.lat, d.lon) for d in demand], [d.population for d in demand], [(f.lat, f.lon) for f in sites],
                demand_ids=[d.id for d in demand], cand_ids=[f.facility_id for f in sites])

            def progress(seconds: float, objective: float, bound: float) -> None:
                gap = (objective - bound) / objective if objective > 0 else None
                with _lock:
                    job.progress.append({"seconds": round(seconds, 1), "objective": round(objective, 1),
                                         "bound": round(bound, 1), "gap": None if gap is None else round(gap, 6)})

            res = PMedian(problem, p=keep).solve(time_limit=time_limit, progress=progress)
            by_id = {f.facility_id: f for f in sites}
            actions = [{"id": f"close{i + 1}", "type": "close", "fiscal_year": fiscal_year,
                        "lead_body": by_id[fid].municipality_code, "facilities": [fid],
                        "label": f"{by_id[fid].name} を廃止（最適化）"} for i, fid in enumerate(res.closed)]
            document = {"description": f"最適化（p-median、{category.value}、{keep}施設を残す）: 目的関数 "
                                       f"{res.objective:,.1f} {res.unit}・下界 {res.lower_bound}・gap {res.gap}・{res.status}。"
                                       "需要は国勢調査人口の概算配分（実際の分布ではない）",
                        "start_fiscal_year": fiscal_year, "categories": [category.value], "actions": actions}
            from kouiki.web import service

            with session() as s:
                row = service.new_scenario(s, viewer, region_id, f"最適化 {category.value} {keep}施設", document)
                sid = row.id
            with _lock:
                job.result = {"selected": list(res.selected), "closed": list(res.closed), "objective": res.objective,
                              "lower_bound": res.lower_bound, "gap": res.gap, "status": res.status, "unit": res.unit,
                              "seconds": res.seconds, "method": res.method}
                job.scenario_id = sid
                job.status = "done"
        except Exception as exc:  # reported on the job page; the thread must not die silently
            with _lock:
                job.status = "failed"
                job.error = str(exc) if isinstance(exc, KouikiError) else f"{type(exc).__name__}: {exc}"

    threading.Thread(target=run, name=f"kouiki-optimize-{job.id}", daemon=True).start()
    return job
