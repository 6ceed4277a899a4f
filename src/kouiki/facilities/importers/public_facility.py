"""デジタル庁 自治体標準オープンデータセット「公共施設一覧」 (A-01), both generations.

- gen-1 (2017/2019 推奨データセット, 24 columns: 都道府県コード又は市区町村コード, NO, 名称, 住所, 緯度, 経度 …)
- gen-2 (正式版, 2023-: 全国地方公共団体コード, ID, 地方公共団体名, 所在地_連結表記 …)

Columns are matched by name with aliases (the misspelling 所在地_連結標記, 名称_英語, 施設所在地_*). When the
code column is empty the code is taken from the file name (``222127_public_facility.csv``). These files carry
no 延床面積 or 建築年度: the facilities count for access and are listed as excluded wherever a figure needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kouiki.facilities.classify import classify
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
    norm_header,
    parse_decimal,
    read_table,
    start_report,
    text_or_none,
    tick,
)
from kouiki.facilities.model import Facility, Inventory
from kouiki.reference import codes
from kouiki.reference.errors import CodeError

ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("都道府県コード又は市区町村コード", "全国地方公共団体コード", "団体コード", "市区町村コード"),
    "no": ("NO", "ID", "No.", "番号"),
    "name": ("名称", "施設名", "施設名称"),
    "kana": ("名称_カナ", "名称カナ", "施設名カナ"),
    "poi": ("POIコード",),
    "address": ("住所", "所在地_連結表記", "所在地_連結標記", "施設所在地_連結表記", "所在地"),
    "address_pref": ("所在地_都道府県", "施設所在地_都道府県"),
    "address_city": ("所在地_市区町村", "施設所在地_市区町村"),
    "address_town": ("所在地_町字", "施設所在地_町字"),
    "address_rest": ("所在地_番地以下", "施設所在地_番地以下"),
    "lat": ("緯度",),
    "lon": ("経度",),
    "body_name": ("市区町村名", "地方公共団体名"),
    "dept": ("団体名",),
}
GEN2_MARKERS = ("全国地方公共団体コード", "所在地_連結表記", "所在地_連結標記", "地方公共団体名", "町字ID")


def detect_generation(header: list[str]) -> str:
    keys = {norm_header(h) for h in header}
    return "public_facility_v2" if any(norm_header(m) in keys for m in GEN2_MARKERS) else "public_facility"


def looks_like_public_facility(header: list[str]) -> bool:
    keys = {norm_header(h) for h in header}
    return norm_header("名称") in keys and (
        norm_header("都道府県コード又は市区町村コード") in keys
        or norm_header("全国地方公共団体コード") in keys
        or norm_header("名称_カナ") in keys
    )


def import_public_facility(
    path: Path | str,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    default_code: str | None = None,
    strict: bool = False,
) -> tuple[Inventory, ImportReport]:
    from kouiki.facilities.importers.common import known_headers

    path = Path(path)
    table = read_table(path, sheet, encoding, known_headers(ALIASES))
    return import_public_facility_table(table, path, default_code=default_code, strict=strict)


def import_public_facility_table(
    table: Table, path: Path, *, default_code: str | None = None, strict: bool = False, progress: Progress | None = None
) -> tuple[Inventory, ImportReport]:
    report = start_report(table, path, detect_generation(table.header), ALIASES)
    idx, cols, unmatched = match_columns(table.header, ALIASES)
    report.columns, report.unmatched_columns = cols, unmatched
    if "name" not in idx:
        raise InventoryImportError(f"{path.name}: 必須の列「名称」がありません（見出し: {', '.join(table.header)}）", report)
    from_name = code_from_filename(path)
    fallback = default_code or from_name
    if from_name:
        report.code_from_filename = from_name
    facilities: list[Facility] = []
    seen: dict[str, int] = {}
    filled_from_name = 0
    code_cache = CodeCache()
    for lineno, cells in table.rows:
        report.rows_read += 1
        tick(progress, report.rows_read, len(table.rows))

        def raw(f: str, cells: list[Any] = cells) -> Any:
            return cell(cells, idx.get(f))

        name = text_or_none(raw("name"))
        if not name:
            report.reject(lineno, cols.get("name"), "名称が空です（必須項目）", field_name="name")
            continue
        code_raw = text_or_none(raw("code"))
        if not code_raw:
            if not fallback:
                report.reject(lineno, cols.get("code"), "団体コードが空で、ファイル名からも分かりません", field_name="code")
                continue
            code_raw = fallback
            filled_from_name += 1
        try:
            code = code_cache.normalize(code_raw)
        except CodeError as exc:
            report.reject(lineno, cols.get("code"), str(exc), code_raw)
            continue
        if codes.is_prefecture(code):
            report.warn(lineno, cols.get("code"), "都道府県のコードです（都道府県の施設として取り込みます）", code)
        try:
            lat = parse_decimal(raw("lat"), "緯度")
            lon = parse_decimal(raw("lon"), "経度")
        except ValueProblem as exc:
            which = "lon" if "経度" in str(exc) else "lat"
            report.reject(lineno, cols.get(which), str(exc), raw(which))
            continue
        if (lat is None) != (lon is None):
            report.reject(lineno, cols.get("lat" if lat is None else "lon"), "緯度と経度の一方だけが入っています")
            continue
        if lat is not None and lon is not None and not (20 <= lat <= 46 and 122 <= lon <= 154):
            report.reject(lineno, cols.get("lat"), "緯度・経度が日本の範囲外です", f"{lat},{lon}")
            continue
        no = text_or_none(raw("no")) or str(lineno)
        fid = f"{code}-{no}"
        if fid in seen:
            report.reject(lineno, cols.get("no"), f"NO/ID「{no}」が{seen[fid]}行目と重複しています", no)
            continue
        seen[fid] = lineno
        address = text_or_none(raw("address"))
        if not address:
            parts = [text_or_none(raw(k)) for k in ("address_pref", "address_city", "address_town", "address_rest")]
            address = "".join(p for p in parts if p) or None
        poi = text_or_none(raw("poi"))
        c = classify(name, poi)
        extra: dict[str, Any] = {"classified_by": c.rule}
        if poi:
            extra["poi_code"] = poi
        dept = text_or_none(raw("dept"))
        if dept:
            extra["department"] = dept
        if lat is None:
            report.warn(lineno, cols.get("lat"), "緯度・経度が空です（アクセス計算から外れます）")
        facilities.append(
            Facility(
                facility_id=fid,
                municipality_code=code,
                name=name,
                category=c.category,
                subcategory=c.subcategory,
                lat=float(lat) if lat is not None else None,
                lon=float(lon) if lon is not None else None,
                source=path.name,
                extra=extra,
                address=address,
                kana=text_or_none(raw("kana")),
                source_row=lineno,
            )
        )
    if filled_from_name:
        report.notes.append(
            f"団体コードが空の{filled_from_name}行は、ファイル名（{path.name}）のコード {fallback} を使いました"
        )
    report.notes.append("公共施設一覧には延床面積・建築年度がありません（更新費用の計算からは除外と表示されます）")
    report.facilities = len(facilities)
    if strict and report.rejected:
        raise InventoryImportError(
            f"{path.name}: {report.rows_rejected}行に誤りがあるため取り込みません（最初: {report.rejected[0].text(path.name)}）",
            report,
        )
    return Inventory(facilities, sources=[path.name]), report
