"""Result lines and the result of an evaluation (the JSON contract of ``kouiki fiscal evaluate``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

# The kinds of a result line (and of a measure's ``kinds:``), and their names for people — defined once, here.
KINDS = (
    "special_allocation_tax",
    "ordinary_allocation_tax",
    "national_subsidy",
    "bond",
    "loan",
    "info",
)
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
KIND_LABEL = {  # the same kinds on screens and in the scenario report
    "special_allocation_tax": "特別交付税",
    "ordinary_allocation_tax": "普通交付税（基準財政需要額算入）",
    "national_subsidy": "国庫補助",
    "bond": "地方債",
    "loan": "貸付・融資",
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
    measure_label: str = ""  # the measure's Japanese name (包括的財政措置（近隣市町村）); what a person reads

    @property
    def label(self) -> str:
        return self.measure_label or self.measure

    def to_dict(self, include_trace: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "item": self.item,  # 0-based index into the plan's items
            "item_no": self.item + 1,  # the number a person reads (from 1)
            "measure": self.measure,
            "measure_label": self.label,
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
    _by_kmy: dict[tuple[str, str, int], int] = field(default_factory=dict)  # (kind, body, 年度): the summary

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
        if kind in SUPPORT_KINDS:
            k3 = (kind, municipality, fiscal_year)
            self._by_kmy[k3] = self._by_kmy.get(k3, 0) + amount

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


# The blocks of the 団体 × 年度 summary: support paid in the plan's years is never added to the 交付税算入 of
# bond repayments (spread over 20 years or more), so each kind is its own block with its own total.
BLOCK_LABELS = {
    "special_allocation_tax": ("特別交付税（計画の年度）", "計画の各年度の事業費に対する特別交付税"),
    "ordinary_allocation_tax": ("交付税算入（地方債の元利償還金）",
                                "地方債の元利償還金の基準財政需要額への算入（償還の各年度。不交付団体には現金で交付されません）"),
    "national_subsidy": ("国庫補助（計画の年度）", "計画に記載された・算定した国庫補助"),
}


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One body's support of one kind, by 年度 (円)."""

    code: str  # 団体コード
    name: str
    by_fiscal_year: dict[int, int]
    total_yen: int


@dataclass(frozen=True, slots=True)
class SummaryBlock:
    """One kind of support (e.g. 特別交付税): rows = bodies, columns = 年度, with its own total."""

    kind: str
    label: str
    note: str
    fiscal_years: list[int]
    rows: list[SummaryRow]
    year_totals: dict[int, int]
    total_yen: int


@dataclass(frozen=True)
class BodyYearSummary:
    """団体 × 年度: what each body receives in each 年度, one block per kind of support (never summed across)."""

    blocks: list[SummaryBlock]

    @classmethod
    def from_totals(cls, totals: Totals, name: Callable[[str], str] | None = None) -> BodyYearSummary:
        if name is None:
            from kouiki.reference.municipalities import name_or_code

            name = name_or_code
        blocks: list[SummaryBlock] = []
        for kind in SUPPORT_KINDS:
            cells = {(m, y): v for (k, m, y), v in totals._by_kmy.items() if k == kind}
            if not cells:
                continue
            years = sorted({y for _m, y in cells})
            rows = []
            for code in sorted({m for m, _y in cells}):
                by_year = {y: cells.get((code, y), 0) for y in years}
                rows.append(SummaryRow(code, name(code), by_year, sum(by_year.values())))
            year_totals = {y: sum(r.by_fiscal_year[y] for r in rows) for y in years}
            label, note = BLOCK_LABELS[kind]
            blocks.append(SummaryBlock(kind, label, note, years, rows, year_totals, sum(year_totals.values())))
        return cls(blocks)

    def block(self, kind: str) -> SummaryBlock | None:
        return next((b for b in self.blocks if b.kind == kind), None)

    def to_dict(self) -> dict[str, Any]:
        """``by_body``: 団体コード → 年度 → kind → 円; ``blocks``: each kind's label, total and 年度 totals."""
        by_body: dict[str, dict[str, dict[str, int]]] = {}
        for b in self.blocks:
            for r in b.rows:
                for y, v in r.by_fiscal_year.items():
                    if v:
                        by_body.setdefault(r.code, {}).setdefault(str(y), {})[b.kind] = v
        return {
            "unit": "円",
            "by_body": {code: dict(sorted(years.items())) for code, years in sorted(by_body.items())},
            "names": {r.code: r.name for b in self.blocks for r in b.rows},
            "blocks": [
                {"kind": b.kind, "label": b.label, "note": b.note, "total_yen": b.total_yen,
                 "by_fiscal_year": {str(y): v for y, v in b.year_totals.items()},
                 "bodies": {r.code: {"name": r.name, "total_yen": r.total_yen,
                                     "by_fiscal_year": {str(y): v for y, v in r.by_fiscal_year.items()}}
                            for r in b.rows}}
                for b in self.blocks
            ],
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

    @cached_property
    def summary(self) -> BodyYearSummary:
        """団体 × 年度 (computed once, from the totals; every surface renders this)."""
        return BodyYearSummary.from_totals(self.totals)

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
            "summary": self.summary.to_dict(),
        }
