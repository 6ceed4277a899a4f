"""Export an optimiser result as a facility scenario (再編シナリオ YAML) for ``kouiki facilities evaluate``.

The format is the facilities capability's (``kouiki.facilities.scenario``, schema_version 1, JSON Schema
``facilities/data/scenario.schema.json``): the scenario names its ``inventory`` (``demo:<region>`` or a file),
the ``bodies``, the ``categories`` whose access is evaluated, and one ``close`` action (供用廃止) per existing
facility the result does not keep, each with its ``lead_body`` (the owner: a closure is financed by the owning
body alone, so no 負担金 ``sharing`` applies). The optimiser's figures go under ``source.optimizer`` — the
evaluator copies them into its answer without using them. :func:`to_scenario` validates what it writes with
the evaluator's own parser, so an invalid file is never written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kouiki.facilities import scenario as fscenario
from kouiki.optimize.problem import OptimizeInputError
from kouiki.optimize.result import Result
from kouiki.reference.calendar import FiscalYear


def to_scenario(
    result: Result,
    name: str,
    fiscal_year: FiscalYear,
    inventory: str,
    owners: dict[str, str | None] | None = None,
    bodies: list[str] | None = None,
    categories: list[str] | None = None,
    subcategories: list[str] | None = None,
    description: str | None = None,
    start_fiscal_year: FiscalYear | None = None,
) -> dict[str, Any]:
    """Every candidate the result does not keep becomes a ``close`` action in ``fiscal_year``.

    ``inventory`` is what the scenario's ``inventory:`` says (``demo:弘前圏域`` or a path relative to the
    scenario file); ``owners`` maps candidate id → owning body code (the action's ``lead_body``; omitted when
    unknown, the evaluator then takes the owner from the inventory). Candidates marked as new sites are not
    existing facilities, so they are never closed; the new sites the result opens are listed under
    ``source.optimizer.opened_new``."""
    if not inventory:
        raise OptimizeInputError("シナリオには施設台帳 (--inventory: ファイルまたは demo:<圏域>) が必要です")
    owners = owners or {}
    new_sites = set(result.details.get("new_sites", []))
    closes = [c for c in result.closed if c not in new_sites]
    kept = [c for c in result.selected if c not in new_sites]
    desc = description or (
        f"{result.model} の最適化結果: {len(kept)} 施設を残し {len(closes)} 施設を{fiscal_year.wareki()}に廃止 "
        f"(目的関数 {result.objective:,.1f}, 下界 {'不明' if result.lower_bound is None else f'{result.lower_bound:,.1f}'}, "
        f"gap {'不明' if result.gap is None else f'{result.gap:.4%}'})"
    )
    actions: list[dict[str, Any]] = []
    for fid in closes:
        act: dict[str, Any] = {"id": f"close-{fid}", "type": "close", "facilities": [fid], "fiscal_year": fiscal_year.year}
        if owners.get(fid):
            act["lead_body"] = owners[fid]
        actions.append(act)
    optimizer: dict[str, Any] = {
        "model": result.model,
        "method": result.method,
        "objective": result.objective,
        "lower_bound": result.lower_bound,
        "gap": result.gap,
        "status": result.status,
        "unit": result.unit,
        "kept": kept,
        "opened_new": list(result.details.get("opened_new", [])),
    }
    for key in ("k", "min_per_body", "objective_meaning", "input"):
        if key in result.details:
            optimizer[key] = result.details[key]
    doc: dict[str, Any] = {"schema_version": fscenario.SCHEMA_VERSION, "name": name, "description": desc,
                           "inventory": inventory}
    if bodies:
        doc["bodies"] = list(bodies)
    doc["start_fiscal_year"] = (start_fiscal_year or fiscal_year).year
    if categories:
        doc["categories"] = list(categories)
    if subcategories:
        doc["subcategories"] = list(subcategories)
    doc["actions"] = actions
    doc["source"] = {"optimizer": optimizer}
    fscenario.parse(doc, f"<{name}>")  # the evaluator's own validation: never write a file it would reject
    return doc


class _Dumper(yaml.SafeDumper):
    """Quotes every all-digit string (団体コード "023817", ids): YAML 1.2 readers would take them as numbers."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "'" if value.isdigit() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def write_scenario(path: Path, scenario: dict[str, Any]) -> None:
    header = (
        "# kouiki optimize が書いた再編シナリオ。評価: kouiki facilities evaluate " + path.name + "\n"
        "# source.optimizer.input に候補施設（延床面積の推計 imputed の有無）と需要点（概算 approximate）の由来を記載\n"
    )
    body = yaml.dump(scenario, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    path.write_text(header + body, encoding="utf-8")
