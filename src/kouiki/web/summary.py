"""What pages of several capabilities show alike, declared once: dates in 和暦, the current 年度 and a region's
summary line (its name, 中心市, members, population, 中心市宣言). The region pages, 圏域形成 and the fiscal
and facility pages all read these; none of them imports another's views for it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kouiki.reference.calendar import FiscalYear
from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Region

# How sure a dated national count is (reference/data/regions/national_status.yaml: confirmed / weak / gap): its
# words on the pages; the JSON keeps the code.
FACT_CONFIDENCE = {"confirmed": "確認済（公的資料・団体の公表）", "weak": "参考（報道・ブログ等）", "gap": "不明"}


def fact_confidence(tag: Any) -> str:
    return FACT_CONFIDENCE.get(str(tag), str(tag)) if tag else "—"


def wareki_date(d: dt.date | None) -> str:
    if d is None:
        return "不明"
    from kouiki.reference.calendar import wareki_date as _w

    return _w(d)


def current_fiscal_year(today: dt.date | None = None) -> FiscalYear:
    return FiscalYear.of_date(today or dt.date.today())


def region_summary(region: Region) -> dict[str, Any]:
    return {"id": region.id, "name": region.name, "display_name": region.display_name,
            "framework": region.framework.value, "type": region.type.value,
            "central": [registry().by_code(c).name for c in region.central],
            "members": len(region.members), "population_2020": region.population(2020),
            "declaration_date": None if region.declaration_date is None else region.declaration_date.isoformat(),
            "declaration_wareki": wareki_date(region.declaration_date)}
