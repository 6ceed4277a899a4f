"""Financing of a scenario: scenario → fiscal-plan items (pure) → the fiscal engine → net burden by body and 年度.

This module decides *which* measure each cost is claimed under and with which facts (floor area of the whole
case, land value, service-start 年度, partner bodies); the fiscal engine (:mod:`kouiki.fiscal`) applies every rate,
cap, window and condition and explains each line. Nothing here restates a fiscal rule.

Mapping (domain-facts.md §3–4):

* consolidate: construction → ``facility_bond`` (category ``consolidation``; the floor areas are the totals of the
  case across all bodies), with ``urban_restructuring_subsidy`` first when the action uses it (its subsidy becomes
  the bond item's ``national_subsidy_yen``); demolition of the sources → ``facility_bond``
  (``demolition_after_consolidation`` with land value and service-start 年度); 円滑化 costs and the fees' 激変緩和
  cost → ``consolidation_smoothing`` (case = the action, completion 年度 = its service start);
* demolish alone → ``facility_bond`` ``demolition``; convert → ``facility_bond`` ``conversion``;
* the council's study costs → ``consolidation_study`` (council.py).

Net burden (実質負担) of a body in a 年度 = costs − 国庫補助 − 地方債 (proceeds) + 元利償還金 − 特別交付税 −
普通交付税算入額. The last is a 基準財政需要額 算入, not cash for a 不交付団体: it is shown separately as well.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kouiki import fiscal
from kouiki.facilities.scenario import Action, BondTerms
from kouiki.fiscal import bonds as fiscal_bonds
from kouiki.fiscal import params as fiscal_params
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.money import allocate

SUPPORT_KINDS = ("national_subsidy", "special_allocation_tax", "ordinary_allocation_tax")
FINANCING_KINDS = ("bond", "loan")


class FinanceError(KouikiError, ValueError):
    """The fiscal engine rejected the plan built from a scenario (the message lists its errors)."""


@dataclass(frozen=True)
class CostLine:
    """One cost of the scenario: who bears it, when, under which action."""

    action: str
    kind: str  # construction | demolition | conversion | smoothing | fee_smoothing | council
    # ``action`` is an action id, or "fees:<action>" / "council:<case>" for costs each body bears itself
    municipality: str
    fiscal_year: int
    cost_yen: int
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "kind": self.kind, "municipality": self.municipality,
                "fiscal_year": self.fiscal_year, "cost_yen": self.cost_yen, "note": self.note}


@dataclass
class PlanItem:
    """A fiscal-plan item with the action it came from (the tag stays outside the engine's input)."""

    action: str
    role: str  # construction | demolition | … (matches CostLine.kind) or "urban_restructuring"
    item: dict[str, Any]
    bond_terms: BondTerms | None = None


@dataclass
class CaseArea:
    """Floor areas of one 集約化 case, totals across every participating body."""

    before_m2: Decimal | None
    after_m2: Decimal | None
    category: str | None
    consolidation_type: str


def _areas(case: CaseArea) -> dict[str, str]:
    """The case's floor areas for the engine; an unknown area is left out (the engine then says why)."""
    out = {}
    if case.before_m2 is not None:
        out["floor_area_before_m2"] = str(case.before_m2)
    if case.after_m2 is not None:
        out["floor_area_after_m2"] = str(case.after_m2)
    return out


def bond_fields(terms: BondTerms | None) -> dict[str, Any]:
    if terms is None:
        return {}
    out: dict[str, Any] = {}
    for k in ("term_years", "grace_years", "repayment"):
        if getattr(terms, k) is not None:
            out[k] = getattr(terms, k)
    if terms.interest_rate is not None:
        out["interest_rate"] = str(terms.interest_rate)
    return out


def plan_items(
    actions: list[Action],
    costs: list[CostLine],
    cases: Mapping[str, CaseArea],
    action_bodies: Mapping[str, list[str]],
    urban_subsidy: Mapping[str, int] | None = None,
) -> list[PlanItem]:
    """The fiscal-plan items of a scenario's costs (pure). ``urban_subsidy``: action id → 都市構造再編 subsidy."""
    by_action: dict[str, list[CostLine]] = defaultdict(list)
    for c in costs:
        by_action[c.action].append(c)
    out: list[PlanItem] = []
    for a in actions:
        lines = by_action.get(a.id, []) + by_action.get(f"fees:{a.id}", [])
        partners = sorted(action_bodies.get(a.id, [a.lead]))
        case = cases.get(a.id)
        if a.type == "consolidate" and case is not None:
            ctype = case.consolidation_type
            build = sorted((c for c in lines if c.kind == "construction"), key=lambda c: c.fiscal_year)
            total_build = sum(c.cost_yen for c in build)
            if a.urban_restructuring and total_build > 0 and urban_subsidy is None:
                out.append(PlanItem(a.id, "urban_restructuring", {
                    "measure": "urban_restructuring_subsidy", "municipality": a.lead,
                    "fiscal_year": build[0].fiscal_year, "cost_yen": total_build, "partner_count": len(partners),
                }))
            subsidy = (urban_subsidy or {}).get(a.id, 0)
            # the 都市構造再編 subsidy is split over the construction 年度 in proportion to cost (exact)
            subsidy_parts = allocate(subsidy, [c.cost_yen for c in build]) if subsidy and total_build else [0] * len(build)
            for c, sub_part in zip(build, subsidy_parts, strict=True):
                item: dict[str, Any] = {
                    "measure": "facility_bond", "category": "consolidation", "municipality": c.municipality,
                    "fiscal_year": c.fiscal_year, "cost_yen": c.cost_yen, "name": f"{a.label or a.id}（建設）",
                    **_areas(case), "consolidation_type": ctype, "service_start_fiscal_year": a.fiscal_year,
                    **bond_fields(a.bond),
                }
                if subsidy:
                    item["national_subsidy_yen"] = sub_part
                elif a.national_subsidy_rate:
                    item["national_subsidy_rate"] = str(a.national_subsidy_rate)
                out.append(PlanItem(a.id, "construction", item, a.bond))
            for c in lines:
                if c.kind == "demolition":
                    demo = next((d for d in a.demolitions if d.fiscal_year == c.fiscal_year and d.cost_yen == c.cost_yen), None)
                    item = {
                        "measure": "facility_bond", "category": "demolition_after_consolidation",
                        "municipality": c.municipality, "fiscal_year": c.fiscal_year, "cost_yen": c.cost_yen,
                        "name": f"{a.label or a.id}（{c.note}）", **_areas(case),
                        "land_value_yen": demo.land_value_yen if demo else 0,
                        "consolidation_type": ctype, **bond_fields(a.bond),
                    }
                    if ctype == "new_building":
                        item["service_start_fiscal_year"] = a.fiscal_year
                    else:
                        item["service_end_fiscal_year"] = a.fiscal_year
                    out.append(PlanItem(a.id, "demolition", item, a.bond))
                elif c.kind in ("smoothing", "fee_smoothing"):
                    out.append(PlanItem(a.id, c.kind, {
                        "measure": "consolidation_smoothing", "municipality": c.municipality,
                        "fiscal_year": c.fiscal_year, "cost_yen": c.cost_yen, "case": a.id,
                        "partner_bodies": partners, "completion_fiscal_year": a.fiscal_year,
                        "facility_category": case.category or "その他", "public_enterprise": a.public_enterprise,
                    }))
        elif a.type in ("demolish", "convert"):
            category = "demolition" if a.type == "demolish" else "conversion"
            for c in lines:
                if c.kind in ("demolition", "conversion"):
                    out.append(PlanItem(a.id, c.kind, {
                        "measure": "facility_bond", "category": category, "municipality": c.municipality,
                        "fiscal_year": c.fiscal_year, "cost_yen": c.cost_yen, **bond_fields(a.bond),
                        **({"national_subsidy_rate": str(a.national_subsidy_rate)} if a.national_subsidy_rate else {}),
                    }, a.bond))
    for c in costs:
        if c.kind == "council":
            out.append(PlanItem(c.action, "council", {
                "measure": "consolidation_study", "municipality": c.municipality, "fiscal_year": c.fiscal_year,
                "cost_yen": c.cost_yen, "partner_bodies": c.note.split(",") if c.note else [c.municipality],
                "case": c.action.removeprefix("council:"),
            }))
    return out


# ---- the engine ------------------------------------------------------------------------------------

Engine = Callable[[dict[str, Any]], dict[str, Any]]


def default_engine(overrides: Any = None) -> Engine:
    """``kouiki.fiscal.evaluate(plan, overrides).to_dict()`` — the fiscal engine, with optional what-if overrides."""

    def run(plan: dict[str, Any]) -> dict[str, Any]:
        return fiscal.evaluate(plan, overrides).to_dict()

    return run


def bond_terms(terms: BondTerms | None, borrow_year: int) -> fiscal_bonds.BondTerms:
    """The bond's terms: the scenario's, else the fiscal engine's documented defaults (``bond_defaults.*``).

    Completed by the engine's own rule (:func:`kouiki.fiscal.bonds.complete_terms`), so the 元利償還金 here
    match its redemption lines.
    """
    ps = fiscal_params.current()

    def default(name: str) -> Any:
        dv = ps.at(f"bond_defaults.{name}", borrow_year)
        if dv is None:
            raise FinanceError(f"地方債の既定値 bond_defaults.{name} が {borrow_year}年度にありません")
        return dv.value

    return fiscal_bonds.complete_terms(bond_fields(terms), borrow_year, default).terms


def debt_service_default(amount: int, borrow_year: int, terms: BondTerms | None) -> dict[int, int]:
    """元利償還金 by 年度 of a bond (the fiscal engine's schedule)."""
    return {r.fiscal_year: r.total for r in fiscal_bonds.schedule(amount, bond_terms(terms, borrow_year))}


@dataclass
class Financing:
    items: list[PlanItem]
    result: dict[str, Any] | None
    net_by_action: dict[str, dict[str, dict[int, int]]]  # action → body → 年度 → net burden
    components: dict[str, dict[str, dict[int, dict[str, int]]]]  # action → body → 年度 → parts
    notes: list[str] = field(default_factory=list)
    urban_restructuring: dict[str, Any] | None = None  # pass-1 lines of the 都市構造再編 subsidy
    overrides: list[str] | None = None  # what-if parameter overrides (``--set``) the engine ran with

    @property
    def engine_lines(self) -> list[dict[str, Any]]:
        """The fiscal engine's lines (its JSON form: kind, municipality, fiscal_year, amount_yen, citation …)."""
        return list((self.result or {}).get("lines") or [])

    @property
    def totals(self) -> dict[str, Any]:
        return dict((self.result or {}).get("totals") or {})

    def warning_texts(self, action_labels: Mapping[str, str] | None = None) -> list[str]:
        """The fiscal engine's warnings (e.g. a rate assumed beyond its period) in Japanese: each names its action
        (by its label when given) and the parameter by its Japanese name rather than its dotted path."""
        labels = action_labels or {}

        def action_name(act: str) -> str:
            if act.startswith("council:"):
                return f"協議会の調査検討（{labels.get(act[8:], act[8:])}）"
            if act.startswith("fees:"):
                return f"使用料の激変緩和（{labels.get(act[5:], act[5:])}）"
            return labels.get(act) or act

        out: list[str] = []
        for w in (self.result or {}).get("warnings") or []:
            i = w.get("item")
            tag = f"{action_name(self.items[i].action)}: " if isinstance(i, int) and 0 <= i < len(self.items) else ""
            text = f"財政措置の注意: {tag}{parameter_names_ja(str(w.get('message', '')))}"
            if text not in out:
                out.append(text)
        for w in (self.urban_restructuring or {}).get("warnings") or []:
            text = f"財政措置の注意（都市構造再編）: {parameter_names_ja(str(w.get('message', '')))}"
            if text not in out:
                out.append(text)
        return out

    def to_dict(self) -> dict[str, Any]:
        out = self._to_dict()
        if self.overrides is not None:
            out["overrides"] = self.overrides
        return out

    def _to_dict(self) -> dict[str, Any]:
        return {
            "plan_items": [{"action": p.action, "role": p.role, **p.item} for p in self.items],
            "engine": None if self.result is None else {
                k: self.result.get(k) for k in ("lines", "totals", "warnings", "errors") if k in self.result
            },
            "urban_restructuring": self.urban_restructuring,
            "net_burden_parts": {
                a: {b: {str(y): p for y, p in sorted(ys.items())} for b, ys in sorted(bs.items())}
                for a, bs in self.components.items()
            },
            "net_burden_rule": "実質負担 = 事業費 − 国庫補助 − 地方債 + 元利償還金 − 特別交付税 − 普通交付税算入額（算入は不交付団体には現金でない）",
            "net_burden_by_action": {
                a: {b: {str(y): v for y, v in sorted(ys.items())} for b, ys in sorted(bs.items())}
                for a, bs in self.net_by_action.items()
            },
            "notes": self.notes,
        }


_PARAM_PATH = re.compile(r"\b([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)(?:@(\d{4}))?")


def parameter_names_ja(text: str) -> str:
    """Dotted parameter paths in an engine message (``facility_bond.consolidation.in_force@2025``) replaced by the
    parameters' Japanese labels (「集約化・複合化事業 — 措置の有無（令和7年度の値）」); unknown paths are kept."""
    ps = fiscal_params.current()

    def repl(m: re.Match[str]) -> str:
        p = ps.params.get(m.group(1))
        if p is None:
            return m.group(0)
        year = m.group(2)
        return f"「{p.label}」" + (f"（{FiscalYear(int(year)).wareki()}からの値）" if year else "")

    return _PARAM_PATH.sub(repl, text)


def evaluate(
    actions: list[Action],
    costs: list[CostLine],
    cases: Mapping[str, CaseArea],
    action_bodies: Mapping[str, list[str]],
    engine: Engine | None = None,
    debt_service: Callable[[int, int, BondTerms | None], dict[int, int]] | None = None,
) -> Financing:
    """Build the plan, run the engine (two passes when 都市構造再編 feeds a bond) and compute net burdens."""
    notes: list[str] = []
    eng = engine or default_engine()
    items = plan_items(actions, costs, cases, action_bodies)
    urban = [p for p in items if p.role == "urban_restructuring"]
    urban_subsidy: dict[str, int] = {}
    pre: dict[str, Any] | None = None
    if urban:
        # Pass 1: the 都市構造再編 subsidy. Pass 2 carries it as the bond items' national_subsidy_yen, so the
        # money is counted once (on the bond lines); pass 1's lines are kept to show how it was computed.
        first = eng({"items": [p.item for p in urban]})
        _raise_errors(first, urban)
        for line in first.get("lines", []):
            if line.get("kind") == "national_subsidy":
                act = urban[int(line["item"])].action
                urban_subsidy[act] = urban_subsidy.get(act, 0) + int(line["amount_yen"])
        items = plan_items(actions, costs, cases, action_bodies, urban_subsidy)
        pre = {"plan_items": [{"action": p.action, **p.item} for p in urban], "lines": first.get("lines", []),
               "warnings": first.get("warnings", []),
               "note": "都市構造再編集中支援事業の補助額は、公適債の項目の国庫補助（national_subsidy_yen）として計上（二重計上なし）"}
    if not items:  # e.g. close-only scenarios (the optimiser's): nothing to finance, the engine rejects an empty plan
        notes.append("財政措置の対象となる事業費がありません（供用廃止のみ等）: 国庫補助・地方債・交付税措置は 0 円")
        result: dict[str, Any] = {"lines": [], "totals": {}, "warnings": [], "errors": []}
    else:
        result = eng({"items": [p.item for p in items]})
    _raise_errors(result, items)
    svc = debt_service or debt_service_default
    net, comp = _net_burden(items, costs, result, svc, notes)
    return Financing(items, result, net, comp, notes, pre)


def _raise_errors(result: Mapping[str, Any], items: list[PlanItem]) -> None:
    errs = result.get("errors") or []
    if errs:
        msgs = []
        for e in errs[:5]:
            i = e.get("item")
            tag = f"action {items[i].action} ({items[i].role})" if isinstance(i, int) and 0 <= i < len(items) else "計画"
            msgs.append(f"{tag} の {e.get('field', '')}: {e.get('message', '')}")
        raise FinanceError("財政措置の計算で誤りがあります: " + " / ".join(msgs))


def _net_burden(
    items: list[PlanItem],
    costs: list[CostLine],
    result: Mapping[str, Any],
    debt_service: Callable[[int, int, BondTerms | None], dict[int, int]],
    notes: list[str],
) -> tuple[dict[str, dict[str, dict[int, int]]], dict[str, dict[str, dict[int, dict[str, int]]]]]:
    comp: dict[str, dict[str, dict[int, dict[str, int]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int))))
    for c in costs:
        comp[c.action][c.municipality][c.fiscal_year]["cost_yen"] += c.cost_yen
    for line in result.get("lines", []):
        p = items[int(line["item"])]
        kind = str(line["kind"])
        if kind == "info":
            continue
        body, year, amount = str(line["municipality"]), int(line["fiscal_year"]), int(line["amount_yen"])
        comp[p.action][body][year][f"{kind}_yen"] += amount
        if kind == "bond" and amount > 0:
            for y, v in debt_service(amount, year, p.bond_terms).items():
                comp[p.action][body][y]["debt_service_yen"] += v
    net: dict[str, dict[str, dict[int, int]]] = {}
    for act, bodies in comp.items():
        for body, years in bodies.items():
            for y, parts in years.items():
                value = (
                    parts.get("cost_yen", 0) - parts.get("national_subsidy_yen", 0) - parts.get("bond_yen", 0)
                    - parts.get("loan_yen", 0) + parts.get("debt_service_yen", 0)
                    - parts.get("special_allocation_tax_yen", 0) - parts.get("ordinary_allocation_tax_yen", 0)
                )
                net.setdefault(act, {}).setdefault(body, {})[y] = value
    plain = {a: {b: {y: dict(p) for y, p in ys.items()} for b, ys in bs.items()} for a, bs in comp.items()}
    return net, plain
