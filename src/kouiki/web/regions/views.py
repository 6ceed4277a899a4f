"""Data of each page, built once and shown three ways: HTML page, JSON twin (``/api/…``) and Excel/CSV.

Thin on purpose: figures come from the reference registry, the store and the capability engines; nothing
here applies a rule (rates, thresholds), it only gathers, sums known figures and marks unknown ones.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import yaml
from sqlalchemy.orm import Session

from kouiki.facilities.model import Facility, facility_to_dict
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Region, Role, national_status, role_label
from kouiki.reports.table import Column, ColumnKind, ReportTable
from kouiki.store.regions import list_regions, region_version
from kouiki.store.scenarios import list_scenarios
from kouiki.web import page_cache
from kouiki.web.inventories import facilities_of, facility_count_of, inventory_names_of
from kouiki.web.summary import current_fiscal_year, fact_confidence, region_summary, wareki_date

MUNICIPALITY_SOURCE = "総務省 全国地方公共団体コード、国勢調査（2015年・2020年）人口（kouiki 同梱の市区町村マスタ）"


def member_rows(region: Region) -> list[dict[str, Any]]:
    out = []
    for m in region.members:
        body = registry().by_code(m.code)
        out.append({
            "code": m.code, "name": body.name, "prefecture": body.prefecture, "kind": body.kind.value,
            "role": m.role.value, "role_label": role_label(region.framework.value, m.role.value),
            "population_2015": body.population_2015, "population_2020": body.population_2020,
            "area_km2": None if body.area_km2 is None else str(body.area_km2),
            "agreement_date": None if m.agreement_date is None else m.agreement_date.isoformat(),
            "agreement_wareki": wareki_date(m.agreement_date) if m.role is Role.NEIGHBOR else "—",
            "lat": body.lat, "lon": body.lon,
        })
    return out


def _sum_known(values: list[int | None]) -> tuple[int, int]:
    """(sum of known values, number unknown)."""
    return sum(v for v in values if v is not None), sum(1 for v in values if v is None)


# The 中心市チェック's kinds (formation engine): what was checked, in words.
CHECK_KINDS = {"standard": "中心市1市の要件", "compound": "複眼型（2市）の要件", "single_merged": "合併1市圏域の要件"}


def regions_list(s: Session) -> dict[str, Any]:
    status = dict(national_status())
    facts = []
    for f in status.get("facts") or []:
        fact = dict(f)
        fact["confidence_label"] = fact_confidence(f.get("confidence"))
        as_of = f.get("as_of")
        fact["as_of_wareki"] = wareki_date(as_of) if isinstance(as_of, dt.date) else str(as_of or "—")
        facts.append(fact)
    status["facts"] = facts
    return {"regions": [region_summary(r) for r in list_regions(s)], "national": status}


def dashboard(s: Session, region: Region, today: dt.date | None = None) -> dict[str, Any]:
    """圏域ダッシュボード: members, formation status, KPIs, facilities and scenarios on record."""
    fy = current_fiscal_year(today)
    members = member_rows(region)
    pop2020, pop2020_unknown = _sum_known([m["population_2020"] for m in members])
    pop2015, pop2015_unknown = _sum_known([m["population_2015"] for m in members])
    areas = [registry().by_code(m["code"]).area_km2 for m in members]
    area = sum((a for a in areas if a is not None), Decimal(0))
    neighbors = region.neighbors()
    agreed = [m for m in neighbors if m.agreement_date is not None]
    facility_count = facility_count_of(s, [m["code"] for m in members])
    vision = region.has_vision(fy.year)
    kpis = [
        {"label": "構成団体数", "value": len(members), "unit": "団体"},
        {"label": "圏域人口（2020年国勢調査）", "value": pop2020 if not pop2020_unknown else None, "unit": "人",
         "note": f"{pop2020_unknown}団体不明" if pop2020_unknown else None},
        {"label": "人口増減（2015→2020）",
         "value": pop2020 - pop2015 if not (pop2020_unknown or pop2015_unknown) else None, "unit": "人"},
        {"label": "圏域面積", "value": str(area.quantize(Decimal("0.01"))), "unit": "km²",
         "note": "一部団体の面積不明" if any(a is None for a in areas) else None},
        {"label": "登録施設数", "value": facility_count, "unit": "施設"},
    ]
    status = [
        {"label": "中心市宣言", "value": wareki_date(region.declaration_date)},
        {"label": "形成協定（近隣市町村）", "value": f"{len(agreed)} / {len(neighbors)} 団体で締結日を確認"},
        {"label": f"共生ビジョン（{fy.wareki()}）",
         "value": {True: "期間内", False: "策定前", None: "記録からは不明"}[vision]},
        {"label": "共生ビジョン", "value": "、".join(
            f"{v.title}（{FiscalYear(v.start_fiscal_year).wareki() if v.start_fiscal_year else '開始不明'}〜"
            f"{FiscalYear(v.end_fiscal_year).wareki() if v.end_fiscal_year else '終了不明'}）" for v in region.visions
        ) or "記録なし"},
        {"label": "連携事業（記録）", "value": f"{len(region.projects)} 件"},
    ]
    return {
        "region": region_summary(region), "version": region_version(s, region.id),
        "fiscal_year": fy.year, "fiscal_year_wareki": fy.wareki(),
        "members": members, "kpis": kpis, "formation_status": status,
        "also_in": [o.model_dump(mode="json") for o in region.also_in],
        "notes": region.notes,
        "scenarios": [{"id": sc.id, "name": sc.name, "version": sc.version} for sc in list_scenarios(s, region.id)],
    }


def region_dashboard(s: Session, region_id: str) -> tuple[Region, dict[str, Any]]:
    """The region and its dashboard with the fiscal summary — cached until the store's next write (the most
    viewed page; see :mod:`kouiki.web.page_cache`). Callers must not modify what they get."""
    from kouiki.web import service
    from kouiki.web.fiscal.views import fiscal_summary

    def build() -> tuple[Region, dict[str, Any]]:
        region = service.region_or_404(s, region_id)
        d = dashboard(s, region)
        d["fiscal_summary"] = fiscal_summary(s, region)
        return region, d

    return page_cache.cached(s, ("dashboard", region_id), build)


def central_check(s: Session, region: Region) -> dict[str, Any]:
    """中心市チェック by the formation engine (rules in its parameter files), with the census figures imported
    into the store overlaid on the bundled ones; plus the neighbour indicators of the members."""
    from kouiki.formation import (
        bundled_census,
        check_central_city,
        check_compound,
        check_single_merged,
        neighbour_indicators,
    )
    from kouiki.reference.regions import RegionType
    from kouiki.store.formation import imported_figures
    from kouiki.web.formation.views import formation_params, rules_file

    census = bundled_census().overlaid(imported_figures(s))
    regions = list_regions(s)
    params = formation_params()  # the user's formation.yaml when present, as the CLI and the 圏域形成 pages
    if region.type is RegionType.COMPOUND:
        result = check_compound(region.central[0], region.central[1], census, params)
    elif region.type is RegionType.SINGLE_MERGED:
        result = check_single_merged(region.central[0], None, census, params)
    else:
        result = check_central_city(region.central[0], census, params)
    members = set(region.member_codes())
    neighbours = [n.to_dict() for n in neighbour_indicators(region.central[0], census, params, regions=regions)
                  if n.body.code in members]
    return {"region": region_summary(region), "check": result.to_dict(),
            "eligible_label": {True: "要件を満たす", False: "要件を満たさない", None: "判定できない（データ不足）"}[result.eligible],
            "kind_label": CHECK_KINDS.get(result.kind, result.kind),
            "neighbours": neighbours, "rules": rules_file(params)}


def facilities_view(s: Session, codes_: list[str], page: int | None = None, size: int = 50) -> dict[str, Any]:
    """The facilities of the bodies; ``page`` (from 1) gives only that page of ``size`` rows (``count`` stays the
    total, ``paging`` says which rows are shown), so a body with 50,000 facilities is not one huge page."""
    inv = facilities_of(s, codes_)
    chosen = inv.facilities
    paging: dict[str, int] | None = None
    if page is not None:
        pages = max(1, -(-len(chosen) // size))
        page = min(max(1, page), pages)
        first = (page - 1) * size
        chosen = chosen[first:first + size]
        paging = {"page": page, "pages": pages, "size": size, "first": first + 1 if chosen else 0,
                  "last": first + len(chosen), "count": len(inv.facilities)}
    return {"facilities": [facility_to_dict(f) | {"municipality_name": registry().by_code(f.municipality_code).name}
                           for f in chosen],
            "count": len(inv.facilities), "sources": inv.sources, "notes": inv.notes,
            "inventories": inventory_names_of(s, codes_), "paging": paging}


# ----- tables for Excel / CSV ----------------------------------------------------------------------------

def regions_table(s: Session) -> ReportTable:
    rows = []
    for r in list_regions(s):
        summ = region_summary(r)
        rows.append([summ["name"], summ["framework"], "・".join(summ["central"]), summ["members"],
                     summ["population_2020"], summ["declaration_date"] and dt.date.fromisoformat(summ["declaration_date"])])
    return ReportTable(
        title="圏域一覧", sheet_name="圏域一覧",
        columns=[Column("圏域名", width=28), Column("枠組み"), Column("中心市", width=20), Column("構成団体数", ColumnKind.INT),
                 Column("人口（2020年）", ColumnKind.INT), Column("中心市宣言日", ColumnKind.DATE)],
        rows=rows, source=f"kouiki 圏域登録簿（各圏域の協定・ビジョンの出典は圏域ごとに記録）; {MUNICIPALITY_SOURCE}",
    )


def members_table(region: Region) -> ReportTable:
    rows = []
    for m in member_rows(region):
        rows.append([m["code"], m["name"], m["kind"], m["role_label"], m["population_2015"], m["population_2020"],
                     None if m["area_km2"] is None else Decimal(m["area_km2"]),
                     None if m["agreement_date"] is None else dt.date.fromisoformat(m["agreement_date"])])
    return ReportTable(
        title=f"{region.name} 構成団体", sheet_name="構成団体",
        columns=[Column("団体コード"), Column("団体名", width=16), Column("区分"), Column("役割"),
                 Column("人口（2015年）", ColumnKind.INT), Column("人口（2020年）", ColumnKind.INT),
                 Column("面積（km²）", ColumnKind.DECIMAL), Column("形成協定締結日", ColumnKind.DATE)],
        rows=rows, source=f"{MUNICIPALITY_SOURCE}; 協定日は圏域登録簿の出典による",
        notes=["形成協定締結日が「不明」の団体は、締結日の出典が未確認です"],
    )


def facilities_table(facilities: list[Facility], title: str) -> ReportTable:
    rows = []
    for f in facilities:
        rows.append([f.municipality_code, registry().by_code(f.municipality_code).name, f.facility_id, f.name,
                     f.category.value, f.subcategory, f.floor_area_m2, f.built_year and FiscalYear(f.built_year).wareki(),
                     f.annual_operating_cost_yen])
    notes = []
    imputed = [f for f in facilities if f.imputed]
    if imputed:
        notes.append(f"推計値を含む施設 {len(imputed)} 件（推計の規則は各施設の推計欄、JSON 出力）")
    return ReportTable(
        title=title, sheet_name="施設一覧",
        columns=[Column("団体コード"), Column("団体名"), Column("施設ID"), Column("施設名", width=30), Column("大分類", width=20),
                 Column("中分類"), Column("延床面積（㎡）", ColumnKind.DECIMAL), Column("建築年度"),
                 Column("年間運営費", ColumnKind.YEN)],
        rows=rows, source="各団体の公共施設一覧（取込ファイル名は施設ごとに記録）", notes=notes,
    )


def example_scenario(s: Session, region_id: str) -> str:
    """A valid starting point built from the region's own inventory: two facilities of one 大分類 into one."""
    from kouiki.web import service

    region = service.region_or_404(s, region_id)
    facilities = service.region_inventory(s, region).facilities
    doc: dict[str, Any] = {"description": "例: 同じ種類の2施設を1施設に集約する", "start_fiscal_year": current_fiscal_year().year,
                           "actions": []}
    by_cat: dict[str, list[Any]] = {}
    for f in facilities:
        by_cat.setdefault(f.category.value, []).append(f)
    for group in by_cat.values():
        bodies = {f.municipality_code for f in group}
        if len(group) >= 2:
            a = group[0]
            b = next((f for f in group[1:] if f.municipality_code != a.municipality_code), group[1]) if len(bodies) > 1 else group[1]
            doc["actions"] = [{"id": "a1", "type": "consolidate", "label": f"{b.name}を{a.name}に集約",
                               "fiscal_year": current_fiscal_year().year + 2, "lead_body": a.municipality_code,
                               "sources": [b.facility_id], "target": a.facility_id}]
            break
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
