"""Cost sharing among bodies (負担金の按分): 均等割, 人口割, 利用割, weighted mixes and fixed shares.

Every split is exact to the yen (:func:`kouiki.reference.money.allocate`, largest remainder, ties to the earlier
body in code order): the parts always sum to the total. A mix (e.g. 均等割10% + 人口割90%, the common
一部事務組合 formula) first splits the total between its components by their weights, then each component
among the bodies by its key, so the rounding of each step is visible and exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kouiki.reference import codes as codesmod
from kouiki.reference.errors import KouikiError
from kouiki.reference.money import allocate
from kouiki.reference.municipalities import LATEST_CENSUS_YEAR
from kouiki.reference.municipalities import get as get_body


class SharingError(KouikiError, ValueError):
    """A sharing rule that cannot be applied (missing key figures, shares not summing to 100%)."""


class Key(StrEnum):
    EQUAL = "equal"  # 均等割
    POPULATION = "population"  # 人口割
    USAGE = "usage"  # 利用割 (users by residence)
    FIXED = "fixed"  # 固定割合


KEY_LABEL = {Key.EQUAL: "均等割", Key.POPULATION: "人口割", Key.USAGE: "利用割", Key.FIXED: "固定割合"}


@dataclass(frozen=True)
class ShareRule:
    """How a cost is shared. ``weights`` maps keys to weights (a single key = that key alone).

    ``fixed`` holds fixed shares by body (Decimal, summing to 1) for :attr:`Key.FIXED`; ``usage`` annual users by
    residence for :attr:`Key.USAGE`; ``population`` overrides the census figures (e.g. projected population).
    ``own`` = each body finances its own share (no 負担金): :func:`split` then refuses to be called.
    """

    weights: Mapping[Key, Decimal]
    fixed: Mapping[str, Decimal] = field(default_factory=dict)
    usage: Mapping[str, int] = field(default_factory=dict)
    population: Mapping[str, int] = field(default_factory=dict)
    census_year: int = LATEST_CENSUS_YEAR
    own: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | str | None, where: str = "sharing") -> ShareRule:
        """Parse ``{"method": "mix", "weights": {"equal": "0.1", "population": "0.9"}}`` and friends.

        Accepted methods: equal, population, usage, fixed (+ ``shares``), mix (+ ``weights``), own.
        Japanese names (均等割, 人口割, 利用割, 固定, 各団体負担) are accepted too.
        """
        if data is None:
            return cls({Key.POPULATION: Decimal(1)})
        if isinstance(data, str):
            data = {"method": data}
        method = _method(str(data.get("method", "population")), where)
        usage = {codesmod.normalize(str(k)): int(v) for k, v in (data.get("usage") or {}).items()}
        population = {codesmod.normalize(str(k)): int(v) for k, v in (data.get("population") or {}).items()}
        year = int(data.get("census_year", LATEST_CENSUS_YEAR))
        if method == "own":
            return cls({}, own=True)
        if method == "fixed":
            shares = data.get("shares") or {}
            if not shares:
                raise SharingError(f"{where}: 固定割合には shares（団体コード: 割合）が必要です")
            fixed = {codesmod.normalize(str(k)): _dec(v, f"{where}.shares.{k}") for k, v in shares.items()}
            if sum(fixed.values(), Decimal(0)) != 1:
                raise SharingError(f"{where}.shares: 割合の合計が1（100%）ではありません: {sum(fixed.values())}")
            return cls({Key.FIXED: Decimal(1)}, fixed=fixed, usage=usage, population=population, census_year=year)
        if method == "mix":
            raw = data.get("weights") or {}
            weights = {Key(_method(str(k), where)): _dec(v, f"{where}.weights.{k}") for k, v in raw.items()}
            if not weights or any(w < 0 for w in weights.values()) or sum(weights.values(), Decimal(0)) != 1:
                raise SharingError(f"{where}.weights: 重みは0以上で合計1（100%）にしてください: {raw}")
            return cls(weights, usage=usage, population=population, census_year=year)
        return cls({Key(method): Decimal(1)}, usage=usage, population=population, census_year=year)

    def describe(self) -> str:
        if self.own:
            return "各団体が自らの分を負担"
        # format "f": Decimal("100").normalize() alone prints as 1E+2
        return " + ".join(f"{KEY_LABEL[k]}{format((w * 100).normalize(), 'f')}%" for k, w in self.weights.items())

    def to_dict(self) -> dict[str, Any]:
        return {"method": "own" if self.own else "mix", "weights": {k.value: str(w) for k, w in self.weights.items()},
                "label": self.describe()}


_ALIASES = {
    "equal": "equal", "均等割": "equal", "均等": "equal",
    "population": "population", "人口割": "population", "人口": "population",
    "usage": "usage", "利用割": "usage", "利用者割": "usage", "実績割": "usage",
    "fixed": "fixed", "固定": "fixed", "固定割合": "fixed",
    "mix": "mix", "組合せ": "mix",
    "own": "own", "各団体負担": "own", "自己負担": "own",
}


def _method(text: str, where: str) -> str:
    m = _ALIASES.get(text.strip())
    if m is None:
        raise SharingError(f"{where}: 按分方法が不明です: {text!r}（equal/均等割, population/人口割, usage/利用割, fixed, mix, own）")
    return m


def _dec(value: Any, where: str) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise SharingError(f"{where}: 数値ではありません: {value!r}") from None


def _key_weights(rule: ShareRule, key: Key, bodies: Sequence[str]) -> list[int] | list[Decimal]:
    if key is Key.EQUAL:
        return [1] * len(bodies)
    if key is Key.POPULATION:
        out = []
        for b in bodies:
            if b in rule.population:
                out.append(rule.population[b])
                continue
            pop = get_body(b).population(rule.census_year)
            if pop is None:
                raise SharingError(f"人口割: {b} の{rule.census_year}年国勢調査人口がありません")
            out.append(pop)
        return out
    if key is Key.USAGE:
        missing = [b for b in bodies if b not in rule.usage]
        if missing:
            raise SharingError(f"利用割: 住所別の利用者数がない団体があります: {', '.join(missing)}")
        return [rule.usage[b] for b in bodies]
    missing = [b for b in bodies if b not in rule.fixed]
    if missing or set(rule.fixed) - set(bodies):
        raise SharingError(f"固定割合: 団体が一致しません（割合なし: {', '.join(missing) or 'なし'}）")
    return [rule.fixed[b] for b in bodies]


def split(total_yen: int, rule: ShareRule, bodies: Sequence[str]) -> dict[str, int]:
    """Split ``total_yen`` among ``bodies`` by ``rule``; the parts sum exactly to the total."""
    if rule.own:
        raise SharingError("各団体負担（own）の費用は按分しません")
    codes = sorted({codesmod.normalize(b) for b in bodies})
    if not codes:
        raise SharingError("按分する団体がありません")
    keys = list(rule.weights)
    component = allocate(total_yen, [rule.weights[k] for k in keys]) if len(keys) > 1 else [total_yen]
    out = dict.fromkeys(codes, 0)
    for k, amount in zip(keys, component, strict=True):
        weights = [Decimal(w) for w in _key_weights(rule, k, codes)]
        if sum(weights, Decimal(0)) == 0:
            raise SharingError(f"{KEY_LABEL[k]}: 按分の基礎がすべて0です")
        for c, part in zip(codes, allocate(amount, weights), strict=True):
            out[c] += part
    return out


def shares(rule: ShareRule, bodies: Sequence[str]) -> dict[str, Decimal]:
    """Each body's share as a fraction (exact Decimal where possible), summing to 1."""
    codes = sorted({codesmod.normalize(b) for b in bodies})
    out = dict.fromkeys(codes, Decimal(0))
    for k, w in rule.weights.items():
        kw = [Decimal(x) for x in _key_weights(rule, k, codes)]
        total = sum(kw, Decimal(0))
        for c, x in zip(codes, kw, strict=True):
            out[c] += w * x / total
    return out


def split_by_year(amounts: Mapping[int, int], rule: ShareRule, bodies: Sequence[str]) -> dict[str, dict[int, int]]:
    """Split each 年度's amount; → {body: {年度: yen}}."""
    out: dict[str, dict[int, int]] = {}
    for year in sorted(amounts):
        for body, v in split(amounts[year], rule, bodies).items():
            out.setdefault(body, {})[year] = v
    return out
