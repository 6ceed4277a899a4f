"""固定資産台帳 (統一的な基準による地方公会計) export → facility inventory.

A 台帳 lists assets, not facilities: one row per 棟, 建物附属設備, 工作物 and 土地. The importer

- maps columns by name with aliases, or by a saved per-団体 mapping (YAML, :class:`LedgerMapping`);
- groups rows into facilities by a user-chosen key (施設名/施設コード; default: the first alias found);
- keeps building rows (勘定科目 contains 建物, not 附属設備) as :class:`Building` with 延床面積 = 数量 and
  建築年度 = the 年度 of 取得年月日 (供用開始年月日 when empty); 3/31 dates are read as "that 年度";
- adds 建物附属設備 to the facility's 取得価額/減価償却累計額 (for 有形固定資産減価償却率) but not its floor area;
- leaves land (non-depreciable) and rows of other facilities out of the ratio;
- treats ¥1 (備忘価額) as a real entry, never an error, and never as an asset of value;
- reads amounts in 円 or 千円 (``unit``), 和暦 / 西暦 / Excel-serial dates, full-width digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from kouiki.facilities.classify import CategoryError, classify, parse_category
from kouiki.facilities.importers.common import (
    CodeCache,
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
    read_table,
    start_report,
    text_or_none,
    tick,
)
from kouiki.facilities.model import BOUNDS, Building, Facility, Inventory
from kouiki.reference.errors import CodeError
from kouiki.reference.textfile import read_user_yaml

ALIASES: dict[str, tuple[str, ...]] = {
    "facility_key": ("施設名", "施設名称", "施設コード", "施設番号", "施設ID"),
    "asset_no": ("番号", "資産番号", "固定資産番号", "財産番号"),
    "branch": ("枝番",),
    "name": ("件名", "資産名称", "資産名", "名称"),
    "account": ("勘定科目", "科目", "種目", "資産区分"),
    "acquired": ("取得年月日", "取得日", "取得年度"),
    "in_service": ("供用開始年月日", "供用開始日", "供用開始年度"),
    "acquisition_cost": ("取得価額", "取得価額等", "取得額"),
    "accumulated_depreciation": ("減価償却累計額", "償却累計額"),
    "book_value": ("期末簿価", "増減異動後簿価", "帳簿価額", "簿価"),
    "quantity": ("数量", "延床面積", "延べ床面積", "面積", "数量面積"),
    "structure": ("耐用年数分類", "構造", "耐用年数分類構造"),
    "useful_life": ("耐用年数",),
    "purpose": ("用途", "事業分類", "施設分類", "行政目的"),
    "category": ("大分類", "施設大分類"),
    "code": ("団体コード", "全国地方公共団体コード"),
    "address": ("所在地",),
}


@dataclass
class LedgerMapping:
    """A saved column mapping for one 団体's 台帳 export (YAML). Unset fields fall back to the aliases."""

    columns: dict[str, str] = field(default_factory=dict)  # kouiki field → header in the file
    unit: str = "円"  # 円 | 千円
    municipality_code: str | None = None
    building_accounts: list[str] = field(default_factory=lambda: ["建物"])
    equipment_accounts: list[str] = field(default_factory=lambda: ["建物附属設備", "附属設備"])
    land_accounts: list[str] = field(default_factory=lambda: ["土地", "立木竹"])
    sheet: str | None = None

    @classmethod
    def load(cls, path: Path | str) -> LedgerMapping:
        p = Path(path)
        raw = read_user_yaml(p, InventoryImportError, "対応表（YAML）") or {}
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise InventoryImportError(f"{p.name}: 対応表に不明な項目があります: {', '.join(sorted(unknown))}")
        cols = raw.get("columns") or {}
        bad = set(cols) - set(ALIASES)
        if bad:
            raise InventoryImportError(
                f"{p.name}: 対応表 columns の項目名が不明です: {', '.join(sorted(bad))}（使える項目: {', '.join(ALIASES)}）"
            )
        m = cls(**{k: v for k, v in raw.items() if v is not None})
        if m.unit not in ("円", "千円"):
            raise InventoryImportError(f"{p.name}: unit は「円」か「千円」です: {m.unit!r}")
        return m

    def dump(self) -> str:
        data = {
            "unit": self.unit,
            "municipality_code": self.municipality_code,
            "sheet": self.sheet,
            "columns": self.columns,
            "building_accounts": self.building_accounts,
            "equipment_accounts": self.equipment_accounts,
            "land_accounts": self.land_accounts,
        }
        head = "# 固定資産台帳の列対応表（kouiki facilities import --format ledger --mapping この対応表）\n"
        return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@dataclass
class _Acc:
    first_row: int
    key: str
    code: str
    name: str
    category_hint: str | None = None
    purpose: str | None = None
    address: str | None = None
    buildings: list[Building] = field(default_factory=list)
    acquisition: int = 0
    depreciation: int = 0
    has_value_rows: bool = False
    memo_rows: int = 0
    rows: list[int] = field(default_factory=list)


def import_ledger(
    path: Path | str,
    *,
    mapping: LedgerMapping | None = None,
    unit: str | None = None,
    default_code: str | None = None,
    encoding: str | None = None,
    strict: bool = False,
) -> tuple[Inventory, ImportReport]:
    path = Path(path)
    from kouiki.facilities.importers.common import known_headers

    mapping = mapping or LedgerMapping()
    table = read_table(path, mapping.sheet, encoding, known_headers(ALIASES, extra=mapping.columns.values()))
    return import_ledger_table(table, path, mapping=mapping, unit=unit, default_code=default_code, strict=strict)


def _yen(value: Any, what: str, factor: int) -> int | None:
    d = parse_decimal(value, what)
    if d is None:
        return None
    y = d * factor
    if y != y.to_integral_value():
        raise ValueProblem(f"{what}が円単位の整数になりません（単位 {'千円' if factor == 1000 else '円'}）")
    return int(y)


def import_ledger_table(
    table: Table,
    path: Path,
    *,
    mapping: LedgerMapping,
    unit: str | None = None,
    default_code: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> tuple[Inventory, ImportReport]:
    report = start_report(table, path, "ledger", ALIASES)
    idx, cols, unmatched = match_columns(table.header, ALIASES, mapping.columns)
    report.columns, report.unmatched_columns = cols, unmatched
    for req in ("account", "acquisition_cost"):
        if req not in idx:
            raise InventoryImportError(
                f"{path.name}: 必須の列がありません: {req}（{ALIASES[req][0]}）。対応表（--mapping）で列を指定してください", report
            )
    if "facility_key" not in idx and "name" not in idx:
        raise InventoryImportError(f"{path.name}: 施設をまとめる列（施設名・施設コード）も件名もありません", report)
    the_unit = unit or mapping.unit
    if the_unit not in ("円", "千円"):
        raise InventoryImportError(f"単位は「円」か「千円」です: {the_unit!r}")
    factor = 1000 if the_unit == "千円" else 1
    report.notes.append(f"金額の単位: {the_unit}")
    fallback = default_code or mapping.municipality_code or code_from_filename(path)
    code_cache = CodeCache()
    accs: dict[str, _Acc] = {}
    land_rows = other_rows = memo_rows = 0
    for lineno, cells in table.rows:
        report.rows_read += 1
        tick(progress, report.rows_read, len(table.rows))

        def raw(f: str, cells: list[Any] = cells) -> Any:
            return cell(cells, idx.get(f))

        account = text_or_none(raw("account")) or ""
        name = text_or_none(raw("name"))
        key = text_or_none(raw("facility_key")) or name
        if not key:
            report.reject(lineno, report.column_of("facility_key", "name"), "施設名（まとめる列）も件名も空です",
                          field_name="facility_key")
            continue
        code_raw = text_or_none(raw("code")) or fallback
        if not code_raw:
            report.reject(lineno, cols.get("code"), "団体コードが分かりません（列・--code・ファイル名のいずれも無い）",
                          field_name="code")
            continue
        try:
            code = code_cache.normalize(code_raw)
        except CodeError as exc:
            report.reject(lineno, cols.get("code"), str(exc), code_raw)
            continue
        amounts: dict[str, int | None] = {}
        bad = False
        for f, what, bound in (("acquisition_cost", "取得価額", "acquisition_cost_yen"),
                               ("accumulated_depreciation", "減価償却累計額", "accumulated_depreciation_yen"),
                               ("book_value", "期末簿価", "acquisition_cost_yen")):
            try:
                amounts[f] = _yen(raw(f), what, factor)
                reason = BOUNDS[bound].problem(amounts[f])
                if reason:
                    raise ValueProblem(reason.replace(BOUNDS[bound].label, what))
            except ValueProblem as exc:
                report.reject(lineno, cols.get(f), str(exc), raw(f))
                bad = True
                break
        if bad:
            continue
        acq, dep, book = amounts["acquisition_cost"], amounts["accumulated_depreciation"], amounts["book_value"]
        is_memo = book == 1 or acq == 1
        if is_memo:
            memo_rows += 1
        if any(a in account for a in mapping.land_accounts):
            land_rows += 1
            continue
        is_equipment = any(a in account for a in mapping.equipment_accounts)
        is_building = not is_equipment and any(a in account for a in mapping.building_accounts)
        if not (is_building or is_equipment):
            other_rows += 1
            continue
        acc = accs.get(key)
        if acc is None:
            acc = accs[key] = _Acc(lineno, key, code, text_or_none(raw("facility_key")) or name or key)
        elif acc.code != code:
            report.reject(lineno, cols.get("code"), f"施設「{key}」の団体コードが{acc.first_row}行目と異なります", code)
            continue
        acc.rows.append(lineno)
        acc.category_hint = acc.category_hint or text_or_none(raw("category"))
        acc.purpose = acc.purpose or text_or_none(raw("purpose"))
        acc.address = acc.address or text_or_none(raw("address"))
        if is_memo:
            acc.memo_rows += 1
            report.warn(lineno, cols.get("book_value") or cols.get("acquisition_cost"), "備忘価額（1円）の資産です（価値のある資産としては数えません）")
        elif acq is not None:
            acc.acquisition += acq
            acc.depreciation += dep or 0
            acc.has_value_rows = True
        if is_building:
            try:
                area = parse_decimal(raw("quantity"), "数量（延床面積）")
            except ValueProblem as exc:
                report.reject(lineno, cols.get("quantity"), str(exc), raw("quantity"))
                continue
            date_col = "acquired" if text_or_none(raw("acquired")) else "in_service"
            try:
                when = parse_date(raw(date_col), "取得年月日" if date_col == "acquired" else "供用開始年月日")
            except ValueProblem as exc:
                report.reject(lineno, cols.get(date_col), str(exc), raw(date_col))
                continue
            reason = BOUNDS["floor_area_m2"].problem(area)
            if reason:
                report.reject(lineno, cols.get("quantity"), reason, raw("quantity"))
                continue
            built = when.fiscal_year() if when else None
            reason = BOUNDS["built_year"].problem(built)
            if reason:
                report.reject(lineno, cols.get(date_col), reason, raw(date_col))
                continue
            no = text_or_none(raw("asset_no")) or str(lineno)
            br = text_or_none(raw("branch"))
            acc.buildings.append(
                Building(
                    building_id=f"{no}-{br}" if br else no,
                    floor_area_m2=area,
                    built_year=built,
                    structure=text_or_none(raw("structure")),
                    acquisition_cost_yen=None if is_memo else acq,
                    accumulated_depreciation_yen=None if is_memo else dep,
                )
            )
    facilities: list[Facility] = []
    for acc in accs.values():
        if not acc.buildings:
            report.warn(acc.first_row, None, f"「{acc.key}」には建物の行がありません（附属設備のみ）。施設として数えません")
            continue
        facilities.append(_facility(acc, path, report))
    report.notes.append(
        f"建物 {sum(len(f.buildings) for f in facilities)}棟を {len(facilities)}施設にまとめました。"
        f"土地 {land_rows}行・建物以外（工作物・物品等） {other_rows}行は施設の集計に含めません。備忘価額（1円） {memo_rows}行"
    )
    report.facilities = len(facilities)
    if strict and report.rejected:
        raise InventoryImportError(
            f"{path.name}: {report.rows_rejected}行に誤りがあるため取り込みません（最初: {report.rejected[0].text(path.name)}）",
            report,
        )
    return Inventory(facilities, sources=[path.name]), report


def _facility(acc: _Acc, path: Path, report: ImportReport) -> Facility:
    extra: dict[str, Any] = {"ledger_rows": acc.rows}
    if acc.category_hint:
        try:
            cat = parse_category(acc.category_hint)
            sub = None
        except CategoryError as exc:
            report.warn(acc.first_row, report.column_of("category"), str(exc), acc.category_hint, field_name="category")
            c = classify(acc.name)
            cat, sub = c.category, c.subcategory
            extra["classified_by"] = c.rule
    else:
        c = classify(acc.purpose or acc.name)
        if c.rule == "default" and acc.purpose:
            c = classify(acc.name)
        cat, sub = c.category, c.subcategory
        extra["classified_by"] = c.rule
    if acc.memo_rows:
        extra["memo_value_rows"] = acc.memo_rows
    areas = [b.floor_area_m2 for b in acc.buildings if b.floor_area_m2 is not None]
    years = [b.built_year for b in acc.buildings if b.built_year is not None]
    return Facility(
        facility_id=f"{acc.code}-{acc.key}",
        municipality_code=acc.code,
        name=acc.name,
        category=cat,
        subcategory=sub,
        floor_area_m2=sum(areas, Decimal(0)) if areas else None,
        built_year=min(years) if years else None,
        acquisition_cost_yen=acc.acquisition if acc.has_value_rows else None,
        accumulated_depreciation_yen=acc.depreciation if acc.has_value_rows else None,
        source=path.name,
        extra=extra,
        address=acc.address,
        buildings=tuple(acc.buildings),
        source_row=acc.first_row,
    )
