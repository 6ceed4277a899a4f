"""How far the bundled (or stored) registry of 定住自立圏 covers the country, and what is missing by name.

Compares the regions registered with the national figures in ``data/regions/national_status.yaml`` (131 圏域 at
2025-04-01; member totals where a source gives them) and with ``data/regions/known_names.yaml``: regions known by
name (with the page that names them) whose facts are not collected yet. A known name counts as collected when a
registered 定住自立圏 has the same 中心市 (by 全国地方公共団体コード) or the same name.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Citation, Framework, Region, Role, national_status


@dataclass(frozen=True)
class KnownRegion:
    """A 定住自立圏 known by name from a source, whether or not its facts are in the registry."""

    name: str
    central: tuple[str, ...]  # 中心市 codes (6 digits)
    prefecture: str
    source: Citation
    note: str | None = None


@dataclass(frozen=True)
class FactCounts:
    """How many dated facts the registry holds and how many are unknown (null)."""

    declaration_found: int = 0  # 中心市宣言日
    declaration_null: int = 0
    agreement_found: int = 0  # 形成協定の締結日 (neighbours) or 形成方針 (合併1市)
    agreement_null: int = 0
    vision_found: int = 0  # 共生ビジョンの策定日
    vision_null: int = 0


@dataclass(frozen=True)
class RegistryStatus:
    """The registry against the latest national figures."""

    national_as_of: dt.date | None
    national_regions: int | None
    national_member_municipalities: int | None  # 構成市町村（延べ）: the latest figure a source gives
    national_members_as_of: dt.date | None  # its date (older than national_as_of when no newer count is known)
    registered_regions: int
    registered_member_slots: int  # 構成市町村（延べ; a body in two regions counts twice)
    registered_bodies: int  # distinct bodies
    gap: int | None  # national_regions - registered_regions (None when the national figure is unknown)
    missing_known: tuple[KnownRegion, ...]  # known by name, not yet registered
    missing_unnamed: int | None  # the rest of the gap, not known by name
    by_prefecture: dict[str, int] = field(default_factory=dict)  # regions by the 中心市's prefecture
    facts: FactCounts = field(default_factory=FactCounts)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")


@cache
def known_regions() -> tuple[KnownRegion, ...]:
    """The regions named in ``known_names.yaml`` (each with its source)."""
    path = resources.files("kouiki.reference").joinpath("data", "regions", "known_names.yaml")
    if not path.is_file():
        return ()
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh) or {}
    out = []
    for raw in data.get("regions") or []:
        central = tuple(registry().get(c).code for c in raw["central"])
        out.append(KnownRegion(name=raw["name"], central=central, prefecture=registry().by_code(central[0]).prefecture,
                               source=Citation.model_validate(raw["source"]), note=raw.get("note")))
    return tuple(out)


def _latest_national() -> dict[str, Any]:
    facts = [f for f in national_status().get("facts", []) if f.get("regions") is not None]
    return max(facts, key=lambda f: str(f["as_of"])) if facts else {}


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _latest_members() -> tuple[int | None, dt.date | None]:
    facts = [f for f in national_status().get("facts", []) if f.get("member_municipalities") is not None]
    if not facts:
        return None, None
    latest = max(facts, key=lambda f: str(f["as_of"]))
    return latest["member_municipalities"], _date(latest["as_of"])


def fact_counts(regions: Iterable[Region]) -> FactCounts:
    c: Counter[str] = Counter()
    for r in regions:
        c["declaration_found" if r.declaration_date else "declaration_null"] += 1
        for m in r.members:
            if m.role is Role.NEIGHBOR:
                c["agreement_found" if m.agreement_date else "agreement_null"] += 1
        if r.formation_policy is not None:
            known = r.formation_policy.adopted or r.formation_policy.vote_date
            c["agreement_found" if known else "agreement_null"] += 1
        for v in r.visions:
            c["vision_found" if v.adopted else "vision_null"] += 1
    return FactCounts(**c)


def registry_status(regions: Iterable[Region]) -> RegistryStatus:
    """Registered 定住自立圏 against the latest national count, with the known names still missing."""
    teiju = [r for r in regions if r.framework is Framework.TEIJU]
    latest = _latest_national()
    national = latest.get("regions")
    members, members_as_of = _latest_members()
    centrals = {frozenset(r.central) for r in teiju}
    names = {_norm(n) for r in teiju for n in (r.name, r.short_name or "") if n}
    missing = tuple(k for k in known_regions() if frozenset(k.central) not in centrals and _norm(k.name) not in names)
    slots = sum(len(r.members) for r in teiju)
    bodies = len({m.code for r in teiju for m in r.members})
    gap = None if national is None else national - len(teiju)
    by_pref = Counter((registry().by_code(r.central[0]).prefecture_code, registry().by_code(r.central[0]).prefecture)
                      for r in teiju)
    return RegistryStatus(
        national_as_of=_date(latest.get("as_of")),
        national_regions=national,
        national_member_municipalities=members,
        national_members_as_of=members_as_of,
        registered_regions=len(teiju),
        registered_member_slots=slots,
        registered_bodies=bodies,
        gap=gap,
        missing_known=missing,
        missing_unnamed=None if gap is None else max(gap - len(missing), 0),
        by_prefecture={pref: n for (_code, pref), n in sorted(by_pref.items())},
        facts=fact_counts(teiju),
    )


def render_coverage(status: RegistryStatus) -> str:
    """The coverage in Japanese lines (for the CLI and reports): the gap to the national count and the names."""
    from kouiki.reference.calendar import wareki_date

    lines = []
    if status.national_regions is None:
        lines.append(f"登録簿: {status.registered_regions}圏域（全国の圏域数は不明）")
    else:
        when = "" if status.national_as_of is None else f"（{wareki_date(status.national_as_of)}現在）"
        lines.append(f"全国 {status.national_regions}圏域{when}に対し登録 {status.registered_regions}圏域、"
                     f"未登録 {status.gap}圏域（うち名称が分かっているもの {len(status.missing_known)}、名称不明 {status.missing_unnamed}）")
    members = f"構成市町村（延べ）{status.registered_member_slots}・実数 {status.registered_bodies}"
    if status.national_member_municipalities is not None and status.national_members_as_of is not None:
        members += f"（全国の延べ数は {wareki_date(status.national_members_as_of)}現在 {status.national_member_municipalities}。それより新しい数は不明）"
    lines.append(members)
    f = status.facts
    lines.append(f"日付: 中心市宣言 {f.declaration_found}件判明・{f.declaration_null}件不明、協定・形成方針 {f.agreement_found}件判明・"
                 f"{f.agreement_null}件不明、共生ビジョン策定日 {f.vision_found}件判明・{f.vision_null}件不明")
    for n, k in enumerate(status.missing_known, start=1):
        lines.append(f"  未登録 {n}. {k.name}（{k.prefecture}・中心市 {'・'.join(registry().by_code(c).name for c in k.central)}）出典: {k.source.title}")
    return "\n".join(lines)
