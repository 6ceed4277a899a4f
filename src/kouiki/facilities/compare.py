"""Compare evaluated scenarios side by side (シナリオ比較): the headline figures a 協議会 asks for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kouiki.facilities.result import ScenarioResult


def headline(result: ScenarioResult) -> dict[str, Any]:
    """The figures of one :func:`kouiki.facilities.evaluate.evaluate` result that go in a comparison table."""
    floor = result.floor_area
    costs = result.costs
    totals = result.financing.totals if result.financing.result is not None else {}
    access: dict[str, Any] = {}
    for cat, ch in result.access.by_category.items():
        b, a = ch.to_dict()["before"]["overall"], ch.to_dict()["after"]["overall"]
        access[cat] = {
            "mean_minutes_before": b["mean_minutes"], "mean_minutes_after": a["mean_minutes"],
            "share_within_before": b["share_within"], "share_within_after": a["share_within"],
            "lose_access_population": sum(p["population"] for p in ch.lost),
        }
    share = result.sharing
    return {
        "name": result.scenario.name,
        "floor_area_before_m2": str(floor.before_m2),
        "floor_area_after_m2": str(floor.after_m2),
        "floor_area_reduced": floor.reduced,
        "floor_area_includes_imputed": bool(floor.imputed),
        "cost_nominal_yen": costs.nominal.scenario_yen,
        "savings_nominal_yen": costs.nominal.savings_yen,
        "cost_discounted_yen": costs.discounted.scenario_yen,
        "savings_discounted_yen": costs.discounted.savings_yen,
        "savings_withheld": costs.savings_withheld,
        "support_yen": totals.get("support_yen"),
        "financing_yen": totals.get("financing_yen"),
        "net_burden_by_municipality": share.net_burden_total_by_municipality if share.evaluated else None,
        "access": access,
        "unified_fees": {f.group.facility_type: f.unified_fee_yen for f in result.fees},
        "warnings": result.warnings,
    }


def compare(results: Sequence[ScenarioResult]) -> dict[str, Any]:
    """Headlines of several results; ``best`` names the scenario with the largest discounted savings (scenarios
    whose savings are withheld for a missing input are not ranked)."""
    rows = [headline(r) for r in results]
    ranked = [r for r in rows if r["savings_discounted_yen"] is not None]
    best = max(ranked, key=lambda r: r["savings_discounted_yen"])["name"] if ranked else None
    return {"scenarios": rows, "best_discounted_savings": best,
            "note": "割引後の削減額が最大のシナリオを示すだけで、アクセスの悪化や負担の偏りは各列で確認してください"}
