"""A starter staffing case (たたき台) for a region that has no plan yet, built from the region's own members.

The web's 専門人材 page used to show the 青森県・弘前圏域 demo under any region's title. A region without a saved
plan now starts from its own 都道府県 and members: one 連携協約 (the 都道府県 of the 中心市 as sender, every member
as a party) and no posts, secondments or demand — figures are the officer's to enter, never invented here.
"""

from __future__ import annotations

from typing import Any

from kouiki.reference.calendar import FiscalYear
from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Region


def _full_name(code: str) -> str:
    body = registry().by_code(code)
    return body.name if body.name.startswith(body.prefecture) else f"{body.prefecture}{body.name}"


def starter_case(region: Region, first_year: FiscalYear) -> dict[str, Any]:
    """The case document of a region's たたき台: its members under one 連携協約, three 年度 from ``first_year``."""
    prefecture = registry().by_code(region.central[0]).prefecture
    members = [_full_name(c) for c in region.member_codes()]
    return {
        "title": f"{region.display_name} 専門人材の確保・派遣（たたき台）",
        "years": {"from": first_year.short(), "to": (first_year + 2).short()},
        "agreements": [{
            "id": "K-1",
            "name": f"{prefecture}と{region.display_name}の市町村との専門人材の確保に関する連携協約（案）",
            "parties": [prefecture, *members],
            "sender": prefecture,
        }],
        "posts": [],
        "secondments": [],
        "demand": [],
    }
