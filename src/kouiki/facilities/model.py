"""The facility inventory model shared by importers, the renewal projection, access and scenarios.

One :class:`Facility` per facility (施設); building rows of a 固定資産台帳 are grouped into one by the
importer. Floor area and build year may be unknown (公共施設一覧 files lack them) or imputed; an imputed
field is listed in ``imputed`` with the rule that produced it, so every output can mark it.
"""

from __future__ import annotations

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
