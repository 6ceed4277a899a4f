"""The registry model of 定住自立圏 (and 連携中枢都市圏), and the regions bundled with kouiki.

A region has one 中心市 (or two for a 複眼型 region, or one merged city alone: 合併1市圏域), members each
with its own 形成協定 date (agreements are 1対1 between the 中心市 and each neighbour), the 中心市宣言 date,
共生ビジョン periods and the framework. One body may belong to a 定住自立圏 and a 連携中枢都市圏 at once
(all four members of 播磨科学公園都市圏域 are also in 播磨圏域連携中枢都市圏): ``also_in`` records that.

The model is pydantic so user imports (CSV/YAML, the web app) are validated the same way as the bundle.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kouiki.reference import codes
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import AmbiguousError, KouikiError, NotFoundError
from kouiki.reference.municipalities import LATEST_CENSUS_YEAR, Municipality, registry


class Framework(StrEnum):
    TEIJU = "定住自立圏"
    RENKEI = "連携中枢都市圏"


class RegionType(StrEnum):
    STANDARD = "standard"  # one 中心市 and its neighbours
    COMPOUND = "compound"  # 複眼型: two adjacent cities act together as the 中心市
    SINGLE_MERGED = "single_merged"  # 合併1市圏域: one merged city alone, with a 形成方針 instead of 協定


class Role(StrEnum):
    CENTRAL = "central"  # 中心市 (連携中枢都市)
    NEIGHBOR = "neighbor"  # 近隣市町村 (連携市町村)


# The words of each 枠組み for its members, their agreement and the 宣言: every surface (pages, Excel, the CLI and the
# region form, which swaps them in place when its 枠組み select changes) reads them from here.
ROLE_WORDS: dict[str, dict[str, str]] = {
    Framework.TEIJU.value: {Role.CENTRAL.value: "中心市", Role.NEIGHBOR.value: "近隣市町村",
                            "agreement": "形成協定", "declaration": "中心市宣言日"},
    Framework.RENKEI.value: {Role.CENTRAL.value: "連携中枢都市", Role.NEIGHBOR.value: "連携市町村",
                             "agreement": "連携協約", "declaration": "連携中枢都市宣言日"},
}


def role_label(framework: str, role: str) -> str:
    """中心市 / 近隣市町村 in a 定住自立圏, 連携中枢都市 / 連携市町村 in a 連携中枢都市圏 (never the code ``central``)."""
    words = ROLE_WORDS.get(str(framework), ROLE_WORDS[Framework.TEIJU.value])
    return words.get(str(role), words[Role.NEIGHBOR.value])


class Citation(BaseModel):
    """Where a fact was found: the page's title and URL, and the date the page states (公表日・更新日) or, when it
    states none, the date it was read. No fact taken from it may be dated after ``as_of``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    title: str
    url: str | None = None
    as_of: dt.date | None = None


class AgreementAmendment(BaseModel):
    """変更協定: an amendment of one 1対1 形成協定, again voted by both councils."""

    model_config = ConfigDict(extra="forbid")
    date: dt.date | None = None  # 締結日
    central_vote_date: dt.date | None = None  # 中心市議会の議決日
    member_vote_date: dt.date | None = None  # 近隣市町村議会の議決日
    note: str | None = None
    source: Citation | None = None


class Member(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    role: Role
    agreement_date: dt.date | None = None  # 形成協定の締結日 (or 議決日); None = unknown
    agreement_note: str | None = None
    agreement_source: Citation | None = None
    # 遅くともこの日までに締結: when the 締結日 itself is unknown but a source bounds it (「平成28年10月に締結」 → the
    # month's last day; a page dated X that already names the body as a member → X). The latest day the source
    # allows, never a guess; the note says why, the source is where (default: agreement_source).
    agreement_by: dt.date | None = None
    agreement_by_note: str | None = None
    agreement_by_source: Citation | None = None
    left_date: dt.date | None = None
    central_vote_date: dt.date | None = None  # 形成協定の議決日（中心市議会, 地方自治法96条2項）
    member_vote_date: dt.date | None = None  # 形成協定の議決日（当該近隣市町村議会）
    amendments: list[AgreementAmendment] = Field(default_factory=list)  # 変更協定

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, v: Any) -> str:
        return codes.normalize(v)

    @model_validator(mode="after")
    def _bound(self) -> Member:
        by = self.agreement_by
        if by is None:
            return self
        if self.agreement_date is not None and self.agreement_date > by:
            raise ValueError(f"構成団体 {self.code}: 形成協定の締結日（{self.agreement_date.isoformat()}）が"
                             f"「遅くともこの日までに締結」（{by.isoformat()}）より後です")
        src = self.bound_source
        if src is None:
            raise ValueError(f"構成団体 {self.code}: 「遅くともこの日までに締結」（{by.isoformat()}）には出典"
                             "（agreement_by_source または agreement_source）が要ります")
        if src.as_of is not None and by > src.as_of:
            raise ValueError(f"構成団体 {self.code}: 「遅くともこの日までに締結」（{by.isoformat()}）が出典の時点"
                             f"（{src.as_of.isoformat()}）より後です（出典はその日より後のことを示せません）")
        if not self.agreement_by_note:
            raise ValueError(f"構成団体 {self.code}: 「遅くともこの日までに締結」には理由（agreement_by_note）が要ります")
        return self

    @property
    def bound_source(self) -> Citation | None:
        """The source of ``agreement_by``: its own citation, else the member's agreement source."""
        return self.agreement_by_source or self.agreement_source

    @property
    def municipality(self) -> Municipality:
        return registry().by_code(self.code)

    @property
    def joined_fiscal_year(self) -> FiscalYear | None:
        return None if self.agreement_date is None else FiscalYear.of_date(self.agreement_date)


class Vision(BaseModel):
    """共生ビジョン (for 連携中枢都市圏: 都市圏ビジョン)."""

    model_config = ConfigDict(extra="forbid")
    title: str
    adopted: dt.date | None = None
    start_fiscal_year: int | None = None
    end_fiscal_year: int | None = None
    revised_yearly: bool = False
    revisions: list[dt.date] = Field(default_factory=list)
    source: Citation | None = None

    def covers(self, fiscal_year: int) -> bool | None:
        """True/False when the period is known, None when it is not."""
        if self.start_fiscal_year is None or self.end_fiscal_year is None:
            return None
        return self.start_fiscal_year <= fiscal_year <= self.end_fiscal_year


class FormationClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fiscal_year: int
    basis: str
    source: Citation


class VisionRole(StrEnum):
    """The three roles (headings) of a 共生ビジョン / 形成協定 (要綱; 天理市–川西町 協定書 第3条)."""

    LIVING = "生活機能の強化"
    NETWORK = "結びつきやネットワークの強化"
    MANAGEMENT = "圏域マネジメント能力の強化"


# Wordings met in practice → the heading (the seed's 2023+ wording of ③ is 「資源制約に対応するための圏域マネジメント等」).
ROLE_ALIASES: dict[str, VisionRole] = {
    "生活機能の強化": VisionRole.LIVING,
    "生活機能": VisionRole.LIVING,
    "結びつきやネットワークの強化": VisionRole.NETWORK,
    "結びつきネットワークの強化": VisionRole.NETWORK,
    "結びつきやネットワーク": VisionRole.NETWORK,
    "圏域マネジメント能力の強化": VisionRole.MANAGEMENT,
    "圏域マネジメント": VisionRole.MANAGEMENT,
    "資源制約に対応するための圏域マネジメント等": VisionRole.MANAGEMENT,
    "living": VisionRole.LIVING,
    "network": VisionRole.NETWORK,
    "management": VisionRole.MANAGEMENT,
}


def vision_role(text: str) -> VisionRole:
    key = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
    if key in ROLE_ALIASES:
        return ROLE_ALIASES[key]
    raise ValueError(
        f"共生ビジョンの役割「{text}」は {' / '.join(r.value for r in VisionRole)} のいずれかにしてください"
    )


class Project(BaseModel):
    """A project listed in the 共生ビジョン under one of the three roles.

    ``members``: codes of the bodies taking part (empty = the whole region); ``budget_yen``: 年度 (西暦 start
    year) → 事業費 in integer yen, for the fiscal engine to price. ``uses_digital``: デジタル技術の活用
    (promoted by the national strategy).
    """

    model_config = ConfigDict(extra="allow")
    name: str
    role: str  # 生活機能の強化 / 結びつきやネットワークの強化 / 圏域マネジメント(能力の強化)
    field: str | None = None  # 政策分野, e.g. 休日夜間診療所, デマンドバス, 公共施設の集約化
    since_fiscal_year: int | None = None
    uses_digital: bool | None = None
    source: Citation | None = None
    members: list[str] = Field(default_factory=list)
    budget_yen: dict[int, int] = Field(default_factory=dict)

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        vision_role(v)
        return v

    @field_validator("members", mode="before")
    @classmethod
    def _members(cls, v: Any) -> list[str]:
        return [codes.normalize(c) for c in (v or [])]

    @field_validator("budget_yen")
    @classmethod
    def _budget(cls, v: dict[int, int]) -> dict[int, int]:
        for fy, yen in v.items():
            FiscalYear(fy)
            if yen < 0:
                raise ValueError(f"{fy}年度の事業費が負です: {yen}")
        return v

    @property
    def heading(self) -> VisionRole:
        return vision_role(self.role)


class OtherFramework(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    framework: Framework
    central_name: str | None = None
    members_here: list[str] = Field(default_factory=list)
    source: Citation | None = None


class FormationPolicy(BaseModel):
    """定住自立圏形成方針 of a 合併1市圏域 (replaces the 形成協定; voted by the city's council)."""

    model_config = ConfigDict(extra="forbid")
    adopted: dt.date | None = None
    vote_date: dt.date | None = None  # 議決日
    central_area: str | None = None  # 中心地域: the largest former city (人口最大の旧市)
    neighbour_areas: list[str] = Field(default_factory=list)  # 近隣地域: the other former municipalities
    source: Citation | None = None


class Region(BaseModel):
    """One 定住自立圏 (or 連携中枢都市圏)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    short_name: str | None = None
    framework: Framework = Framework.TEIJU
    type: RegionType = RegionType.STANDARD
    central: list[str]
    declaration_date: dt.date | None = None  # 中心市宣言
    declaration_source: Citation | None = None
    members: list[Member]
    agreement_sources: list[Citation] = Field(default_factory=list)
    visions: list[Vision] = Field(default_factory=list)
    formation_claims: list[FormationClaim] = Field(default_factory=list)
    also_in: list[OtherFramework] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    formation_policy: FormationPolicy | None = None  # 合併1市圏域 only

    @field_validator("central", mode="before")
    @classmethod
    def _central(cls, v: Any) -> list[str]:
        return [codes.normalize(c) for c in v]

    @model_validator(mode="after")
    def _consistent(self) -> Region:
        n_central = {RegionType.STANDARD: 1, RegionType.COMPOUND: 2, RegionType.SINGLE_MERGED: 1}[self.type]
        if len(self.central) != n_central:
            raise ValueError(f"{self.name}: 中心市の数が {len(self.central)} です（{self.type.value} は {n_central}）")
        seen: set[str] = set()
        for m in self.members:
            if m.code in seen:
                raise ValueError(f"{self.name}: 構成団体 {m.code} が重複しています")
            seen.add(m.code)
            if m.role is Role.NEIGHBOR and m.code in self.central:
                raise ValueError(f"{self.name}: 構成団体 {m.code} は中心市自身です（中心市は自らと形成協定を結べません）")
            if (m.role is Role.CENTRAL) != (m.code in self.central):
                raise ValueError(f"{self.name}: {m.code} の役割（{m.role.value}）が中心市の指定と一致しません")
        missing = set(self.central) - seen
        if missing:
            raise ValueError(f"{self.name}: 中心市 {sorted(missing)} が構成団体にありません")
        for c in self.central:
            if not registry().by_code(c).kind.is_city:
                raise ValueError(f"{self.name}: 中心市 {c} は市ではありません")
        self._procedure_order()
        return self

    def _procedure_order(self) -> None:
        """中心市宣言 → 形成協定 → 共生ビジョン; 合併1市 has a 形成方針 and no 協定 partners."""
        neighbours = [m for m in self.members if m.role is Role.NEIGHBOR]
        if self.type is RegionType.SINGLE_MERGED and neighbours:
            raise ValueError(f"{self.name}: 合併1市圏域は形成協定を結びません（近隣市町村 {neighbours[0].code} は置けません。形成方針を使います）")
        if self.type is not RegionType.SINGLE_MERGED and self.formation_policy is not None:
            raise ValueError(f"{self.name}: 形成方針（formation_policy）は合併1市圏域だけのものです")
        decl = self.declaration_date
        for m in neighbours:
            for label, d in (("形成協定の締結日", m.agreement_date), ("中心市議会の議決日", m.central_vote_date),
                             ("近隣市町村議会の議決日", m.member_vote_date), ("遅くとも締結の日", m.agreement_by)):
                if decl is not None and d is not None and d < decl:
                    raise ValueError(
                        f"{self.name}: 構成団体 {m.code} の{label}（{d.isoformat()}）が中心市宣言（{decl.isoformat()}）より前です"
                    )
            for a in m.amendments:
                if a.date is not None and m.agreement_date is not None and a.date < m.agreement_date:
                    raise ValueError(
                        f"{self.name}: 構成団体 {m.code} の変更協定（{a.date.isoformat()}）が形成協定（{m.agreement_date.isoformat()}）より前です"
                    )
        if not self.visions:
            return
        if self.type is RegionType.SINGLE_MERGED:
            first_basis = None if self.formation_policy is None else (self.formation_policy.adopted or self.formation_policy.vote_date)
            if self.formation_policy is None:
                raise ValueError(f"{self.name}: 形成方針のない合併1市圏域に共生ビジョンがあります")
        else:
            if not neighbours:
                raise ValueError(f"{self.name}: 形成協定（近隣市町村）がないのに共生ビジョンがあります")
            known = [m.agreement_date for m in neighbours if m.agreement_date is not None]
            first_basis = min(known) if known else None
        if first_basis is None:
            return
        for v in self.visions:
            start = v.adopted or (FiscalYear(v.start_fiscal_year).end if v.start_fiscal_year is not None else None)
            if start is not None and start < first_basis:
                raise ValueError(
                    f"{self.name}: 共生ビジョン「{v.title}」（{start.isoformat()}）が最初の形成協定・形成方針（{first_basis.isoformat()}）より前です"
                )

    # ----- derived ------------------------------------------------------------------------
    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def central_bodies(self) -> list[Municipality]:
        return [registry().by_code(c) for c in self.central]

    def neighbors(self) -> list[Member]:
        return [m for m in self.members if m.role is Role.NEIGHBOR]

    def member_codes(self, on: dt.date | None = None) -> list[str]:
        """Members on a day (a neighbour counts from its agreement date when known)."""
        out = []
        for m in self.members:
            if on is not None and m.role is Role.NEIGHBOR:
                if m.agreement_date is not None and m.agreement_date > on:
                    continue
                if m.left_date is not None and m.left_date <= on:
                    continue
            out.append(m.code)
        return out

    def has_vision(self, fiscal_year: int) -> bool | None:
        """Whether a 共生ビジョン is in force in the 年度: True, False, or None when the records do not say.

        True when a known vision period covers the 年度; False when the 年度 ends before the first known
        vision was adopted (or started); otherwise None (e.g. after the last known period: visions are
        usually renewed, but kouiki does not guess).
        """
        fy = FiscalYear(fiscal_year)
        if any(v.covers(fiscal_year) for v in self.visions):
            return True
        starts = [v.adopted for v in self.visions if v.adopted is not None]
        starts += [FiscalYear(v.start_fiscal_year).start for v in self.visions if v.start_fiscal_year is not None]
        if starts and fy.end < min(starts):
            return False
        return None

    def population(self, census_year: int = LATEST_CENSUS_YEAR) -> int | None:
        total = 0
        for code in self.member_codes():
            p = registry().by_code(code).population(census_year)
            if p is None:
                return None
            total += p
        return total

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["display_name"] = self.display_name
        for m in data["members"]:
            body = registry().by_code(m["code"])
            m["name"] = body.name
            m["prefecture"] = body.prefecture
            m["kind"] = body.kind.value
            m["population_2020"] = body.population_2020
            m["population_2015"] = body.population_2015
        data["population_2020"] = self.population(2020)
        return data


class RegionError(KouikiError, ValueError):
    """A region definition that does not validate (the message names the file and the field)."""


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")


def load_regions(data: dict[str, Any], source: str = "<data>") -> list[Region]:
    """Validate ``{"regions": [...]}`` into Regions; errors name the source, the region and the field."""
    out = []
    for i, raw in enumerate(data.get("regions") or []):
        try:
            out.append(Region.model_validate(raw))
        except Exception as exc:  # pydantic ValidationError or CodeError from a validator
            label = raw.get("name", f"#{i + 1}") if isinstance(raw, dict) else f"#{i + 1}"
            raise RegionError(f"{source}: 圏域 {label} の定義が正しくありません: {exc}") from exc
    return out


# The bundled registry: ``regions.yaml`` (the three regions of the seed deck) and one file per prefecture group
# under ``teiju/`` (定住自立圏) and ``renkei/`` (連携中枢都市圏), read in name order.
REGION_FOLDERS = ("teiju", "renkei")


@cache
def bundled_regions() -> tuple[Region, ...]:
    """The regions shipped with kouiki: the seed deck's three, then every file under teiju/ and renkei/."""
    base = resources.files("kouiki.reference").joinpath("data", "regions")
    files = [("regions.yaml", base.joinpath("regions.yaml"))]
    for folder in REGION_FOLDERS:
        sub = base.joinpath(folder)
        if sub.is_dir():
            files += sorted(
                ((f"{folder}/{f.name}", f) for f in sub.iterdir() if f.name.endswith(".yaml")), key=lambda t: t[0]
            )
    out: list[Region] = []
    seen: dict[str, str] = {}
    for label, path in files:
        with path.open(encoding="utf-8") as fh:
            for region in load_regions(yaml.safe_load(fh) or {}, label):
                if region.id in seen:
                    raise RegionError(f"{label}: 圏域ID {region.id} は {seen[region.id]} にもあります")
                seen[region.id] = label
                out.append(region)
    return tuple(out)


@cache
def national_status() -> dict[str, Any]:
    """Dated national counts (圏域数, 宣言中心市数 …) and the KPI, with sources."""
    path = resources.files("kouiki.reference").joinpath("data", "regions", "national_status.yaml")
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def find_region(query: str, regions: list[Region] | tuple[Region, ...] | None = None) -> Region:
    """A region by id, full name, short name, or an unambiguous part of a name (e.g. 弘前圏域, まほろば)."""
    pool = list(bundled_regions() if regions is None else regions)
    q = _norm(query)
    exact = [r for r in pool if q in (_norm(r.id), _norm(r.name), _norm(r.short_name or ""))]
    if len(exact) == 1:
        return exact[0]
    partial = [r for r in pool if q and (q in _norm(r.name) or q in _norm(r.short_name or "") or q in r.id)]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        names = "、".join(r.name for r in partial)
        raise AmbiguousError(f"「{query}」は複数の圏域に一致します: {names} (ambiguous region name)")
    known = "、".join(r.name for r in pool)
    raise NotFoundError(f"「{query}」に一致する圏域がありません（登録済み: {known}） (no such region)")


def regions_of(code: str | int, regions: list[Region] | tuple[Region, ...] | None = None) -> list[Region]:
    """Every region a body belongs to."""
    code6 = codes.normalize(code)
    pool = bundled_regions() if regions is None else regions
    return [r for r in pool if code6 in r.member_codes()]
