from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kouiki.facilities.indicators import (
    FacilityNotFound,
    depreciation_ratio,
    find_facility,
    floor_area,
    karte,
    per_capita,
)
from kouiki.facilities.model import Building, Facility, Inventory, MajorCategory
from kouiki.facilities.renewal import project
from kouiki.reference import get
from kouiki.reports.charts import ChartError, floor_area_by_year_chart, renewal_chart

S = MajorCategory.SCHOOL_EDUCATION
C = MajorCategory.CIVIC_CULTURE


def inv() -> Inventory:
    return Inventory(
        [
            Facility("a", "293628", "三宅小学校", S, buildings=(Building("1", Decimal("3000"), 1975), Building("2", Decimal("500.5"), 1990)),
                     acquisition_cost_yen=1_000_000_000, accumulated_depreciation_yen=600_000_000),
            Facility("b", "293628", "公民館", C, floor_area_m2=Decimal("800"), built_year=1981, imputed={"floor_area_m2": "仮定"},
                     acquisition_cost_yen=200_000_000, accumulated_depreciation_yen=150_000_000,
                     yearly={2022: {"annual_users": 10_000, "operating_cost_yen": 12_000_000, "revenue_yen": 1_200_000},
                             2023: {"annual_users": 8_000, "operating_cost_yen": 12_500_000, "revenue_yen": 1_000_000}}),
            Facility("c", "292044", "広場", MajorCategory.PARK, extra={"no_floor_area_reason": "屋外の場所（建物がないため延床面積なし）"}),
            Facility("d", "292044", "天理市民会館", C, floor_area_m2=Decimal("3000"), built_year=None),
        ]
    )


def test_floor_area_tables() -> None:
    fa = floor_area(inv())
    assert fa.total_m2 == Decimal("7300.5")
    assert fa.imputed_m2 == Decimal("800")
    assert fa.by_category == {"市民文化系施設": Decimal("3800"), "学校教育系施設": Decimal("3500.5")}
    assert fa.by_built_year[1975] == {"学校教育系施設": Decimal("3000")}
    assert fa.old_seismic_m2 == Decimal("3800")  # 1975 + 1981
    assert fa.new_seismic_m2 == Decimal("500.5")
    assert fa.unknown_year_m2 == Decimal("3000")
    assert fa.excluded == [{"facility_id": "c", "name": "広場", "reason": "屋外の場所（建物がないため延床面積なし）"}]
    d = fa.to_dict()
    assert d["seismic"]["old_share_percent"] == "88.4"  # 3800 / 4300.5


def test_per_capita_uses_census_population() -> None:
    pc = per_capita(inv())
    miyake = get("293628").population(2020)
    assert miyake is not None
    row = pc["by_municipality"]["293628"]
    assert row["population"] == miyake
    assert row["m2_per_person"] == str((Decimal("4300.5") / miyake).quantize(Decimal("0.01")))
    assert pc["note"] == "延床面積に推計値を含みます"


def test_depreciation_ratio() -> None:
    d = depreciation_ratio(inv())
    assert d["ratio_percent"] == "62.5"  # 750,000,000 / 1,200,000,000
    assert d["by_municipality"]["293628"]["acquisition_cost_yen"] == 1_200_000_000
    assert {e["facility_id"] for e in d["excluded"]} == {"c", "d"}


def test_karte_unit_costs_and_recovery_rate() -> None:
    f = find_facility(inv(), "公民館")
    k = karte(f, 2025)
    assert k["age_years"] == 44 and k["seismic"] == "旧耐震"
    y22, y23 = k["figures"]
    assert y22["cost_per_user_yen"] == "1200"  # 12,000,000 / 10,000
    assert y22["cost_per_m2_yen"] == "15000"  # 12,000,000 / 800
    assert y22["cost_recovery_percent"] == "10.0"
    assert y23["cost_per_user_yen"] == "1563"  # 1562.5 rounded half up
    assert k["depreciation_ratio_percent"] == "75.0"
    assert k["imputed"] == {"floor_area_m2": "仮定"}
    with pytest.raises(FacilityNotFound):
        find_facility(inv(), "図書館")


def test_charts_are_written_as_png_and_svg(tmp_path: Path) -> None:
    r = project(inv(), 2025, 40, recent_investment_yen=[100_000_000] * 5)
    png = renewal_chart(r, tmp_path / "r.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = renewal_chart(r, tmp_path / "r.svg", stack="category")
    assert svg.read_text("utf-8").lstrip().startswith("<?xml")
    fa = floor_area_by_year_chart(floor_area(inv()), tmp_path / "fa.png")
    assert fa.stat().st_size > 10_000
    with pytest.raises(ChartError):
        renewal_chart(r, tmp_path / "r.pdf")


def test_font_is_bundled_and_registered() -> None:
    from kouiki.reports.fonts import font_path, register_matplotlib

    assert font_path().exists()
    assert (font_path().parent / "LICENSE-BIZUDGothic.txt").exists()
    assert register_matplotlib() == "BIZ UDPGothic"
