"""The kouiki inventory template (CSV/XLSX): one row per facility, or one per building (棟) with a
``facility_id`` to group by. Columns are matched by name; Japanese headers are aliases
(the layout is documented in ``docs/facilities.md``, section 1; nothing is read from outside the package)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kouiki.facilities.classify import CategoryError, classify, parse_category
from kouiki.facilities.importers.common import (
    ImportReport,
    InventoryImportError,
    Progress,
    Table,
    ValueProblem,
    cell,
    code_from_filename,
    match_columns,
    parse_date,
    parse_decimal,
    parse_int,
    read_table,
    start_report,
    text_or_none,
    tick,
)
from kouiki.facilities.model import BOUNDS, Building, Facility, Inventory, MajorCategory
from kouiki.reference import codes
from kouiki.reference.errors import CodeError

ALIASES: dict[str, tuple[str, ...]] = {
    "facility_id": ("施設ID", "施設番号", "施設コード", "id", "NO", "ID"),
    "building_id": ("棟ID", "棟番号", "建物番号", "棟"),
    "municipality_code": ("団体コード", "全国地方公共団体コード", "市区町村コード", "都道府県コード又は市区町村コード", "code"),
    "name": ("施設名", "施設名称", "名称"),
    "category": ("大分類", "施設大分類", "施設類型", "類型"),
    "subcategory": ("中分類", "施設中分類"),
    "floor_area_m2": ("延床面積", "延床面積㎡", "延床面積m2", "延べ床面積", "延床面積(㎡)", "floor_area"),
    "built_year": ("建築年度", "建築年", "建設年度", "竣工年度", "建築年月日", "built_year"),
    "lat": ("緯度", "latitude"),
    "lon": ("経度", "longitude", "lng"),
    "capacity": ("定員", "収容人数"),
    "annual_users": ("年間利用者数", "利用者数", "延べ利用者数"),
    "annual_operating_cost_yen": ("年間運営費", "維持管理費", "運営費", "年間維持管理費"),
    "annual_revenue_yen": ("使用料収入", "利用料金収入", "年間収入"),
    "fee_yen": ("使用料", "利用料", "料金"),
    "structure": ("構造",),
    "owner": ("所有", "所有形態", "所有者"),
    "address": ("所在地", "住所", "所在地_連結表記"),
    "acquisition_cost_yen": ("取得価額", "取得価額等"),
    "accumulated_depreciation_yen": ("減価償却累計額",),
    "imputed": ("推計項目", "補完項目"),
}
REQUIRED = ("name",)


@dataclass
class _Group:
    first_row: int
    facility: dict[str, Any]
    buildings: list[Building] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


def parse_imputed(text: str) -> dict[str, str]:
    """``floor_area_m2=中分類の標準規模; built_year=…`` → dict (the template's 推計項目 column)."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        key, _, rule = part.partition("=")
        out[key.strip()] = rule.strip() or "推計値"
    return out


def format_imputed(imputed: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(imputed.items()))


def import_template(
    path: Path | str,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    default_code: str | None = None,
    strict: bool = False,
) -> tuple[Inventory, ImportReport]:
    """Import a kouiki template file. Rejected rows are listed in the report; ``strict`` refuses the file."""
    from kouiki.facilities.importers.common import known_headers

    path = Path(path)
    table = read_table(path, sheet, encoding, known_headers(ALIASES))
    return import_template_table(table, path, default_code=default_code, strict=strict)


def import_template_table(
    table: Table, path: Path, *, default_code: str | None = None, strict: bool = False, progress: Progress | None = None
) -> tuple[Inventory, ImportReport]:
    report = start_report(table, path, "template", ALIASES)
    idx, cols, unmatched = match_columns(table.header, ALIASES)
    report.columns, report.unmatched_columns = cols, unmatched
    missing = [f for f in REQUIRED if f not in idx]
    if missing:
        raise InventoryImportError(
            f"{path.name}: 必須の列「{'」「'.join(ALIASES[f][0] for f in missing)}」がありません"
            f"（{table.header_row}行目の見出し: {', '.join(h for h in table.header if h)[:300]}）。"
            "kouiki facilities template の施設台帳テンプレートの見出しを使ってください", report
        )
    fallback = default_code or code_from_filename(path)
    if "municipality_code" not in idx and not fallback:
        raise InventoryImportError(
            f"{path.name}: 団体コードの列（municipality_code）がなく、ファイル名や指定からも分かりません", report
        )
    groups: dict[str, _Group] = {}
    for lineno, cells in table.rows:
        report.rows_read += 1
        tick(progress, report.rows_read, len(table.rows))
        row = _read_row(cells, idx, cols, lineno, report, fallback)
        if row is None:
            continue
        fid = row.pop("facility_id") or f"{row['municipality_code']}-{lineno}"
        bid = row.pop("building_id")
        building = Building(
            building_id=bid or f"{fid}-{lineno}",
            floor_area_m2=row["floor_area_m2"],
            built_year=row["built_year"],
            structure=row["structure"],
            acquisition_cost_yen=row["acquisition_cost_yen"],
            accumulated_depreciation_yen=row["accumulated_depreciation_yen"],
            imputed={k: v for k, v in row["imputed"].items() if k in ("floor_area_m2", "built_year")},
        )
        g = groups.get(fid)
        if g is None:
            groups[fid] = _Group(lineno, row, [building], [lineno])
            continue
        if g.facility["municipality_code"] != row["municipality_code"]:
            report.reject(lineno, cols.get("municipality_code"), f"施設ID {fid} の団体コードが{g.first_row}行目と異なります", row["municipality_code"])
            continue
        g.buildings.append(building)
        g.rows.append(lineno)
    facilities = [_facility(fid, g, path) for fid, g in groups.items()]
    report.facilities = len(facilities)
    if strict and report.rejected:
        raise InventoryImportError(
            f"{path.name}: {report.rows_rejected}行に誤りがあるため取り込みません（最初: {report.rejected[0].text(path.name)}）",
            report,
        )
    return Inventory(facilities, sources=[path.name]), report


def _read_row(
    cells: list[Any], idx: dict[str, int], cols: dict[str, str], lineno: int, report: ImportReport, fallback: str | None
) -> dict[str, Any] | None:
    def raw(f: str) -> Any:
        return cell(cells, idx.get(f))

    ok = True
    out: dict[str, Any] = {}
    name = text_or_none(raw("name"))
    if not name:
        report.reject(lineno, cols.get("name"), "施設名が空です")
        return None
    out["name"] = name
    code_raw = text_or_none(raw("municipality_code"))
    try:
        if code_raw:
            out["municipality_code"] = codes.normalize(code_raw)
        elif fallback:
            out["municipality_code"] = codes.normalize(fallback)
        else:
            report.reject(lineno, cols.get("municipality_code"), "団体コードが空です", field_name="municipality_code")
            return None
    except CodeError as exc:
        report.reject(lineno, cols.get("municipality_code"), str(exc), code_raw)
        return None
    out["facility_id"] = text_or_none(raw("facility_id"))
    out["building_id"] = text_or_none(raw("building_id"))
    cat_raw = text_or_none(raw("category"))
    sub = text_or_none(raw("subcategory"))
    if cat_raw:
        try:
            out["category"] = parse_category(cat_raw)
        except CategoryError as exc:
            report.reject(lineno, cols.get("category"), str(exc), cat_raw)
            ok = False
        out["classified_by"] = None
    else:
        c = classify(name)
        out["category"] = c.category
        sub = sub or c.subcategory
        out["classified_by"] = c.rule
        report.warn(lineno, cols.get("category"), f"大分類が空のため名称から「{c.category.value}」と判定しました")
    out["subcategory"] = sub
    for f, what, kind in (
        ("floor_area_m2", "延床面積", "dec"),
        ("lat", "緯度", "dec"),
        ("lon", "経度", "dec"),
        ("capacity", "定員", "int"),
        ("annual_users", "年間利用者数", "int"),
        ("annual_operating_cost_yen", "年間運営費", "int"),
        ("annual_revenue_yen", "使用料収入", "int"),
        ("fee_yen", "使用料", "int"),
        ("acquisition_cost_yen", "取得価額", "int"),
        ("accumulated_depreciation_yen", "減価償却累計額", "int"),
    ):
        try:
            out[f] = parse_decimal(raw(f), what) if kind == "dec" else parse_int(raw(f), what)
        except ValueProblem as exc:
            report.reject(lineno, cols.get(f), str(exc), raw(f))
            ok = False
            out[f] = None
    try:
        pd = parse_date(raw("built_year"), "建築年度")
        out["built_year"] = pd.fiscal_year() if pd else None
    except ValueProblem as exc:
        report.reject(lineno, cols.get("built_year"), str(exc), raw("built_year"))
        ok = False
        out["built_year"] = None
    for f, bound in BOUNDS.items():  # the one range schema (kouiki.facilities.model.BOUNDS)
        v = out.get(f)
        reason = bound.problem(v)
        if reason:
            if f in ("lat", "lon"):
                reason = f"{bound.label}が日本の範囲外です（{bound.low}〜{bound.upper()}）"
            report.reject(lineno, cols.get(f), reason, raw(f))
            ok = False
    out["structure"] = text_or_none(raw("structure"))
    out["owner"] = text_or_none(raw("owner"))
    out["address"] = text_or_none(raw("address"))
    imp = text_or_none(raw("imputed"))
    out["imputed"] = parse_imputed(imp) if imp else {}
    out["row"] = lineno
    return out if ok else None


def _facility(fid: str, g: _Group, path: Path) -> Facility:
    r = g.facility
    imputed = dict(r["imputed"])
    extra: dict[str, Any] = {}
    if r.get("classified_by"):
        extra["classified_by"] = r["classified_by"]
    floor = r["floor_area_m2"]
    built = r["built_year"]
    buildings: tuple[Building, ...] = ()
    acq, dep = r["acquisition_cost_yen"], r["accumulated_depreciation_yen"]
    if len(g.buildings) > 1:
        buildings = tuple(g.buildings)
        areas = [b.floor_area_m2 for b in buildings]
        floor = sum((a for a in areas if a is not None), Decimal(0)) if any(a is not None for a in areas) else None
        years = [b.built_year for b in buildings if b.built_year is not None]
        built = min(years) if years else None  # 施設の建築年度 = 最も古い棟
        acqs = [b.acquisition_cost_yen for b in buildings if b.acquisition_cost_yen is not None]
        deps = [b.accumulated_depreciation_yen for b in buildings if b.accumulated_depreciation_yen is not None]
        acq = sum(acqs) if acqs else None
        dep = sum(deps) if deps else None
        for b in buildings:
            for k, v in b.imputed.items():
                imputed.setdefault(k, v)
        extra["building_rows"] = g.rows
    cat: MajorCategory = r["category"]
    return Facility(
        facility_id=fid,
        municipality_code=r["municipality_code"],
        name=r["name"],
        category=cat,
        subcategory=r["subcategory"],
        floor_area_m2=floor,
        built_year=built,
        lat=float(r["lat"]) if r["lat"] is not None else None,
        lon=float(r["lon"]) if r["lon"] is not None else None,
        capacity=r["capacity"],
        annual_users=r["annual_users"],
        annual_operating_cost_yen=r["annual_operating_cost_yen"],
        annual_revenue_yen=r["annual_revenue_yen"],
        fee_yen=r["fee_yen"],
        structure=r["structure"],
        owner=r["owner"],
        acquisition_cost_yen=acq,
        accumulated_depreciation_yen=dep,
        imputed=imputed,
        source=path.name,
        extra=extra,
        address=r["address"],
        buildings=buildings,
        source_row=g.first_row,
    )


TEMPLATE_COLUMNS = (
    "facility_id", "building_id", "municipality_code", "name", "category", "subcategory", "floor_area_m2",
    "built_year", "lat", "lon", "capacity", "annual_users", "annual_operating_cost_yen", "annual_revenue_yen",
    "fee_yen", "structure", "owner", "address", "acquisition_cost_yen", "accumulated_depreciation_yen", "imputed",
)


def template_rows(inventory: Inventory) -> list[dict[str, Any]]:
    """The inventory as template rows: one per facility, or one per 棟 when a facility has buildings."""
    rows: list[dict[str, Any]] = []
    for f in inventory.facilities:
        base: dict[str, Any] = {
            "facility_id": f.facility_id,
            "building_id": "",
            "municipality_code": f.municipality_code,
            "name": f.name,
            "category": f.category.value,
            "subcategory": f.subcategory or "",
            "floor_area_m2": "" if f.floor_area_m2 is None else str(f.floor_area_m2),
            "built_year": "" if f.built_year is None else f.built_year,
            "lat": "" if f.lat is None else f.lat,
            "lon": "" if f.lon is None else f.lon,
            "capacity": f.capacity if f.capacity is not None else "",
            "annual_users": f.annual_users if f.annual_users is not None else "",
            "annual_operating_cost_yen": f.annual_operating_cost_yen if f.annual_operating_cost_yen is not None else "",
            "annual_revenue_yen": f.annual_revenue_yen if f.annual_revenue_yen is not None else "",
            "fee_yen": f.fee_yen if f.fee_yen is not None else "",
            "structure": f.structure or "",
            "owner": f.owner or "",
            "address": f.address or "",
            "acquisition_cost_yen": f.acquisition_cost_yen if f.acquisition_cost_yen is not None else "",
            "accumulated_depreciation_yen": f.accumulated_depreciation_yen if f.accumulated_depreciation_yen is not None else "",
            "imputed": format_imputed(f.imputed),
        }
        if not f.buildings:
            rows.append(base)
            continue
        for b in f.buildings:
            rows.append(
                base
                | {
                    "building_id": b.building_id,
                    "floor_area_m2": "" if b.floor_area_m2 is None else str(b.floor_area_m2),
                    "built_year": "" if b.built_year is None else b.built_year,
                    "structure": b.structure or "",
                    "acquisition_cost_yen": b.acquisition_cost_yen if b.acquisition_cost_yen is not None else "",
                    "accumulated_depreciation_yen": b.accumulated_depreciation_yen if b.accumulated_depreciation_yen is not None else "",
                    "imputed": format_imputed(b.imputed or f.imputed),
                }
            )
    return rows


def write_template_csv(inventory: Inventory, path: Path | str, encoding: str = "cp932") -> Path:
    """Write the inventory in the kouiki template (CSV; CP932 by default for Excel on Windows, or utf-8-sig)."""
    import csv

    from kouiki.reference.cellsafe import csv_dict  # a name like =HYPERLINK(…) stays text in Excel

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, errors="strict", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(TEMPLATE_COLUMNS))
        w.writeheader()
        for row in template_rows(inventory):
            w.writerow(csv_dict(row))
    return path
