"""協約・ポスト・派遣 → fiscal plan items (pure functions).

The fiscal engine (``kouiki.fiscal``) owns the rates, caps, exclusions and the first-year rule of
``specialist_recruitment`` / ``specialist_salary`` / ``specialist_contribution``. This module only decides
*which* items a case gives rise to and with which amounts and facts, and refuses, with a reason, the
secondments that fail the conditions the fiscal plan cannot see (連携協約 contents, 議会の議決, 雇用形態).

Per (post, receiver, 年度):

- ``specialist_salary`` for the employer: the salary share of the receiver (the post's salary split
  exactly in proportion to the shares seconded, the rest being the employer's own work), with the
  負担金 it receives (``contribution_yen``) and ``persons``: one post is one person, so the 「1人当たり」 cap is
  split over the receivers served that 年度 in proportion to their shares (``persons`` 0.6667 and 0.3333 for
  shares 0.6 and 0.3; 1 for a single receiver), and the parts never add up to more than one person's cap;
- ``specialist_contribution`` for the receiver when it pays a 負担金 (eligible only under 自治法派遣:
  under an agreement secondment the engine gives 0 with its reason, so the officer sees why);
- ``specialist_recruitment`` for the employer in the recruiting 年度, the post's 募集経費 split over its
  receivers by share.

``first_year`` (on the recruitment item, the field the engine reads) is true in the first 年度 the post
serves that receiver; the engine decides whether the 「派遣初年度分のみ」 rule applies (a GAP,
configurable there as ``specialist_recruitment.first_year_only``). Item ``name`` says post, type and
receiver, so every engine line can be read on its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kouiki.reference.calendar import FiscalYear
from kouiki.reference.money import allocate, apply_rate
from kouiki.reference.municipalities import name_or_code
from kouiki.staffing.model import Agreement, Post, Secondment, SecondmentType, StaffingCase, rules

MEASURES = ("specialist_recruitment", "specialist_salary", "specialist_contribution")


@dataclass(frozen=True)
class Origin:
    """Which record an item (or a refusal) comes from."""

    post: str
    receiver: str
    fiscal_year: int
    secondment_type: str
    agreement: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "post": self.post,
            "receiver": self.receiver,
            "fiscal_year": self.fiscal_year,
            "secondment_type": self.secondment_type,
            "agreement": self.agreement,
        }


@dataclass(frozen=True)
class Refusal:
    """A claim refused before the fiscal engine (the condition it fails is a staffing one)."""

    measure: str
    municipality: str  # the body that would have claimed
    fiscal_year: int
    origin: Origin
    reasons: tuple[str, ...]
    citation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "municipality": self.municipality,
            "fiscal_year": self.fiscal_year,
            "origin": self.origin.to_dict(),
            "amount_yen": 0,
            "reasons": list(self.reasons),
            "citation": self.citation,
        }


@dataclass(frozen=True)
class Flow:
    """Money that moves because of a secondment in one 年度 (gross, before state support)."""

    fiscal_year: int
    post: str
    receiver: str
    employer: str
    salary_part_yen: int  # 人件費 of the time seconded to the receiver
    contribution_yen: int  # 負担金 the receiver pays the employer
    recruiting_part_yen: int  # 募集経費 attributed to this receiver in this 年度


@dataclass
class ItemSet:
    """Fiscal plan items with their origins, staffing refusals, flows and warnings."""

    items: list[dict[str, Any]] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    own_work: dict[tuple[str, int], int] = field(default_factory=dict)  # (post, 年度) → unseconded salary
    warnings: list[str] = field(default_factory=list)

    def plan(self) -> dict[str, Any]:
        """The fiscal plan (``{"items": [...]}``) to give ``kouiki.fiscal.evaluate``."""
        return {"items": [dict(i) for i in self.items]}


def _name(code: str) -> str:
    return name_or_code(code)


def _agreement_for(case: StaffingCase, post: Post, s: Secondment) -> Agreement | None:
    """The 連携協約 a secondment rests on: its own, the post's, the default, or the one covering both."""
    for ref in (s.agreement, post.agreement, case.defaults.agreement):
        if ref is not None:
            return case.agreement(ref)
    covering = [a for a in case.agreements if post.employer in a.parties and s.receiver in a.parties]
    return covering[0] if len(covering) == 1 else None


def agreement_reasons(case: StaffingCase, post: Post, s: Secondment, year: int) -> tuple[list[str], list[str]]:
    """(refusal reasons, warnings) of a secondment in a 年度 as to its 連携協約."""
    cfg = rules()["agreement"]
    label = FiscalYear(year).wareki()
    a = _agreement_for(case, post, s)
    if a is None:
        n = sum(1 for x in case.agreements if post.employer in x.parties and s.receiver in x.parties)
        if n > 1:
            return [f"派遣の根拠となる連携協約を特定できません（{n}件が該当。agreement を指定してください）"], []
        return ["派遣元と派遣先の間に連携協約がありません（地方自治法252条の2第1項の連携協約の締結が必要）"], []
    reasons: list[str] = []
    warnings: list[str] = []
    if post.employer not in a.parties or post.employer != a.sender:
        reasons.append(f"採用団体の{_name(post.employer)}は連携協約「{a.name}」の派遣元ではありません")
    if s.receiver not in a.parties:
        reasons.append(f"派遣先の{_name(s.receiver)}は連携協約「{a.name}」の当事者ではありません")
    contents = {"basic_policy": a.basic_policy, "role_split": a.role_split, "expertise": a.expertise}
    for key, label_ja in cfg["required_contents"].items():
        if not contents.get(key):
            reasons.append(f"連携協約「{a.name}」に{label_ja}の定めがありません")
    if a.expertise and post.type not in a.expertise:
        reasons.append(f"職種「{case.type_name(post.type)}」は連携協約「{a.name}」に定める専門性に含まれていません")
    fy = FiscalYear(year)
    if a.concluded_on is None:
        warnings.append(f"連携協約「{a.name}」の締結日が未入力です（{label}の派遣の前に締結されていることを確認してください）")
    elif a.concluded_on > fy.end:
        reasons.append(f"連携協約「{a.name}」の締結日（{a.concluded_on.isoformat()}）が{label}の末日より後です")
    if cfg["council_vote"]["required"]:
        for body in (a.sender, s.receiver):
            if body not in a.parties:
                continue
            voted = a.council_votes.get(body)
            if voted is None:
                warnings.append(f"連携協約「{a.name}」の{_name(body)}の議会の議決日が未入力です（{cfg['council_vote']['citation']}）")
            elif voted > fy.end:
                reasons.append(f"{_name(body)}の議会の議決（{voted.isoformat()}）が{label}の末日より後です")
    return reasons, warnings


def employment_reasons(post: Post) -> list[str]:
    """Refusal reasons of a post's 雇用形態 (seed ※3), from ``parameters/staffing.yaml``."""
    cfg = rules()["employment"][post.employment.value]
    if not cfg["eligible"]:
        return [f"{cfg['label']}の人件費は対象外です"]
    reasons = []
    facts = {
        "main_duty_municipal_support": post.main_duty_municipal_support,
        "hired_as_specialist": post.hired_as_specialist,
    }
    for req in cfg.get("requires") or []:
        label = cfg["requirement_labels"][req]
        if facts[req] is None:
            reasons.append(f"{cfg['label']}は「{label}」が要件ですが、未入力のため確認できません")
        elif not facts[req]:
            reasons.append(f"{cfg['label']}は「{label}」が要件です（該当しない）")
    return reasons


def build_items(case: StaffingCase, secondments: tuple[Secondment, ...] | None = None) -> ItemSet:
    """Fiscal plan items of every secondment in every 年度 of the case (or of ``secondments``)."""
    secs = case.secondments if secondments is None else secondments
    out = ItemSet()
    seen_warnings: set[str] = set()

    def warn(msg: str) -> None:
        if msg not in seen_warnings:
            seen_warnings.add(msg)
            out.warnings.append(msg)

    first_year: dict[tuple[str, str], int] = {}
    for s in secs:
        key = (s.post, s.receiver)
        first_year[key] = min(first_year.get(key, s.from_year), s.from_year)

    def emit(measure: str, fields: dict[str, Any], why: list[str], origin: Origin, label: str, cite: str) -> None:
        if why:
            out.refusals.append(Refusal(measure, str(fields["municipality"]), origin.fiscal_year, origin, tuple(why), cite))
            return
        out.items.append({"measure": measure, **fields, "fiscal_year": origin.fiscal_year, "name": label})
        out.origins.append(origin)

    def label(post: Post, receiver: str) -> str:
        return f"{post.id} {case.type_name(post.type)}（{post.employment.label}）→{_name(receiver)}"

    def check(post: Post, s: Secondment, year: int) -> tuple[Origin, list[str], str]:
        agreement = _agreement_for(case, post, s)
        origin = Origin(post.id, s.receiver, year, s.type.value, agreement.id if agreement else None)
        reasons, warnings = agreement_reasons(case, post, s, year)
        for w in warnings:
            warn(w)
        return origin, reasons, rules()["agreement"]["citation"]

    # 募集経費: once, in the recruiting 年度, split over the receivers the post is recruited for (those of
    # that 年度, or of the first later 年度 with secondments when it is recruited ahead of them).
    for post in case.posts:
        if not post.recruiting_cost_yen:
            continue
        ry = post.recruiting_year if post.recruiting_year is not None else post.start_year
        if ry not in case.years:
            continue
        later = sorted({y for s in secs if s.post == post.id for y in _years_of(s, case.years) if y >= ry})
        if not later:
            warn(f"ポスト {post.id} の募集経費（{FiscalYear(ry).wareki()}）は、派遣先がないため措置の項目にできません")
            continue
        target = [s for s in secs if s.post == post.id and s.active(later[0])]
        for s, rpart in zip(target, allocate(post.recruiting_cost_yen, [s.share for s in target]), strict=True):
            origin, reasons, cite = check(post, s, ry)
            out.flows.append(Flow(ry, post.id, s.receiver, post.employer, 0, 0, rpart))
            fields = {
                "municipality": post.employer,
                "cost_yen": rpart,
                "receiver": s.receiver,
                "first_year": ry <= first_year[(post.id, s.receiver)],
            }
            emit("specialist_recruitment", fields, reasons, origin, label(post, s.receiver), cite)

    # 人件費 and 負担金, per 年度.
    for year in case.years:
        for post in case.posts:
            if not post.active(year):
                continue
            active = [s for s in secs if s.post == post.id and s.active(year)]
            salary = post.salary(year)
            if not active:
                out.own_work[(post.id, year)] = salary
                continue
            # Exact split of the salary: each receiver's share, the rest is the employer's own work.
            weights = [s.share for s in active]
            rest = post.fte - sum(weights, Decimal(0))
            parts = allocate(salary, [*weights, rest]) if salary else [0] * (len(active) + 1)
            out.own_work[(post.id, year)] = parts[-1]
            emp_reasons = employment_reasons(post)
            cap_parts = person_cap_parts(weights)
            for s, part, persons in zip(active, parts, cap_parts, strict=False):
                origin, reasons, cite = check(post, s, year)
                if not reasons and emp_reasons:
                    cite = rules()["employment"]["citation"]
                contribution = (
                    s.contribution_yen
                    if s.contribution_yen is not None
                    else apply_rate(part, s.contribution_rate)
                    if s.contribution_rate is not None
                    else 0
                )
                out.flows.append(Flow(year, post.id, s.receiver, post.employer, part, contribution, 0))
                salary_fields = {
                    "municipality": post.employer,
                    "cost_yen": part,
                    "receiver": s.receiver,
                    "contribution_yen": contribution,
                    "secondment": s.type.value,
                    "persons": persons,
                }
                emit("specialist_salary", salary_fields, reasons + emp_reasons, origin, label(post, s.receiver), cite)
                if contribution or s.type is SecondmentType.LOCAL_AUTONOMY_ACT:
                    contribution_fields = {
                        "municipality": s.receiver,
                        "cost_yen": contribution,
                        "sender": post.employer,
                        "secondment": s.type.value,
                        "persons": persons,
                    }
                    emit(
                        "specialist_contribution",
                        contribution_fields,
                        reasons + emp_reasons,
                        origin,
                        label(post, s.receiver),
                        cite,
                    )
    return out


CAP_PART_UNITS = 10_000  # precision of a receiver's part of one person's cap (1/10,000 person)


def person_cap_parts(shares: list[Decimal]) -> list[Decimal]:
    """Each receiver's part of one person's 「1人当たり」 cap: its share of the person's seconded work, in
    1/10,000 of a person that sum to exactly 1 (largest remainder), so the engine's per-item caps add up to
    one person's cap and no more, whatever the order of the items."""
    return [Decimal(u) / CAP_PART_UNITS for u in allocate(CAP_PART_UNITS, shares)]


def _years_of(s: Secondment, years: tuple[int, ...]) -> list[int]:
    return [y for y in years if s.active(y)]


def flows_by_body(items: ItemSet) -> dict[tuple[str, int], dict[str, int]]:
    """Gross money per (body, 年度): salary, recruiting, 負担金 paid and received."""
    acc: dict[tuple[str, int], dict[str, int]] = defaultdict(
        lambda: {"salary_yen": 0, "recruiting_yen": 0, "contribution_paid_yen": 0, "contribution_received_yen": 0}
    )
    for f in items.flows:
        e = acc[(f.employer, f.fiscal_year)]
        e["salary_yen"] += f.salary_part_yen
        e["recruiting_yen"] += f.recruiting_part_yen
        e["contribution_received_yen"] += f.contribution_yen
        acc[(f.receiver, f.fiscal_year)]["contribution_paid_yen"] += f.contribution_yen
    return dict(acc)
