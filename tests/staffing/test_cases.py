"""YAML cases: tests/staffing/cases/*.yaml hold a staffing input and the items/refusals it must give."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from kouiki.staffing.io import case_from_dict
from kouiki.staffing.items import build_items
from kouiki.staffing.sharing import plan_sharing

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def _matches(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    return all(actual.get(k) == v for k, v in expected.items())


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    case = case_from_dict(spec["case"], path.name)
    out = build_items(case)
    exp = spec["expect"]
    if "items_count" in exp:
        assert len(out.items) == exp["items_count"], out.items
    for e in exp.get("items", []):
        assert any(_matches(i, e) for i in out.items), f"{path.name}: no item matches {e}\n{out.items}"
    if "refusals" in exp:
        assert len({(r.measure, r.municipality, r.fiscal_year) for r in out.refusals}) == len(exp["refusals"])
        for e in exp["refusals"]:
            hits = [r for r in out.refusals if (r.measure, r.municipality, r.fiscal_year) == (e["measure"], e["municipality"], e["fiscal_year"])]
            assert hits and any(e["reason"] in x for r in hits for x in r.reasons), f"{path.name}: {e} vs {out.refusals}"
    for w in exp.get("warnings_contain", []):
        assert any(w in x for x in out.warnings), out.warnings
    for e in exp.get("plan", []):
        plan = plan_sharing(case)
        y = next(y for y in plan.years if y.fiscal_year == e["fiscal_year"])
        assert len(y.assignments) == e["assignments"]
        assert y.unmet_days == Decimal(e["unmet_days_per_week"])
        assert y.travel_km_per_week == Decimal(e["travel_km_per_week"])


@pytest.mark.parametrize("path", [p for p in CASES if "fiscal:" in p.read_text(encoding="utf-8")], ids=lambda p: p.stem)
def test_case_with_fiscal_engine(path: Path) -> None:
    pytest.importorskip("kouiki.fiscal")
    from kouiki.staffing.support import evaluate_support

    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    res = evaluate_support(case_from_dict(spec["case"], path.name))
    for e in spec["expect"]["fiscal"]:
        receiver = e.pop("receiver", None)
        hits = [ln for ln in res.lines if _matches(ln, e) and (receiver is None or (ln.get("origin") or {}).get("receiver") == receiver)]
        assert hits, f"{path.name}: no fiscal line matches {e}\n{res.lines}"
