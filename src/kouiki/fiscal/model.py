"""Result lines and the result of an evaluation (the JSON contract of ``kouiki fiscal evaluate``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SUPPORT_KINDS = ("special_allocation_tax", "ordinary_allocation_tax", "national_subsidy")
FINANCING_KINDS = ("bond", "loan")
KIND_JA = {
    "special_allocation_tax": "特別交付税",
    "ordinary_allocation_tax": "普通交付税（基準財政需要額への算入）",
    "national_subsidy": "国庫補助",
    "bond": "地方債",
    "loan": "融資",
    "info": "情報（金額なし）",
}
KIND_SHORT = {  # the same kinds in tight tables (CLI, Excel)
    "special_allocation_tax": "特別交付税",
    "ordinary_allocation_tax": "普通交付税算入",
    "national_subsidy": "国庫補助",
    "bond": "地方債",
    "loan": "融資",
    "info": "情報",
}


@dataclass(slots=True)
class Line:
    item: int
    measure: str
    municipality: str
    fiscal_year: int
    kind: str
    base_yen: int
    rate: Decimal | None
    cap_yen: int | None
    amount_yen: int
    parameters: list[str]
    citation: str
    confidence: str
    notes: list[str] = field(default_factory=list)
    trace: list[str] | None = None
    eligibility: dict[str, Any] | None = None  # 定住自立圏 measures: the registry's answer (decision, reason, source)
    warnings: list[str] = field(default_factory=list)  # warnings that concern this line (also in Result.warnings)
    tags: list[str] = field(default_factory=list)  # 仮定の圏域 …

    def to_dict(self, include_trace: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "item": self.item,  # 0-based index into the plan's items
            "item_no": self.item + 1,  # the number a person reads (from 1)
            "measure": self.measure,
            "municipality": self.municipality,
            "fiscal_year": self.fiscal_year,
            "kind": self.kind,
            "base_yen": self.base_yen,
            "rate": None if self.rate is None else str(self.rate),
            "cap_yen": self.cap_yen,
            "amount_yen": self.amount_yen,
            "parameters": list(self.parameters),
            "citation": self.citation,
            "confidence": self.confidence,
            "notes": list(self.notes),
            "eligibility": None if self.eligibility is None else dict(self.eligibility),
            "warnings": list(self.warnings),
            "tags": list(self.tags),
        }
        if include_trace and self.trace is not None:
            out["trace"] = list(self.trace)
        return out


def _add(d: dict[str, int], key: str, amount: int) -> None:
    d[key] = d.get(key, 0) + amount


@dataclass
class Totals:
    """Sums by kind, by body and by 年度. ``support_yen`` and ``financing_yen`` are never added together."""

    support_yen: int = 0
    financing_yen: int = 0
    # flat accumulators (fast in batch runs); the nested views are built on demand
    _by_mk: dict[tuple[str, str], int] = field(default_factory=dict)
    _by_yk: dict[tuple[int, str], int] = field(default_factory=dict)

    def add(self, municipality: str, fiscal_year: int, kind: str, amount: int) -> None:
        if kind in SUPPORT_KINDS:
            self.support_yen += amount
        elif kind in FINANCING_KINDS:
            self.financing_yen += amount
        else:
            return  # info lines carry no amount
        k1 = (municipality, kind)
        self._by_mk[k1] = self._by_mk.get(k1, 0) + amount
        k2 = (fiscal_year, kind)
        self._by_yk[k2] = self._by_yk.get(k2, 0) + amount

    @property
    def by_kind(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for (_m, kind), amount in self._by_mk.items():
            _add(out, kind, amount)
        return out

    @property
    def by_municipality(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (m, kind), amount in sorted(self._by_mk.items()):
            _add(out.setdefault(m, {}), kind, amount)
        return out

    @property
    def by_fiscal_year(self) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for (y, kind), amount in sorted(self._by_yk.items()):
            _add(out.setdefault(y, {}), kind, amount)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "support_yen": self.support_yen,
            "financing_yen": self.financing_yen,
            "by_kind": self.by_kind,
            "by_municipality": self.by_municipality,
            "by_fiscal_year": {str(k): v for k, v in self.by_fiscal_year.items()},
        }


def _numbered(d: dict[str, Any]) -> dict[str, Any]:
    """A warning or error with ``item_no`` (from 1) beside the 0-based ``item``."""
    out = dict(d)
    if out.get("item") is not None:
        out["item_no"] = out["item"] + 1
    return out


@dataclass
class Result:
    """Lines (one or more per item), totals, warnings, errors; ``to_dict()`` is the JSON contract."""

    lines: list[Line]
    totals: Totals
    warnings: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    scenario: list[str] = field(default_factory=list)  # the overrides applied
    items: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines_of(self, item: int) -> list[Line]:
        return [ln for ln in self.lines if ln.item == item]

    def to_dict(self, include_trace: bool = False) -> dict[str, Any]:
        return {
            "lines": [ln.to_dict(include_trace) for ln in self.lines],
            "totals": self.totals.to_dict(),
            "warnings": [_numbered(w) for w in self.warnings],
            "errors": [_numbered(e) for e in self.errors],
            "scenario": list(self.scenario),
        }
