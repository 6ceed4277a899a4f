"""Eligibility gates of the 定住自立圏 measures: "may this body claim this, in this 年度?" — from the registry.

Pure: the registry is a parameter (default: :func:`kouiki.reference.regions.bundled_regions`), so surfaces can
pass the regions their users stored. Every 定住自立圏 measure asks :func:`teiju_eligibility` before computing an
amount; the answer is ``yes`` / ``no`` / ``unknown`` with the reason in Japanese and the source.

The rules (stated with their sources in ``docs/fiscal.md``「措置を受けられるか（資格の判定）」):

1. **Membership.** The body is a member of a registered 定住自立圏 (framework 定住自立圏) in the 年度. A
   近隣市町村 counts from its 形成協定 date (the 年度 containing it) until its 離脱 date; the 中心市 from the
   first 形成協定 of its region (合併1市圏域: the 形成方針). A member whose 協定 date is not recorded is
   ``unknown``, unless a source bounds it (``agreement_by``, 「遅くとも…までに締結」): then ``yes`` in every 年度
   that begins after that day (in the 年度 containing it ``yes`` with a GAP warning), ``unknown`` before. A 協定 during the 年度 (after 1 April) is ``yes`` with a GAP warning (whether that 年度 is
   paid in full is not in the sources).
2. **Role.** The 中心市 measure only for a 中心市, the 近隣 measure only for a 近隣市町村; the other measures
   for either.
3. **共生ビジョン in force.** A vision whose period covers the 年度 → ``yes``. A vision whose end is not
   recorded counts until the next recorded vision begins (kouiki's rule); the last one with no recorded end
   is ``unknown`` unless it is revised yearly (``revised_yearly``: a rolling plan counts as in force, its
   recorded period being the first edition's). After the last recorded period → ``no``
   (「共生ビジョンの期間（〜令和6年度）外です」). Before the first recorded vision → ``no``, unless that vision
   is a 第2次 or later (then an earlier one exists but is not recorded → ``unknown``).
4. **Several regions.** A body may be in two regions (even across prefectures). It may claim when any of them
   says ``yes``; the caps stay per body (1市町村当たり), so a second region adds no second cap.
5. **Assumed regions.** A plan may declare a region that does not exist yet (``assumed_region``); it applies
   only to bodies in no registered 定住自立圏 and its answers are tagged 「仮定の圏域」.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kouiki.reference.calendar import FiscalYear, wareki_date
from kouiki.reference.errors import KouikiError
from kouiki.reference.regions import (
    Citation,
    Framework,
    Member,
    Region,
    RegionType,
    Role,
    Vision,
    bundled_regions,
)

ASSUMED_TAG = "仮定の圏域"
ROLE_JA = {Role.CENTRAL: "中心市", Role.NEIGHBOR: "近隣市町村"}


class Decision(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


DECISION_JA = {Decision.YES: "対象", Decision.NO: "対象外", Decision.UNKNOWN: "登録では判定できない"}


@dataclass(frozen=True)
class Eligibility:
    """The answer of a gate: the decision, the reason (Japanese), the source, and warnings for the line."""

    decision: Decision
    reason: str
    source: str
    regions: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    assumed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "reason": self.reason,
            "source": self.source,
            "regions": list(self.regions),
            "warnings": list(self.warnings),
            "assumed": self.assumed,
        }


def _wareki(year: int) -> str:
    return FiscalYear(year).wareki()


def _body_name(code: str) -> str:
    from kouiki.reference.municipalities import name_or_code

    return name_or_code(code)


def _cite(region: Region, cit: Citation | None) -> str:
    """A citation as the line shows it (seed: links are not for users)."""
    if cit is None:
        return f"圏域の登録（{region.name}）"
    url = cit.url if cit.url and not str(cit.url).startswith("seed:") else None
    return f"圏域の登録（{region.name}）: {cit.title}" + (f" {url}" if url else "")


def _src(region: Region, what: Any = None) -> str:
    """The source a user can follow: the page title and URL of the fact, else the region's name."""
    cit = getattr(what, "source", None) or getattr(what, "agreement_source", None)
    if cit is None and region.agreement_sources:
        cit = region.agreement_sources[0]
    return _cite(region, cit)


# ---- the registry, indexed ------------------------------------------------------------------------------


@dataclass
class RegionIndex:
    """Members of 定住自立圏 by body code (built once per registry)."""

    regions: tuple[Region, ...]
    by_code: dict[str, list[tuple[Region, Member]]] = field(default_factory=dict)
    assumed: frozenset[str] = frozenset()  # ids of assumed regions

    @classmethod
    def build(cls, regions: Sequence[Region], assumed: Sequence[Region] = ()) -> RegionIndex:
        idx = cls(tuple(regions) + tuple(assumed), assumed=frozenset(r.id for r in assumed))
        for r in idx.regions:
            if r.framework is not Framework.TEIJU:
                continue
            for m in r.members:
                idx.by_code.setdefault(m.code, []).append((r, m))
        return idx


# the index of the bundled registry, rebuilt when the registry is reloaded (bundled_regions.cache_clear())
_BUNDLED: list[tuple[tuple[Region, ...], RegionIndex]] = []


def bundled_index() -> RegionIndex:
    regions = bundled_regions()
    if not _BUNDLED or _BUNDLED[0][0] is not regions:
        _BUNDLED[:] = [(regions, RegionIndex.build(regions))]
    return _BUNDLED[0][1]


def index_of(regions: Sequence[Region] | None, assumed: Sequence[Region] = ()) -> RegionIndex:
    if regions is None and not assumed:
        return bundled_index()
    return RegionIndex.build(bundled_regions() if regions is None else regions, assumed)


# ---- per region ----------------------------------------------------------------------------------------


def _vision_start(v: Vision) -> int | None:
    if v.start_fiscal_year is not None:
        return v.start_fiscal_year
    if v.adopted is not None:
        return FiscalYear.of_date(v.adopted).year
    return None


_ORDINAL = re.compile(r"第([0-9０-９一二三四五六七八九十]+)次")
_KANJI = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _ordinal(title: str) -> int | None:
    m = _ORDINAL.search(title)
    if not m:
        return None
    s = unicodedata.normalize("NFKC", m.group(1))
    if s.isdigit():
        return int(s)
    return _KANJI.get(s)


def _period(v: Vision) -> str:
    """The period as recorded: 令和2年度〜令和6年度, 令和2年度〜, or 令和4年3月31日策定."""
    if v.start_fiscal_year is not None:
        end = _wareki(v.end_fiscal_year) if v.end_fiscal_year is not None else ""
        return f"{_wareki(v.start_fiscal_year)}〜{end}"
    if v.adopted is not None:
        return f"{wareki_date(v.adopted)}策定"
    return "期間不明"


def vision_in_force(region: Region, fiscal_year: int) -> tuple[Decision, str, str, str | None]:
    """Whether a 共生ビジョン of the region is in force in the 年度: (decision, reason, source, note)."""
    fy = fiscal_year
    if not region.visions:
        return Decision.UNKNOWN, f"{region.name}の共生ビジョンが登録にありません", _src(region), None
    for v in region.visions:
        if v.covers(fy):
            return Decision.YES, f"{v.title}（{_period(v)}）の期間内", _src(region, v), None
    dated = sorted(((s, v) for v in region.visions if (s := _vision_start(v)) is not None), key=lambda t: t[0])
    undated = [v for v in region.visions if _vision_start(v) is None]
    started = [(s, v) for s, v in dated if s <= fy]
    if not started:
        if undated:
            return Decision.UNKNOWN, f"{region.name}の共生ビジョンの策定年度が登録にありません", _src(region), None
        v0 = dated[0][1]
        n = _ordinal(v0.title)
        if n is not None and n > 1:
            return (Decision.UNKNOWN, f"{v0.title}（{_period(v0)}）より前の共生ビジョンが登録にありません",
                    _src(region, v0), None)
        return (Decision.NO, f"共生ビジョンの策定（{v0.title}、{_period(v0)}）より前の年度です",
                _src(region, v0), None)
    s, v = started[-1]
    later = [(s2, v2) for s2, v2 in dated if s2 > s]
    if v.end_fiscal_year is not None and v.end_fiscal_year < fy:
        if v.revised_yearly and not later:
            return (Decision.YES, f"{v.title}（{_period(v)}。毎年度改定のため、登録の期間後も有効とみなす: kouiki の規則）",
                    _src(region, v), None)
        return (Decision.NO, f"共生ビジョンの期間（〜{_wareki(v.end_fiscal_year)}）外です（{v.title}）。"
                "次期ビジョンを策定済みなら圏域の登録に追加してください", _src(region, v), None)
    # end not recorded
    if later:  # bounded by its successor (kouiki's rule)
        nxt = later[0][0]
        return (Decision.YES, f"{v.title}（{_period(v)}。終期は登録になく、次の共生ビジョン（{_wareki(nxt)}〜）の前年度まで"
                "とみなす: kouiki の規則）", _src(region, v), None)
    if v.revised_yearly:
        return Decision.YES, f"{v.title}（{_period(v)}、毎年度改定）", _src(region, v), None
    if v.end_fiscal_year is None:
        return (Decision.UNKNOWN, f"{v.title}（{_period(v)}）の計画期間の終わりが登録にありません",
                _src(region, v), None)
    raise AssertionError("unreachable")  # pragma: no cover


def _region_start(region: Region) -> dt.date | None:
    if region.type is RegionType.SINGLE_MERGED and region.formation_policy is not None:
        return region.formation_policy.adopted or region.formation_policy.vote_date
    known = [m.agreement_date for m in region.neighbors() if m.agreement_date is not None]
    return min(known) if known else None


def membership(region: Region, member: Member, fiscal_year: int) -> tuple[Decision, str, str, tuple[str, ...]]:
    """Whether the body is a member of the region in the 年度: (decision, reason, source, warnings)."""
    fy = FiscalYear(fiscal_year)
    name = _body_name(member.code)
    warnings: list[str] = []
    if member.left_date is not None:
        if member.left_date <= fy.start:
            return (Decision.NO, f"{name}は{wareki_date(member.left_date)}に{region.name}を離脱しています",
                    _src(region, member), ())
        if member.left_date <= fy.end:
            warnings.append(f"{name}は{fy.wareki()}の途中（{wareki_date(member.left_date)}）に{region.name}を離脱: "
                            "この年度の措置の扱いは資料で確認できません（不明・GAP）")
    if member.role is Role.CENTRAL:
        start = _region_start(region)
        if start is None:
            return Decision.YES, f"{name}は{region.name}の中心市", _src(region), tuple(warnings)
        what = "形成方針" if region.type is RegionType.SINGLE_MERGED else "最初の形成協定"
    else:
        start = member.agreement_date
        what = "形成協定の締結"
        if start is None and member.agreement_by is not None:
            return _bounded_membership(region, member, fy, name, warnings)
        if start is None:
            return (Decision.UNKNOWN,
                    f"{name}の{region.name}への形成協定の締結日が登録にないため、{fy.wareki()}に構成団体であったか確認できません",
                    _src(region, member), tuple(warnings))
    if start > fy.end:
        return (Decision.NO, f"{name}は{fy.wareki()}には{region.name}の構成団体ではありません"
                f"（{what}は{wareki_date(start)}、{FiscalYear.of_date(start).wareki()}から）", _src(region, member), ())
    if start > fy.start:
        warnings.append(f"{name}は{fy.wareki()}の途中（{wareki_date(start)}）に{region.name}に加わりました（{what}）: "
                        "加入年度の措置の扱い（全額・月割・対象外）は資料で確認できません（不明・GAP）")
    return (Decision.YES, f"{name}は{region.name}の{ROLE_JA[member.role]}（{what} {wareki_date(start)}）",
            _src(region, member), tuple(warnings))


def _bounded_membership(region: Region, member: Member, fy: FiscalYear, name: str,
                        warnings: list[str]) -> tuple[Decision, str, str, tuple[str, ...]]:
    """A neighbour whose 締結日 is unknown but bounded by a source (``agreement_by``): a member in every 年度 that
    begins after the bound; in the 年度 containing it a member too, with a GAP warning (it may have joined during
    that 年度); before it ``unknown`` as for any unknown date. The bound stands on the line as a warning (the
    registry does not know the date: the line says so)."""
    by = member.agreement_by
    assert by is not None
    cit = member.bound_source
    source = _cite(region, cit)
    bound = (f"{name}の{region.name}への協定締結日は不明。遅くとも{wareki_date(by)}"
             f"（出典: {cit.title if cit is not None else region.name}）までに締結")
    if member.agreement_by_note:
        bound += f"（{member.agreement_by_note}）"
    if by > fy.end:
        return (Decision.UNKNOWN, f"{bound}。{fy.wareki()}に構成団体であったかは確認できません", source, tuple(warnings))
    if by >= fy.start:
        warnings.append(f"{bound}。{fy.wareki()}の途中に加わった可能性があります: "
                        "加入年度の措置の扱い（全額・月割・対象外）は資料で確認できません（不明・GAP）")
    else:
        warnings.append(f"{bound}。{fy.wareki()}は構成団体として判定しています")
    return (Decision.YES, f"{name}は{region.name}の{ROLE_JA[member.role]}（{bound}）", source, tuple(warnings))


# ---- the gate -------------------------------------------------------------------------------------------


def _combine(parts: list[tuple[Decision, str, str, tuple[str, ...]]]) -> tuple[Decision, str, str, tuple[str, ...]]:
    """All yes → yes (warnings kept); any no → no (the first reason); else unknown."""
    for d, r, s, _w in parts:
        if d is Decision.NO:
            return d, r, s, ()
    warnings = tuple(w for *_x, ws in parts for w in ws)
    for d, r, s, _w in parts:
        if d is Decision.UNKNOWN:
            return d, r, s, warnings
    return Decision.YES, "。".join(r for _d, r, _s, _w in parts), " / ".join(dict.fromkeys(s for *_a, s, _w in parts)), warnings


def teiju_eligibility(
    code: str,
    fiscal_year: int,
    role: Role | None = None,
    regions: Sequence[Region] | None = None,
    *,
    assumed: Sequence[Region] = (),
    index: RegionIndex | None = None,
) -> Eligibility:
    """May body ``code`` claim a 定住自立圏 measure in 年度 ``fiscal_year`` (as ``role``, or any role)?

    ``regions``: the registry (default: the bundled one); ``assumed``: regions a plan declares for planning,
    consulted only for bodies in no registered 定住自立圏.
    """
    idx = index or index_of(regions, assumed)
    entries = idx.by_code.get(code, [])
    registered = [(r, m) for r, m in entries if r.id not in idx.assumed]
    pool = registered or [(r, m) for r, m in entries if r.id in idx.assumed]
    is_assumed = bool(pool) and not registered
    name = _body_name(code)
    if not pool:
        other = [r.name for r in idx.regions if r.framework is not Framework.TEIJU and any(m.code == code for m in r.members)]
        # a 連携中枢都市圏 member is not a 定住自立圏 member: say where the body is, so the answer is not read as
        # "the registry does not know this body"
        where = f"（{'・'.join(other)}の構成団体ですが、この措置は定住自立圏の措置です）" if other else ""
        return Eligibility(
            Decision.NO,
            f"{name}は登録されたどの定住自立圏にも属していません{where}"
            "（圏域を登録するか、構想中の圏域は計画に assumed_region を記載）",
            "kouiki の圏域登録簿",
        )
    results: list[tuple[Region, Decision, str, str, tuple[str, ...]]] = []
    for region, member in pool:
        if role is not None and member.role is not role:
            results.append((region, Decision.NO,
                            f"{name}は{region.name}の{ROLE_JA[member.role]}です（この措置は{ROLE_JA[role]}が対象）",
                            _src(region, member), ()))
            continue
        mem: tuple[Decision, str, str, tuple[str, ...]]
        vis: tuple[Decision, str, str, tuple[str, ...]]
        if region.id in idx.assumed:
            mem = (Decision.YES, f"{name}は{region.name}（{ASSUMED_TAG}）の{ROLE_JA[member.role]}", "計画の記載（assumed_region）", ())
            vis = _assumed_vision(region, fiscal_year)
        else:
            mem = membership(region, member, fiscal_year)
            d, r, s, note = vision_in_force(region, fiscal_year)
            vis = (d, r, s, (note,) if note else ())
        d, r, s, w = _combine([mem, vis])
        results.append((region, d, r, s, w))
    yes = [t for t in results if t[1] is Decision.YES]
    if yes:
        region, d, r, s, w = yes[0]
        warnings = list(w)
        if len(yes) > 1:
            others = "、".join(t[0].name for t in yes[1:])
            warnings.append(f"{name}は{others}にも属しています: 上限額は団体ごと（1市町村当たり）で、圏域ごとには増えません")
        return Eligibility(Decision.YES, r, s, tuple(t[0].name for t in yes), tuple(warnings), is_assumed)
    unknown = [t for t in results if t[1] is Decision.UNKNOWN]
    if unknown:
        region, d, r, s, w = unknown[0]
        return Eligibility(Decision.UNKNOWN, r, s, (region.name,), tuple(w), is_assumed)
    region, d, r, s, w = results[0]
    reason = r if len(results) == 1 else "；".join(dict.fromkeys(t[2] for t in results))
    return Eligibility(Decision.NO, reason, s, tuple(t[0].name for t in results), (), is_assumed)


def _assumed_vision(region: Region, fiscal_year: int) -> tuple[Decision, str, str, tuple[str, ...]]:
    start = min((s for v in region.visions if (s := _vision_start(v)) is not None), default=None)
    if start is not None and fiscal_year < start:
        return Decision.NO, f"仮定の共生ビジョン（{_wareki(start)}〜）より前の年度です", "計画の記載（assumed_region）", ()
    return Decision.YES, "共生ビジョンを策定すると仮定", "計画の記載（assumed_region）", ()


# ---- assumed regions from a plan ------------------------------------------------------------------------


class AssumedRegionError(KouikiError, ValueError):
    """An ``assumed_region`` entry of a plan that does not describe a region."""


def assumed_regions(meta: Mapping[str, Any]) -> list[Region]:
    """The regions a plan declares for planning (``assumed_region:`` one mapping, or ``assumed_regions:`` a list).

    Each: ``name``, ``central`` (code or name; two for a 複眼型), ``neighbors`` (codes or names), optional
    ``vision_start_fiscal_year`` (the 年度 the 共生ビジョン is assumed to begin; default: every 年度).
    """
    raw: list[Any] = []
    if meta.get("assumed_region") is not None:
        raw.append(meta["assumed_region"])
    more = meta.get("assumed_regions")
    if more is not None:
        if not isinstance(more, list):
            raise AssumedRegionError("assumed_regions は圏域のリストです")
        raw.extend(more)
    out: list[Region] = []
    for i, r in enumerate(raw):
        out.append(_assumed(r, i))
    return out


def _code_of(v: Any) -> str:
    from kouiki.fiscal.plan import FieldSpec, convert

    return str(convert(FieldSpec("code", "code", "団体コード"), v))


def _assumed(raw: Any, i: int) -> Region:
    label = f"assumed_region（{i + 1}番目）"
    if not isinstance(raw, Mapping):
        raise AssumedRegionError(f"{label}: name, central, neighbors の対応表で書いてください")
    extra = set(raw) - {"name", "central", "neighbors", "vision_start_fiscal_year"}
    if extra:
        raise AssumedRegionError(f"{label}: 不明な項目 {sorted(extra)}（name, central, neighbors, vision_start_fiscal_year）")
    try:
        name = str(raw.get("name") or "").strip() or f"仮定の圏域{i + 1}"
        central_raw = raw.get("central")
        if central_raw is None:
            raise AssumedRegionError(f"{label}: central（中心市）がありません")
        centrals = [_code_of(c) for c in (central_raw if isinstance(central_raw, list) else [central_raw])]
        neighbors = [_code_of(c) for c in (raw.get("neighbors") or [])]
        visions = []
        if raw.get("vision_start_fiscal_year") is not None:
            start = FiscalYear.parse(raw["vision_start_fiscal_year"]).year
            visions.append({"title": f"{name}の共生ビジョン（仮定）", "start_fiscal_year": start})
        data = {
            "id": f"assumed-{i + 1}",
            "name": name,
            "type": "compound" if len(centrals) == 2 else "standard",
            "central": centrals,
            "members": [{"code": c, "role": "central"} for c in centrals]
            + [{"code": c, "role": "neighbor"} for c in neighbors],
        }
        region = Region.model_validate(data)
        if visions:
            region = region.model_copy(update={"visions": [Vision.model_validate(v) for v in visions]})
        return region
    except AssumedRegionError:
        raise
    except Exception as exc:  # pydantic ValidationError, CodeError, NotFoundError
        raise AssumedRegionError(f"{label}: {exc}") from exc


Gate = Callable[[str, int, "Role | None"], Eligibility]

# The 定住自立圏 measures and the role each requires (None: 中心市 or 近隣市町村).
TEIJU_MEASURES: dict[str, Role | None] = {
    "comprehensive_central": Role.CENTRAL,
    "comprehensive_neighbor": Role.NEIGHBOR,
    "external_experts": None,
    "regional_revitalization_bond": None,
    "private_fund_bond": None,
    "furusato_loan": None,
    "hospital_clinic_cooperation": None,
    "remote_medicine": None,
}
