"""National status of 定住自立圏: the dated national counts vs the KPI, and counts from the registry.

The national figures are dated facts with their sources (``reference/data/regions/national_status.yaml``;
131 圏域 at 2025-04-01 against the KPI of 140). The registry counts are computed from the regions the user
has registered (bundled + imported) and say how far the registry covers the country.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from kouiki.reference.calendar import FiscalYear
from kouiki.reference.regions import Framework, Region, national_status


def national_series() -> dict[str, Any]:
    """The dated national counts (oldest first), the KPI, and the latest gap to it."""
    data = national_status()
    facts = sorted(data.get("facts", []), key=lambda f: str(f["as_of"]))
    kpi = data["kpi"]
    latest = next((f for f in reversed(facts) if f.get("regions") is not None), None)
    series = [{
        "as_of": f["as_of"], "declared_central_cities": f.get("declared_central_cities"),
        "regions": f.get("regions"), "member_municipalities": f.get("member_municipalities"),
        "vision_cities": f.get("vision_cities"), "confidence": f.get("confidence"), "note": f.get("note"),
        "source": f.get("source"),
    } for f in facts]
    return {
        "kpi": {"target_regions": kpi["target_regions"], "target_year": kpi["target_year"], "source": kpi.get("source")},
        "series": series,
        "latest": None if latest is None else {
            "as_of": latest["as_of"], "regions": latest["regions"],
            "gap_to_kpi": kpi["target_regions"] - latest["regions"],
            "share_of_kpi_percent": round(100 * latest["regions"] / kpi["target_regions"], 1),
        },
        "renkei_chusu": data.get("renkei_chusu", []),
    }


def registry_counts(regions: Iterable[Region], on: dt.date) -> dict[str, Any]:
    """Counts from the registry on a day: 宣言中心市, 圏域 formed (≥ 1 agreement or 形成方針), members."""
    teiju = [r for r in regions if r.framework is Framework.TEIJU]
    declared: set[str] = set()
    declared_unknown = 0
    formed = 0
    formed_unknown = 0
    members: set[str] = set()
    slots = 0
    for r in teiju:
        if r.declaration_date is None:
            declared_unknown += 1
        elif r.declaration_date <= on:
            declared.update(r.central)
        dates = [m.agreement_date for m in r.neighbors() if m.agreement_date is not None]
        if r.formation_policy is not None and (r.formation_policy.vote_date or r.formation_policy.adopted):
            dates.append(r.formation_policy.vote_date or r.formation_policy.adopted)  # type: ignore[arg-type]
        if dates and min(dates) <= on:
            formed += 1
            codes = r.member_codes(on)
            members.update(codes)
            slots += len(codes)
        elif not dates:
            formed_unknown += 1
    return {"as_of": on, "declared_central_cities": len(declared), "declaration_date_unknown": declared_unknown,
            "regions": formed, "formation_date_unknown": formed_unknown, "member_municipalities": len(members),
            "member_slots": slots, "registered_regions": len(teiju)}


def registry_series(regions: Iterable[Region], until: dt.date | None = None) -> list[dict[str, Any]]:
    """Registry counts at each 年度 end (3月31日) from the first recorded date to ``until``."""
    pool = list(regions)
    end = until or dt.date.today()
    dates = [d for r in pool for d in [r.declaration_date, *(m.agreement_date for m in r.members)] if d]
    if not dates:
        return []
    fy = FiscalYear.of_date(min(dates))
    out = []
    while fy.end <= end:
        out.append(registry_counts(pool, fy.end))
        fy = fy + 1
    out.append(registry_counts(pool, end))
    return out
