"""Facility name → 大分類 / 中分類, by ordered rules kept as data (``parameters/classification.yaml``).

Used by the importers when a file has no 大分類 column (公共施設一覧, GSI shelters) and by the demo
inventories. The rules are heuristics on the name (小学校 → 学校教育系施設, 公民館 → 市民文化系施設 …);
every classification says which rule produced it, so a user can see why and correct the file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from kouiki.facilities.model import MajorCategory
from kouiki.facilities.params import parameter_set
from kouiki.reference.errors import KouikiError
from kouiki.reference.parameters import FileHeader, ParameterSet


class CategoryError(KouikiError, ValueError):
    """A 大分類 that is not one of the 13 categories."""


@dataclass(frozen=True)
class Classification:
    category: MajorCategory  # 大分類
    subcategory: str  # 中分類
    rule: str  # the pattern (or POIコード) that matched, or "default"


@dataclass(frozen=True)
class Exclusion:
    reason: str  # Japanese, e.g. 「都道府県立の施設（市町村の施設ではない）」
    rule: str


def normalize_name(name: str) -> str:
    """NFKC, spaces removed: 「中央公民館　大ホール外」 → 「中央公民館大ホール外」, 「Ｂ＆Ｇ」 → 「B&G」."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


@dataclass(frozen=True)
class _Rules:
    exclude: tuple[tuple[re.Pattern[str], str], ...]
    rules: tuple[tuple[re.Pattern[str], MajorCategory, str], ...]
    default: tuple[MajorCategory, str]
    poi: dict[str, tuple[MajorCategory, str]]


def _rules() -> _Rules:
    return _rules_of(parameter_set())


@cache
def _rules_of(pset: ParameterSet[FileHeader]) -> _Rules:
    raw = pset.tree("classification")
    return _Rules(
        exclude=tuple((re.compile(r["pattern"]), str(r["reason"])) for r in raw["exclude"]),
        rules=tuple(
            (re.compile(r["pattern"]), MajorCategory(r["category"]), str(r["subcategory"])) for r in raw["rules"]
        ),
        default=(MajorCategory(raw["default"]["category"]), str(raw["default"]["subcategory"])),
        poi={
            str(k): (MajorCategory(v["category"]), str(v["subcategory"]))
            for k, v in (raw.get("poi_codes") or {}).items()
        },
    )


def classify(name: str, poi_code: str | None = None) -> Classification:
    """大分類/中分類 of a facility from its POIコード (if known) or its name."""
    r = _rules()
    if poi_code:
        key = unicodedata.normalize("NFKC", poi_code).strip()
        if key in r.poi:
            cat, sub = r.poi[key]
            return Classification(cat, sub, f"POIコード {key}")
    # The kind is what the name says outside brackets: 「避難地倉庫（大富小学校）」 is a 倉庫 near a school, not a
    # school, and 「（旧）福住中学校」 is still a 中学校.
    norm = without_brackets(normalize_name(name))
    for pattern, cat, sub in r.rules:
        if pattern.search(norm):
            return Classification(cat, sub, pattern.pattern)
    return Classification(r.default[0], r.default[1], "default")


_BRACKETS = re.compile(r"\([^()]*\)")


def without_brackets(norm: str) -> str:
    """A normalised name without its bracketed parts (NFKC has already turned （） into ()); 「(旧)」 is read as 旧."""
    return _BRACKETS.sub("", norm.replace("(旧)", "旧"))


def exclusion(name: str) -> Exclusion | None:
    """Why a facility is not a municipal one (県立, 私立, private welfare homes …), or None."""
    norm = normalize_name(name)
    for pattern, reason in _rules().exclude:
        if pattern.search(norm):
            return Exclusion(reason, pattern.pattern)
    return None


_CATEGORY_ALIASES = {
    "市民文化系": MajorCategory.CIVIC_CULTURE,
    "社会教育系": MajorCategory.SOCIAL_EDUCATION,
    "スポーツ・レクリエーション系": MajorCategory.SPORTS_RECREATION,
    "スポーツレクリエーション系施設": MajorCategory.SPORTS_RECREATION,
    "スポーツ・レク系": MajorCategory.SPORTS_RECREATION,
    "産業系": MajorCategory.INDUSTRY,
    "学校教育系": MajorCategory.SCHOOL_EDUCATION,
    "子育て支援": MajorCategory.CHILD_CARE,
    "子育て支援系施設": MajorCategory.CHILD_CARE,
    "保健・福祉": MajorCategory.HEALTH_WELFARE,
    "保健福祉施設": MajorCategory.HEALTH_WELFARE,
    "医療": MajorCategory.MEDICAL,
    "医療系施設": MajorCategory.MEDICAL,
    "行政系": MajorCategory.ADMINISTRATION,
    "公営住宅等": MajorCategory.PUBLIC_HOUSING,
    "公園施設": MajorCategory.PARK,
    "供給処理": MajorCategory.SUPPLY_PROCESSING,
    "その他施設": MajorCategory.OTHER,
}


def parse_category(text: str) -> MajorCategory:
    """A 大分類 written by a user: the exact name, a short form (学校教育系) or the enum name (SCHOOL_EDUCATION)."""
    t = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    for cat in MajorCategory:
        if t in (unicodedata.normalize("NFKC", cat.value), cat.name, cat.name.lower()):
            return cat
    if t in _CATEGORY_ALIASES:
        return _CATEGORY_ALIASES[t]
    for alias, cat in _CATEGORY_ALIASES.items():
        if unicodedata.normalize("NFKC", alias) == t:
            return cat
    known = "、".join(c.value for c in MajorCategory)
    raise CategoryError(f"大分類が不明です: {text!r}（{known} のいずれか）")
