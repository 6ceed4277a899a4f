"""The optimiser on a facility inventory (施設台帳): "keep k of our halls" on real candidates.

Adapter only — it reuses the facilities capability, it does not rebuild it:

* candidates = the inventory's facilities of one 大分類 (and optionally 中分類) that have a location; their id,
  ``municipality_code`` and ``floor_area_m2`` are carried over (on ``demo:<region>`` inventories the floor areas
  are **imputed** — :data:`Facility.imputed` names the rule and it is copied into the answer);
* demand = :func:`kouiki.facilities.demand.approximate_demand` (census population spread evenly over 1 km cells
  inside the N03 boundary — **approximate**, the rule is copied into the answer);
* distance = great-circle km. The evaluator's default access time is great circle × circuity ÷ speed, a
  constant multiple of the same km, so the chosen set is the same as if minutes were minimised.

``min_per_body = 0`` solves a plain p-median (:class:`PMedian`); ``min_per_body ≥ 1`` solves the same
objective with "at least n kept in every member body that has such a facility" as the HiGHS MILP of
:class:`Consolidation` (site costs unknown → 0, ``travel_yen`` = 1, at most ``k`` sites), whose objective then
is Σ persons × km too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from kouiki.facilities import demand as demandmod
from kouiki.facilities.model import Facility, Inventory, MajorCategory
from kouiki.optimize.costs import PointDistances
from kouiki.optimize.models import Consolidation, PMedian
from kouiki.optimize.problem import Candidates, Demand, OptimizeInputError, Problem
from kouiki.optimize.result import Result
from kouiki.reference import get as get_body
from kouiki.reference.municipalities import LATEST_CENSUS_YEAR

Progress = Callable[[float, float, float], None]


@dataclass
class InventoryProblem:
    """A :class:`Problem` built from an inventory, with what is imputed/approximate about it."""

    problem: Problem
    inventory_ref: str  # what a scenario's ``inventory:`` should say (demo:<region> or a path)
    category: MajorCategory
    subcategory: str | None
    bodies: list[str]  # member bodies whose residents are the demand (6 digits)
    facilities: list[Facility]  # the candidates, in problem order
    skipped: list[dict[str, str]] = field(default_factory=list)  # facilities of the category left out, with reason
    notes: list[str] = field(default_factory=list)
    demand_rules: list[str] = field(default_factory=list)  # how the approximate demand was made

    def provenance(self) -> dict[str, Any]:
        """What the candidates and demand are made of (copied into the result and the scenario ``source``)."""
        imputed_rules = sorted({r for f in self.facilities for k, r in f.imputed.items() if k == "floor_area_m2"})
        dem = self.problem.demand
        return {
            "inventory": self.inventory_ref,
            "category": self.category.value,
            "subcategory": self.subcategory,
            "bodies": self.bodies,
            "candidates": len(self.facilities),
            "candidates_floor_area_imputed": sum(1 for f in self.facilities if "floor_area_m2" in f.imputed),
            "floor_area_rules": imputed_rules,
            "demand_points": dem.n,
            "demand_population": int(dem.weight.sum()),
            "demand_approximate": True,
            "demand_rules": self.demand_rules,
            "distance": "greatcircle km",
            "skipped": self.skipped,
            "notes": self.notes,
        }


def _category(category: str | MajorCategory) -> MajorCategory:
    if isinstance(category, MajorCategory):
        return category
    try:
        return MajorCategory(category.strip())
    except ValueError:
        names = "、".join(c.value for c in MajorCategory)
        raise OptimizeInputError(f"--category: 大分類「{category}」はありません（{names}）") from None


def inventory_problem(
    inventory: Inventory, inventory_ref: str, category: str | MajorCategory, subcategory: str | None = None,
    bodies: list[str] | None = None, census_year: int = LATEST_CENSUS_YEAR,
) -> InventoryProblem:
    """Candidates = facilities of ``category`` (and ``subcategory``) with a location; demand = approximate."""
    cat = _category(category)
    from kouiki.reference.codes import normalize

    members = sorted({normalize(b) for b in (bodies or inventory.municipalities())})
    cands: list[Facility] = []
    skipped: list[dict[str, str]] = []
    for f in inventory.facilities:
        if f.category is not cat or (subcategory is not None and f.subcategory != subcategory):
            continue
        if f.municipality_code not in members:
            continue
        if f.lat is None or f.lon is None:
            skipped.append({"facility_id": f.facility_id, "name": f.name, "reason": "位置（lat/lon）が不明"})
            continue
        if f.extra.get("outdoor"):
            skipped.append({"facility_id": f.facility_id, "name": f.name, "reason": "屋外の場所（建物ではない）"})
            continue
        cands.append(f)
    if not cands:
        what = cat.value + (f"／{subcategory}" if subcategory else "")
        raise OptimizeInputError(f"{inventory_ref}: 大分類「{what}」の施設（位置あり）がありません")
    points = demandmod.approximate_demand(members, census_year)
    demand = Demand(
        [p.id for p in points],
        np.array([(p.lat, p.lon) for p in points], dtype=np.float64).reshape(-1, 2),
        np.array([float(p.population) for p in points], dtype=np.float64),
        [p.municipality_code for p in points],
    )
    m = len(cands)
    candidates = Candidates(
        [f.facility_id for f in cands],
        np.array([(f.lat, f.lon) for f in cands], dtype=np.float64).reshape(-1, 2),
        [f.municipality_code for f in cands],
        np.full(m, np.nan),
        ["free"] * m,
        [f.floor_area_m2 for f in cands],
        [None] * m,  # site costs are not part of "keep k": the objective is persons × km only
        [None] * m,
        [False] * m,
    )
    travel = PointDistances(demand.xy, candidates.xy, "greatcircle")  # reference.geo's Earth radius
    source = {"inventory": inventory_ref, "metric": "greatcircle km", "demand": "approximate"}
    notes = list(inventory.notes)
    no_cand = [b for b in members if b not in {f.municipality_code for f in cands}]
    if no_cand:
        what = cat.value + (f"／{subcategory}" if subcategory else "")
        names = ", ".join(f"{get_body(b).name}（{b}）" for b in no_cand)
        notes.append(f"{what} の候補施設がない構成団体: {names}（住民は需要点に含む。団体ごとの最低数は適用しない）")
    return InventoryProblem(Problem(demand, candidates, travel, source), inventory_ref, cat, subcategory, members,
                            cands, skipped, notes, sorted({p.rule for p in points if p.rule}))


def keep_k(
    ip: InventoryProblem, k: int, min_per_body: int = 1, time_limit: float | None = None, gap: float | None = None,
    progress: Progress | None = None,
) -> Result:
    """Keep ``k`` facilities minimising Σ persons × km to the nearest kept one (p-median), with at least
    ``min_per_body`` kept in every member body that has candidates."""
    m = ip.problem.candidates.m
    if k < 1:
        raise OptimizeInputError(f"--k は1以上にしてください (k={k})")
    if k > m:
        raise OptimizeInputError(f"--k={k} が候補施設の数 {m} を超えています")
    if min_per_body < 0:
        raise OptimizeInputError(f"--min-per-body は0以上にしてください ({min_per_body})")
    if min_per_body == 0:
        res: Result = PMedian(ip.problem, k).solve(time_limit, gap, progress)
    else:
        body = dict(zip(ip.problem.candidates.ids, ip.problem.candidates.body, strict=True))
        with_cand = sorted({b for b in body.values() if b})
        if len(with_cand) * min_per_body > k:
            raise OptimizeInputError(
                f"--k={k} では足りません: 候補施設のある構成団体 {len(with_cand)} 団体に各 {min_per_body} 施設を残すと "
                f"{len(with_cand) * min_per_body} 施設になります（--k を増やすか --min-per-body 0）")
        # The unconstrained p-median first: its bound is a bound of the constrained problem too (the
        # constraint only removes solutions), so when its answer already keeps enough in every body it is the
        # constrained answer with the same certified gap. Otherwise the exact MILP with the constraint.
        res = PMedian(ip.problem, k).solve(time_limit, gap, progress)
        kept_by_body = {b: sum(1 for j in res.selected if body[j] == b) for b in with_cand}
        if all(v >= min_per_body for v in kept_by_body.values()):
            res.details["min_per_body_method"] = "p-median の解が団体ごとの最低数を満たしたため、そのまま採用（下界も有効）"
        else:
            model = Consolidation(ip.problem, min_per_body=min_per_body, travel_yen=1.0, max_sites=k)
            res = model.solve(time_limit, gap, progress)
            res.unit = "km"
            for key in ("site_cost_yen", "note", "unknown_fixed_cost", "travel_yen_per_unit"):
                res.details.pop(key, None)
            res.details["min_per_body_method"] = "p-median の解が最低数を満たさないため、制約付き MILP（HiGHS）で解き直し"
        res.model = "p-median (min per body)"
    res.details["min_per_body"] = min_per_body
    res.details["k"] = k
    res.details["objective_meaning"] = "Σ 人口 × 最寄りの存続施設までの直線距離 km (persons × great-circle km)"
    res.details["input"] = ip.provenance()
    floor = {f.facility_id: f.floor_area_m2 for f in ip.facilities}
    if all(v is not None for v in floor.values()):
        today = sum((v for v in floor.values() if v is not None), Decimal(0))
        kept = sum((floor[i] or Decimal(0) for i in res.selected), Decimal(0))
        res.details["floor_area_m2"] = {"today": str(today), "kept": str(kept), "closed": str(today - kept),
                                        "imputed": any("floor_area_m2" in f.imputed for f in ip.facilities)}
    return res


def load(inventory: str, base_dir: Path | None = None) -> Inventory:
    """``demo:<region>`` or an inventory file — the same resolution as the scenario evaluator."""
    from kouiki.facilities.evaluate import load_inventory

    return load_inventory(inventory, base_dir or Path.cwd())
