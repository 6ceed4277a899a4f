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

    def to_dict(self, include_trace: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "item": self.item,
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
        }
        if include_trace and self.trace is not None:
            out["trace"] = list(self.trace)
        return out


def _add(d: dict[str, int], key: str, amount: int) -> None:
    d[key] = d.get(key, 0) + amount


@dataclass
class Totals:
    support_yen: int = 0
    financing_yen: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_municipality: dict[str, dict[str, int]] = field(default_factory=dict)
    by_fiscal_year: dict[int, dict[str, int]] = field(default_factory=dict)

    def add(self, municipality: str, fiscal_year: int, kind: str, amount: int) -> None:
        if kind in SUPPORT_KINDS:
            self.support_yen += amount
        elif kind in FINANCING_KINDS:
            self.financing_yen += amount
        else:
            return  # info lines carry no amount
        _add(self.by_kind, kind, amount)
        _add(self.by_municipality.setdefault(municipality, {}), kind, amount)
        _add(self.by_fiscal_year.setdefault(fiscal_year, {}), kind, amount)

    def to_dict(self) -> dict[str, Any]:
        return {
            "support_yen": self.support_yen,
            "financing_yen": self.financing_yen,
            "by_kind": dict(self.by_kind),
            "by_municipality": {k: dict(v) for k, v in sorted(self.by_municipality.items())},
            "by_fiscal_year": {str(k): dict(v) for k, v in sorted(self.by_fiscal_year.items())},
        }


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
            "warnings": list(self.warnings),
            "errors": list(self.errors),
            "scenario": list(self.scenario),
        }
