"""The evaluation context: parameter look-ups that remember what they used, cap pools, lines, traces.

Pure: reads parameters and the reference registry (through injectable look-ups), never the store or web.
The measure rules themselves are in :mod:`kouiki.fiscal.measures`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kouiki.fiscal.model import Line, Totals
from kouiki.fiscal.params import CONFIDENCE_JA, ORIGIN_SCENARIO, ORIGIN_USER, DatedValue, ParameterSet
from kouiki.fiscal.plan import Item
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.money import Rounding, apply_rate, format_yen
from kouiki.reference.municipalities import Municipality

BodyLookup = Callable[[str, int], Municipality]


def yen(amount: int) -> str:
    return format_yen(amount)


def wareki(year: int) -> str:
    return FiscalYear(year).wareki()


@dataclass
class _Used:
    label: str  # path@year
    confidence: str
    citation: str


@dataclass
class Ctx:
    """State of one evaluation. Measures call :meth:`val`, :meth:`step`, :meth:`capped`, :meth:`line`."""

    params: ParameterSet
    body_lookup: BodyLookup
    tracing: bool = True
    keep_lines: bool = True
    totals: Totals = field(default_factory=Totals)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    pools: dict[tuple[Any, ...], int] = field(default_factory=dict)
    prior: dict[tuple[Any, ...], int] = field(default_factory=dict)
    lines_by_item: dict[int, list[Line]] = field(default_factory=dict)
    # per item
    item: Item | None = None
    used: dict[str, _Used] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)
    rounding: Rounding = Rounding.YEN_FLOOR
    prior_claims: int = 0  # the item's prior_claims_yen (claims outside the plan on the same cap)
    _warned: set[tuple[int, str]] = field(default_factory=set)

    # ---- per item ---------------------------------------------------------------------------
    def begin(self, item: Item) -> None:
        self.item = item
        self.used = {}
        self.steps = []
        info = self.params.measures.get(item.measure)
        self.rounding = info.rounding if info else Rounding.YEN_FLOOR
        if self.tracing and info is not None:
            self.steps.append(f"措置: {info.label}（{item.measure}）／{wareki(item.fiscal_year)}／団体 {item.municipality}")

    def warn(self, message: str, key: str | None = None) -> None:
        assert self.item is not None
        k = (self.item.index, key or message)
        if k in self._warned:
            return
        self._warned.add(k)
        self.warnings.append({"item": self.item.index, "message": message})

    def step(self, text: str) -> None:
        if self.tracing:
            self.steps.append(text)

    # ---- parameters -----------------------------------------------------------------------------
    def dv(self, path: str, year: int | None = None) -> DatedValue | None:
        """The dated value in force (recorded as used, with warnings for unverified/gap values)."""
        assert self.item is not None
        y = self.item.fiscal_year if year is None else year
        dv = self.params.at(path, y)
        if dv is None:
            return None
        label = f"{path}@{dv.year}"
        if label not in self.used:
            self.used[label] = _Used(label, dv.confidence, dv.citation.text())
            if dv.confidence != "confirmed":
                note = f": {dv.note}" if dv.note else ""
                self.warn(f"{label} は{CONFIDENCE_JA[dv.confidence]}の値です{note}", label)
            if dv.origin == ORIGIN_SCENARIO:
                self.warn(f"{label} はシナリオで上書きした値です（{dv.value}）", label + "#s")
            elif dv.origin == ORIGIN_USER:
                self.warn(f"{label} は利用者が追加した値です（{dv.source_file}）", label + "#u")
            if self.tracing:
                what = self.params.params[path].label
                src = "" if dv.origin == "package" else f"・{dv.origin}"
                self.steps.append(
                    f"{what} = {_show(dv.value)}（{label}、{CONFIDENCE_JA[dv.confidence]}{src}、出典: {dv.citation.text()}）"
                )
        return dv

    def val(self, path: str, year: int | None = None) -> Any:
        dv = self.dv(path, year)
        return None if dv is None else dv.value

    def known_end_check(self, path: str) -> None:
        assert self.item is not None
        p = self.params.params[path]
        if p.known_end is not None and self.item.fiscal_year > p.known_end.year:
            ke = p.known_end
            self.warn(
                f"{path}: {wareki(ke.year)}までとされる措置です（{CONFIDENCE_JA[ke.confidence]}）。"
                f"{wareki(self.item.fiscal_year)}は最後の値を延長して計算しています"
                + (f"（{ke.note}）" if ke.note else "")
            )

    def in_force(self, prefix: str) -> tuple[bool, str | None]:
        """Whether ``prefix.in_force`` holds in the item's 年度; otherwise the reason in Japanese."""
        assert self.item is not None
        path = f"{prefix}.in_force"
        dv = self.dv(path)
        if dv is None:
            first = self.params.params[path].values[0].year
            return False, f"{wareki(self.item.fiscal_year)}にはこの措置がありません（{wareki(first)}から）"
        if not dv.value:
            return False, f"この措置は{wareki(dv.year)}に終了しています"
        self.known_end_check(path)
        return True, None

    # ---- bodies -------------------------------------------------------------------------------------
    def body(self, code: str) -> Municipality:
        assert self.item is not None
        return self.body_lookup(code, self.item.fiscal_year)

    # ---- pools ----------------------------------------------------------------------------------------
    def pool_used(self, key: tuple[Any, ...]) -> int:
        return self.pools.get(key, 0) + self.prior.get(key, 0)

    # ---- lines ----------------------------------------------------------------------------------------
    def line(
        self,
        kind: str,
        base: int,
        rate: Decimal | None,
        cap: int | None,
        amount: int,
        notes: list[str] | None = None,
        fiscal_year: int | None = None,
        extra: list[str] | None = None,
    ) -> None:
        it = self.item
        assert it is not None
        fy = it.fiscal_year if fiscal_year is None else fiscal_year
        self.totals.add(it.municipality, fy, kind, amount)
        if not self.keep_lines:
            return
        used = list(self.used.values())
        conf = "confirmed"
        for u in used:
            if u.confidence == "gap" or (u.confidence == "unverified" and conf == "confirmed"):
                conf = u.confidence
        cits = list(dict.fromkeys(u.citation for u in used))
        trace = None
        if self.tracing:
            trace = [*self.steps, *(extra or [])]
            trace.append(f"→ {kind}: {yen(amount)}（{wareki(fy)}）")
        self.lines_by_item.setdefault(it.index, []).append(
            Line(
                it.index,
                it.measure,
                it.municipality,
                fy,
                kind,
                base,
                rate,
                cap,
                amount,
                [u.label for u in used],
                " / ".join(cits),
                conf,
                list(notes or []),
                trace,
            )
        )

    def zero(self, kind: str, reason: str, base: int | None = None) -> None:
        """A well-formed item that is not eligible: amount 0 with the reason."""
        it = self.item
        assert it is not None
        self.step(f"対象外: {reason}")
        self.line(kind, (it.cost_yen or 0) if base is None else base, None, None, 0, [reason])

    def capped(
        self,
        base: int,
        rate: Decimal,
        cap: int | None,
        pool: tuple[Any, ...] | None,
        kind: str = "special_allocation_tax",
        notes: list[str] | None = None,
        base_label: str = "対象経費",
    ) -> int:
        """``min(base × rate, cap − already used in the pool)``; records the use and emits the line."""
        it = self.item
        assert it is not None
        raw = apply_rate(base, rate, self.rounding)
        notes = list(notes or [])
        self.step(f"{base_label} {yen(base)} × 措置率 {rate} = {yen(raw)}（{self.rounding.value.label}）")
        amount = raw
        if cap is not None:
            key = pool if pool is not None else ("item", it.index)
            if self.prior_claims > self.prior.get(key, 0):
                self.prior[key] = self.prior_claims
            used = self.pool_used(key)
            remaining = max(0, cap - used)
            if used:
                self.step(f"同じ上限枠（{_pool_label(key)}）で使用済み {yen(used)}、残り {yen(remaining)}")
                notes.append(f"上限額 {yen(cap)} のうち {yen(used)} を他の項目・計画外で使用済み")
            if raw > remaining:
                amount = remaining
                notes.append("上限額を適用")
                self.step(f"上限額 {yen(cap)}（残り {yen(remaining)}）が適用される")
            else:
                self.step(f"上限額 {yen(cap)} 以内")
            self.pools[key] = self.pools.get(key, 0) + amount
        self.line(kind, base, rate, cap, amount, notes)
        return amount


def _pool_label(key: tuple[Any, ...]) -> str:
    if key[0] == "item":
        return f"項目{key[1]}"
    return "・".join(str(k) for k in key)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "あり" if value else "なし"
    if isinstance(value, int):
        return yen(value) if value >= 10_000 else str(value)
    if isinstance(value, tuple):
        if value and isinstance(value[0], tuple):
            return "、".join(f"財政力指数{'<' + str(b) if b is not None else 'その他'}: {r}" for b, r in value)
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)
