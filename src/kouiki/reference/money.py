"""Money: integer yen, exact arithmetic, named rounding rules, Japanese display.

kouiki never holds money in a float. Amounts are ``int`` yen; rates are ``Decimal`` (``Decimal("0.5")``).
``apply_rate`` multiplies exactly and rounds once by a named rule. Rounding rules have names users
know (千円未満切捨て …) so a result line can say which one it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from enum import Enum

from kouiki.reference.errors import KouikiError

MAX_YEN = 10**15
"""1000兆円: more than any public budget. An amount above it is a typo and is refused on input (issue 18)."""


class MoneyError(KouikiError, ValueError):
    """A value that is not an exact amount of yen."""


@dataclass(frozen=True)
class RoundingRule:
    """A named rounding step: round to a multiple of ``unit`` yen with ``mode``."""

    id: str
    label: str  # Japanese name as written in 通知 and 要綱
    unit: int
    mode: str  # a decimal rounding constant

    def apply(self, amount: Decimal | int) -> int:
        value = Decimal(amount) / self.unit
        return int(value.quantize(Decimal(1), rounding=self.mode)) * self.unit


class Rounding(Enum):
    """The rounding rules kouiki knows. Each parameter file names the one its rule uses."""

    YEN_FLOOR = RoundingRule("yen_floor", "円未満切捨て", 1, ROUND_DOWN)
    YEN_HALF_UP = RoundingRule("yen_half_up", "円未満四捨五入", 1, ROUND_HALF_UP)
    YEN_CEIL = RoundingRule("yen_ceil", "円未満切上げ", 1, ROUND_UP)
    THOUSAND_FLOOR = RoundingRule("thousand_floor", "千円未満切捨て", 1_000, ROUND_DOWN)
    THOUSAND_HALF_UP = RoundingRule("thousand_half_up", "千円未満四捨五入", 1_000, ROUND_HALF_UP)
    THOUSAND_CEIL = RoundingRule("thousand_ceil", "千円未満切上げ", 1_000, ROUND_UP)
    TEN_THOUSAND_FLOOR = RoundingRule("ten_thousand_floor", "万円未満切捨て", 10_000, ROUND_DOWN)
    HUNDRED_THOUSAND_FLOOR = RoundingRule("hundred_thousand_floor", "10万円未満切捨て", 100_000, ROUND_DOWN)

    @property
    def rule(self) -> RoundingRule:
        return self.value

    @classmethod
    def by_id(cls, rule_id: str) -> Rounding:
        for r in cls:
            if r.value.id == rule_id or r.value.label == rule_id:
                return r
        known = ", ".join(r.value.id for r in cls)
        raise MoneyError(f"端数処理の規則が不明です: {rule_id!r} (known: {known})")

    def apply(self, amount: Decimal | int) -> int:
        return self.value.apply(amount)


# Floor towards −∞ is what "切捨て" means for the positive amounts we deal with; kept distinct
# from ROUND_DOWN (towards zero) so a negative adjustment is not silently rounded up.
_ = ROUND_FLOOR


def to_decimal(value: object, what: str = "値") -> Decimal:
    """Exact Decimal from int, str or Decimal. Floats are refused: 0.1 is not exact in binary."""
    if isinstance(value, bool):
        raise MoneyError(f"{what}に真偽値は使えません: {value!r}")
    if isinstance(value, float):
        raise MoneyError(f"{what}に浮動小数点数は使えません（文字列で指定してください）: {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.replace(",", "").strip())
        except InvalidOperation as exc:
            raise MoneyError(f"{what}が数値ではありません: {value!r}") from exc
    raise MoneyError(f"{what}が数値ではありません: {value!r}")


def to_yen(value: object, what: str = "金額") -> int:
    """An exact integer number of yen from int, Decimal or str ("12,000,000", "1.5億" is refused).

    Raises MoneyError for fractions of a yen or non-numbers: a plan must say what it means.
    """
    dec = to_decimal(value, what)
    if dec != dec.to_integral_value():
        raise MoneyError(f"{what}は円単位の整数で指定してください: {value!r}")
    return int(dec)


def apply_rate(amount: int, rate: Decimal, rounding: Rounding = Rounding.YEN_FLOOR) -> int:
    """``amount × rate`` rounded once by ``rounding`` (default 円未満切捨て)."""
    return rounding.apply(Decimal(amount) * rate)


def split_evenly(total: int, parts: int) -> list[int]:
    """Split ``total`` yen into ``parts`` integer amounts that sum exactly to ``total``.

    Each part is ``total // parts``; the remainder goes to the last part (the convention of
    更新費用 spreading and bond schedules: 端数は最終年度で調整).
    """
    if parts <= 0:
        raise MoneyError("分割数は1以上です")
    base = total // parts
    out = [base] * parts
    out[-1] += total - base * parts
    return out


def allocate(total: int, weights: list[Decimal] | list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` exactly (largest-remainder method).

    Used for 負担金 sharing: the parts sum to ``total`` to the yen, and ties go to the earlier
    body, so the result is deterministic.
    """
    ws = [Decimal(w) for w in weights]
    if any(w < 0 for w in ws):
        raise MoneyError("按分の重みは0以上です")
    wsum = sum(ws, Decimal(0))
    if wsum == 0:
        raise MoneyError("按分の重みの合計が0です")
    exact = [Decimal(total) * w / wsum for w in ws]
    floors = [int(x.to_integral_value(rounding=ROUND_FLOOR)) for x in exact]
    short = total - sum(floors)
    order = sorted(range(len(ws)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return floors


# ---- display ------------------------------------------------------------------------------

_UNITS = {"円": 1, "千円": 1_000, "万円": 10_000, "百万円": 1_000_000, "億円": 100_000_000}


def format_yen(amount: int, unit: str = "円", decimals: int = 0, suffix: bool = True) -> str:
    """Japanese display: 12,345,678 → "12,345,678円", "12,346千円", "1,234.6万円", "0.12億円".

    Rounds half-up for display only; stored values stay exact yen.
    """
    if unit not in _UNITS:
        raise MoneyError(f"単位が不明です: {unit} (known: {', '.join(_UNITS)})")
    value = Decimal(amount) / _UNITS[unit]
    q = Decimal(1).scaleb(-decimals)
    value = value.quantize(q, rounding=ROUND_HALF_UP)
    text = f"{value:,.{decimals}f}"
    return f"{text}{unit}" if suffix else text


def format_oku_man(amount: int) -> str:
    """Headline style: 725,000,000 → "7億2,500万円"; 85,000,000 → "8,500万円"; 5,000 → "5,000円"."""
    sign = "-" if amount < 0 else ""
    a = abs(amount)
    oku, rest = divmod(a, 100_000_000)
    man, yen = divmod(rest, 10_000)
    parts = []
    if oku:
        parts.append(f"{oku:,}億")
    if man:
        parts.append(f"{man:,}万")
    if yen or not parts:
        parts.append(f"{yen:,}")
    return sign + "".join(parts) + "円"
