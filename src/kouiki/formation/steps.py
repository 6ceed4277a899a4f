"""Recording the next formation step (形成手続) on a region: a pure function over the region document.

The procedure lives in the region registry (:class:`~kouiki.reference.regions.Region`: 中心市宣言, per-member
形成協定 with both councils' votes, 共生ビジョン, 合併1市の形成方針). :func:`record_step` returns a new, validated
:class:`Region` with one more step recorded; the ordering rules (no agreement before the declaration, no vision
before the first agreement …) are the model's own and surface as :class:`StepError` in Japanese.
A step already on record is never overwritten here (corrections go through the region document itself).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Region, RegionType, Role

StepKind = Literal["declaration", "agreement", "vision", "policy"]
STEP_LABELS: dict[str, str] = {"declaration": "中心市宣言", "agreement": "形成協定（近隣市町村）",
                               "vision": "共生ビジョン", "policy": "形成方針（合併1市圏域）"}


class StepError(KouikiError, ValueError):
    """A step that cannot be recorded (field named in Japanese)."""


@dataclass(frozen=True)
class StepInput:
    """One step as the user typed it (dates already parsed)."""

    step: StepKind
    date: dt.date  # 宣言日 / 協定締結日 / ビジョン策定日 / 形成方針の策定日
    member: str | None = None  # agreement: the 近隣市町村 (code or name)
    central_vote_date: dt.date | None = None  # agreement: 中心市議会の議決日; policy: 議決日
    member_vote_date: dt.date | None = None  # agreement: 近隣市町村議会の議決日
    title: str | None = None  # vision: ビジョン名
    start_fiscal_year: int | None = None  # vision
    end_fiscal_year: int | None = None  # vision
    source_title: str | None = None  # 出典
    source_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.__dict__.items()}


def _validation_text(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        msg = str(e.get("msg", "")).removeprefix("Value error, ")
        loc = ".".join(str(x) for x in e.get("loc", ()))
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)


def record_step(region: Region, step: StepInput) -> Region:
    """The region with ``step`` recorded; :class:`StepError` when it does not fit the record."""
    doc = region.model_dump(mode="json")
    source = None
    if step.source_title:
        source = {"title": step.source_title, "url": step.source_url or None}
    elif step.source_url:
        raise StepError("出典: URL だけでなく出典名も入力してください")
    if step.step == "declaration":
        if region.type is RegionType.SINGLE_MERGED:
            raise StepError("手続: 合併1市圏域は中心市宣言ではなく形成方針を記録します")
        if region.declaration_date is not None:
            raise StepError(f"中心市宣言: 既に記録されています（{region.declaration_date.isoformat()}）")
        doc["declaration_date"] = step.date.isoformat()
        if source:
            doc["declaration_source"] = source
    elif step.step == "agreement":
        if not step.member:
            raise StepError("団体: 形成協定を結んだ近隣市町村を選んでください")
        try:
            code = registry().get(step.member.strip()).code
        except KouikiError as exc:
            raise StepError(f"団体: {exc}") from None
        member = next((m for m in doc["members"] if m["code"] == code), None)
        if member is None or member["role"] != Role.NEIGHBOR.value:
            raise StepError(f"団体: {registry().by_code(code).name}（{code}）はこの圏域の近隣市町村ではありません")
        if member.get("agreement_date"):
            raise StepError(f"形成協定: {registry().by_code(code).name} の締結日は既に記録されています（{member['agreement_date']}）")
        member["agreement_date"] = step.date.isoformat()
        if step.central_vote_date:
            member["central_vote_date"] = step.central_vote_date.isoformat()
        if step.member_vote_date:
            member["member_vote_date"] = step.member_vote_date.isoformat()
        if source:
            member["agreement_source"] = source
    elif step.step == "vision":
        if not (step.title or "").strip():
            raise StepError("ビジョン名: 共生ビジョンの名称を入力してください")
        s, e = step.start_fiscal_year, step.end_fiscal_year
        if s is not None and e is not None and e < s:
            raise StepError(f"期間: 終了年度（{e}）が開始年度（{s}）より前です")
        doc["visions"].append({"title": step.title.strip() if step.title else "", "adopted": step.date.isoformat(),
                               "start_fiscal_year": s, "end_fiscal_year": e, "source": source})
    elif step.step == "policy":
        if region.type is not RegionType.SINGLE_MERGED:
            raise StepError("手続: 形成方針は合併1市圏域だけのものです（他の圏域は形成協定を記録します）")
        if region.formation_policy is not None and (region.formation_policy.adopted or region.formation_policy.vote_date):
            raise StepError("形成方針: 既に記録されています")
        policy = dict(doc.get("formation_policy") or {})
        policy.update({"adopted": step.date.isoformat()})
        if step.central_vote_date:
            policy["vote_date"] = step.central_vote_date.isoformat()
        if source:
            policy["source"] = source
        doc["formation_policy"] = policy
    else:
        raise StepError(f"手続: 「{step.step}」は記録できる手続ではありません（declaration / agreement / vision / policy）")
    try:
        return Region.model_validate(doc)
    except ValidationError as exc:
        raise StepError(f"{STEP_LABELS[step.step]}を記録できません: {_validation_text(exc)}") from None


def next_steps(region: Region) -> list[dict[str, Any]]:
    """Which steps can still be recorded (for the form): the declaration, each neighbour without an agreement
    date, the 形成方針, and always a (new) 共生ビジョン."""
    out: list[dict[str, Any]] = []
    if region.type is RegionType.SINGLE_MERGED:
        p = region.formation_policy
        if p is None or not (p.adopted or p.vote_date):
            out.append({"step": "policy", "label": STEP_LABELS["policy"]})
    else:
        if region.declaration_date is None:
            out.append({"step": "declaration", "label": STEP_LABELS["declaration"]})
        pending = [m for m in region.neighbors() if m.agreement_date is None]
        if pending:
            out.append({"step": "agreement", "label": STEP_LABELS["agreement"],
                        "members": [{"code": m.code, "name": registry().by_code(m.code).name} for m in pending]})
    out.append({"step": "vision", "label": STEP_LABELS["vision"]})
    return out
