"""The wide-area council (広域的な議論の場 / 協議会) that the 2025 notice asks for.

Records its member bodies, meetings, invited experts (有識者の招聘) and study costs (調査・分析の委託 …), and
turns the costs into fiscal-plan items of the measure ``consolidation_study`` (調査検討経費), one per body and
年度: a cost with a ``municipality`` is that body's own; a joint cost (no ``municipality``) is shared among the
members by the council's sharing rule (負担金), and each body claims on its share. The fiscal engine applies the
rate, the cap and the "two or more bodies" condition — nothing of that is decided here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kouiki.facilities.sharing import ShareRule, split
from kouiki.reference import codes as codesmod
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError


class CouncilError(KouikiError, ValueError):
    """A council record that is incomplete or inconsistent."""


@dataclass(frozen=True)
class Meeting:
    date: dt.date
    title: str
    attendees: tuple[str, ...] = ()  # bodies (codes) or persons
    cost_yen: int = 0  # 会場費・資料費 … (joint)
    summary: str | None = None

    @property
    def fiscal_year(self) -> int:
        return FiscalYear.of_date(self.date).year


@dataclass(frozen=True)
class Expert:
    name: str
    fiscal_year: int
    fee_yen: int  # 謝金・旅費
    affiliation: str | None = None
    role: str | None = None
    municipality: str | None = None  # the body that pays alone, if not joint


@dataclass(frozen=True)
class StudyCost:
    fiscal_year: int
    what: str  # e.g. 施設利用実態調査委託
    cost_yen: int
    municipality: str | None = None  # None = joint cost shared by the rule


@dataclass
class Council:
    name: str
    members: list[str]
    convenor: str | None = None  # 事務局 (e.g. the 中心市 or the prefecture)
    case: str | None = None
    meetings: list[Meeting] = field(default_factory=list)
    experts: list[Expert] = field(default_factory=list)
    study_costs: list[StudyCost] = field(default_factory=list)
    sharing: ShareRule = field(default_factory=lambda: ShareRule.from_dict("equal"))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "council") -> Council:
        try:
            members = [codesmod.normalize(str(m)) for m in d.get("members") or []]
        except KouikiError as exc:
            raise CouncilError(f"{where}.members: {exc}") from None
        if len(members) < 1:
            raise CouncilError(f"{where}.members: 構成団体がありません")

        def yen(v: Any, at: str) -> int:
            if isinstance(v, bool) or not isinstance(v, int | str):
                raise CouncilError(f"{at}: 金額は円単位の整数で指定してください: {v!r}")
            try:
                out = int(str(v).replace(",", ""))
            except ValueError:
                raise CouncilError(f"{at}: 金額は円単位の整数で指定してください: {v!r}") from None
            if out < 0:
                raise CouncilError(f"{at}: 金額が負です: {v}")
            return out

        def body(v: Any, at: str) -> str | None:
            if v is None:
                return None
            code = codesmod.normalize(str(v))
            if code not in members:
                raise CouncilError(f"{at}: 構成団体ではありません: {code}")
            return code

        meetings = []
        for i, m in enumerate(d.get("meetings") or []):
            at = f"{where}.meetings[{i}]"
            raw_date = m.get("date")
            date = raw_date if isinstance(raw_date, dt.date) else _date(str(raw_date), at)
            meetings.append(Meeting(date, str(m.get("title", "")), tuple(str(a) for a in m.get("attendees") or []),
                                    yen(m.get("cost_yen", 0), f"{at}.cost_yen"), m.get("summary")))
        experts = [
            Expert(str(e["name"]), FiscalYear.parse(e["fiscal_year"]).year, yen(e.get("fee_yen", 0), f"{where}.experts[{i}].fee_yen"),
                   e.get("affiliation"), e.get("role"), body(e.get("municipality"), f"{where}.experts[{i}].municipality"))
            for i, e in enumerate(d.get("experts") or [])
        ]
        costs = [
            StudyCost(FiscalYear.parse(c["fiscal_year"]).year, str(c.get("what", "")), yen(c["cost_yen"], f"{where}.study_costs[{i}].cost_yen"),
                      body(c.get("municipality"), f"{where}.study_costs[{i}].municipality"))
            for i, c in enumerate(d.get("study_costs") or [])
        ]
        sharing = ShareRule.from_dict(d.get("sharing") or "equal", f"{where}.sharing")
        if sharing.own:
            raise CouncilError(f"{where}.sharing: 共同経費の按分方法を指定してください（own は使えません）")
        return cls(str(d.get("name", "広域的な議論の場")), members, body(d.get("convenor"), f"{where}.convenor"),
                   d.get("case"), meetings, experts, costs, sharing)

    def costs_by_body_year(self) -> dict[str, dict[int, int]]:
        """Each member's study cost (own + share of joint) per 年度."""
        joint: dict[int, int] = defaultdict(int)
        own: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for m in self.meetings:
            joint[m.fiscal_year] += m.cost_yen
        for e in self.experts:
            if e.municipality:
                own[e.municipality][e.fiscal_year] += e.fee_yen
            else:
                joint[e.fiscal_year] += e.fee_yen
        for c in self.study_costs:
            if c.municipality:
                own[c.municipality][c.fiscal_year] += c.cost_yen
            else:
                joint[c.fiscal_year] += c.cost_yen
        for year, total in joint.items():
            if total:
                for b, v in split(total, self.sharing, self.members).items():
                    own[b][year] += v
        return {b: dict(sorted(ys.items())) for b, ys in sorted(own.items())}

    def plan_items(self) -> list[dict[str, Any]]:
        """Fiscal-plan items (measure consolidation_study) — one per member and 年度 with a cost."""
        items = []
        for b, years in self.costs_by_body_year().items():
            for y, cost in years.items():
                if cost > 0:
                    items.append({
                        "measure": "consolidation_study", "municipality": b, "fiscal_year": y, "cost_yen": cost,
                        "partner_bodies": list(self.members), "case": self.case or self.name,
                        "name": f"{self.name} 調査検討経費",
                    })
        return items

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "members": self.members, "convenor": self.convenor, "case": self.case,
            "meetings": [{"date": m.date.isoformat(), "fiscal_year": m.fiscal_year, "title": m.title,
                          "attendees": list(m.attendees), "cost_yen": m.cost_yen, "summary": m.summary} for m in self.meetings],
            "experts": [{"name": e.name, "fiscal_year": e.fiscal_year, "fee_yen": e.fee_yen, "affiliation": e.affiliation,
                         "role": e.role, "municipality": e.municipality} for e in self.experts],
            "study_costs": [{"fiscal_year": c.fiscal_year, "what": c.what, "cost_yen": c.cost_yen,
                             "municipality": c.municipality} for c in self.study_costs],
            "sharing": self.sharing.to_dict(),
            "costs_by_municipality": {b: {str(y): v for y, v in ys.items()} for b, ys in self.costs_by_body_year().items()},
        }


def _date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CouncilError(f"{where}.date: 日付は YYYY-MM-DD で指定してください: {text!r}") from None
