"""Property tests over the capped measures: 0 ≤ amount ≤ cap, amount ≤ rate × cost, monotone in cost."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kouiki.fiscal import evaluate
from tests.hypothesis_budget import examples

ITEMS: dict[str, dict[str, Any]] = {
    "consolidation_study": {"municipality": "292044", "fiscal_year": 2025, "partner_bodies": ["293229"]},
    "consolidation_smoothing": {"municipality": "293610", "fiscal_year": 2026, "case": "A", "partner_bodies": ["293628"],
                                "completion_fiscal_year": 2025, "facility_category": "市民文化系施設"},
    "hospital_clinic_cooperation": {"municipality": "282278", "fiscal_year": 2025},
    "comprehensive_neighbor": {"municipality": "285013", "fiscal_year": 2025},
    "comprehensive_central": {"municipality": "282294", "fiscal_year": 2025},
    "external_experts": {"municipality": "022021", "fiscal_year": 2025, "engagement_start_fiscal_year": 2025,
                         "has_vision": True},
    "specialist_recruitment": {"municipality": "020001", "fiscal_year": 2025, "receiver": "023671", "first_year": True},
    "specialist_salary": {"municipality": "020001", "fiscal_year": 2025, "receiver": "023671", "secondment": "agreement",
                          "persons": 2},
    "specialist_contribution": {"municipality": "023671", "fiscal_year": 2025, "sender": "020001",
                                "secondment": "local_autonomy_act"},
    "renkei_member": {"municipality": "285013", "fiscal_year": 2025},
    "urban_restructuring_subsidy": {"municipality": "292044", "fiscal_year": 2025, "partner_count": 2},
}


def _line(measure: str, cost: int) -> dict[str, Any]:
    r = evaluate({"items": [{"measure": measure, "cost_yen": cost, **ITEMS[measure]}]}, trace=False)
    assert not r.errors, r.errors
    (line,) = r.to_dict()["lines"]
    return line


@settings(max_examples=examples(60), deadline=None)
@given(measure=st.sampled_from(sorted(ITEMS)), cost=st.integers(0, 10**10), extra=st.integers(0, 10**9))
def test_amount_is_bounded_and_monotone(measure: str, cost: int, extra: int) -> None:
    a = _line(measure, cost)
    b = _line(measure, cost + extra)
    for ln, c in ((a, cost), (b, cost + extra)):
        assert ln["amount_yen"] >= 0
        if ln["cap_yen"] is not None:
            assert ln["amount_yen"] <= ln["cap_yen"]
        assert Decimal(ln["amount_yen"]) <= Decimal(ln["rate"]) * c
    assert b["amount_yen"] >= a["amount_yen"]


@settings(max_examples=examples(40), deadline=None)
@given(cost=st.integers(1, 10**11), subsidy_pct=st.integers(0, 100), before=st.integers(2, 10**6))
def test_consolidation_bond_support_matches_the_seed_formula_at_zero_interest(cost: int, subsidy_pct: int, before: int) -> None:
    """support = s + (1 − s) × 0.9 × 0.5 of cost (seed), up to 円未満 rounding."""
    r = evaluate([{"measure": "facility_bond", "municipality": "292044", "fiscal_year": 2025, "cost_yen": cost,
                   "category": "consolidation", "national_subsidy_rate": Decimal(subsidy_pct) / 100,
                   "floor_area_before_m2": before, "floor_area_after_m2": before - 1, "interest_rate": 0,
                   "term_years": 20, "grace_years": 3, "repayment": "annuity", "first_redemption_fiscal_year": 2026}],
                 trace=False)
    s = Decimal(subsidy_pct) / 100
    exact = cost * (s + (1 - s) * Decimal("0.45"))
    assert exact - 3 <= r.totals.support_yen <= exact
