"""The result every optimiser model returns (same shape for p-median, cp-median, MCLP, LSCP, consolidation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kouiki.optimize.costs import FloatArray, IntArray
from kouiki.optimize.problem import Problem


@dataclass
class Result:
    """``objective`` is minimised by every model (MCLP: demand weight left uncovered; LSCP: number of sites;
    consolidation: yen per year). ``lower_bound`` is a proven bound on the optimum (None when unknown);
    ``gap = (objective − lower_bound) / objective``. ``status``: ``optimal`` (gap ≈ 0), ``gap_reached`` (the
    requested gap is certified), ``time_limit`` (stopped by the time limit; the gap says how far it may be)."""

    model: str
    selected: list[str]
    closed: list[str]
    assignment: dict[str, str | None]
    objective: float
    lower_bound: float | None
    gap: float | None
    status: str
    seconds: float
    unit: str
    method: str
    per_body: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "selected": self.selected,
            "closed": self.closed,
            "objective": self.objective,
            "lower_bound": self.lower_bound,
            "gap": self.gap,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "unit": self.unit,
            "method": self.method,
            "per_body": self.per_body,
            "details": self.details,
            "assignment": self.assignment,
        }


def certified_gap(objective: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    if objective <= 0:
        return 0.0 if bound >= objective - 1e-9 else None
    return max(0.0, (objective - bound) / objective)


def status_for(gap: float | None, target: float, timed_out: bool) -> str:
    if gap is not None and gap <= 1e-9:
        return "optimal"
    if gap is not None and gap <= target:
        return "gap_reached"
    return "time_limit" if timed_out else "stopped"


def summarise(
    problem: Problem, open_mask: np.ndarray, assigned: IntArray, dist: FloatArray, coverage_limit: float | None = None
) -> tuple[dict[str, str | None], list[dict[str, Any]]]:
    """Assignment by id and per-body (構成団体別) summaries: demand, mean distance, sites kept/closed."""
    d, c = problem.demand, problem.candidates
    assignment = {
        d.ids[i]: (c.ids[int(a)] if a >= 0 else None) for i, a in enumerate(assigned.tolist())
    }
    bodies = sorted({b for b in d.body if b} | {b for b in c.body if b})
    out: list[dict[str, Any]] = []
    dbody = np.array([b or "" for b in d.body])
    cbody = np.array([b or "" for b in c.body])
    for b in bodies:
        rows = dbody == b
        w = d.weight[rows]
        wt = float(w.sum())
        entry: dict[str, Any] = {
            "municipality_code": b,
            "demand_points": int(rows.sum()),
            "demand_weight": wt,
            "mean_distance": (float((w * dist[rows]).sum() / wt) if wt > 0 else None),
            "sites_kept": int((open_mask & (cbody == b)).sum()),
            "sites_closed": int((~open_mask & (cbody == b)).sum()),
        }
        if coverage_limit is not None:
            cov = dist[rows] <= coverage_limit
            entry["covered_share"] = float(w[cov].sum() / wt) if wt > 0 else None
        out.append(entry)
    return assignment, out
