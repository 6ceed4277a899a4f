"""Redemption schedules and the exact allocation of 交付税算入 over them."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kouiki.fiscal.bonds import BondTerms, allocate_rate, schedule
from kouiki.fiscal.errors import ParameterError
from tests.hypothesis_budget import examples


def test_annuity_schedule_repays_the_bond_exactly_with_equal_payments() -> None:
    s = schedule(100_000_000, BondTerms(10, 0, Decimal("0.01"), "annuity", 2026))
    assert [r.fiscal_year for r in s] == list(range(2026, 2036))
    assert sum(r.principal for r in s) == 100_000_000
    assert s[-1].balance_after == 0
    payments = [r.total for r in s]
    assert max(payments) - min(payments) <= 2  # equal payments up to rounding
    assert s[0].interest == 1_000_000


def test_equal_principal_with_grace_pays_interest_only_first() -> None:
    s = schedule(30_000_000, BondTerms(5, 2, Decimal("0.02"), "equal_principal", 2026))
    assert [(r.principal, r.interest) for r in s[:2]] == [(0, 600_000), (0, 600_000)]
    assert [r.principal for r in s[2:]] == [10_000_000] * 3
    assert [r.interest for r in s[2:]] == [600_000, 400_000, 200_000]


def test_zero_interest_spreads_the_remainder_to_the_last_year() -> None:
    s = schedule(100, BondTerms(3, 0, Decimal(0), "annuity", 2026))
    assert [r.principal for r in s] == [33, 33, 34]


def test_bad_terms_are_refused() -> None:
    with pytest.raises(ParameterError):
        BondTerms(5, 5, Decimal(0), "annuity", 2026)
    with pytest.raises(ParameterError):
        BondTerms(5, 0, Decimal(0), "bullet", 2026)


@settings(max_examples=examples(200), deadline=None)
@given(
    amount=st.integers(0, 10**11),
    term=st.integers(1, 40),
    grace_frac=st.floats(0, 0.9),
    rate_bp=st.integers(0, 500),
    kind=st.sampled_from(["annuity", "equal_principal"]),
)
def test_every_schedule_repays_exactly(amount: int, term: int, grace_frac: float, rate_bp: int, kind: str) -> None:
    grace = min(term - 1, int(term * grace_frac))
    s = schedule(amount, BondTerms(term, grace, Decimal(rate_bp) / 10000, kind, 2026))
    assert len(s) == term
    assert sum(r.principal for r in s) == amount
    assert all(r.principal >= 0 and r.interest >= 0 for r in s)
    assert s[-1].balance_after == 0


@settings(max_examples=examples(200), deadline=None)
@given(bases=st.lists(st.integers(0, 10**9), min_size=1, max_size=40), num=st.integers(0, 100))
def test_allocation_sums_exactly_to_the_floor_of_the_total(bases: list[int], num: int) -> None:
    rate = Fraction(num, 100)
    parts = allocate_rate(bases, rate)
    assert sum(parts) == (sum(bases) * rate).numerator // (sum(bases) * rate).denominator
    assert all(p >= 0 for p in parts[:-1])
