"""The staffing model: 連携協約, specialist types, posts, secondments, demand.

Plain frozen dataclasses, parsed and checked by :mod:`kouiki.staffing.io`. Money is ``int`` yen, shares
and FTE are ``Decimal``, 年度 are ``int`` (西暦 start year, 2025 = 令和7年度), bodies are 6-digit codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import yaml

from kouiki.reference.errors import KouikiError

T = TypeVar("T")


class StaffingInputError(KouikiError, ValueError):
    """Bad staffing input; the message names file, record (row/line) and field."""


class EmploymentKind(StrEnum):
    """雇用形態 of a post (seed ※3)."""

    PERMANENT = "permanent"  # 任期の定めのない常勤職員
    FIXED_TERM = "fixed_term"  # 任期付職員
    PART_TIME = "part_time"  # 非常勤職員

    @property
    def label(self) -> str:
        return {"permanent": "常勤（任期の定めなし）", "fixed_term": "任期付", "part_time": "非常勤"}[self.value]


EMPLOYMENT_ALIASES: dict[str, EmploymentKind] = {
    "permanent": EmploymentKind.PERMANENT,
    "常勤": EmploymentKind.PERMANENT,
    "正規": EmploymentKind.PERMANENT,
    "任期の定めのない常勤職員": EmploymentKind.PERMANENT,
    "fixed_term": EmploymentKind.FIXED_TERM,
    "任期付": EmploymentKind.FIXED_TERM,
    "任期付職員": EmploymentKind.FIXED_TERM,
    "part_time": EmploymentKind.PART_TIME,
    "非常勤": EmploymentKind.PART_TIME,
    "非常勤職員": EmploymentKind.PART_TIME,
    "会計年度任用職員": EmploymentKind.PART_TIME,
    "常勤（任期の定めなし）": EmploymentKind.PERMANENT,
}
# The word an officer picks in the Excel 入力様式 (its drop-down list) for each 雇用形態; the other aliases and
# the codes stay accepted.
EMPLOYMENT_WORDS: dict[EmploymentKind, str] = {
    EmploymentKind.PERMANENT: "常勤",
    EmploymentKind.FIXED_TERM: "任期付",
    EmploymentKind.PART_TIME: "非常勤",
}


class SecondmentType(StrEnum):
    """派遣の形態. The values are the fiscal plan's vocabulary (`secondment` field)."""

    AGREEMENT = "agreement"  # 連携協約に基づく派遣（自治法派遣以外）
    LOCAL_AUTONOMY_ACT = "local_autonomy_act"  # 自治法派遣（地方自治法252条の17）

    @property
    def label(self) -> str:
        return {"agreement": "協約派遣", "local_autonomy_act": "自治法派遣"}[self.value]


SECONDMENT_ALIASES: dict[str, SecondmentType] = {
    "agreement": SecondmentType.AGREEMENT,
    "協約": SecondmentType.AGREEMENT,
    "協約派遣": SecondmentType.AGREEMENT,
    "連携協約": SecondmentType.AGREEMENT,
    "local_autonomy_act": SecondmentType.LOCAL_AUTONOMY_ACT,
    "自治法派遣": SecondmentType.LOCAL_AUTONOMY_ACT,
    "地方自治法252条の17": SecondmentType.LOCAL_AUTONOMY_ACT,
}
# The word of each 派遣形態 in the Excel 入力様式 (drop-down list); the other aliases and the codes stay accepted.
SECONDMENT_WORDS: dict[SecondmentType, str] = {
    SecondmentType.AGREEMENT: "協約派遣",
    SecondmentType.LOCAL_AUTONOMY_ACT: "自治法派遣",
}


@dataclass(frozen=True)
class SpecialistType:
    """専門人材の職種 (保健師, 土木 …)."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    description: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Agreement:
    """連携協約 (地方自治法252条の2第1項) between a sender (都道府県等) and receiving 市町村."""

    id: str
    name: str
    parties: tuple[str, ...]  # codes of every party, sender included
    sender: str  # 派遣元 (usually the prefecture)
    basic_policy: str | None  # 基本方針
    role_split: str | None  # 役割分担
    expertise: tuple[str, ...]  # specialist type ids (求められる専門性)
    concluded_on: dt.date | None  # 締結日
    council_votes: dict[str, dt.date] = field(default_factory=dict)  # 議会の議決日 per party
    memorandum: str | None = None  # 協定・覚書 (headcount, period)
    line: str = field(default="", compare=False)  # where it was read (for messages)


@dataclass(frozen=True)
class Post:
    """A specialist post (one person) employed by a body (ポスト)."""

    id: str
    employer: str  # 採用・派遣する団体
    type: str  # SpecialistType.id
    employment: EmploymentKind
    salary_yen: int  # 人件費 per 年度 (給料・手当・共済費等; the amount the employer bears)
    start_year: int
    end_year: int | None = None
    fte: Decimal = Decimal(1)  # 勤務量 (1 = full time)
    main_duty_municipal_support: bool | None = None  # 主な所掌事務が市町村支援業務
    hired_as_specialist: bool | None = None  # 専門職員として採用（又は準じた取扱い）
    recruiting_cost_yen: int = 0  # 募集経費
    recruiting_year: int | None = None  # 年度 of the 募集経費 (default: start_year)
    salary_by_year: dict[int, int] = field(default_factory=dict)  # overrides salary_yen per 年度
    base: str | None = None  # 勤務拠点 (body whose office the person starts from); default employer
    max_receivers: int | None = None  # 担当する団体数の上限 (sharing plan)
    agreement: str | None = None
    name: str | None = None
    line: str = field(default="", compare=False)

    def active(self, year: int) -> bool:
        return self.start_year <= year and (self.end_year is None or year <= self.end_year)

    def salary(self, year: int) -> int:
        return self.salary_by_year.get(year, self.salary_yen)

    @property
    def base_body(self) -> str:
        return self.base or self.employer


@dataclass(frozen=True)
class Secondment:
    """A post's time seconded to a receiving body for a 年度 range (派遣)."""

    post: str
    receiver: str
    share: Decimal  # 勤務量のうち派遣先の割合 (FTE; 0.4 = 2 days a week)
    from_year: int
    to_year: int | None
    type: SecondmentType
    agreement: str | None = None
    contribution_yen: int | None = None  # 負担金 per 年度 paid by the receiver to the sender
    contribution_rate: Decimal | None = None  # or: 負担金 = rate × the share of salary
    proposed: bool = False  # made by the sharing plan, not entered by the user
    line: str = field(default="", compare=False)

    def active(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)


@dataclass(frozen=True)
class Demand:
    """A body's need for a type of specialist (FTE), as entered by users (需要)."""

    body: str
    type: str
    fte: Decimal
    from_year: int | None = None
    to_year: int | None = None
    line: str = field(default="", compare=False)

    def active(self, year: int) -> bool:
        return (self.from_year is None or self.from_year <= year) and (self.to_year is None or year <= self.to_year)


@dataclass(frozen=True)
class PlanDefaults:
    """How proposed secondments are written when the sharing plan creates them."""

    secondment_type: SecondmentType = SecondmentType.AGREEMENT
    contribution_rate: Decimal = Decimal(0)  # 受入団体の負担金 = rate × 人件費の按分額
    agreement: str | None = None


@dataclass(frozen=True)
class StaffingCase:
    """Everything one file holds: 協約, posts, secondments, demand and the 年度 to report."""

    title: str
    years: tuple[int, ...]
    agreements: tuple[Agreement, ...] = ()
    posts: tuple[Post, ...] = ()
    secondments: tuple[Secondment, ...] = ()
    demand: tuple[Demand, ...] = ()
    types: tuple[SpecialistType, ...] = ()
    defaults: PlanDefaults = field(default_factory=PlanDefaults)
    source: str = ""

    def post(self, post_id: str) -> Post:
        for p in self.posts:
            if p.id == post_id:
                return p
        raise StaffingInputError(f"ポスト {post_id!r} がありません (unknown post)")

    def agreement(self, agreement_id: str) -> Agreement:
        for a in self.agreements:
            if a.id == agreement_id:
                return a
        raise StaffingInputError(f"連携協約 {agreement_id!r} がありません (unknown agreement)")

    def type_name(self, type_id: str) -> str:
        for t in self.types:
            if t.id == type_id:
                return t.name
        return type_id


# ---- packaged data ---------------------------------------------------------------------------


def _data_yaml(name: str) -> Any:
    text = resources.files("kouiki.staffing").joinpath("data", name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def rules() -> dict[str, Any]:
    """The staffing rules (``parameters/staffing.yaml``, with the user's overlay) as nested mappings."""
    from kouiki.reference.parameters import current

    return current("staffing").tree("staffing")


@cache
def builtin_types() -> tuple[SpecialistType, ...]:
    """The packaged specialist types (``data/specialist_types.yaml``)."""
    data = _data_yaml("specialist_types.yaml")
    return tuple(
        SpecialistType(
            id=str(t["id"]),
            name=str(t["name"]),
            aliases=tuple(str(a) for a in t.get("aliases") or ()),
            description=t.get("description"),
            source=t.get("source"),
        )
        for t in data["types"]
    )


_TRUE = {"true", "yes", "y", "1", "はい", "○", "〇", "有", "あり", "該当"}
_FALSE = {"false", "no", "n", "0", "いいえ", "×", "無", "なし", "非該当"}
YES, NO = "はい", "いいえ"  # the words of a boolean column in the Excel 入力様式 (drop-down list)


def parse_bool(value: Any) -> bool:
    """はい/いいえ (also ○/×, あり/なし, 該当/非該当, true/false, 1/0)."""
    import unicodedata

    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    key = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise StaffingInputError(f"「{YES}」か「{NO}」で記入してください（○/×、あり/なし も可）: {value!r}")


def _parse_enum(aliases: dict[str, T], words: dict[T, str], what: str) -> Callable[[Any], T]:
    """A parser of a choice: its Japanese word, another Japanese alias or the code. A wrong value is refused
    naming the words of the Excel drop-down list (the codes stay accepted but are not offered)."""
    import unicodedata

    keys = {unicodedata.normalize("NFKC", k).strip(): v for k, v in aliases.items()}

    def parse(value: Any) -> T:
        key = unicodedata.normalize("NFKC", str(value)).strip()
        if key in keys:
            return keys[key]
        raise StaffingInputError(f"{what}は「{'」「'.join(words.values())}」のいずれかで記入してください: {value!r}")

    return parse


parse_employment: Callable[[Any], EmploymentKind] = _parse_enum(EMPLOYMENT_ALIASES, EMPLOYMENT_WORDS, "雇用形態")
parse_secondment_type: Callable[[Any], SecondmentType] = _parse_enum(SECONDMENT_ALIASES, SECONDMENT_WORDS, "派遣形態")


def type_parser(types: tuple[SpecialistType, ...]) -> Callable[[Any], str]:
    """A parser of a 職種 (id, name or alias) → its id; an unknown one is refused naming the known names."""

    def parse(value: Any) -> str:
        t = resolve_type(str(value), types)
        if t is None:
            known = "、".join(t.name for t in types)
            raise StaffingInputError(f"職種が不明です: {value!r}（既知: {known}。新しい職種は YAML の specialist_types に追加）")
        return t.id

    return parse


def resolve_type(text: str, types: tuple[SpecialistType, ...]) -> SpecialistType | None:
    """Find a type by id, name or alias (case and width insensitive)."""
    import unicodedata

    key = unicodedata.normalize("NFKC", str(text)).strip().lower()
    for t in types:
        names = (t.id, t.name, *t.aliases)
        if any(unicodedata.normalize("NFKC", n).strip().lower() == key for n in names):
            return t
    return None


def body_label(code: str) -> str:
    """A body as an input error names it: 「弘前市（022021）」 (the name, and the code the user typed beside it);
    the code alone when no body has it."""
    from kouiki.reference.municipalities import name_or_code

    name = name_or_code(code)
    return name if name == str(code) else f"{name}（{code}）"


def parse_body(value: Any) -> str:
    """A body by 5/6-digit code or name → 6-digit code (checks the check digit and existence).

    Here, not in io.py, so that xlsx.py (which io.py calls to read workbooks) needs no import of io.py."""
    import unicodedata

    from kouiki.reference import codes
    from kouiki.reference.municipalities import get as get_body

    if isinstance(value, int):
        value = str(value).zfill(5 if value < 100000 else 6)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.isdigit():
        code = codes.normalize(text)
        get_body(code)
        return code
    return get_body(text).code
