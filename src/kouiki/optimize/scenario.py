"""Export an optimiser result as a facility scenario (YAML) for ``kouiki facilities evaluate``.

Kept in one small module on purpose: the scenario format is owned by the facility-planning work (branch
``facilities-b``); until it lands this writes the minimal agreed shape
``{name, description, category, actions: [{type: close, facility_id, fiscal_year}, …], source: {optimizer: …}}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kouiki.optimize.result import Result
from kouiki.reference.calendar import FiscalYear


def to_scenario(
    result: Result, name: str, fiscal_year: FiscalYear, category: str = "consolidation", description: str | None = None,
) -> dict[str, Any]:
    """Every candidate the result does not keep becomes a ``close`` action in ``fiscal_year``.

    Candidates marked as new sites are not existing facilities, so they are never closed; the new sites the
    result opens are listed under ``source.optimizer.opened_new``."""
    new_sites = set(result.details.get("new_sites", []))
    closes = [c for c in result.closed if c not in new_sites]
    desc = description or (
        f"{result.model} の最適化結果: {len(result.selected)} 施設を残し {len(closes)} 施設を廃止 "
        f"(目的関数 {result.objective:,.1f} {result.unit}, 下界 {result.lower_bound}, gap {result.gap})"
    )
    return {
        "name": name,
        "description": desc,
        "category": category,
        "actions": [{"type": "close", "facility_id": fid, "fiscal_year": fiscal_year.year} for fid in closes],
        "source": {
            "optimizer": {
                "model": result.model,
                "method": result.method,
                "objective": result.objective,
                "lower_bound": result.lower_bound,
                "gap": result.gap,
                "status": result.status,
                "unit": result.unit,
                "kept": list(result.selected),
                "opened_new": list(result.details.get("opened_new", [])),
            }
        },
    }


def write_scenario(path: Path, scenario: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False), encoding="utf-8")
