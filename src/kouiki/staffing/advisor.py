"""経営・財務マネジメント強化事業 (advisor dispatch): fields and modes as data, and a mode helper.

The programme is data in ``data/advisor_dispatch.yaml`` (citation: the seed slide 「令和7年度『地方公共団体の
経営・財務マネジメント強化事業』」). :func:`recommend` tells a body which of the three modes fits its request;
the dispatch costs (謝金・旅費) are borne by 地方公共団体金融機構, so the body pays nothing.
"""

from __future__ import annotations

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
def load_programme() -> dict[str, Any]:
    """The programme file as a dict (fields, modes, purposes, citation)."""
    text = resources.files("kouiki.staffing").joinpath("data", "advisor_dispatch.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("・", "").lower()


def fields_in(year: int) -> list[dict[str, Any]]:
    """Support fields offered in a 年度 (a field with ``since: null`` is treated as already offered)."""
    return [f for f in load_programme()["fields"] if f.get("since") is None or int(f["since"]) <= year]


def find_field(text: str) -> dict[str, Any]:
    """A field by id, name, part of the name or one of its topics (専門人材の確保 → 広域連携)."""
    key = _norm(text)
    fields = load_programme()["fields"]
    exact = [f for f in fields if key in (_norm(f["id"]), _norm(f["name"]))]
    if exact:
        return dict(exact[0])
    hits = [f for f in fields if key in _norm(f["name"]) or any(key in _norm(t) for t in f.get("topics") or [])]
    if len(hits) == 1:
        return dict(hits[0])
    names = "、".join(f["name"] for f in (hits or fields))
    what = "複数の支援分野に一致します" if hits else "支援分野が見つかりません"
    raise AdvisorError(f"「{text}」は{what}（候補: {names}）")


@dataclass(frozen=True)
class Recommendation:
    body: str
    body_name: str
    fiscal_year: int
    field: dict[str, Any]
    purpose: str
    mode: dict[str, Any] | None
    eligible: bool
    reasons: list[str] = dc_field(default_factory=list)
    alternatives: list[str] = dc_field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        prog = load_programme()["programme"]
        return {
            "body": self.body,
            "body_name": self.body_name,
            "fiscal_year": self.fiscal_year,
            "field": {k: self.field[k] for k in ("id", "name", "since")},
            "purpose": self.purpose,
            "eligible": self.eligible,
            "mode": None if self.mode is None else {k: self.mode.get(k) for k in ("id", "name", "dispatched_to", "description", "initiated_by")},
            "cost_to_body_yen": prog["cost_to_body_yen"],
            "cost_note": prog["cost_note"],
            "reasons": self.reasons,
            "alternatives": self.alternatives,
            "citation": prog["citation"],
        }


def recommend(body: str, field_text: str, purpose: str, year: int | str = 2025) -> Recommendation:
    """Which dispatch mode fits a body's request (first matching mode in the data file)."""
    prog = load_programme()
    if purpose not in prog["purposes"]:
        raise AdvisorError(f"目的（purpose）は {' / '.join(prog['purposes'])} のいずれかです: {purpose!r}")
    b = get_body(body)
    fy = FiscalYear.parse(year).year
    f = find_field(field_text)
    requester = "prefecture" if b.is_prefecture else "municipality"
    reasons: list[str] = []
    alternatives: list[str] = []
    if f.get("since") is not None and int(f["since"]) > fy:
        reasons.append(
            f"支援分野「{f['name']}」は{FiscalYear(int(f['since'])).wareki()}から（{FiscalYear(fy).wareki()}は対象外）"
        )
        return Recommendation(b.code, b.name, fy, f, purpose, None, False, reasons)
    chosen: dict[str, Any] | None = None
    for mode in prog["modes"]:
        if purpose not in mode["purposes"]:
            continue
        if requester not in mode["requester_kinds"]:
            alternatives.append(
                f"{mode['name']}は{mode['dispatched_to']}への派遣です（{mode['description']}）。都道府県に開催を相談してください"
            )
            continue
        chosen = mode
        break
    assert chosen is not None, "advice mode accepts every purpose and requester (data file)"
    reasons.append(f"{chosen['name']}: {chosen['description']}")
    if chosen.get("initiated_by"):
        reasons.append(f"始まり方: {chosen['initiated_by']}")
    if chosen["id"] == "task_achievement":
        alternatives.append("課題達成支援事業は事業実施者からの個別の要請で始まるため、まず課題対応アドバイス事業に申し込むこともできます")
    reasons.append(prog["programme"]["cost_note"])
    return Recommendation(b.code, b.name, fy, f, purpose, chosen, True, reasons, alternatives)


def print_recommendation(rec: Recommendation) -> None:
    from kouiki.cli_common import console

    console.print(f"[bold]{rec.body_name}[/]（{FiscalYear(rec.fiscal_year).wareki()}）支援分野: {rec.field['name']}")
    if rec.mode is None:
        console.print("[red]派遣の対象外[/]")
    else:
        console.print(f"推奨する方法: [bold green]{rec.mode['name']}[/]（{rec.mode['dispatched_to']}へ派遣）")
    for r in rec.reasons:
        console.print(f"・{r}")
    for a in rec.alternatives:
        console.print(f"[dim]参考: {a}[/]")
