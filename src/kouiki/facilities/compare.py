"""Compare evaluated scenarios side by side (シナリオ比較): the headline figures a 協議会 asks for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def headline(result: Mapping[str, Any]) -> dict[str, Any]:
    """The figures of one :func:`kouiki.facilities.evaluate.evaluate` result that go in a comparison table."""
    floor = result["floor_area"]
    costs = result["costs"]
    fin = result.get("financing") or {}
    engine = fin.get("engine") or {}
    totals = engine.get("totals") or {}
    access: dict[str, Any] = {}
    for cat, ch in (result.get("access", {}).get("by_category") or {}).items():
        b, a = ch["before"]["overall"], ch["after"]["overall"]
        access[cat] = {
            "mean_minutes_before": b["mean_minutes"], "mean_minutes_after": a["mean_minutes"],
            "share_within_before": b["share_within"], "share_within_after": a["share_within"],
            "lose_access_population": ch["lose_access"]["population"],
        }
    share = result.get("sharing") or {}
    return {
        "name": result["scenario"]["name"],
        "floor_area_before_m2": floor["before_m2"],
        "floor_area_after_m2": floor["after_m2"],
        "floor_area_reduced": floor["reduced"],
        "floor_area_includes_imputed": bool(floor.get("imputed")),
        "cost_nominal_yen": costs["nominal"]["scenario_yen"],
        "savings_nominal_yen": costs["nominal"]["savings_yen"],
        "cost_discounted_yen": costs["discounted"]["scenario_yen"],
        "savings_discounted_yen": costs["discounted"]["savings_yen"],
        "support_yen": totals.get("support_yen"),
        "financing_yen": totals.get("financing_yen"),
        "net_burden_by_municipality": share.get("net_burden_total_by_municipality"),
        "access": access,
        "unified_fees": {f["facility_type"]: f["unified_fee_yen"] for f in result.get("fees") or []},
    }


def compare(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Headlines of several results; ``best`` names the scenario with the largest discounted savings."""
    rows = [headline(r) for r in results]
    best = max(rows, key=lambda r: r["savings_discounted_yen"])["name"] if rows else None
    return {"scenarios": rows, "best_discounted_savings": best,
            "note": "割引後の削減額が最大のシナリオを示すだけで、アクセスの悪化や負担の偏りは各列で確認してください"}
