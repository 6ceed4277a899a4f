"""Support per body and 年度: items → ``kouiki.fiscal.evaluate`` → who pays what, what the state refunds.

The fiscal engine's lines are shown as they are (rule, rate, cap, citation, notes); staffing adds the
refusals it made itself (協約・雇用形態) as lines with ``amount_yen: 0`` and ``source: "staffing"``, and
the gross money flows (人件費, 募集経費, 負担金) so each body's net burden can be read per 年度:

- employer (派遣元): 人件費(派遣分) + 募集経費 − 負担金 received − its support lines;
- receiver (派遣先): 負担金 paid − its support lines.

``support_yen`` counts the kinds the fiscal contract calls support (特別交付税, 普通交付税算入, 国庫補助).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import name_or_code
from kouiki.staffing.items import ItemSet, build_items, flows_by_body
from kouiki.staffing.model import Secondment, StaffingCase

SUPPORT_KINDS = ("special_allocation_tax", "ordinary_allocation_tax", "national_subsidy")

Evaluator = Callable[[dict[str, Any]], dict[str, Any]]

MEASURE_JA = {  # short labels of the staffing measures for tables (CLI, Excel)
    "specialist_recruitment": "募集経費",
    "specialist_salary": "人件費",
    "specialist_contribution": "負担金",
    "training": "人材育成",
}


class FiscalEngineUnavailable(KouikiError):
    """``kouiki.fiscal`` is not installed in this build."""


def _as_dict(result: Any) -> dict[str, Any]:
    if isinstance(result, dict):
        return result
    for attr in ("to_dict", "model_dump"):
        if hasattr(result, attr):
            data = getattr(result, attr)()
            if isinstance(data, dict):
                return data
    raise KouikiError(f"財政措置エンジンの結果を読めません: {type(result).__name__}")


def fiscal_evaluator(overrides: list[str] | None = None) -> Evaluator:
    """``kouiki.fiscal.evaluate`` as a function of a plan dict returning the result contract as a dict.

    ``overrides`` are the engine's what-if values (``["specialist_salary.cap_per_person@2025=8000000"]``,
    the same as ``kouiki fiscal evaluate --set``).
    """
    try:
        from kouiki.fiscal import evaluate as fiscal_evaluate
    except ImportError:
        raise FiscalEngineUnavailable(
            "財政措置エンジン（kouiki.fiscal）がこの版に含まれていないため、措置額を計算できません"
            "（措置項目は --json の plan、support は --items でも出力できます）"
        ) from None

    def evaluate(plan: dict[str, Any]) -> dict[str, Any]:
        return _as_dict(fiscal_evaluate(plan, overrides or None))

    return evaluate


@dataclass
class SupportResult:
    case: StaffingCase
    items: ItemSet
    fiscal: dict[str, Any]
    lines: list[dict[str, Any]]
    bodies: list[dict[str, Any]]
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.case.title,
            "fiscal_years": list(self.case.years),
            "lines": self.lines,
            "bodies": self.bodies,
            "totals": _totals(self.bodies),
            "plan": self.items.plan(),
            "warnings": self.warnings,
            "fiscal_warnings": self.fiscal.get("warnings", []),
            "errors": self.fiscal.get("errors", []),
        }


def _totals(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("gross_cost_yen", "contribution_received_yen", "support_yen", "net_cost_yen")

    def total(rows: list[dict[str, Any]], k: str) -> int | None:
        values = [r[k] for r in rows]
        return None if any(v is None for v in values) else sum(values)

    out: dict[str, Any] = {k: total(bodies, k) for k in keys}
    by_year: dict[str, dict[str, int | None]] = {}
    for year in sorted({b["fiscal_year"] for b in bodies}):
        rows = [b for b in bodies if b["fiscal_year"] == year]
        by_year[str(year)] = {k: total(rows, k) for k in keys}
    out["by_fiscal_year"] = by_year
    by_body: dict[str, dict[str, Any]] = {}
    for code in dict.fromkeys(b["municipality"] for b in bodies):
        rows = [b for b in bodies if b["municipality"] == code]
        by_body[code] = {"name": rows[0]["name"], **{k: total(rows, k) for k in keys}}
    out["by_municipality"] = by_body
    return out


def body_name(code: str) -> str:
    return name_or_code(code)


def evaluate_support(
    case: StaffingCase,
    secondments: tuple[Secondment, ...] | None = None,
    evaluator: Evaluator | None = None,
    overrides: list[str] | None = None,
) -> SupportResult:
    """Build items from the case (or the given secondments), evaluate them, and sum per body and 年度.

    Without the fiscal engine (``kouiki.fiscal`` not in this build) the support and net figures are
    ``None`` (unknown) and a warning says why; flows and staffing refusals are still given.
    """
    items = build_items(case, secondments)
    engine_note: str | None = None
    evaluate: Evaluator | None = evaluator
    if evaluate is None:
        try:
            evaluate = fiscal_evaluator(overrides)
        except FiscalEngineUnavailable as exc:
            engine_note = str(exc)
    empty: dict[str, Any] = {"lines": [], "warnings": [], "errors": []}
    result = evaluate(items.plan()) if evaluate is not None and items.items else empty
    if result.get("errors"):
        msgs = engine_errors_text(result["errors"])
        raise KouikiError(f"財政措置エンジンが措置項目を受け付けませんでした（staffing の不具合の可能性）: {msgs}")

    lines: list[dict[str, Any]] = []
    for line in result.get("lines", []):
        idx = line.get("item")
        origin = items.origins[idx].to_dict() if isinstance(idx, int) and 0 <= idx < len(items.origins) else None
        lines.append({**line, "source": "fiscal", "origin": origin})
    for r in items.refusals:
        lines.append(
            {
                "item": None,
                "measure": r.measure,
                "municipality": r.municipality,
                "fiscal_year": r.fiscal_year,
                "kind": "special_allocation_tax",
                "base_yen": 0,
                "amount_yen": 0,
                "notes": list(r.reasons),
                "citation": r.citation,
                "source": "staffing",
                "origin": r.origin.to_dict(),
            }
        )
    lines.sort(key=lambda ln: (ln["fiscal_year"], ln["municipality"], ln["measure"]))

    support: dict[tuple[str, int], int] = defaultdict(int)
    for line in lines:
        if line.get("kind") in SUPPORT_KINDS:
            support[(str(line["municipality"]), int(line["fiscal_year"]))] += int(line.get("amount_yen") or 0)

    flows = flows_by_body(items)
    own: dict[tuple[str, int], int] = defaultdict(int)
    employer = {p.id: p.employer for p in case.posts}
    for (post_id, year), yen in items.own_work.items():
        own[(employer[post_id], year)] += yen
    keys = sorted(set(flows) | set(support), key=lambda k: (k[1], k[0]))
    bodies = []
    for code, year in keys:
        f = flows.get((code, year), {})
        gross = f.get("salary_yen", 0) + f.get("recruiting_yen", 0) + f.get("contribution_paid_yen", 0)
        received = f.get("contribution_received_yen", 0)
        s: int | None = support.get((code, year), 0) if engine_note is None else None
        bodies.append(
            {
                "municipality": code,
                "name": body_name(code),
                "fiscal_year": year,
                "salary_yen": f.get("salary_yen", 0),
                "recruiting_yen": f.get("recruiting_yen", 0),
                "contribution_paid_yen": f.get("contribution_paid_yen", 0),
                "contribution_received_yen": received,
                "gross_cost_yen": gross,
                "support_yen": s,
                "net_cost_yen": None if s is None else gross - received - s,
                "own_work_salary_yen": own.get((code, year), 0),  # 派遣しない分の人件費（参考、負担には含めない）
            }
        )
    warnings = (
        ([engine_note] if engine_note else [])
        + list(items.warnings)
        + group_engine_warnings(result.get("warnings", []))
    )
    return SupportResult(case, items, result, lines, bodies, warnings)


def item_no(entry: dict[str, Any]) -> str:
    """The number of the item a fiscal warning or error concerns, as people read it (from 1; 「?」 if none)."""
    if entry.get("item_no") is not None:
        return str(entry["item_no"])
    item = entry.get("item")
    return str(item + 1) if isinstance(item, int) else "?"


def engine_errors_text(errors: list[dict[str, Any]]) -> str:
    """The fiscal engine's errors on one line: 「項目1 cost_yen: …; 項目3 …」 (items from 1)."""
    return "; ".join(f"項目{item_no(e)} {e.get('field', '')}: {e.get('message')}" for e in errors)


def group_engine_warnings(warnings: list[Any]) -> list[str]:
    """The engine's per-item warnings, one line per distinct message with the items it concerns (from 1)."""
    by_msg: dict[str, list[str]] = {}
    for w in warnings:
        if isinstance(w, dict):
            numbers = by_msg.setdefault(str(w.get("message")), [])
            if w.get("item") is not None or w.get("item_no") is not None:
                numbers.append(item_no(w))
        else:
            by_msg.setdefault(str(w), [])
    out = []
    for msg, idx in by_msg.items():
        if not idx:
            out.append(msg)
        elif len(idx) <= 3:
            out.append(f"{msg}（項目 {', '.join(idx)}）")
        else:
            out.append(f"{msg}（項目 {', '.join(idx[:3])} ほか 計{len(idx)}件）")
    return out
