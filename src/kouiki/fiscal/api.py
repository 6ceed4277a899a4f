"""Python API of the fiscal engine: :func:`evaluate`, :func:`catalogue`, :func:`load_plan`.

>>> from kouiki.fiscal import evaluate
>>> r = evaluate({"items": [{"measure": "consolidation_study", "municipality": "292044",
...                          "fiscal_year": 2025, "cost_yen": 12_000_000,
...                          "partner_bodies": ["292044", "293229"]}]})
>>> r.lines[0].amount_yen
5000000
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kouiki.fiscal.eligibility import (
    TEIJU_MEASURES,
    Decision,
    Eligibility,
    assumed_regions,
    index_of,
    teiju_eligibility,
)
from kouiki.fiscal.engine import Ctx, Gate
from kouiki.fiscal.errors import PlanError, PlanIssue
from kouiki.fiscal.measures import RULES
from kouiki.fiscal.model import Line, Result
from kouiki.fiscal.params import ParameterSet, apply_overrides, current
from kouiki.fiscal.plan import Item, Plan, validate
from kouiki.fiscal.plan_io import read_plan_data
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError, NotFoundError
from kouiki.reference.municipalities import Municipality, registry
from kouiki.reference.regions import Region, Role

VisionLookup = Callable[[str, int], "bool | None"]
BodyLookup = Callable[[str, int], Municipality]


@lru_cache(maxsize=65536)
def _body(code: str, year: int) -> Municipality:
    return registry().by_code(code, on=dt.date(year, 4, 1))


def default_body_lookup(code: str, year: int) -> Municipality:
    """The body with its 種別 as at the start of the 年度 (a 中核市 designation counts from its date)."""
    return _body(code, year)


@lru_cache(maxsize=65536)
def _exists(code: str) -> bool:
    try:
        registry().by_code(code)
        return True
    except (NotFoundError, KouikiError):
        return False


@dataclass
class FiscalContext:
    """Look-ups the engine needs from outside, injectable so the engine stays pure and testable."""

    vision_lookup: VisionLookup | None = None  # replaces the registry's answer (tests, what-ifs): True/False/None
    body_lookup: BodyLookup = default_body_lookup
    body_exists: Callable[[str], bool] = _exists
    params: ParameterSet | None = None  # default: packaged + the user's overlay files
    extra: dict[str, Any] = field(default_factory=dict)
    # The 定住自立圏 registry the gates read (None: the bundled one). Surfaces pass the regions their users
    # stored (kouiki.store.regions.list_regions) so a region registered there is checked the same way.
    regions: Sequence[Region] | None = None


def _injected_gate(lookup: VisionLookup) -> Gate:
    def gate(code: str, year: int, role: Role | None) -> Eligibility:
        v = lookup(code, year)
        src = "判定関数（FiscalContext.vision_lookup）"
        if v is True:
            return Eligibility(Decision.YES, "共生ビジョンあり（注入された判定）", src)
        if v is False:
            return Eligibility(Decision.NO, "共生ビジョンの期間外（注入された判定）", src)
        return Eligibility(Decision.UNKNOWN, "注入された判定では不明", src)

    return gate


def make_gate(ctx: FiscalContext, meta: Mapping[str, Any] | None = None) -> Gate:
    """The eligibility look-up of one evaluation: the registry (plus the plan's assumed regions), memoised."""
    if ctx.vision_lookup is not None:
        inner = _injected_gate(ctx.vision_lookup)
    else:
        idx = index_of(ctx.regions, assumed_regions(meta or {}))

        def inner(code: str, year: int, role: Role | None) -> Eligibility:
            return teiju_eligibility(code, year, role, index=idx)

    memo: dict[tuple[str, int, Role | None], Eligibility] = {}

    def gate(code: str, year: int, role: Role | None) -> Eligibility:
        key = (code, year, role)
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = inner(code, year, role)
        return hit

    return gate


def _prepare(source: Any, ctx: FiscalContext) -> tuple[Plan, Gate]:
    data: Any = None
    rows: list[int] | None = None
    label: str | None = None
    if isinstance(source, Plan):
        meta: Mapping[str, Any] = source.meta
    elif isinstance(source, str | Path) and not isinstance(source, dict):
        data, rows, label = read_plan_data(Path(source))
        meta = data if isinstance(data, Mapping) else {}
    else:
        data = source
        meta = data if isinstance(data, Mapping) else {}
    try:
        gate = make_gate(ctx, meta)
    except KouikiError as exc:
        raise PlanError([PlanIssue(None, "assumed_region", str(exc))], label) from None

    def vision_check(measure: str, code: str, year: int) -> str | None:
        role = TEIJU_MEASURES.get(measure, False)
        if role is False:
            return None
        e = gate(code, year, role)
        return e.reason if e.decision is Decision.UNKNOWN else None

    if isinstance(source, Plan):
        return source, gate
    return validate(data, label, rows, ctx.body_exists, vision_check), gate


def _field_named(e: dict[str, Any]) -> dict[str, Any]:
    """The error with ``field_label``: the field's Japanese name (``cost_yen`` → 対象経費（円）)."""
    if e.get("field"):
        from kouiki.fiscal.template import column_label

        e["field_label"] = column_label(str(e["field"]))
    return e


def _xlsx_places(path: Path, errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each error of an Excel plan with its sheet and column letter (``sheet``, ``column``, ``column_label``),
    so every surface can say 「シート「計画」5行目 A列（措置）」."""
    from kouiki.fiscal.template import SHEET, column_label, field_columns

    cols = field_columns(path)
    out = []
    for e in errors:
        fld = e.get("field")
        placed = dict(e)
        if e.get("row") is not None or fld:  # a file that cannot be opened has no sheet to name
            placed["sheet"] = SHEET
            placed["column"] = cols.get(fld) if fld else None
            placed["column_label"] = column_label(fld) if fld else None
        out.append(placed)
    return out


def load_plan(source: Any, context: FiscalContext | None = None) -> Plan:
    """A validated :class:`Plan` from a path (.yaml/.json/.xlsx), a dict/list, or a Plan. Raises PlanError.

    A 定住自立圏 item whose eligibility the registry cannot decide must say ``has_vision``."""
    return _prepare(source, context or FiscalContext())[0]


def _post_first_years(plan: Plan) -> dict[tuple[str, str], int]:
    """The first 年度 of each (receiving body, 派遣先ポスト) in the plan (the 「派遣初年度」 of a post)."""
    out: dict[tuple[str, str], int] = {}
    for it in plan.items:
        post = it.get("post")
        if post is None:
            continue
        receiver = it.municipality if it.measure == "specialist_contribution" else it.get("receiver")
        key = (receiver, post)
        out[key] = min(out.get(key, it.fiscal_year), it.fiscal_year)
    return out


def evaluate(
    plan: Any,
    overrides: Any = None,
    context: FiscalContext | None = None,
    *,
    trace: bool = True,
    totals_only: bool = False,
) -> Result:
    """Evaluate a plan: every item's lines, totals, warnings; or ``errors`` (and nothing else) if malformed.

    - ``plan``: dict ``{"items": [...]}``, a list of items, a :class:`Plan`, or a path to .yaml/.json/.xlsx.
    - ``overrides``: ``{"consolidation_study.cap@2025": 6000000}`` or ``["path@year=value", …]`` (what-if).
      An unknown parameter or a bad value raises :class:`~kouiki.fiscal.errors.ParameterError`.
    - ``trace``: keep the Japanese explanation of each line (``kouiki fiscal explain``).
    - ``totals_only``: batch mode — only totals and warnings are kept (``lines`` is empty).
    """
    ctx_in = context or FiscalContext()
    pset = ctx_in.params if ctx_in.params is not None else current()
    pset, labels = apply_overrides(pset, overrides)
    try:
        p, gate = _prepare(plan, ctx_in)
    except PlanError as exc:
        from kouiki.fiscal.model import Totals

        src = {"file": exc.source} if exc.source else {}
        errors = [_field_named({**i.to_dict(), **src}) for i in exc.issues]
        if isinstance(plan, str | Path) and str(plan).lower().endswith(".xlsx"):
            errors = _xlsx_places(Path(plan), errors)
        return Result([], Totals(), [], errors, labels)
    c = Ctx(pset, ctx_in.body_lookup, tracing=trace and not totals_only, keep_lines=not totals_only, gate=gate,
            post_first_year=_post_first_years(p))
    order = sorted(p.items, key=lambda it: (it.fiscal_year, it.index))
    for it in order:
        _run(c, it)
    lines: list[Line] = []
    for it in p.items:
        lines.extend(c.lines_by_item.get(it.index, ()))
    c.warnings.sort(key=lambda w: (w["item"] if w["item"] is not None else -1))
    return Result(lines, c.totals, c.warnings, [], labels, len(p.items))


def _run(c: Ctx, it: Item) -> None:
    c.begin(it)
    prior = it.get("prior_claims_yen")
    if prior:
        c.step(f"計画外の既請求額 {prior:,}円 を上限枠の使用済みとして扱う")
        c.prior_claims = prior
    else:
        c.prior_claims = 0
    RULES[it.measure](c)


def explain(result: Result, item: int) -> list[str]:
    """The Japanese trace of every line of one item (evaluate with ``trace=True``)."""
    out: list[str] = []
    for ln in result.lines_of(item):
        out.extend(ln.trace or [])
        out.append("")
    return out


def to_year(value: Any) -> int:
    return FiscalYear.parse(value).year


def compare(plan: Any, overrides: Any, context: FiscalContext | None = None) -> dict[str, Any]:
    """What-if: the plan under the current parameters (baseline) and under ``overrides`` (scenario).

    Returns ``{"scenario": [...], "items": [{item, measure, municipality, kind, baseline_yen, scenario_yen,
    delta_yen}], "totals": {"baseline": {...}, "scenario": {...}, "delta_support_yen", "delta_financing_yen"},
    "errors": [...]}`` — per item and kind, summed over 年度 (bond schedules included).
    """
    base = evaluate(plan, None, context, trace=False)
    scen = evaluate(plan, overrides, context, trace=False)
    if base.errors or scen.errors:
        return {"scenario": scen.scenario, "items": [], "totals": {}, "errors": base.errors or scen.errors}

    names: dict[str, str] = {}

    def sums(r: Result) -> dict[tuple[int, str, str, str], int]:
        out: dict[tuple[int, str, str, str], int] = {}
        for ln in r.lines:
            names[ln.measure] = ln.label
            k = (ln.item, ln.measure, ln.municipality, ln.kind)
            out[k] = out.get(k, 0) + ln.amount_yen
        return out

    b, s = sums(base), sums(scen)
    rows = []
    for k in sorted(set(b) | set(s)):
        rows.append(
            {
                "item": k[0],
                "item_no": k[0] + 1,
                "measure": k[1],
                "measure_label": names.get(k[1], k[1]),
                "municipality": k[2],
                "kind": k[3],
                "baseline_yen": b.get(k, 0),
                "scenario_yen": s.get(k, 0),
                "delta_yen": s.get(k, 0) - b.get(k, 0),
            }
        )
    return {
        "scenario": scen.scenario,
        "items": rows,
        "totals": {
            "baseline": base.totals.to_dict(),
            "scenario": scen.totals.to_dict(),
            "delta_support_yen": scen.totals.support_yen - base.totals.support_yen,
            "delta_financing_yen": scen.totals.financing_yen - base.totals.financing_yen,
        },
        "errors": [],
    }
