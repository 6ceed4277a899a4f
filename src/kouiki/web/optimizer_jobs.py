"""Run the location optimiser (``kouiki.optimize``) from the web app, in the background, with progress.

A 圏域担当 picks a 大分類 and a model (the optimiser package's own classes):

* ``p-median`` (:class:`~kouiki.optimize.PMedian`) — keep ``keep`` facilities so that residents' distance to the
  nearest kept one (weighted by population) is smallest;
* ``mclp`` (:class:`~kouiki.optimize.MaxCover`) — keep ``keep`` facilities so that the most residents live within
  ``threshold_km`` of a kept one;
* ``lscp`` (:class:`~kouiki.optimize.SetCover`) — keep the fewest facilities so that every resident lives within
  ``threshold_km`` of a kept one (fails, naming the points, when that is impossible).

Demand is the approximate census demand of :func:`kouiki.facilities.demand.approximate_demand` (documented as an
approximation), distances great-circle km. When a job ends, the result becomes a scenario (close actions for the
facilities not kept, via :func:`kouiki.facilities.optimize_scenario.to_scenario`) that the scenario pages evaluate like any
other.

The job runs in a thread of this process; its row in the store (:mod:`kouiki.store.jobs`) holds the parameters,
status, last progress points, result, scenario and error, so every page (and a restarted server) sees it. While
the thread lives, a heartbeat refreshes the row every ``HEARTBEAT_S``; a job of another process silent for
``SILENT_S`` is marked 中断 (:func:`mark_interrupted_jobs`, at server start and whenever a job is read).
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from kouiki.facilities.demand import approximate_demand
from kouiki.facilities.model import Facility, MajorCategory
from kouiki.facilities.optimize_scenario import to_scenario
from kouiki.optimize import MaxCover, PMedian, Problem, Result, SetCover
from kouiki.optimize.problem import parameters
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.store import jobs as jobstore
from kouiki.store import session
from kouiki.web.auth import Viewer
from kouiki.web.deps import require_region_editor

RUNNER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
"""This process (jobs in the store carry the runner that owns their thread)."""

MODELS = {
    "p-median": "p-メディアン（住民から最寄り施設までの距離の合計を最小に）",
    "mclp": "MCLP（閾値以内に住む住民を最大に）",
    "lscp": "LSCP（全住民が閾値以内に入る最少の施設数）",
}
PROGRESS_EVERY_S = 0.5  # at most one store write of progress per this many seconds (the last point is always kept)
HEARTBEAT_S = 10.0  # a running job's row is refreshed this often (MCLP/LSCP report no progress while solving)
SILENT_S = 60.0  # a job of another process not refreshed for this long has lost its thread: 中断

_live: set[str] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class JobRequest:
    """What the form / API asks for (validated by :func:`check_request`)."""

    model: str  # p-median / mclp / lscp
    category: str  # 大分類
    fiscal_year: int  # 廃止年度 of the closures in the resulting scenario
    keep: int | None = None  # facilities to keep (p-median, mclp)
    threshold_km: float | None = None  # coverage distance (mclp, lscp)
    time_limit: float | None = None  # seconds; None = the optimiser's default (shared with the CLI)

    @property
    def limit_s(self) -> float:
        """The time limit that applies: the request's, or the one of ``optimize/parameters/optimize.yaml``."""
        return default_time_limit() if self.time_limit is None else float(self.time_limit)


def default_time_limit() -> float:
    """The solver time limit of the parameter file (``solver.default_time_limit_s``): the web and the CLI
    (``kouiki optimize`` without ``--time-limit``) use the same one."""
    return float(parameters()["solver"]["default_time_limit_s"])


def is_live(job_id: str) -> bool:
    with _lock:
        return job_id in _live


def mark_interrupted_jobs(s: Session | None = None) -> int:
    """Jobs still 'running' for another process that stopped refreshing them are 中断 (their thread is gone).

    Pass the request's session so what the page then reads already shows it."""
    import datetime as dt

    if s is not None:
        return jobstore.mark_interrupted(s, RUNNER, dt.timedelta(seconds=SILENT_S))
    with session() as own:
        return jobstore.mark_interrupted(own, RUNNER, dt.timedelta(seconds=SILENT_S))


def _orphans_marked(s: Session, rows: list[Any]) -> bool:
    """Mark silent jobs 中断 — only when a row says running with no thread here (so most reads write nothing)."""
    if any(r.status == "running" and not is_live(r.id) for r in rows) and mark_interrupted_jobs(s):
        s.expire_all()  # the rows read above are stale now
        return True
    return False


def job_view(s: Session, job_id: str) -> dict[str, Any]:
    """One job as pages and the API show it (a job whose server stopped shows as 中断, not 計算中 for ever)."""
    row = jobstore.get_job(s, job_id)
    if _orphans_marked(s, [row]):
        row = jobstore.get_job(s, job_id)
    return row.public()


def region_jobs(s: Session, region_id: str) -> list[dict[str, Any]]:
    """The region's jobs, newest first, as :func:`job_view` shows them."""
    rows = jobstore.list_jobs(s, region_id)
    if _orphans_marked(s, rows):
        rows = jobstore.list_jobs(s, region_id)
    return [r.public() for r in rows]


def _heartbeat(job_id: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_S):
        try:
            with session() as s:
                jobstore.touch(s, job_id)
        except Exception:  # a failed heartbeat is retried at the next beat; the job itself goes on
            pass


def _sites(facilities: list[Facility], category: MajorCategory) -> list[Facility]:
    return [f for f in facilities if f.category is category and f.lat is not None and f.lon is not None]


def check_request(req: JobRequest, facilities: list[Facility]) -> tuple[MajorCategory, list[Facility], str]:
    """(大分類, candidate facilities, label) or a KouikiError naming the field in Japanese."""
    if req.model not in MODELS:
        raise KouikiError(f"モデル「{req.model}」は選べません（{', '.join(MODELS)} のいずれか）")
    try:
        category = MajorCategory(req.category)
    except ValueError:
        raise KouikiError(f"大分類「{req.category}」は13区分のどれでもありません") from None
    sites = _sites(facilities, category)
    if len(sites) < 2:
        raise KouikiError(f"{category.value} で位置の分かる施設が {len(sites)} 件しかないため、最適化できません")
    if not 1 <= req.limit_s <= 600:
        raise KouikiError("計算時間の上限（秒）は 1 以上 600 以下にしてください")
    if req.model in ("p-median", "mclp") and (req.keep is None or not 1 <= req.keep < len(sites)):
        raise KouikiError(f"残す施設数は 1 以上 {len(sites) - 1} 以下にしてください（{category.value}: {len(sites)} 件）")
    if req.model in ("mclp", "lscp") and (req.threshold_km is None or not req.threshold_km > 0):
        raise KouikiError("距離の閾値（km）は正の数にしてください（MCLP・LSCP）")
    FiscalYear(req.fiscal_year)  # a 年度 the calendar knows
    if req.model == "p-median":
        label = f"{category.value}: {len(sites)} 施設のうち {req.keep} 施設を残す（p-median）"
    elif req.model == "mclp":
        label = f"{category.value}: {len(sites)} 施設のうち {req.keep} 施設で {req.threshold_km:g} km 以内の住民を最大に（MCLP）"
    else:
        label = f"{category.value}: {len(sites)} 施設から、全住民が {req.threshold_km:g} km 以内に入る最少の施設数（LSCP）"
    return category, sites, label


def _result_public(res: Result) -> dict[str, Any]:
    d = res.to_dict()
    d.pop("assignment", None)  # one entry per demand point: too large for the job row
    return d


def _solve(req: JobRequest, problem: Problem, progress: Any) -> Result:
    if req.model == "p-median":
        return PMedian(problem, p=int(req.keep or 0)).solve(time_limit=req.limit_s, progress=progress)
    if req.model == "mclp":
        return MaxCover(problem, p=int(req.keep or 0), limit=float(req.threshold_km or 0)).solve(
            time_limit=req.limit_s, progress=progress)
    return SetCover(problem, limit=float(req.threshold_km or 0)).solve(time_limit=req.limit_s, progress=progress)


def start_job(viewer: Viewer, region_id: str, member_codes: list[str], facilities: list[Facility], req: JobRequest) -> str:
    """Validate, record the job (audited) and start its thread; returns the job id."""
    category, sites, label = check_request(req, facilities)
    req = replace(req, time_limit=req.limit_s)  # the job row records the limit that applied
    job_id = secrets.token_urlsafe(8)
    with session() as s:
        jobstore.create_job(s, job_id=job_id, region_id=region_id, user=viewer.username, label=label,
                            model=req.model, parameters=asdict(req), runner=RUNNER)
    with _lock:
        _live.add(job_id)
    threading.Thread(target=_run, args=(job_id, viewer, region_id, member_codes, sites, category, req),
                     name=f"kouiki-optimize-{job_id}", daemon=True).start()
    return job_id


def _run(job_id: str, viewer: Viewer, region_id: str, member_codes: list[str], sites: list[Facility],
         category: MajorCategory, req: JobRequest) -> None:
    last_write = [0.0]
    pending: list[dict[str, Any]] = []
    stop = threading.Event()
    threading.Thread(target=_heartbeat, args=(job_id, stop), name=f"kouiki-heartbeat-{job_id}", daemon=True).start()

    def flush() -> None:
        if pending:
            with session() as s:
                for p in pending:
                    jobstore.add_progress(s, job_id, p)
            pending.clear()

    def progress(seconds: float, objective: float, bound: float) -> None:
        gap = (objective - bound) / objective if objective > 0 else None
        pending.append({"seconds": round(seconds, 1), "objective": round(objective, 1), "bound": round(bound, 1),
                        "gap": None if gap is None else round(gap, 6)})
        now = time.monotonic()
        if now - last_write[0] >= PROGRESS_EVERY_S:
            last_write[0] = now
            flush()

    try:
        demand = approximate_demand(member_codes)
        problem = Problem.from_arrays(
            [(d.lat, d.lon) for d in demand], [d.population for d in demand], [(f.lat, f.lon) for f in sites],
            demand_ids=[d.id for d in demand], cand_ids=[f.facility_id for f in sites])
        res = _solve(req, problem, progress)
        flush()
        from kouiki.web import service

        by_id = {f.facility_id: f for f in sites}
        fy = FiscalYear(req.fiscal_year)
        km = f"{req.threshold_km:g}km" if req.threshold_km is not None else ""
        what = {"p-median": f"{len(res.selected)}施設を残す", "mclp": f"{len(res.selected)}施設・{km}被覆",
                "lscp": f"{km}以内に全住民（{len(res.selected)}施設）"}[req.model]
        description = (f"最適化（{MODELS[req.model]}、{category.value}、{what}）: 目的関数 {res.objective:,.1f}"
                       f"・下界 {'不明' if res.lower_bound is None else f'{res.lower_bound:,.1f}'}"
                       f"・gap {'不明' if res.gap is None else f'{res.gap:.4%}'}・{res.status}。"
                       "需要は国勢調査人口の概算配分（実際の分布ではない）、距離は直線距離（km）")
        doc = to_scenario(res, f"最適化 {category.value} {what}", fy, inventory=service.store_inventory_ref(region_id),
                          owners={f.facility_id: f.municipality_code for f in sites}, categories=[category.value],
                          description=description)
        for a in doc["actions"]:
            a["label"] = f"{by_id[a['facilities'][0]].name} を廃止（最適化）"
        doc.pop("name", None)
        with session() as s:
            model_name = MODELS[req.model].split("（")[0]  # MCLP, p-メディアン (never the code mclp in a name)
            row = service.new_scenario(s, viewer, region_id, f"最適化 {category.value} {what}（{model_name}）", doc)
            jobstore.finish_job(s, job_id, result=_result_public(res), scenario_id=row.id)
    except Exception as exc:  # reported on the job page; the thread must not die silently
        message = str(exc) if isinstance(exc, KouikiError) else f"{type(exc).__name__}: {exc}"
        try:
            with session() as s:
                jobstore.fail_job(s, job_id, message[:2000])
        except Exception:  # the store itself failed: nothing more can be recorded
            pass
    finally:
        stop.set()
        with _lock:
            _live.discard(job_id)


def start_optimizer(s: Session, viewer: Viewer, region_id: str, req: JobRequest) -> str:
    """Start a job over the region's own inventory (the page and the API both come here): 圏域担当 or 管理者."""
    from kouiki.web import service

    region = service.region_or_404(s, region_id)
    require_region_editor(viewer, region_id, "最適化でシナリオを作る権限がありません（圏域担当または管理者）")
    facilities = service.region_inventory(s, region).facilities
    return start_job(viewer, region_id, region.member_codes(), facilities, req)
