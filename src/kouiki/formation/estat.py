"""Importers for the official 国勢調査 tables as downloaded from e-Stat (政府統計の総合窓口).

Two layouts are read, both CP932 (UTF-8 with BOM accepted too):

* **Table files** (統計表ファイル, 「ファイル」→ CSV): title rows, then a header of several rows (merged
  cells left blank and filled from the left), then one row per area; the area is given by a code column
  (5-digit 市区町村コード or 6-digit 全国地方公共団体コード, sometimes ``"02202_弘前市"``) and/or its name.
* **Database downloads** (データベース → ダウンロード, one value per row): ``… コード`` columns for the
  area(s), an item column (``表章項目`` / ``cat01``), and ``value`` / ``値`` with ``unit``.

Suppressed or empty cells (``-``, ``x``, ``X``, ``…``, ``...``, ``***``) become unknown, never zero; each is
listed in ``skipped`` with its line. Every figure keeps its provenance: file name, table title, census year.

Tables (daytime): 国勢調査 従業地・通学地集計 「常住地又は従業地・通学地による人口 … 昼夜間人口比率」.
Tables (commuting): 国勢調査 従業地・通学地集計 「常住地による従業・通学市区町村 … 15歳以上就業者数及び
15歳以上通学者数」 (OD). See docs/formation.md for what was and was not verified about table ids.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Literal

from kouiki.formation.census import CommutingFigure, DaytimeFigure
from kouiki.reference import codes
from kouiki.reference.errors import CodeError, KouikiError, NotFoundError
from kouiki.reference.municipalities import registry

SUPPRESSED = {"-", "－", "―", "‐", "x", "X", "ｘ", "Ｘ", "…", "...", "***", "＊＊＊", "*"}
_SUPPRESSED_N = {unicodedata.normalize("NFKC", x).strip() for x in SUPPRESSED}
_CODE = re.compile(r"^\s*(\d{5,6})(?:[_\s　:：](.*))?$")
TableKind = Literal["daytime", "commuting"]


@cache
def _normalize(code: str) -> str:
    return codes.normalize(code)


@cache
def _known_codes() -> frozenset[str]:
    return frozenset(b.code for b in registry())


class CensusImportError(KouikiError, ValueError):
    """An e-Stat file that cannot be read; the message names file, line (行) and column (列/項目)."""


@dataclass
class ImportResult:
    kind: TableKind
    file: str
    title: str
    census_year: int
    figures: list[DaytimeFigure | CommutingFigure] = field(default_factory=list)
    skipped: list[dict[str, object]] = field(default_factory=list)  # {"line": n, "field": …, "reason": …}

    def summary(self) -> dict[str, object]:
        return {"kind": self.kind, "file": self.file, "title": self.title, "census_year": self.census_year,
                "figures": len(self.figures), "skipped": self.skipped}


# ----- reading --------------------------------------------------------------------------------------
def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw.decode("utf-8-sig")
    try:
        return raw.decode("cp932")
    except UnicodeDecodeError:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CensusImportError(f"{path}: 文字コードを判別できません（CP932 でも UTF-8 でもない） (encoding)") from exc


def _n(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().replace(" ", "").replace("　", "")


def _code_cell(cell: str) -> tuple[str, str] | None:
    m = _CODE.match(unicodedata.normalize("NFKC", cell or ""))
    return (m.group(1), (m.group(2) or "").strip()) if m else None


def census_year_of(text: str) -> int | None:
    t = unicodedata.normalize("NFKC", text)
    if m := re.search(r"令和\s*(\d+|元)\s*年", t):
        return 2018 + (1 if m.group(1) == "元" else int(m.group(1)))
    if m := re.search(r"平成\s*(\d+)\s*年", t):
        return 1988 + int(m.group(1))
    if m := re.search(r"(19[89]\d|20\d\d)\s*年", t):
        return int(m.group(1))
    return None


@dataclass
class _Table:
    title_lines: list[str]
    labels: list[str]  # one per column (multi-row header joined)
    rows: list[tuple[int, list[str]]]  # (1-based line, cells)
    long_form: bool
    years: dict[int, int] = field(default_factory=dict)  # row line → census year (long form with 時間軸)
    cell_lines: dict[tuple[int, str], int] = field(default_factory=dict)  # (row line, label) → source line

    def line_of(self, line: int, label: str) -> int:
        return self.cell_lines.get((line, label), line)


def _is_data_row(cells: Sequence[str]) -> bool:
    has_code = any(_code_cell(c) for c in cells[:10])
    has_num = any(_number_like(c) for c in cells[1:])
    return has_code and has_num


def _number_like(c: str) -> bool:
    t = _n(c).replace(",", "")
    return bool(t) and (t in _SUPPRESSED_N or re.fullmatch(r"-?\d+(\.\d+)?", t) is not None)


def parse_table(text: str, file: str) -> _Table:
    rows = list(csv.reader(io.StringIO(text)))
    data_start = next((i for i, r in enumerate(rows) if _is_data_row(r)), None)
    if data_start is None:
        raise CensusImportError(f"{file}: 地域コードと数値の並んだデータ行が見つかりません（e-Stat の CSV ですか？）")
    header_rows: list[list[str]] = []
    title_lines: list[str] = []
    before = [r for r in rows[:data_start] if any(c.strip() for c in r)]
    for k, r in enumerate(before):
        filled = [c.strip() for c in r if c.strip()]
        at = [j for j, c in enumerate(r) if c.strip()]
        if len(filled) <= 2 and at[-1] <= 1 and k < len(before) - 1:  # "title" or "key","value" in the first columns
            title_lines.append(" ".join(filled))  # title, 「表番号」「統計名：」 lines
        else:
            header_rows.append(r)
    width = max(len(r) for r in rows)
    long_form = any(_n(c).lower() in {"value", "値"} for r in header_rows[-1:] for c in r)
    if long_form:
        header_rows = header_rows[-1:]
    else:
        title_lines += [c.strip() for r in header_rows[:-3] for c in r if c.strip()]
        header_rows = header_rows[-3:]  # e-Stat table files use up to three header rows
    labels = [""] * width
    for depth, r in enumerate(header_rows):
        last = ""
        for j in range(width):
            cell = r[j].strip() if j < len(r) else ""
            if not cell and depth < len(header_rows) - 1:
                cell = last  # a merged cell spans to the right
            last = cell or last
            if cell and cell not in labels[j]:
                labels[j] = f"{labels[j]}/{cell}" if labels[j] else cell
    data = [(i + 1, r + [""] * (width - len(r))) for i, r in enumerate(rows) if i >= data_start and any(c.strip() for c in r)]
    return _Table(title_lines, [_n(x) for x in labels], data, long_form)


def _col(labels: list[str], *must: str, avoid: tuple[str, ...] = ()) -> int | None:
    """First column whose label has every ``must`` and no ``avoid``; a 総数 column wins over 男/女 ones."""
    hits = [j for j, lab in enumerate(labels) if all(m in lab for m in must) and not any(a in lab for a in avoid)]
    total = [j for j in hits if "総数" in labels[j]]
    pick = total or hits
    return pick[0] if pick else None


def _code_columns(t: _Table) -> list[int]:
    """Columns holding area codes: code-like cells (5/6 digits) under a コード/地域/常住地/従業地 label.

    Population counts can also have 5–6 digits, so unlabelled columns never count as codes (a file with
    names only is matched by name).
    """
    looks = [j for j in range(len(t.labels)) if any(_code_cell(r[j]) for _, r in t.rows[:20])]
    return [j for j in looks if any(k in t.labels[j] for k in ("コード", "地域", "常住地", "従業地", "通学地"))
            and not any(k in t.labels[j] for k in ("表章", "時間軸"))]


def _first(*cols: int | None) -> int | None:
    return next((c for c in cols if c is not None), None)


def _value(cell: str, file: str, line: int, label: str, skipped: list[dict[str, object]]) -> Decimal | None:
    t = _n(cell).replace(",", "")
    if t == "" or t in _SUPPRESSED_N:
        skipped.append({"line": line, "field": label, "reason": f"秘匿・該当なし・空欄（{cell.strip() or '空'}）→ 不明"})
        return None
    try:
        return Decimal(t)
    except InvalidOperation:
        raise CensusImportError(f"{file}: {line}行目 項目「{label}」: 数値ではありません: '{cell}'") from None


def _area(cell: str, name_cell: str, file: str, line: int, label: str) -> str | None:
    """6-digit code of the area, or None for 全国/都道府県 rows (context, not bodies)."""
    cc = _code_cell(cell)
    if cc is None:
        name = _n(name_cell)
        if not name:
            raise CensusImportError(f"{file}: {line}行目 項目「{label}」: 地域コードも地域名もありません")
        try:
            return registry().get(name).code
        except KouikiError as exc:
            raise CensusImportError(f"{file}: {line}行目 項目「{label}」: {exc}") from None
    code = cc[0]
    if code.strip("0") == "" or code[2:5] == "000":
        return None  # 全国 / 都道府県計
    try:
        return _normalize(code)
    except CodeError as exc:
        raise CensusImportError(f"{file}: {line}行目 項目「{label}」: {exc}") from None


def _to_wide(t: _Table, file: str, area_keys: list[int]) -> _Table:
    """Long form (one value per row) → one row per area tuple (and 時間軸) with the items as columns.

    The output keeps each area's code and name columns (code, name, code, name, …) followed by one column
    per item; an item is the join of every other descriptive column (表章項目, 男女, …).
    """
    value_col = next(j for j, lab in enumerate(t.labels) if lab.lower() in {"value", "値"})
    time_col = _col(t.labels, "時間軸", avoid=("コード",))
    name_cols = [k + 1 if k + 1 < len(t.labels) and "コード" not in t.labels[k + 1] else None for k in area_keys]
    other = [j for j, lab in enumerate(t.labels)
             if j not in area_keys and j not in name_cols and j not in (value_col, time_col)
             and "コード" not in lab and lab.lower() not in {"unit", "単位", "注釈記号", "annotation"}]
    items: list[str] = []
    grouped: dict[tuple[str, ...], tuple[int, dict[str, str], dict[str, int]]] = {}
    years: dict[int, int] = {}
    for line, r in t.rows:
        item = _n("/".join(r[j] for j in other if r[j].strip()))
        when = r[time_col] if time_col is not None else ""
        key: tuple[str, ...] = ()
        for k, nc in zip(area_keys, name_cols, strict=True):
            key += (r[k], "" if nc is None else r[nc])
        entry = grouped.setdefault((*key, when), (line, {}, {}))
        entry[1][item] = r[value_col]
        entry[2][item] = line
        if item not in items:
            items.append(item)
        if when:
            y = census_year_of(when)
            if y is None:
                raise CensusImportError(f"{file}: {line}行目 項目「{t.labels[time_col or 0]}」: 年を読み取れません: '{when}'")
            years[entry[0]] = y
    labels: list[str] = []
    for k, nc in zip(area_keys, name_cols, strict=True):
        labels += [t.labels[k], "" if nc is None else t.labels[nc]]
    labels += items
    rows = [(line, [*key[:-1], *(vals.get(i, "") for i in items)]) for key, (line, vals, _l) in grouped.items()]
    cell_lines = {(line, i): src for (line, _v, lines) in grouped.values() for i, src in lines.items()}
    return _Table(t.title_lines, labels, rows, False, years, cell_lines)


@cache
def _source(title: str, file: str, year: int) -> str:
    return f"{title}（e-Stat からのファイル {Path(file).name}; {year}年国勢調査）"


def _year(t: _Table, file: str, census_year: int | None) -> int:
    if census_year is None and t.years:
        return max(t.years.values())
    year = census_year or census_year_of(" ".join(t.title_lines + t.labels))
    if year is None:
        raise CensusImportError(f"{file}: 国勢調査の年が表題から読み取れません。--year で指定してください (census year)")
    return year


def import_daytime(path: Path | str, census_year: int | None = None) -> ImportResult:
    """昼夜間人口 table → :class:`DaytimeFigure` per body (ratio per 100 as published; counts when given)."""
    p = Path(path)
    file = str(p)
    t = parse_table(read_text(p), file)
    code_cols = _code_columns(t)
    if t.long_form:
        if not code_cols:
            raise CensusImportError(f"{file}: 地域コードの列が見つかりません（見出し: {', '.join(x for x in t.labels if x)}）")
        t = _to_wide(t, file, code_cols[:1])
        code_cols = [0]
    year = _year(t, file, census_year)
    ratio_c = _col(t.labels, "昼夜間人口比率")
    day_c = _col(t.labels, "昼間人口", avoid=("比率",))
    night_c = _first(_col(t.labels, "夜間人口", avoid=("比率", "昼夜間")), _col(t.labels, "常住人口", avoid=("比率",)))
    if ratio_c is None and (day_c is None or night_c is None):
        raise CensusImportError(
            f"{file}: 「昼夜間人口比率」または「昼間人口」と「夜間人口（常住人口）」の列が見つかりません（見出し: {', '.join(x for x in t.labels if x)}）"
        )
    name_c = _first(_col(t.labels, "地域名"), _col(t.labels, "市区町村", avoid=("コード",)),
                    _col(t.labels, "地域", avoid=("コード", "番号")))
    title = " ".join(t.title_lines) or "国勢調査 昼夜間人口"
    res = ImportResult("daytime", file, title, year)
    if not code_cols and name_c is None:
        raise CensusImportError(f"{file}: 地域コードの列も地域名の列も見つかりません（見出し: {', '.join(x for x in t.labels if x)}）")
    code_label = (t.labels[code_cols[0]] if code_cols else t.labels[name_c or 0]) or "地域コード"
    for line, r in t.rows:
        code = _area(r[code_cols[0]] if code_cols else "", r[name_c] if name_c is not None else "", file, line, code_label)
        if code is None:
            continue
        if code not in _known_codes():
            res.skipped.append({"line": line, "field": code_label, "reason": f"{code} は現行の団体にありません（旧市町村?）"})
            continue
        def val(c: int | None, line: int = line, r: list[str] = r) -> Decimal | None:
            return None if c is None else _value(r[c], file, t.line_of(line, t.labels[c]), t.labels[c], res.skipped)

        ratio, day, night = val(ratio_c), val(day_c), val(night_c)
        note = None
        if ratio is None and day is not None and night:
            ratio = (day * 100 / night).quantize(Decimal("0.1"), ROUND_HALF_UP)
            note = "比率は昼間人口÷夜間人口から算出（判定は両人口から正確に計算）"
        row_year = census_year or t.years.get(line, year)
        res.figures.append(DaytimeFigure(
            code=code, census_year=row_year, ratio_per_100=ratio,
            night_population=None if night is None else int(night),
            daytime_population=None if day is None else int(day),
            source=_source(title, file, row_year), origin="imported", note=note,
        ))
    return res


def import_commuting(path: Path | str, census_year: int | None = None) -> ImportResult:
    """常住地 × 従業地・通学地 (OD) table → :class:`CommutingFigure` per pair, with each origin's 総数 as base."""
    p = Path(path)
    file = str(p)
    t = parse_table(read_text(p), file)
    code_cols = _code_columns(t)
    origin_c = _col(t.labels, "常住地", "コード")
    dest_c = _first(_col(t.labels, "従業地", "コード"), _col(t.labels, "通学地", "コード"))
    if origin_c is None or dest_c is None:
        if len(code_cols) < 2:
            raise CensusImportError(f"{file}: 常住地と従業地・通学地のコード列が見つかりません（見出し: {', '.join(x for x in t.labels if x)}）")
        origin_c, dest_c = code_cols[0], code_cols[1]
    if t.long_form:
        t = _to_wide(t, file, [origin_c, dest_c])
        origin_c, dest_c = 0, 2
    year = _year(t, file, census_year)
    value_c = _first(_col(t.labels, "就業者", "通学者", "総数"), _col(t.labels, "総数", avoid=("コード",)),
                     _col(t.labels, "就業者", "通学者"))
    if value_c is None:
        value_c = next((j for j in range(len(t.labels)) if j not in (origin_c, dest_c)
                        and any(_number_like(r[j]) and not _code_cell(r[j]) for _, r in t.rows[:5])), None)
    if value_c is None:
        raise CensusImportError(f"{file}: 就業者・通学者数の列が見つかりません（見出し: {', '.join(x for x in t.labels if x)}）")
    title = " ".join(t.title_lines) or "国勢調査 従業地・通学地（常住地による）"
    res = ImportResult("commuting", file, title, year)
    dest_name_c = dest_c + 1 if dest_c + 1 < len(t.labels) and "コード" not in t.labels[dest_c + 1] else None
    bases: dict[tuple[str, int], int] = {}
    flows: list[tuple[int, str, str, int, Decimal | None]] = []
    for line, r in t.rows:
        origin = _area(r[origin_c], "", file, line, t.labels[origin_c] or "常住地コード")
        if origin is None:
            continue
        row_year = census_year or t.years.get(line, year)
        v = _value(r[value_c], file, t.line_of(line, t.labels[value_c]), t.labels[value_c], res.skipped)
        dest_cell = r[dest_c]
        dest_name = _n(r[dest_name_c]) if dest_name_c is not None else ""
        cc = _code_cell(dest_cell)
        if (cc is None or cc[0].strip("0") == "") and ("総数" in dest_name or "総数" in _n(dest_cell) or not dest_name):
            if v is not None:
                bases[(origin, row_year)] = int(v)  # 常住地の就業者・通学者 総数
            continue
        try:
            dest = _area(dest_cell, dest_name, file, line, t.labels[dest_c] or "従業地・通学地コード")
        except CensusImportError:
            res.skipped.append({"line": line, "field": t.labels[dest_c], "reason": f"集計行（{dest_name or dest_cell}）"})
            continue
        if dest is None:
            continue
        flows.append((line, origin, dest, row_year, v))
    for line, origin, dest, row_year, v in flows:
        if origin == dest:
            continue  # 自市区町村で従業・通学
        if origin not in _known_codes() or dest not in _known_codes():
            res.skipped.append({"line": line, "field": "地域コード", "reason": f"{origin}→{dest}: 現行の団体にありません"})
            continue
        res.figures.append(CommutingFigure(
            from_code=origin, to_code=dest, census_year=row_year, commuters=None if v is None else int(v),
            base=bases.get((origin, row_year)), source=_source(title, file, row_year), origin="imported",
            note=None if (origin, row_year) in bases else "常住地の総数行がないため割合は不明",
        ))
    return res


def import_census(path: Path | str, kind: TableKind | None = None, census_year: int | None = None) -> ImportResult:
    """Detect the table (昼夜間人口 or OD) from its headers unless ``kind`` is given, and import it."""
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"ファイルが見つかりません: {p}")
    if kind is None:
        text = _n(read_text(p))
        kind = "daytime" if ("昼夜間人口比率" in text or "昼間人口" in text) and "従業地・通学地コード" not in text \
            and "従業地コード" not in text else "commuting"
    return import_daytime(p, census_year) if kind == "daytime" else import_commuting(p, census_year)
