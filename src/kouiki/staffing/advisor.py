"""経営・財務マネジメント強化事業 (advisor dispatch): which mode fits a body's request.

The programme is data in one place, the fiscal engine's parameter file ``advisor_dispatch.yaml``
(支援分野 per 年度 — 地方公共団体間の広域連携 from R7 —, the three modes, 団体の負担 0円, citation). This
module reads those dated values through :mod:`kouiki.fiscal.params` and adds only the choice rules in
``data/advisor_modes.yaml`` (who each mode is for, which request it answers). :func:`recommend` also
gives the fiscal plan item (``advisor_dispatch`` with its ``mode``) the body can add to its plan.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import get as get_body


class AdvisorError(KouikiError, ValueError):
    """A request the helper cannot read (unknown field, purpose or body)."""


@cache
def load_modes() -> dict[str, Any]:
    """The choice rules (``data/advisor_modes.yaml``)."""
    text = resources.files("kouiki.staffing").joinpath("data", "advisor_modes.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@dataclass(frozen=True)
class Programme:
    """The programme as the fiscal parameters give it for one 年度 (None where no value is dated yet)."""

    fiscal_year: int
    fields: tuple[str, ...] | None
    modes: tuple[str, ...] | None
    cost_to_body_yen: int | None
    citation: str | None
    first_year: int | None  # first 年度 with dated values


def programme(year: int) -> Programme:
    """支援分野・方法・団体負担 in 年度 ``year`` from the fiscal engine's ``advisor_dispatch`` parameters."""
    from kouiki.fiscal.params import current

    pset = current()

    def at(name: str) -> Any:
        dv = pset.at(f"advisor_dispatch.{name}", year)
        return None if dv is None else dv.value

    fields_dv = pset.at("advisor_dispatch.fields", year)
    param = pset.parameter("advisor_dispatch.fields")
    first = min((v.year for v in param.values), default=None)
    citation = None if fields_dv is None else fields_dv.citation.text()
    return Programme(
        fiscal_year=year,
        fields=None if at("fields") is None else tuple(at("fields")),
        modes=None if at("modes") is None else tuple(at("modes")),
        cost_to_body_yen=at("cost_to_body_yen"),
        citation=citation,
        first_year=first,
    )


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("・", "").lower()


def _words(name: str) -> list[str]:
    words = [name]
    m = re.search(r"（(.+)）", name)
    if m:
        words += re.split("[、,]", m.group(1))
    words += load_modes().get("field_words", {}).get(name, [])
    return words


def find_field(text: str, fields: tuple[str, ...]) -> str:
    """A field by its name, part of it, or a topic (専門人材の確保 → 地方公共団体間の広域連携（…）)."""
    key = _norm(text)
    exact = [f for f in fields if _norm(f) == key]
    if exact:
        return exact[0]
    hits = [f for f in fields if any(key in _norm(w) for w in _words(f))]
    if len(hits) == 1:
        return hits[0]
    what = "複数の支援分野に一致します" if hits else "支援分野が見つかりません"
    raise AdvisorError(f"「{text}」は{what}（候補: {'、'.join(hits or fields)}）")


@dataclass(frozen=True)
class Recommendation:
    body: str
    body_name: str
    fiscal_year: int
    field: str | None
    purpose: str
    mode: dict[str, Any] | None
    eligible: bool | None  # None = unknown (no dated programme data for the 年度)
    cost_to_body_yen: int | None
    reasons: list[str] = dc_field(default_factory=list)
    alternatives: list[str] = dc_field(default_factory=list)
    citation: str | None = None

    def plan_item(self) -> dict[str, Any] | None:
        """The fiscal plan item for this request (``kouiki fiscal evaluate`` gives its info line)."""
        if not self.eligible or self.mode is None:
            return None
        return {"measure": "advisor_dispatch", "municipality": self.body, "fiscal_year": self.fiscal_year,
                "mode": self.mode["id"]}

    def to_dict(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "body_name": self.body_name,
            "fiscal_year": self.fiscal_year,
            "field": self.field,
            "purpose": self.purpose,
            "eligible": self.eligible,
            "mode": None if self.mode is None else {k: self.mode.get(k) for k in ("id", "name", "dispatched_to", "description", "initiated_by")},
            "cost_to_body_yen": self.cost_to_body_yen,
            "reasons": self.reasons,
            "alternatives": self.alternatives,
            "citation": self.citation,
            "plan_item": self.plan_item(),
        }


def recommend(body: str, field_text: str, purpose: str, year: int | str = 2025) -> Recommendation:
    """Which dispatch mode fits a body's request (first matching mode of ``advisor_modes.yaml``)."""
    rules = load_modes()
    if purpose not in rules["purposes"]:
        raise AdvisorError(f"目的（purpose）は {' / '.join(rules['purposes'])} のいずれかです: {purpose!r}")
    b = get_body(body)
    fy = FiscalYear.parse(year).year
    prog = programme(fy)
    if prog.fields is None or prog.modes is None:
        later = programme(prog.first_year) if prog.first_year is not None else None
        named = None
        if later is not None and later.fields:
            named = find_field(field_text, later.fields)
        reason = f"{FiscalYear(fy).wareki()}の支援分野・方法はデータにありません（不明）"
        if named is not None and prog.first_year is not None:
            reason += f"。「{named}」は{FiscalYear(prog.first_year).wareki()}のデータにあります"
        return Recommendation(b.code, b.name, fy, named, purpose, None, None, None, [reason])
    fname = find_field(field_text, prog.fields)
    requester = "prefecture" if b.is_prefecture else "municipality"
    reasons: list[str] = []
    alternatives: list[str] = []
    chosen: dict[str, Any] | None = None
    for mode in rules["modes"]:
        if mode["name"] not in prog.modes or purpose not in mode["purposes"]:
            continue
        if requester not in mode["requester_kinds"]:
            alternatives.append(
                f"{mode['name']}は{mode['dispatched_to']}への派遣です（{mode['description']}）。都道府県に開催を相談してください"
            )
            continue
        chosen = mode
        break
    if chosen is None:
        return Recommendation(b.code, b.name, fy, fname, purpose, None, False, prog.cost_to_body_yen,
                              ["この要請に合う支援の方法がありません"], alternatives, prog.citation)
    reasons.append(f"{chosen['name']}: {chosen['description']}")
    if chosen.get("initiated_by"):
        reasons.append(f"始まり方: {chosen['initiated_by']}")
    if chosen["id"] == "goal_support":
        alternatives.append("課題達成支援事業は事業実施者からの個別の要請で始まるため、まず課題対応アドバイス事業に申し込むこともできます")
    if prog.cost_to_body_yen == 0:
        reasons.append("派遣経費（謝金・旅費）は地方公共団体金融機構が負担し、団体の負担はありません")
    return Recommendation(b.code, b.name, fy, fname, purpose, chosen, True, prog.cost_to_body_yen, reasons,
                          alternatives, prog.citation)

