"""地方債の償還表 (redemption schedules) and the 交付税算入 of each 年度's 元利償還金.

Annual payments (real bonds are often paid half-yearly; one line per 年度 is what 財政課 tables show).
Redemption starts ``first_year``; the first ``grace_years`` 年度 pay interest only (据置期間), then the
principal is repaid over ``term_years − grace_years`` 年度, either as equal total payments (元利均等,
``annuity``) or equal principal (元金均等, ``equal_principal``). Interest of a 年度 = balance at its start ×
rate, 円未満切捨て. Every rounding difference goes to the last 年度, so the principal repaid sums exactly to
the bond and each allocation sums exactly to ``floor(Σ base × rate)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import Any

from kouiki.fiscal.errors import ParameterError

REPAYMENTS = {"annuity": "元利均等", "equal_principal": "元金均等"}


@dataclass(frozen=True)
class BondTerms:
    term_years: int  # 償還年限 (incl. grace)
    grace_years: int  # 据置期間
    interest_rate: Decimal  # annual
    repayment: str  # annuity | equal_principal
    first_year: int  # 年度 of the first redemption

    def __post_init__(self) -> None:
        if self.term_years < 1:
            raise ParameterError(f"償還年限は1年以上です: {self.term_years}")
        if not 0 <= self.grace_years < self.term_years:
            raise ParameterError(f"据置期間は0以上・償還年限未満です: {self.grace_years}（償還年限 {self.term_years}）")
        if not Decimal(0) <= self.interest_rate <= Decimal(1):
            raise ParameterError(f"利率は0以上1以下です: {self.interest_rate}")
        if self.repayment not in REPAYMENTS:
            raise ParameterError(f"償還方法は annuity（元利均等）か equal_principal（元金均等）です: {self.repayment}")

    def describe(self) -> str:
        return (
            f"償還{self.term_years}年（うち据置{self.grace_years}年）・年利{self.interest_rate * 100:g}%・"
            f"{REPAYMENTS[self.repayment]}・{self.first_year}年度から償還"
        )


@dataclass(frozen=True)
class Redemption:
    fiscal_year: int
    principal: int  # 元金
    interest: int  # 利子
    balance_after: int  # 年度末残高

    @property
    def total(self) -> int:
        """元利償還金."""
        return self.principal + self.interest


def _floor(x: Decimal | Fraction) -> int:
    if isinstance(x, Fraction):
        return x.numerator // x.denominator
    return int(x.to_integral_value(rounding=ROUND_FLOOR))


def schedule(amount: int, terms: BondTerms) -> list[Redemption]:
    """The redemption schedule of a bond of ``amount`` yen."""
    if amount < 0:
        raise ParameterError(f"起債額が負です: {amount}")
    r = terms.interest_rate
    n = terms.term_years - terms.grace_years
    out: list[Redemption] = []
    balance = amount
    year = terms.first_year
    for _ in range(terms.grace_years):
        out.append(Redemption(year, 0, _floor(balance * r), balance))
        year += 1
    if terms.repayment == "equal_principal" or r == 0:
        base, rem = divmod(amount, n)
        for i in range(n):
            principal = base + (rem if i == n - 1 else 0)
            interest = _floor(balance * r)
            balance -= principal
            out.append(Redemption(year, principal, interest, balance))
            year += 1
        return out
    # 元利均等: payment = P·r / (1 − (1+r)^−n), rounded down to the yen; last 年度 repays the balance.
    payment = _floor(Decimal(amount) * r / (1 - (1 + r) ** -n))
    for i in range(n):
        interest = _floor(balance * r)
        principal = balance if i == n - 1 else min(balance, payment - interest)
        balance -= principal
        out.append(Redemption(year, principal, interest, balance))
        year += 1
    return out


def allocate_rate(bases: list[int], rate: Fraction) -> list[int]:
    """``base × rate`` per 年度, 円未満切捨て, with the rounding difference in the last 年度 so that the parts
    sum exactly to ``floor(Σ base × rate)``."""
    if not bases:
        return []
    total = _floor(sum(bases) * rate)
    parts = [_floor(b * rate) for b in bases[:-1]]
    parts.append(total - sum(parts))
    return parts


@dataclass(frozen=True)
class CompletedTerms:
    """Bond terms completed from an item's fields and the ``bond_defaults.*`` parameters."""

    terms: BondTerms
    defaults_used: list[str]  # parameter names (``bond_defaults.<name>``) that filled a missing field
    grace_adjusted: bool  # a default grace period was shortened to fit the given term


def complete_terms(given: Mapping[str, Any], fiscal_year: int, default: Callable[[str], Any]) -> CompletedTerms:
    """The one rule for filling missing bond terms (used by the engine and by facility scenarios).

    ``given`` holds term_years, grace_years, interest_rate, repayment, first_redemption_fiscal_year (any may be
    None); ``default(name)`` returns the value of ``bond_defaults.<name>`` in force for the item's 年度.
    """
    used: list[str] = []

    def pick(field: str) -> Any:
        if given.get(field) is not None:
            return given[field]
        used.append(field)
        return default(field)

    term = int(pick("term_years"))
    grace = int(pick("grace_years"))
    rate = Decimal(str(pick("interest_rate")))
    repayment = str(pick("repayment"))
    if given.get("first_redemption_fiscal_year") is not None:
        first = int(given["first_redemption_fiscal_year"])
    else:
        used.append("first_redemption_offset")
        first = fiscal_year + int(default("first_redemption_offset"))
    adjusted = grace >= term  # defaults mixed with given values
    if adjusted:
        grace = term - 1
    return CompletedTerms(BondTerms(term, grace, rate, repayment, first), used, adjusted)
