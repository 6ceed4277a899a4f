"""人材育成基本方針 and training programmes → conditions ①②③ → ``training`` fiscal items.

Conditions (seed 「新たな政策課題に関する地方公務員の人材育成に係る地方交付税措置の創設」):

- ① the issue is named as a priority in a medium/long-term plan **and** placed in the **new** 基本方針
  (drawn up with reference to MIC's 「人材育成・確保基本方針策定指針」, 2023-12-22) or its action plan;
- ② the training is set out there as a systematic programme (purpose, schedule);
- ③ a numeric target for the number of staff trained.

A prefecture-run wide-area training (広域研修) also needs: the programme says it covers 市町村 and carries
each 市町村's target, and every participating 市町村 meets ①–③ itself (its own policy must be in the file;
unknown = not shown to meet them). The fiscal engine owns the rates and kinds (市町村 特交0.5, 都道府県
own staff 普通交付税, wide-area 特交0.5 of 開催経費); this module computes the condition flags and the cost
base (which cost kinds go in: ``parameters/staffing.yaml`` ``training``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kouiki.reference import codes
from kouiki.staffing.io import (
    _Ctx,
    _get,
    _records,
    _req,
    check_keys,
    parse_date,
    parse_list,
    parse_year,
    parse_yen,
    read_mapping,
)
from kouiki.staffing.model import StaffingInputError, body_label, parse_body, parse_bool, rules
from kouiki.staffing.support import (
    Evaluator,
    FiscalEngineUnavailable,
    body_name,
    engine_errors_text,
    fiscal_evaluator,
    group_engine_warnings,
)


@dataclass(frozen=True)
class PriorityIssue:
    name: str
    in_medium_term_plan: bool | None  # 中長期的な計画等に重点として明示
    in_policy: bool | None  # 新たな基本方針（又は実施計画）に位置づけ
    plan_name: str | None = None


@dataclass(frozen=True)
class ProgrammeCost:
    fiscal_year: int
    hosting_cost_yen: int = 0  # 開催経費（講師謝金・講師旅費・研修委託費）
    attendance_cost_yen: int = 0  # 受講経費（職員旅費・外部研修受講料・eラーニング利用料）


@dataclass(frozen=True)
class Programme:
    id: str
    name: str
    issue: str
    stated_in_policy: bool | None  # ② 基本方針（又は実施計画）に体系的な研修プログラムとして明示
    purpose: str | None
    schedule: str | None
    target_staff: int | None  # ③ 育成する職員数の数値目標
    wide_area: bool = False
    covers_municipalities: bool | None = None
    municipal_targets: dict[str, int] = field(default_factory=dict)
    participants: tuple[str, ...] = ()
    joins: str | None = None  # a 市町村's entry for a prefecture-run programme it joins
    costs: tuple[ProgrammeCost, ...] = ()
    line: str = field(default="", compare=False)


@dataclass(frozen=True)
class TrainingPolicy:
    """人材育成基本方針 of one body."""

    body: str
    name: str
    new_policy: bool | None  # 指針を参考に新たに策定
    adopted_on: dt.date | None
    priority_issues: tuple[PriorityIssue, ...]
    programmes: tuple[Programme, ...]
    line: str = field(default="", compare=False)


@dataclass
class ConditionCheck:
    """①②③ (and the wide-area conditions) of one programme, each with reasons when not met."""

    priority_in_plan: bool
    systematic_program: bool
    numeric_target: bool
    wide_area_ok: bool | None
    participants_meet_conditions: bool | None
    reasons: list[str]

    @property
    def all_met(self) -> bool:
        return (
            self.priority_in_plan
            and self.systematic_program
            and self.numeric_target
            and self.wide_area_ok is not False
            and self.participants_meet_conditions is not False
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "priority_in_plan": self.priority_in_plan,
            "systematic_program": self.systematic_program,
            "numeric_target": self.numeric_target,
            "wide_area_ok": self.wide_area_ok,
            "participants_meet_conditions": self.participants_meet_conditions,
            "all_met": self.all_met,
            "reasons": self.reasons,
        }


# ---- parsing ------------------------------------------------------------------------------------


def policies_from_dict(data: dict[str, Any], source: str) -> tuple[list[TrainingPolicy], tuple[int, ...] | None]:
    out: list[TrainingPolicy] = []
    check_keys(data, "training_top", source)
    for rec, ctx in _records(data.get("policies"), source, "policies（人材育成基本方針）", "policies"):
        issues = []
        for i, irec in enumerate(rec.get("priority_issues") or []):
            check_keys(irec, "priority_issues", f"{ctx.where} priority_issues {i + 1}件目")
            ictx = _Ctx(source, f"{ctx.section} {ctx.index + 1}件目の priority_issues", i, irec.get("__line__"),
                        irec.get("__row_word__", "行目"))
            issues.append(
                PriorityIssue(
                    name=_req(irec, ictx, "name", str),
                    in_medium_term_plan=_get(irec, ictx, "in_medium_term_plan", parse_bool, False),
                    in_policy=_get(irec, ictx, "in_policy", parse_bool, False),
                    plan_name=_get(irec, ictx, "plan", str, False),
                )
            )
        programmes = []
        for i, prec in enumerate(rec.get("programmes") or []):
            check_keys(prec, "programmes", f"{ctx.where} programmes {i + 1}件目")
            pctx = _Ctx(source, f"{ctx.section} {ctx.index + 1}件目の programmes", i, prec.get("__line__"),
                        prec.get("__row_word__", "行目"))
            costs = []
            for j, crec in enumerate(prec.get("costs") or []):
                check_keys(crec, "costs", f"{ctx.where} costs {j + 1}件目")
                cctx = _Ctx(source, f"{pctx.section} {i + 1}件目の costs", j, crec.get("__line__"),
                            crec.get("__row_word__", "行目"))
                costs.append(
                    ProgrammeCost(
                        fiscal_year=_req(crec, cctx, "fiscal_year", parse_year),
                        hosting_cost_yen=_get(crec, cctx, "hosting_cost_yen", parse_yen, False) or 0,
                        attendance_cost_yen=_get(crec, cctx, "attendance_cost_yen", parse_yen, False) or 0,
                    )
                )
            targets_raw = prec.get("municipal_targets") or {}
            targets: dict[str, int] = {}
            if not isinstance(targets_raw, dict):
                raise pctx.error("municipal_targets", "団体: 人数 の組で指定してください")
            for k, v in targets_raw.items():
                if k in ("__line__", "__row_word__"):
                    continue
                try:
                    n = int(v)
                except (TypeError, ValueError):
                    raise pctx.error("municipal_targets", f"人数は整数です: {v!r}") from None
                targets[_get({"municipal_targets": k}, pctx, "municipal_targets", parse_body, True) or ""] = n
            target = _get(prec, pctx, "target_staff", int, False)
            if target is not None and target < 0:
                raise pctx.error("target_staff", "数値目標は0以上の整数です")
            programmes.append(
                Programme(
                    id=str(_req(prec, pctx, "id", str)),
                    name=str(prec.get("name") or prec["id"]),
                    issue=_req(prec, pctx, "issue", str),
                    stated_in_policy=_get(prec, pctx, "stated_in_policy", parse_bool, False),
                    purpose=_get(prec, pctx, "purpose", str, False),
                    schedule=_get(prec, pctx, "schedule", str, False),
                    target_staff=target,
                    wide_area=_get(prec, pctx, "wide_area", parse_bool, False) or False,
                    covers_municipalities=_get(prec, pctx, "covers_municipalities", parse_bool, False),
                    municipal_targets=targets,
                    participants=tuple(
                        _req({"participants": p}, pctx, "participants", parse_body)
                        for p in _get(prec, pctx, "participants", parse_list, False) or []
                    ),
                    joins=_get(prec, pctx, "joins", str, False),
                    costs=tuple(costs),
                    line=pctx.where,
                )
            )
        body = _req(rec, ctx, "body", parse_body)
        for p in programmes:
            if p.wide_area and not codes.is_prefecture(body):
                raise StaffingInputError(f"{p.line} 項目「wide_area」: 広域研修は都道府県等が開催するものです（{body_label(body)}は都道府県ではありません）")
        out.append(
            TrainingPolicy(
                body=body,
                name=str(rec.get("name") or "人材育成基本方針"),
                new_policy=_get(rec, ctx, "new_policy", parse_bool, False),
                adopted_on=_get(rec, ctx, "adopted_on", parse_date, False),
                priority_issues=tuple(issues),
                programmes=tuple(programmes),
                line=ctx.where,
            )
        )
    years = None
    if data.get("years") is not None:
        from kouiki.staffing.io import _parse_years

        years = _parse_years(data.get("years"), source)
    return out, years


# ---- conditions ---------------------------------------------------------------------------------


def check_own(policy: TrainingPolicy, prog: Programme) -> tuple[bool, bool, bool, list[str]]:
    """①②③ of a programme against its body's policy, with reasons for each condition not met."""
    reasons: list[str] = []
    one = True
    if policy.new_policy is not True:
        one = False
        reasons.append(
            "① 「人材育成・確保基本方針策定指針」（令和5年12月22日）を参考に新たに策定した基本方針であることが確認できません"
            if policy.new_policy is None
            else "① 新たに策定した人材育成基本方針ではありません"
        )
    issue = next((i for i in policy.priority_issues if i.name == prog.issue), None)
    if issue is None:
        one = False
        reasons.append(f"① 課題「{prog.issue}」が基本方針の重点課題（priority_issues）にありません")
    else:
        if issue.in_medium_term_plan is not True:
            one = False
            reasons.append(f"① 課題「{prog.issue}」が中長期的な計画等に重点として明示されていません")
        if issue.in_policy is not True:
            one = False
            reasons.append(f"① 課題「{prog.issue}」が新たな基本方針（又は実施計画）に位置づけられていません")
    two = True
    if prog.stated_in_policy is not True:
        two = False
        reasons.append("② 研修プログラムが基本方針（又は実施計画）に体系的に明示されていません")
    for key, label in (("purpose", "研修の目的"), ("schedule", "実施スケジュール")):
        if not getattr(prog, key):
            two = False
            reasons.append(f"② 研修内容に{label}がありません")
    three = prog.target_staff is not None and prog.target_staff > 0
    if not three:
        reasons.append("③ 育成する職員数の数値目標がありません")
    return one, two, three, reasons


def check_programme(policy: TrainingPolicy, prog: Programme, all_policies: list[TrainingPolicy]) -> ConditionCheck:
    one, two, three, reasons = check_own(policy, prog)
    wide_ok: bool | None = None
    participants_ok: bool | None = None
    if prog.wide_area:
        wide_ok = True
        if prog.covers_municipalities is not True:
            wide_ok = False
            reasons.append("広域: 研修プログラムに市町村を含む広域的な研修であることが明示されていません")
        if not prog.participants:
            wide_ok = False
            reasons.append("広域: 参加する市町村（participants）がありません")
        for m in prog.participants:
            if prog.municipal_targets.get(m, 0) <= 0:
                wide_ok = False
                reasons.append(f"広域: {body_name(m)}の数値目標がプログラムに明示されていません")
        participants_ok = True
        for m in prog.participants:
            mp = next((p for p in all_policies if p.body == m), None)
            if mp is None:
                participants_ok = False
                reasons.append(f"広域: {body_name(m)}の人材育成基本方針が入力されていないため、要件①〜③を確認できません")
                continue
            entry = next((p for p in mp.programmes if p.joins == prog.id), None) or next(
                (p for p in mp.programmes if p.issue == prog.issue), None
            )
            if entry is None:
                participants_ok = False
                reasons.append(f"広域: {body_name(m)}の基本方針にこの研修（{prog.id}・課題「{prog.issue}」）の位置づけがありません")
                continue
            o, t, th, why = check_own(mp, entry)
            if not (o and t and th):
                participants_ok = False
                reasons.extend(f"広域: {body_name(m)}: {w}" for w in why)
    return ConditionCheck(one, two, three, wide_ok, participants_ok, reasons)


# ---- items and evaluation -------------------------------------------------------------------


@dataclass
class TrainingResult:
    title: str
    programmes: list[dict[str, Any]]
    items: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    warnings: list[str]
    origins: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "programmes": self.programmes,
            "plan": {"items": self.items},
            "item_origins": self.origins,
            "lines": self.lines,
            "warnings": self.warnings,
        }


def build_training_items(
    policies: list[TrainingPolicy], years: tuple[int, ...] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(items, their origins, per-programme checks, staffing notes as zero lines) of every programme's costs.

    Items carry only the fiscal plan's ``training`` fields; ``origins[i]`` says which programme and which
    costs item ``i`` comes from.
    """
    cfg = rules()["training"]
    items: list[dict[str, Any]] = []
    origins: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for pol in policies:
        for prog in pol.programmes:
            if prog.joins and not prog.costs:
                continue  # a 市町村's entry for a prefecture programme: checked through the prefecture's
            chk = check_programme(pol, prog, policies)
            checks.append({"body": pol.body, "name": body_name(pol.body), "programme": prog.id,
                           "programme_name": prog.name, "issue": prog.issue, "wide_area": prog.wide_area,
                           **chk.to_dict()})
            keys = cfg["wide_area_costs"] if prog.wide_area else cfg["own_staff_costs"]
            for c in prog.costs:
                if years is not None and c.fiscal_year not in years:
                    continue
                cost = sum(int(getattr(c, k)) for k in keys)
                excluded = [k for k in ("hosting_cost_yen", "attendance_cost_yen") if k not in keys and getattr(c, k)]
                item: dict[str, Any] = {
                    "measure": "training",
                    "municipality": pol.body,
                    "fiscal_year": c.fiscal_year,
                    "cost_yen": cost,
                    "conditions": {
                        "priority_in_plan": chk.priority_in_plan,
                        "systematic_program": chk.systematic_program,
                        "numeric_target": chk.numeric_target,
                    },
                    "wide_area": prog.wide_area,
                    "name": f"{prog.id} {prog.name}",
                }
                if prog.wide_area:
                    item["participants_meet_conditions"] = bool(chk.participants_meet_conditions and chk.wide_area_ok)
                items.append(item)
                origins.append(
                    {
                        "programme": prog.id,
                        "hosting_cost_yen": c.hosting_cost_yen,
                        "attendance_cost_yen": c.attendance_cost_yen,
                        "participants": list(prog.participants),
                    }
                )
                for k in excluded:
                    notes.append({
                        "item": None, "measure": "training", "municipality": pol.body,
                        "fiscal_year": c.fiscal_year, "kind": "special_allocation_tax",
                        "base_yen": int(getattr(c, k)), "amount_yen": 0,
                        "notes": ["広域研修は開催経費のみが対象です（受講経費は対象外）"],
                        "citation": cfg["citation"], "source": "staffing", "programme": prog.id,
                    })
    return items, origins, checks, notes


def evaluate_training(
    policies: list[TrainingPolicy],
    years: tuple[int, ...] | None = None,
    title: str = "人材育成",
    evaluator: Evaluator | None = None,
    overrides: list[str] | None = None,
) -> TrainingResult:
    items, origins, checks, notes = build_training_items(policies, years)
    warnings: list[str] = []
    lines: list[dict[str, Any]] = []
    try:
        evaluate = evaluator or fiscal_evaluator(overrides)
    except FiscalEngineUnavailable as exc:
        warnings.append(str(exc))
        evaluate = None
    if evaluate is not None and items:
        result = evaluate({"items": items})
        if result.get("errors"):
            msgs = engine_errors_text(result["errors"])
            raise StaffingInputError(f"財政措置エンジンが研修の措置項目を受け付けませんでした: {msgs}")
        for ln in result.get("lines", []):
            idx = ln.get("item")
            prog = origins[idx]["programme"] if isinstance(idx, int) and 0 <= idx < len(origins) else None
            lines.append({**ln, "source": "fiscal", "programme": prog})
        warnings += group_engine_warnings(result.get("warnings", []))
    lines += notes
    lines.sort(key=lambda ln: (ln["fiscal_year"], ln["municipality"]))
    return TrainingResult(title, checks, items, lines, warnings, origins)


def evaluate_training_file(
    path: str | Path, evaluator: Evaluator | None = None, overrides: list[str] | None = None
) -> TrainingResult:
    data, name = read_mapping(path)
    policies, years = policies_from_dict(data, name)
    if not policies:
        raise StaffingInputError(f"{name}: 人材育成基本方針（policies）がありません")
    return evaluate_training(policies, years, str(data.get("title") or Path(name).stem), evaluator, overrides)

