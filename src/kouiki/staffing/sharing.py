"""Sharing plan (共同活用計画): who serves whom, how many days a week, per 年度.

Model (one 年度 at a time), all in units of ``unit_days`` (0.5 day a week by default, ``parameters/staffing.yaml``):

- ``x[p, b]`` integer: units a week post ``p`` serves body ``b`` (only where the post's type is demanded
  by ``b`` and, when the case has 連携協約, an agreement of the post's employer covers ``b`` and the type);
- ``u[b, t]`` ≥ 0: unmet demand of body ``b`` for type ``t``.
- capacity: Σ_b x[p, b] ≤ the post's days a week (FTE × 5 ÷ unit);
- demand: Σ_p x[p, b] + u[b, t] ≥ demand; and Σ_p x[p, b] ≤ demand rounded up to a unit (no oversupply).

A post may limit how many bodies it serves (``max_receivers``: binary y[p, b] with x ≤ capacity·y and
Σ_b y ≤ limit), so a specialist is not spread one day each over many offices.

Objectives, lexicographic (solved in stages, not a weighted sum): (1) minimise total unmet days;
(2) with unmet fixed at its optimum, minimise travel = Σ 2 × km(base office → body office) × days a week,
where km is the great-circle distance between the bodies' office points (``Municipality.lat/lon``,
庁舎の位置) — a straight-line proxy, not road distance; (3) with both fixed, keep continuity: minimise
the days on (post, body) pairs that were not served in the previous 年度 (for the first 年度: the pairs of
the secondments the user entered), so a specialist stays with the bodies it knows when that costs nothing.

The MILP is solved with HiGHS through ``highspy``; :func:`solve_assignment` is the only function that
touches the solver, so the optimiser's shared solver layer can replace it.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.geo import great_circle_km
from kouiki.reference.municipalities import by_code, name_or_code
from kouiki.staffing.model import Post, Secondment, StaffingCase, rules


class SharingError(KouikiError):
    """The sharing plan cannot be made (no demand, missing office point, solver failure)."""


def office_km(a: str, b: str) -> float:
    """Great-circle km between two bodies' office points (庁舎の位置)."""
    if a == b:
        return 0.0
    ma, mb = by_code(a), by_code(b)
    if ma.lat is None or ma.lon is None or mb.lat is None or mb.lon is None:
        missing = ma if ma.lat is None or ma.lon is None else mb
        raise SharingError(f"{missing.name}（{missing.code}）の庁舎の位置が不明のため移動距離を計算できません")
    return great_circle_km(ma.lat, ma.lon, mb.lat, mb.lon)


# ---- the pure assignment problem --------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentProblem:
    """A solver-neutral assignment problem in integer units."""

    capacity: dict[str, int]  # post → units a week
    demand: dict[tuple[str, str], float]  # (body, type) → units a week (may be fractional)
    arcs: dict[tuple[str, str], tuple[str, float]]  # (post, body) → (type, cost per unit)
    prefer: frozenset[tuple[str, str]] = frozenset()  # (post, body) pairs to keep (continuity)
    fixed: dict[tuple[str, str], int] = field(default_factory=dict)  # (post, body) → at least these units
    max_receivers: dict[str, int] = field(default_factory=dict)  # post → at most this many bodies served
    time_limit_seconds: float = 60.0  # per stage; the best solution found so far is kept (status says so)


@dataclass(frozen=True)
class AssignmentSolution:
    units: dict[tuple[str, str], int]  # (post, body) → units
    unmet: dict[tuple[str, str], float]  # (body, type) → units
    unmet_total: float
    travel_cost: float
    status: str
    changed_units: int = 0  # units on pairs outside ``prefer``


def _quiet_highs(highspy: Any) -> Any:
    """A Highs instance without the banner HiGHS prints to file descriptor 1 (it would break --json)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def solve_assignment(problem: AssignmentProblem) -> AssignmentSolution:
    """Lexicographic MILP with HiGHS via highspy: (1) unmet, (2) travel, (3) units outside ``prefer``."""
    import highspy

    arcs = sorted(problem.arcs)
    demand_keys = sorted(problem.demand)
    if not demand_keys:
        return AssignmentSolution({}, {}, 0.0, 0.0, "optimal")
    n_x = len(arcs)
    for (p, b), n_fixed in problem.fixed.items():
        if (p, b) not in problem.arcs:
            raise SharingError(f"固定する派遣 {p}→{name_or_code(b)} が割当の候補にありません")
        if n_fixed > problem.capacity[p]:
            raise SharingError(f"固定する派遣 {p}→{name_or_code(b)} の日数がポストの勤務日数を超えています")
    for p, limit in problem.max_receivers.items():
        n_fixed_bodies = sum(1 for (q, _) in problem.fixed if q == p)
        if n_fixed_bodies > limit:
            raise SharingError(f"ポスト {p} の固定する派遣先 {n_fixed_bodies} 団体が上限 {limit} 団体を超えています")
    limited = [i for i, (p, _) in enumerate(arcs) if p in problem.max_receivers]

    def oversupply_cap(b: str, t: str) -> int:
        fixed = sum(u for (p, c), u in problem.fixed.items() if c == b and problem.arcs[(p, c)][0] == t)
        return max(math.ceil(problem.demand[(b, t)] - 1e-9), fixed)

    def build(stage: int, unmet_cap: float | None, travel_cap: float | None = None) -> Any:
        h = _quiet_highs(highspy)
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("time_limit", float(problem.time_limit_seconds))
        inf = highspy.kHighsInf
        for p, b in arcs:
            t, cost = problem.arcs[(p, b)]
            lb = problem.fixed.get((p, b), 0)
            ub = max(min(problem.capacity[p], math.ceil(problem.demand.get((b, t), 0) - 1e-9)), lb)
            obj = cost if stage == 2 else (0.0 if (p, b) in problem.prefer else 1.0) if stage == 3 else 0.0
            h.addCol(obj, float(lb), float(max(ub, 0)), 0, [], [])
        for _ in demand_keys:
            h.addCol(1.0 if stage == 1 else 0.0, 0.0, inf, 0, [], [])
        for i in range(n_x):
            h.changeColIntegrality(i, highspy.HighsVarType.kInteger)
        # y (binary) per arc of a post with a limit on the bodies it serves: x ≤ ub·y, Σ y ≤ limit
        y0 = n_x + len(demand_keys)
        for k, i in enumerate(limited):
            h.addCol(0.0, 0.0, 1.0, 0, [], [])
            h.changeColIntegrality(y0 + k, highspy.HighsVarType.kInteger)
            ub_i = max(problem.capacity[arcs[i][0]], problem.fixed.get(arcs[i], 0))
            h.addRow(-inf, 0.0, 2, [i, y0 + k], [1.0, -float(ub_i)])
        for p, limit in sorted(problem.max_receivers.items()):
            ys = [y0 + k for k, i in enumerate(limited) if arcs[i][0] == p]
            if ys:
                h.addRow(-inf, float(limit), len(ys), ys, [1.0] * len(ys))
        for p, cap in sorted(problem.capacity.items()):
            idx = [i for i, (q, _) in enumerate(arcs) if q == p]
            if idx:
                h.addRow(-inf, float(cap), len(idx), idx, [1.0] * len(idx))
        for j, (b, t) in enumerate(demand_keys):
            d = problem.demand[(b, t)]
            idx = [i for i, (p, c) in enumerate(arcs) if c == b and problem.arcs[(p, c)][0] == t]
            h.addRow(d, inf, len(idx) + 1, [*idx, n_x + j], [1.0] * len(idx) + [1.0])
            if idx:  # no oversupply beyond the demand rounded up to a unit (or what is fixed)
                h.addRow(-inf, float(oversupply_cap(b, t)), len(idx), idx, [1.0] * len(idx))
        if unmet_cap is not None and demand_keys:
            u = list(range(n_x, n_x + len(demand_keys)))
            h.addRow(-inf, unmet_cap, len(u), u, [1.0] * len(u))
        if travel_cap is not None and arcs:
            h.addRow(-inf, travel_cap, n_x, list(range(n_x)), [problem.arcs[a][1] for a in arcs])
        return h

    statuses: list[str] = []

    def run(h: Any) -> list[float]:
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            statuses.append("optimal")
        elif status == highspy.HighsModelStatus.kTimeLimit and h.getInfo().primal_solution_status == 2:
            statuses.append("time_limit")  # a feasible incumbent, not proven optimal
        else:
            raise SharingError(f"割当モデルを解けませんでした（HiGHS: {h.modelStatusToString(status)}）")
        return list(h.getSolution().col_value)

    first = run(build(1, None))
    unmet_star = sum(first[n_x : n_x + len(demand_keys)])
    second = run(build(2, unmet_star + 1e-6))
    travel_star = sum(problem.arcs[a][1] * round(second[i]) for i, a in enumerate(arcs))
    third = run(build(3, unmet_star + 1e-6, travel_star + 1e-7 * max(1.0, travel_star)))
    units = {arc: round(third[i]) for i, arc in enumerate(arcs) if round(third[i]) > 0}
    served: dict[tuple[str, str], int] = {}
    for (p, b), u in units.items():
        key = (b, problem.arcs[(p, b)][0])
        served[key] = served.get(key, 0) + u
    unmet = {k: max(0.0, problem.demand[k] - served.get(k, 0)) for k in demand_keys}
    travel = sum(problem.arcs[a][1] * u for a, u in units.items())
    changed = sum(u for a, u in units.items() if a not in problem.prefer)
    status = "optimal" if all(x == "optimal" for x in statuses) else "time_limit"
    return AssignmentSolution(units, unmet, sum(unmet.values()), travel, status, changed)


# ---- from a staffing case ---------------------------------------------------------------------


@dataclass
class YearPlan:
    fiscal_year: int
    assignments: list[dict[str, Any]] = field(default_factory=list)
    unmet: list[dict[str, Any]] = field(default_factory=list)
    idle: list[dict[str, Any]] = field(default_factory=list)
    travel_km_per_week: Decimal = Decimal(0)
    unmet_days: Decimal = Decimal(0)
    status: str = "optimal"  # or "time_limit": the best plan found within the time limit, not proven optimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "fiscal_year": self.fiscal_year,
            "assignments": self.assignments,
            "unmet": self.unmet,
            "idle": self.idle,
            "travel_km_per_week": self.travel_km_per_week,
            "unmet_days_per_week": self.unmet_days,
            "status": self.status,
        }


@dataclass
class SharingPlan:
    years: list[YearPlan]
    secondments: tuple[Secondment, ...]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"years": [y.to_dict() for y in self.years], "notes": self.notes}


def _covered(case: StaffingCase, post: Post, body: str) -> bool:
    """True when a 連携協約 of the post's employer covers the body and the post's type."""
    if not case.agreements:
        return True
    for a in case.agreements:
        if post.employer in a.parties and body in a.parties and (not a.expertise or post.type in a.expertise):
            return True
    return False


def _q(value: float, places: str = "0.1") -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(places))


def plan_sharing(case: StaffingCase, keep_entered: bool = False) -> SharingPlan:
    """Propose secondments that cover each body's demand with the least travel, per 年度.

    ``keep_entered``: the secondments already entered (協定済み) stay at least at their days a week, on
    their own terms (形態・負担金); the plan adds to them. Otherwise the plan starts from scratch and uses
    the entered ones only to prefer continuity.
    """
    if not case.demand:
        raise SharingError(f"{case.source}: 需要（demand）がありません。団体ごとの必要な勤務量（職種・FTE）を入力してください")
    cfg = rules()
    per_week = Decimal(cfg["work_days_per_week"])
    unit = Decimal(cfg["sharing"]["unit_days"])
    trips = int(cfg["sharing"]["round_trips_per_day"])
    notes = [
        f"移動距離は勤務拠点の庁舎から派遣先の庁舎までの大圏距離（直線）×2（往復）×週日数、週{trips}往復/日として計算",
        f"割当の単位は週{unit}日、1人工＝週{per_week}日",
    ]
    if not case.agreements:
        notes.append("連携協約が入力されていないため、協約の範囲を問わず割り当てています")
    years: list[YearPlan] = []
    proposed: list[Secondment] = []
    previous: frozenset[tuple[str, str]] | None = None
    for year in case.years:
        posts = [p for p in case.posts if p.active(year)]
        demand: dict[tuple[str, str], float] = {}
        for d in case.demand:
            if d.active(year):
                key = (d.body, d.type)
                demand[key] = demand.get(key, 0.0) + float(d.fte * per_week / unit)
        capacity = {p.id: int((p.fte * per_week / unit).to_integral_value(rounding="ROUND_FLOOR")) for p in posts}
        arcs: dict[tuple[str, str], tuple[str, float]] = {}
        km: dict[tuple[str, str], float] = {}
        entered = {(sec.post, sec.receiver): sec for sec in case.secondments if sec.active(year)}
        fixed: dict[tuple[str, str], int] = {}
        if keep_entered:
            post_type = {p.id: p.type for p in posts}
            for (pid, body), sec in entered.items():
                n_units = sec.share * per_week / unit
                if n_units != n_units.to_integral_value():
                    raise SharingError(f"{sec.line}: 派遣の週日数 {sec.share * per_week} が割当の単位（週{unit}日）の倍数ではありません")
                fixed[(pid, body)] = int(n_units)
                demand.setdefault((body, post_type[pid]), 0.0)
        for p in posts:
            for body, t in demand:
                if t == p.type and body != p.employer and (_covered(case, p, body) or (p.id, body) in fixed):
                    km[(p.id, body)] = office_km(p.base_body, body)
                    arcs[(p.id, body)] = (t, 2 * trips * km[(p.id, body)] * float(unit))
        prefer = previous if previous is not None else frozenset(
            (sec.post, sec.receiver) for sec in case.secondments if sec.active(year)
        )
        limits = {p.id: p.max_receivers for p in posts if p.max_receivers is not None}
        problem = AssignmentProblem(
            capacity, demand, arcs, prefer, fixed, limits, float(cfg["sharing"]["time_limit_seconds"])
        )
        sol = solve_assignment(problem) if demand else None
        previous = frozenset(sol.units) if sol is not None else frozenset()
        yp = YearPlan(year)
        post_by_id = {p.id: p for p in posts}
        used: dict[str, int] = {}
        if sol is not None:
            for (pid, body), units in sorted(sol.units.items()):
                p = post_by_id[pid]
                days = unit * units
                used[pid] = used.get(pid, 0) + units
                yp.assignments.append(
                    {
                        "post": pid,
                        "specialist_type": p.type,
                        "specialist_type_name": case.type_name(p.type),
                        "employer": p.employer,
                        "base": p.base_body,
                        "receiver": body,
                        "days_per_week": days,
                        "share": days / per_week,
                        "km_one_way": _q(km[(pid, body)]),
                        "km_per_week": _q(2 * trips * km[(pid, body)] * float(days)),
                    }
                )
                kept = entered.get((pid, body)) if (pid, body) in fixed else None
                yp.assignments[-1]["kept"] = kept is not None
                proposed.append(
                    Secondment(
                        post=pid,
                        receiver=body,
                        share=days / per_week,
                        from_year=year,
                        to_year=year,
                        type=kept.type if kept else case.defaults.secondment_type,
                        agreement=kept.agreement if kept else case.defaults.agreement,
                        contribution_yen=kept.contribution_yen if kept else None,
                        contribution_rate=(
                            (kept.contribution_rate if kept.contribution_yen is None else None)
                            if kept
                            else case.defaults.contribution_rate
                        ),
                        proposed=kept is None,
                        line=kept.line if kept else f"共同活用計画 {FiscalYear(year).wareki()}",
                    )
                )
            for (body, t), u in sorted(sol.unmet.items()):
                need = Decimal(repr(demand[(body, t)])) * unit
                if u > 1e-6 and need > 0:
                    unmet_days = _q(u * float(unit), "0.01")
                    yp.unmet.append(
                        {
                            "body": body,
                            "specialist_type": t,
                            "specialist_type_name": case.type_name(t),
                            "demand_days_per_week": need.quantize(Decimal("0.01")),
                            "unmet_days_per_week": unmet_days,
                            "reason": _unmet_reason(case, posts, body, t),
                        }
                    )
                    yp.unmet_days += unmet_days
            yp.travel_km_per_week = _q(sol.travel_cost)
            yp.status = sol.status
            if sol.status != "optimal":
                notes.append(
                    f"{FiscalYear(year).wareki()}: 制限時間内に最適性を証明できなかったため、見つかった最良の割当を示しています"
                )
        for p in posts:
            idle_units = capacity[p.id] - used.get(p.id, 0)
            if idle_units:
                yp.idle.append({"post": p.id, "specialist_type": p.type, "days_per_week": unit * idle_units})
        years.append(yp)
    return SharingPlan(years, tuple(proposed), notes)


def _unmet_reason(case: StaffingCase, posts: list[Post], body: str, type_id: str) -> str:
    name = case.type_name(type_id)
    same = [p for p in posts if p.type == type_id]
    if not same:
        return f"{name}のポストがありません"
    if not any(_covered(case, p, body) for p in same):
        return f"{name}を派遣できる連携協約がこの団体にありません"
    return f"{name}のポストの勤務日数が不足しています"


__all__ = [
    "AssignmentProblem",
    "AssignmentSolution",
    "SharingError",
    "SharingPlan",
    "YearPlan",
    "great_circle_km",
    "office_km",
    "plan_sharing",
    "solve_assignment",
]
