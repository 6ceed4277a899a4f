from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kouiki.reference.money import (
    MoneyError,
    Rounding,
    allocate,
    apply_rate,
    format_oku_man,
    format_yen,
    split_evenly,
    to_yen,
)


def test_floats_are_refused() -> None:
    with pytest.raises(MoneyError):
        to_yen(0.1)
    with pytest.raises(MoneyError):
        to_yen("1.5")
    assert to_yen("12,000,000") == 12_000_000
    assert to_yen(Decimal("5000")) == 5000


def test_named_rounding_rules() -> None:
    assert Rounding.THOUSAND_FLOOR.apply(12_345_678) == 12_345_000
    assert Rounding.THOUSAND_HALF_UP.apply(12_345_500) == 12_346_000
    assert Rounding.by_id("千円未満切捨て") is Rounding.THOUSAND_FLOOR
    assert apply_rate(12_000_001, Decimal("0.5")) == 6_000_000
    assert apply_rate(12_000_001, Decimal("0.5"), Rounding.YEN_HALF_UP) == 6_000_001
    with pytest.raises(MoneyError):
        Rounding.by_id("unknown")


def test_display() -> None:
    assert format_yen(12_345_678) == "12,345,678円"
    assert format_yen(12_345_678, "千円") == "12,346千円"
    assert format_yen(85_000_000, "万円") == "8,500万円"
    assert format_yen(725_000_000, "億円", 2) == "7.25億円"
    assert format_oku_man(725_000_000) == "7億2,500万円"
    assert format_oku_man(85_000_000) == "8,500万円"
    assert format_oku_man(0) == "0円"


@given(st.integers(min_value=0, max_value=10**13), st.integers(min_value=1, max_value=60))
def test_split_evenly_sums_exactly(total: int, parts: int) -> None:
    out = split_evenly(total, parts)
    assert sum(out) == total and len(out) == parts
    assert max(out[:-1] or [out[-1]]) <= out[-1]


@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20).filter(lambda w: sum(w) > 0),
)
def test_allocate_sums_exactly_and_is_proportional(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    wsum = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        assert abs(Decimal(part) - Decimal(total) * w / wsum) < 1
