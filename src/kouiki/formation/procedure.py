"""Formation procedure as states with dates (要綱; domain-facts §1.5).

① 中心市宣言 (publication) → ② 定住自立圏形成協定, 1対1 between the 中心市 and each neighbour, voted by both
councils (変更協定 likewise) → ③ 共生ビジョン (drafted by the 中心市, 5 年度 typically, revised yearly).
A 合併1市圏域 adopts a 形成方針 instead of agreements. Ordering errors are refused by the
:class:`~kouiki.reference.regions.Region` model itself; :func:`review` adds the warnings (unknown dates,
votes after signing, expired visions) and :func:`states` answers "where was each member on a day".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from kouiki.reference.calendar import FiscalYear
from kouiki.reference.regions import Project, Region, RegionType, Role, VisionRole


class Step(IntEnum):
    NONE = 0  # 未着手
    DECLARED = 1  # 中心市宣言
    AGREED = 2  # 形成協定 (合併1市: 形成方針)
    VISION = 3  # 共生ビジョン策定

    @property
    def label(self) -> str:
        return {0: "未着手", 1: "中心市宣言済み", 2: "形成協定締結済み", 3: "共生ビジョン策定済み"}[self.value]


@dataclass(frozen=True)
class MemberState:
    code: str
    role: str
    step: Step  # highest step known to be reached
    uncertain: bool  # a later step may have been reached (its date is unknown)
    declaration_date: dt.date | None
    agreement_date: dt.date | None
    central_vote_date: dt.date | None
    member_vote_date: dt.date | None
    amendments: int
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "role": self.role, "step": self.step.name.lower(),
                "step_label": self.step.label + ("（以降は日付不明）" if self.uncertain else ""),
                "uncertain": self.uncertain,
                "declaration_date": self.declaration_date, "agreement_date": self.agreement_date,
                "central_vote_date": self.central_vote_date, "member_vote_date": self.member_vote_date,
                "amendments": self.amendments, "note": self.note}


@dataclass(frozen=True)
class Issue:
    severity: str  # error / warning
    field: str
    message: str
    member: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "field": self.field, "member": self.member, "message": self.message}


def _vision_start(region: Region) -> dt.date | None:
    starts = [v.adopted for v in region.visions if v.adopted]
    starts += [FiscalYear(v.start_fiscal_year).start for v in region.visions if v.start_fiscal_year and not v.adopted]
    return min(starts) if starts else None


def _reached(d: dt.date | None, on: dt.date) -> bool | None:
    return None if d is None else d <= on


def states(region: Region, on: dt.date | None = None) -> list[MemberState]:
    """Each member's step on ``on`` (default today): the highest step known to be reached by then.

    ``uncertain`` is set when a later step may have been reached but its date is unknown (never guessed).
    A later step implies the earlier ones (an agreement implies the declaration).
    """
    day = on or dt.date.today()
    decl = _reached(region.declaration_date, day)
    vision = _reached(_vision_start(region), day)
    policy = region.formation_policy
    out = []
    for m in region.members:
        agreed: bool | None
        if region.type is RegionType.SINGLE_MERGED:
            agreed = _reached(None if policy is None else (policy.vote_date or policy.adopted), day)
        elif m.role is Role.CENTRAL:
            flags = [_reached(n.agreement_date, day) for n in region.neighbors()]
            agreed = True if True in flags else (None if None in flags else False)
        else:
            agreed = _reached(m.agreement_date, day)
            if m.left_date is not None and m.left_date <= day:
                agreed = False
        flags3 = (True if agreed else decl, agreed, vision if agreed else (None if agreed is None else False))
        step, uncertain = Step.NONE, False
        for st, flag in zip((Step.DECLARED, Step.AGREED, Step.VISION), flags3, strict=True):
            if flag is True:
                step = st
            else:
                uncertain = flag is None
                break
        out.append(MemberState(
            code=m.code, role=m.role.value, step=step, uncertain=uncertain,
            declaration_date=region.declaration_date, agreement_date=m.agreement_date,
            central_vote_date=m.central_vote_date, member_vote_date=m.member_vote_date,
            amendments=len(m.amendments), note=m.agreement_note,
        ))
    return out


def review(region: Region, today: dt.date | None = None) -> list[Issue]:
    """Warnings about a (valid) region's procedure records: what is unknown or unusual."""
    day = today or dt.date.today()
    issues: list[Issue] = []
    if region.declaration_date is None and region.type is not RegionType.SINGLE_MERGED:
        issues.append(Issue("warning", "declaration_date", "中心市宣言の日付が不明です"))
    if region.type is RegionType.SINGLE_MERGED and region.formation_policy is None:
        issues.append(Issue("warning", "formation_policy", "合併1市圏域ですが形成方針が登録されていません"))
    for m in region.neighbors():
        if m.agreement_date is None:
            issues.append(Issue("warning", "agreement_date", f"形成協定の日付が不明です{'（' + m.agreement_note + '）' if m.agreement_note else ''}", m.code))
        for label, vote in (("中心市議会", m.central_vote_date), ("近隣市町村議会", m.member_vote_date)):
            if vote is not None and m.agreement_date is not None and vote > m.agreement_date:
                issues.append(Issue("warning", "vote_date", f"{label}の議決（{vote.isoformat()}）が協定締結（{m.agreement_date.isoformat()}）より後です", m.code))
    if not region.visions:
        issues.append(Issue("warning", "visions", "共生ビジョンが登録されていません（財政措置は策定が前提）"))
    fy = FiscalYear.of_date(day).year
    if region.visions and region.has_vision(fy) is None:
        issues.append(Issue("warning", "visions", f"{FiscalYear(fy).wareki()}のビジョン期間が記録からは分かりません"))
    for v in region.visions:
        if v.start_fiscal_year and v.end_fiscal_year and v.end_fiscal_year - v.start_fiscal_year + 1 > 5:
            issues.append(Issue("warning", "visions", f"「{v.title}」の期間が5年度を超えています（通常は5年度）"))
    for p in region.projects:
        unknown = [c for c in p.members if c not in region.member_codes()]
        if unknown:
            issues.append(Issue("error", "projects.members", f"事業「{p.name}」の参加団体 {', '.join(unknown)} は構成団体ではありません"))
    return issues


def projects_by_role(region: Region, fiscal_year: int | None = None) -> dict[VisionRole, list[Project]]:
    """The region's projects under the three headings (in heading order), optionally those running in a 年度."""
    out: dict[VisionRole, list[Project]] = {r: [] for r in VisionRole}
    for p in region.projects:
        if fiscal_year is not None:
            if p.budget_yen and fiscal_year not in p.budget_yen:
                continue
            if p.since_fiscal_year is not None and fiscal_year < p.since_fiscal_year:
                continue
        out[p.heading].append(p)
    return out


def budget_lines(region: Region) -> list[dict[str, Any]]:
    """One line per project and 年度 with a budget: what the fiscal engine prices (integer yen)."""
    lines = []
    for i, p in enumerate(region.projects):
        for fy, yen in sorted(p.budget_yen.items()):
            lines.append({"region": region.id, "project": i, "name": p.name, "role": p.heading.value,
                          "field": p.field, "members": p.members or region.member_codes(),
                          "fiscal_year": fy, "budget_yen": yen, "uses_digital": p.uses_digital})
    return lines
