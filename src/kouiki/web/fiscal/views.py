"""What the fiscal pages show, shared with the region dashboard: the engine's result with Japanese labels
(``run``) and the dashboard's summary of a region's saved plan (``fiscal_summary``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kouiki.fiscal import catalogue
from kouiki.fiscal import evaluate as fiscal_evaluate
from kouiki.fiscal.errors import ParameterError
from kouiki.fiscal.model import KIND_LABEL as KIND_LABELS  # labels are defined once, beside their enum
from kouiki.fiscal.params import parameter_name
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import registry
from kouiki.reference.parameters import CAPABILITY_LABELS, listing
from kouiki.reference.parameters import CONFIDENCE_SHORT as CONFIDENCE_LABELS
from kouiki.reference.regions import Region
from kouiki.store.fiscal_plans import get_plan
from kouiki.store.regions import list_regions


def run(plan: Any, overrides: list[str], regions: list[Region] | None = None) -> dict[str, Any]:
    """Evaluate and return the engine's JSON plus each line's explanation and Japanese labels. ``regions``: the
    registry stored here (the eligibility gates read it instead of the bundled one)."""
    from kouiki.fiscal import FiscalContext

    try:
        result = fiscal_evaluate(plan, overrides or None, FiscalContext(regions=regions) if regions is not None else None)
    except ParameterError as exc:
        raise KouikiError(f"仮定値（what-if）の指定に誤りがあります: {exc}") from None
    out: dict[str, Any] = result.to_dict()
    lines = []
    for ln in result.lines:
        d = ln.to_dict(include_trace=True)
        d["kind_label"] = KIND_LABELS.get(ln.kind, ln.kind)
        d["confidence_label"] = CONFIDENCE_LABELS.get(ln.confidence, ln.confidence)
        d["municipality_name"] = registry().by_code(ln.municipality).name if ln.municipality else ""
        d["fiscal_year_wareki"] = FiscalYear(ln.fiscal_year).wareki()
        d["parameter_names"] = [{"name": parameter_name(u), "path": u} for u in ln.parameters]
        lines.append(d)
    out["lines"] = lines
    return out


def parameter_measures(fiscal_year: int | None = None) -> list[dict[str, Any]]:
    """Every capability's parameter files, for the parameters page and ``/api/parameters`` alike: fiscal's
    catalogue (with its kinds and rounding), then each other capability of ``CAPABILITY_LABELS`` in its order
    (the one list of capabilities: a new one is listed without touching this function)."""
    out = list(catalogue(fiscal_year=fiscal_year))
    for cap in CAPABILITY_LABELS:
        if cap != "fiscal":
            out.extend(listing(cap, fiscal_year))
    return out


def fiscal_summary(s: Session, region: Region) -> dict[str, Any] | None:
    """The dashboard's fiscal summary: totals of the region's saved plan (None when none is saved)."""
    row = get_plan(s, region.id)
    if row is None:
        return None
    result = run({"items": row.document.get("items", [])}, row.document.get("overrides", []), list_regions(s))
    if result["errors"]:
        return {"errors": result["errors"]}
    totals = result["totals"]
    return {"support_yen": totals["support_yen"], "financing_yen": totals["financing_yen"],
            "by_kind": [{"kind": KIND_LABELS.get(k, k), "amount_yen": v} for k, v in totals["by_kind"].items()],
            "blocks": [{"label": b["label"], "total_yen": b["total_yen"]} for b in result["summary"]["blocks"]],
            "version": row.version}
