"""The facility inventory model shared by importers, the renewal projection, access and scenarios.

One :class:`Facility` per facility (施設); building rows of a 固定資産台帳 are grouped into one by the
importer. Floor area and build year may be unknown (公共施設一覧 files lack them) or imputed; an imputed
field is listed in ``imputed`` with the rule that produced it, so every output can mark it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class MajorCategory(StrEnum):
    """大分類 of 公共施設等総合管理計画 (domain-facts.md §6.3; 更新費用試算ソフト の13区分)."""

    CIVIC_CULTURE = "市民文化系施設"
    SOCIAL_EDUCATION = "社会教育系施設"
    SPORTS_RECREATION = "スポーツ・レクリエーション系施設"
    INDUSTRY = "産業系施設"
    SCHOOL_EDUCATION = "学校教育系施設"
    CHILD_CARE = "子育て支援施設"
    HEALTH_WELFARE = "保健・福祉施設"
    MEDICAL = "医療施設"
    ADMINISTRATION = "行政系施設"
    PUBLIC_HOUSING = "公営住宅"
    PARK = "公園"
    SUPPLY_PROCESSING = "供給処理施設"
    OTHER = "その他"


@dataclass(frozen=True)
class Building:
    """One 棟 (building) of a facility, as a 固定資産台帳 or a template row with a ``facility_id`` lists it.

    The 更新費用 projection works per building when a facility has them (each 棟 has its own 建築年度).
    """

    building_id: str
    floor_area_m2: Decimal | None = None  # 延床面積
    built_year: int | None = None  # 建築年度 (西暦)
    structure: str | None = None  # 構造 (耐用年数分類)
    acquisition_cost_yen: int | None = None  # 取得価額
    accumulated_depreciation_yen: int | None = None  # 減価償却累計額
    imputed: dict[str, str] = field(default_factory=dict)  # field name → rule that imputed it


@dataclass(frozen=True)
class Facility:
    """One public facility. ``None`` means unknown; money is int yen; areas are Decimal ㎡."""

    facility_id: str
    municipality_code: str  # 6-digit code of the owning body
    name: str
    category: MajorCategory  # 大分類
    subcategory: str | None = None  # 中分類
    floor_area_m2: Decimal | None = None  # 延床面積
    built_year: int | None = None  # 建築年度 (西暦)
    lat: float | None = None
    lon: float | None = None
    capacity: int | None = None
    annual_users: int | None = None
    annual_operating_cost_yen: int | None = None
    annual_revenue_yen: int | None = None
    fee_yen: int | None = None
    structure: str | None = None
    owner: str | None = None
    acquisition_cost_yen: int | None = None  # 取得価額 (固定資産台帳)
    accumulated_depreciation_yen: int | None = None  # 減価償却累計額
    imputed: dict[str, str] = field(default_factory=dict)  # field name → rule that imputed it
    source: str | None = None  # file / dataset the row came from
    extra: dict[str, Any] = field(default_factory=dict)
    # Optional, added by part A (importers); all default to "unknown".
    address: str | None = None  # 住所 / 所在地_連結表記
    kana: str | None = None  # 名称_カナ
    buildings: tuple[Building, ...] = ()  # 棟 rows grouped into this facility (empty: facility-level figures)
    source_row: int | None = None  # first line/row of the source file (1-based, header = 1)
    yearly: dict[int, dict[str, int]] = field(default_factory=dict)  # 年度 → figures (施設カルテ: users, costs…)

    def is_imputed(self, field_name: str) -> bool:
        return field_name in self.imputed


@dataclass
class Inventory:
    """Facilities of one or more bodies, with where they came from."""

    facilities: list[Facility]
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. 「藤崎町: データなし」

    def by_id(self) -> dict[str, Facility]:
        return {f.facility_id: f for f in self.facilities}

    def municipalities(self) -> list[str]:
        return sorted({f.municipality_code for f in self.facilities})


# ---- bounds: the one range schema of every stored figure (CLI, web, API and the store) ----------------

INT64_MAX = 2**63 - 1  # the largest integer a database column (BIGINT) or a spreadsheet export can hold
FLOOR_AREA_MAX_M2 = Decimal(500_000)  # per building (棟); the largest public buildings in Japan are ~100,000 ㎡
EARLIEST_BUILT_YEAR = 1868  # 明治元年: 建築年度 before it is a typing error
_JST = dt.timezone(dt.timedelta(hours=9))


def current_fiscal_year() -> int:
    """The 年度 (西暦 start year) of today in Japan: the latest 建築年度 a building can have."""
    today = dt.datetime.now(_JST).date()
    return today.year if today.month >= 4 else today.year - 1


@dataclass(frozen=True)
class Bound:
    """The allowed range of one figure, with its Japanese name and unit for messages.

    ``low_open``: the lower bound itself is not allowed (延床面積 must be > 0). ``high`` None means "the
    current 年度" (建築年度 cannot be in the future).
    """

    label: str  # Japanese field name
    unit: str
    low: Decimal
    high: Decimal | None
    low_open: bool = False

    def upper(self) -> Decimal:
        return Decimal(current_fiscal_year()) if self.high is None else self.high

    def problem(self, value: Decimal | int | float | None) -> str | None:
        """A Japanese reason when ``value`` is out of range (or not a finite number), else None."""
        if value is None:
            return None
        if isinstance(value, bool):
            return f"{self.label}が数値ではありません"
        d = value if isinstance(value, Decimal) else Decimal(str(value))
        if not d.is_finite():
            return f"{self.label}が数値ではありません"
        unit = self.unit
        if self.low_open and d <= self.low:
            return f"{self.label}は{_num(self.low)}{unit}より大きい値にしてください"
        if d < self.low:
            if self.low == 0:
                return f"{self.label}が負の値です（0以上）"
            return f"{self.label}は{_num(self.low)}{unit}以上にしてください"
        hi = self.upper()
        if d > hi:
            if self.high is None:
                return f"{self.label}が将来の年度です（{_num(hi)}年度まで）"
            return f"{self.label}が大きすぎます（上限 {_num(hi)}{unit}）"
        return None


def _num(d: Decimal) -> str:
    return f"{int(d):,}" if d == d.to_integral_value() else f"{d:,}"


_MONEY = Decimal(INT64_MAX)
BOUNDS: dict[str, Bound] = {
    "floor_area_m2": Bound("延床面積", "㎡", Decimal(0), FLOOR_AREA_MAX_M2, low_open=True),
    "built_year": Bound("建築年度", "年度", Decimal(EARLIEST_BUILT_YEAR), None),
    "lat": Bound("緯度", "度", Decimal(20), Decimal(46)),
    "lon": Bound("経度", "度", Decimal(122), Decimal(154)),
    "capacity": Bound("定員", "人", Decimal(0), _MONEY),
    "annual_users": Bound("年間利用者数", "人", Decimal(0), _MONEY),
    "annual_operating_cost_yen": Bound("年間運営費", "円", Decimal(0), _MONEY),
    "annual_revenue_yen": Bound("使用料収入", "円", Decimal(0), _MONEY),
    "fee_yen": Bound("使用料", "円", Decimal(0), _MONEY),
    "acquisition_cost_yen": Bound("取得価額", "円", Decimal(0), _MONEY),
    "accumulated_depreciation_yen": Bound("減価償却累計額", "円", Decimal(0), _MONEY),
}
"""Field → allowed range. Importers check each cell against it (naming row and column), and
:func:`facility_problems` checks whole facilities before the store saves them, so nothing out of range is stored."""

YEARLY_BOUNDS: dict[str, Bound] = {
    "annual_users": Bound("利用者数", "人", Decimal(0), _MONEY),
    "operating_cost_yen": Bound("運営費", "円", Decimal(0), _MONEY),
    "revenue_yen": Bound("使用料収入", "円", Decimal(0), _MONEY),
    "management_fee_yen": Bound("指定管理料", "円", Decimal(0), _MONEY),
    "utilization_permille": Bound("稼働率", "‰", Decimal(0), Decimal(1000)),
}
"""Figures by 年度 (施設カルテ, ``Facility.yearly``)."""


def check_value(field_name: str, value: Decimal | int | float | None) -> str | None:
    """The Japanese reason ``value`` is out of range for ``field_name`` (a key of :data:`BOUNDS`), else None."""
    return BOUNDS[field_name].problem(value)


MAX_ID_LENGTH = 200  # 施設ID / 棟ID (the store's column width)
MAX_NAME_LENGTH = 300  # 施設名


def facility_problems(f: Facility) -> list[tuple[str, Any, str]]:
    """Every out-of-range figure of a facility and its buildings: (field, value, Japanese reason)."""
    out: list[tuple[str, Any, str]] = []
    if not f.facility_id or len(f.facility_id) > MAX_ID_LENGTH:
        out.append(("facility_id", f.facility_id[:40], f"施設IDは1〜{MAX_ID_LENGTH}文字にしてください"))
    if not f.name.strip() or len(f.name) > MAX_NAME_LENGTH:
        out.append(("name", f.name[:40], f"施設名は1〜{MAX_NAME_LENGTH}文字にしてください"))
    for name, bound in BOUNDS.items():
        value = getattr(f, name)
        if name == "floor_area_m2" and value is not None and f.buildings:
            # a facility's area is the sum of its 棟: the per-building limit applies to each 棟
            bound = Bound(bound.label, bound.unit, bound.low, bound.upper() * len(f.buildings), low_open=True)
        reason = bound.problem(value)
        if reason:
            out.append((name, value, reason))
    for b in f.buildings:
        for name in ("floor_area_m2", "built_year", "acquisition_cost_yen", "accumulated_depreciation_yen"):
            reason = BOUNDS[name].problem(getattr(b, name))
            if reason:
                out.append((name, getattr(b, name), f"棟 {b.building_id}: {reason}"))
    for year, figures in f.yearly.items():
        for name, value in figures.items():
            yb = YEARLY_BOUNDS.get(name)
            reason = yb.problem(value) if yb else None
            if reason:
                out.append((name, value, f"{year}年度: {reason}"))
    return out


# ---- plain-data form (JSON, the store, the web) ---------------------------------------------------


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def building_to_dict(b: Building) -> dict[str, Any]:
    return {
        "building_id": b.building_id,
        "floor_area_m2": None if b.floor_area_m2 is None else str(b.floor_area_m2),
        "built_year": b.built_year,
        "structure": b.structure,
        "acquisition_cost_yen": b.acquisition_cost_yen,
        "accumulated_depreciation_yen": b.accumulated_depreciation_yen,
        "imputed": dict(b.imputed),
    }


def facility_to_dict(f: Facility) -> dict[str, Any]:
    """JSON-safe dict: Decimals as strings, money as int yen, 年度 keys of ``yearly`` as strings."""
    return {
        "facility_id": f.facility_id,
        "municipality_code": f.municipality_code,
        "name": f.name,
        "category": f.category.value,
        "subcategory": f.subcategory,
        "floor_area_m2": None if f.floor_area_m2 is None else str(f.floor_area_m2),
        "built_year": f.built_year,
        "lat": f.lat,
        "lon": f.lon,
        "capacity": f.capacity,
        "annual_users": f.annual_users,
        "annual_operating_cost_yen": f.annual_operating_cost_yen,
        "annual_revenue_yen": f.annual_revenue_yen,
        "fee_yen": f.fee_yen,
        "structure": f.structure,
        "owner": f.owner,
        "acquisition_cost_yen": f.acquisition_cost_yen,
        "accumulated_depreciation_yen": f.accumulated_depreciation_yen,
        "imputed": dict(f.imputed),
        "source": f.source,
        "extra": f.extra,
        "address": f.address,
        "kana": f.kana,
        "buildings": [building_to_dict(b) for b in f.buildings],
        "source_row": f.source_row,
        "yearly": {str(y): v for y, v in f.yearly.items()},
    }


def facility_from_dict(d: dict[str, Any]) -> Facility:
    return Facility(
        facility_id=str(d["facility_id"]),
        municipality_code=str(d["municipality_code"]),
        name=str(d["name"]),
        category=MajorCategory(d["category"]),
        subcategory=d.get("subcategory"),
        floor_area_m2=_dec(d.get("floor_area_m2")),
        built_year=d.get("built_year"),
        lat=d.get("lat"),
        lon=d.get("lon"),
        capacity=d.get("capacity"),
        annual_users=d.get("annual_users"),
        annual_operating_cost_yen=d.get("annual_operating_cost_yen"),
        annual_revenue_yen=d.get("annual_revenue_yen"),
        fee_yen=d.get("fee_yen"),
        structure=d.get("structure"),
        owner=d.get("owner"),
        acquisition_cost_yen=d.get("acquisition_cost_yen"),
        accumulated_depreciation_yen=d.get("accumulated_depreciation_yen"),
        imputed=dict(d.get("imputed") or {}),
        source=d.get("source"),
        extra=dict(d.get("extra") or {}),
        address=d.get("address"),
        kana=d.get("kana"),
        buildings=tuple(
            Building(
                building_id=str(b["building_id"]),
                floor_area_m2=_dec(b.get("floor_area_m2")),
                built_year=b.get("built_year"),
                structure=b.get("structure"),
                acquisition_cost_yen=b.get("acquisition_cost_yen"),
                accumulated_depreciation_yen=b.get("accumulated_depreciation_yen"),
                imputed=dict(b.get("imputed") or {}),
            )
            for b in d.get("buildings") or []
        ),
        source_row=d.get("source_row"),
        yearly={int(y): dict(v) for y, v in (d.get("yearly") or {}).items()},
    )
