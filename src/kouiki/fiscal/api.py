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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kouiki.fiscal.engine import Ctx
from kouiki.fiscal.errors import PlanError
from kouiki.fiscal.measures import RULES
from kouiki.fiscal.model import Line, Result
from kouiki.fiscal.params import ParameterSet, apply_overrides, current
from kouiki.fiscal.plan import Item, Plan, read_plan_data, validate
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError, NotFoundError
from kouiki.reference.municipalities import Municipality, registry

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


def registry_vision_lookup(code: str, year: int) -> bool | None:
    """Whether ``code`` is a member of a 定住自立圏 whose 共生ビジョン is in force in 年度 ``year``, from the
    regions registry (:mod:`kouiki.reference.regions`).

    True when a registered region of the body has a vision covering the 年度; False when every registered
    region says no (not yet a member, or before the first vision); None when the registry does not know
    (the body is in no registered region, or the vision periods on record do not cover the 年度) — then the
    plan must say ``has_vision``.
    """
    try:
        from kouiki.reference.regions import Framework, regions_of
    except ImportError:  # pragma: no cover - registry not installed
        return None
    fy_end = FiscalYear(year).end
    answers: list[bool | None] = []
    for region in regions_of(code):
        if region.framework is not Framework.TEIJU:
            continue
        if code not in region.member_codes(on=fy_end):
            answers.append(False)
            continue
        answers.append(region.has_vision(year))
    if True in answers:
        return True
    if answers and all(a is False for a in answers):
        return False
    return None


@dataclass
class FiscalContext:
    """Look-ups the engine needs from outside, injectable so the engine stays pure and testable."""

    vision_lookup: VisionLookup | None = registry_vision_lookup
    body_lookup: BodyLookup = default_body_lookup
    body_exists: Callable[[str], bool] = _exists
    params: ParameterSet | None = None  # default: packaged + the user's overlay files
    extra: dict[str, Any] = field(default_factory=dict)


def load_plan(source: Any, context: FiscalContext | None = None) -> Plan:
    """A validated :class:`Plan` from a path (.yaml/.json/.xlsx), a dict/list, or a Plan. Raises PlanError."""
    ctx = context or FiscalContext()
    if isinstance(source, Plan):
        return source
    if isinstance(source, str | Path) and not isinstance(source, dict):
        path = Path(source)
        data, rows, label = read_plan_data(path)
        return validate(data, label, ctx.vision_lookup, rows, ctx.body_exists)
    return validate(source, None, ctx.vision_lookup, None, ctx.body_exists)


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
        p = load_plan(plan, ctx_in)
    except PlanError as exc:
        from kouiki.fiscal.model import Totals

        return Result([], Totals(), [], [i.to_dict() for i in exc.issues], labels)
    c = Ctx(pset, ctx_in.body_lookup, tracing=trace and not totals_only, keep_lines=not totals_only)
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

    def sums(r: Result) -> dict[tuple[int, str, str, str], int]:
        out: dict[tuple[int, str, str, str], int] = {}
        for ln in r.lines:
            k = (ln.item, ln.measure, ln.municipality, ln.kind)
            out[k] = out.get(k, 0) + ln.amount_yen
        return out

    b, s = sums(base), sums(scen)
    rows = []
    for k in sorted(set(b) | set(s)):
        rows.append(
            {
                "item": k[0],
                "measure": k[1],
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
