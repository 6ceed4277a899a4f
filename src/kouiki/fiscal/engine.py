"""The evaluation context: parameter look-ups that remember what they used, cap pools, lines, traces.

Pure: reads parameters and the reference registry (through injectable look-ups), never the store or web.
The measure rules themselves are in :mod:`kouiki.fiscal.measures`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from kouiki.fiscal.model import KIND_JA, Line, Totals
from kouiki.fiscal.params import CONFIDENCE_JA, ORIGIN_SCENARIO, ORIGIN_USER, DatedValue, ParameterSet
from kouiki.fiscal.plan import Item
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.money import Rounding, apply_rate, format_yen
from kouiki.reference.municipalities import Municipality

BodyLookup = Callable[[str, int], Municipality]
Gate = Callable[[str, int, Any], Any]  # (code, 年度, Role | None) → kouiki.fiscal.eligibility.Eligibility


def yen(amount: int) -> str:
    return format_yen(amount)


@lru_cache(maxsize=1024)
def wareki(year: int) -> str:
    """令和7年度 for 2025 (cached: traces name a 年度 many times)."""
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
    gate: Gate | None = None  # the registry's eligibility answer (kouiki.fiscal.eligibility)
    post_first_year: dict[tuple[str, str], int] = field(default_factory=dict)  # (receiver, post) → first 年度
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
    eligibility: dict[str, Any] | None = None  # the item's gate answer, shown on each of its lines
    line_warnings: list[str] = field(default_factory=list)  # warnings shown on each of the item's lines
    tags: list[str] = field(default_factory=list)  # e.g. 仮定の圏域
    _warned: set[tuple[int, str]] = field(default_factory=set)
    _aggregated: dict[str, dict[str, Any]] = field(default_factory=dict)
    _last_agg: dict[str, int] = field(default_factory=dict)
    _labels: dict[tuple[str, int], tuple[DatedValue | None, _Used | None, tuple[tuple[str, str], ...]]] = field(
        default_factory=dict
    )

    # ---- per item ---------------------------------------------------------------------------
    def begin(self, item: Item) -> None:
        self.item = item
        self.used = {}
        self.steps = []
        self.eligibility = None
        self.line_warnings = []
        self.tags = []
        info = self.params.measures.get(item.measure)
        self.rounding = info.rounding if info else Rounding.YEN_FLOOR
        if self.tracing and info is not None:
            self.steps.append(f"措置: {info.label}（{item.measure}）／{wareki(item.fiscal_year)}／団体 {item.municipality}")

    def warn(self, message: str, key: str | None = None, parameter: str | None = None) -> None:
        """One warning per item and key; ``parameter``: the ``path@年度`` the message names beside its Japanese
        name (a screen may show the name alone and the path on hover). In batch mode (``keep_lines=False``) identical messages are
        aggregated into one warning with the first item and the number of items (``items``)."""
        assert self.item is not None
        if not self.keep_lines:
            agg = self._aggregated.get(message)
            if agg is None:
                self._aggregated[message] = agg = {"item": self.item.index, "message": message, "items": 0}
                self.warnings.append(agg)
            if self._last_agg.get(message) != self.item.index:
                self._last_agg[message] = self.item.index
                agg["items"] += 1
            return
        k = (self.item.index, key or message)
        if k in self._warned:
            return
        self._warned.add(k)
        w: dict[str, Any] = {"item": self.item.index, "message": message}
        if parameter is not None:
            w["parameter"] = parameter
        self.warnings.append(w)

    def line_warn(self, message: str) -> None:
        """A warning that belongs on the item's lines (and in the result's warnings)."""
        if message not in self.line_warnings:
            self.line_warnings.append(message)
        self.warn(message)

    def step(self, text: str) -> None:
        if self.tracing:
            self.steps.append(text)

    # ---- parameters -----------------------------------------------------------------------------
    def dv(self, path: str, year: int | None = None) -> DatedValue | None:
        """The dated value in force (recorded as used, with warnings for unverified/gap values)."""
        it = self.item
        assert it is not None
        key = (path, it.fiscal_year if year is None else year)
        hit = self._labels.get(key)
        if hit is None:
            hit = self._resolve(path, key[1])
            self._labels[key] = hit
        dv, used, warnings = hit
        if dv is None or used is None:
            return None
        if used.label not in self.used:
            self.used[used.label] = used
            for wkey, message in warnings:
                self.warn(message, wkey, used.label)
            if self.tracing:
                what = self.params.params[path].label
                src = "" if dv.origin == "package" else f"・{dv.origin}"
                self.steps.append(
                    f"{what} = {_show(dv.value)}（{used.label}、{CONFIDENCE_JA[dv.confidence]}{src}、出典: {used.citation}）"
                )
        return dv

    def _resolve(
        self, path: str, year: int
    ) -> tuple[DatedValue | None, _Used | None, tuple[tuple[str, str], ...]]:
        dv = self.params.at(path, year)
        if dv is None:
            return None, None, ()
        label = f"{path}@{dv.year}"
        named = f"{self.param_label(path)}（{label}）"  # what a person reads: the Japanese name, the path beside
        warnings: list[tuple[str, str]] = []
        if dv.confidence != "confirmed":
            note = f": {dv.note}" if dv.note else ""
            warnings.append((label, f"{named} は{CONFIDENCE_JA[dv.confidence]}の値です{note}"))
        if dv.origin == ORIGIN_SCENARIO:
            warnings.append((label + "#s", f"{named} はシナリオで上書きした値です（{_show(dv.value)}）"))
        elif dv.origin == ORIGIN_USER:
            warnings.append((label + "#u", f"{named} は利用者が追加した値です（{dv.source_file}）"))
        return dv, _Used(label, dv.confidence, dv.citation.text()), tuple(warnings)

    def measure_label(self, measure: str) -> str:
        """The measure's Japanese name (包括的財政措置（近隣市町村）), or the ID when the set does not name it."""
        info = self.params.measures.get(measure)
        return info.label if info is not None else measure

    def param_label(self, path: str) -> str:
        """A parameter's Japanese name with its measure's: 「広域化・共同化の検討・上限額」."""
        p = self.params.params.get(path)
        head = path.split(".", 1)[0]
        info = self.params.measures.get(head)
        own = p.label if p is not None else path
        return f"{info.label}・{own}" if info is not None else own

    def val(self, path: str, year: int | None = None) -> Any:
        dv = self.dv(path, year)
        return None if dv is None else dv.value

    def assume(self, path: str, what: str) -> None:
        """Mark the item's lines 未確認: they rest on kouiki's reading (``what``) of the parameter ``path``."""
        label = f"{path}#解釈"
        if label not in self.used:
            self.used[label] = _Used(label, "unverified", f"kouiki の解釈: {what}")

    def known_end_check(self, path: str) -> None:
        assert self.item is not None
        ke = self.params.params[path].known_end
        if ke is not None and self.item.fiscal_year > ke.year:
            self.warn(
                parameter=path,
                message=f"{self.param_label(path)}（{path}）: {wareki(ke.year)}までとされる措置です（{CONFIDENCE_JA[ke.confidence]}）。"
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
            trace.append(f"→ {KIND_JA.get(kind, kind)}: {yen(amount)}（{wareki(fy)}）")
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
                " / ".join(cits) or "計画に記載された値（kouiki は算定しない）",
                conf,
                [*(f"【{t}】" for t in self.tags), *(notes or [])],
                trace,
                self.eligibility,
                list(self.line_warnings),
                list(self.tags),
                self.measure_label(it.measure),
            )
        )

    def zero(self, kind: str, reason: str, base: int | None = None, source: str | None = None) -> None:
        """A well-formed item that is not eligible: amount 0 with the reason (and the source of the decision)."""
        it = self.item
        assert it is not None
        self.step(f"対象外: {reason}")
        notes = [reason] if source is None else [reason, f"根拠: {source}"]
        self.line(kind, (it.cost_yen or 0) if base is None else base, None, None, 0, notes)

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
        if self.rounding is Rounding.YEN_FLOOR:
            raw = int(base * rate)  # base ≥ 0 and rate ≥ 0: truncation is 円未満切捨て
        else:
            raw = apply_rate(base, rate, self.rounding)
        notes = list(notes) if notes else []
        tr = self.tracing
        if tr:
            self.step(f"{base_label} {yen(base)} × 措置率 {rate} = {yen(raw)}（{self.rounding.value.label}）")
        amount = raw
        if cap is not None:
            key = pool if pool is not None else ("item", it.index)
            if self.prior_claims > self.prior.get(key, 0):
                self.prior[key] = self.prior_claims
            used = self.pool_used(key)
            remaining = max(0, cap - used)
            if used and self.keep_lines:
                notes.append(f"上限額 {yen(cap)} のうち {yen(used)} を他の項目・計画外で使用済み")
                if tr:
                    self.step(f"同じ上限枠（{_pool_label(key)}）で使用済み {yen(used)}、残り {yen(remaining)}")
            if raw > remaining:
                amount = remaining
                notes.append("上限額を適用")
                if tr:
                    self.step(f"上限額 {yen(cap)}（残り {yen(remaining)}）が適用される")
            elif tr:
                self.step(f"上限額 {yen(cap)} 以内")
            self.pools[key] = self.pools.get(key, 0) + amount
        self.line(kind, base, rate, cap, amount, notes)
        return amount


def _pool_label(key: tuple[Any, ...]) -> str:
    if key[0] == "item":
        return f"項目{key[1] + 1}"
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
