"""What every inventory importer shares: reading CSV/XLSX with encoding detection, matching columns by
name with aliases, parsing numbers, 和暦/Excel-serial dates, and the import report.

Importers are pure: they read a file and return ``(Inventory, ImportReport)``. Nothing is written
anywhere, so an import is all-or-nothing by construction; the caller stores the inventory as one unit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kouiki.reference import textfile
from kouiki.reference.calendar import ERAS, FiscalYear
from kouiki.reference.errors import KouikiError

Progress = Callable[[int, int], None]  # (rows done, rows in all) — the CLI draws a Rich progress bar


def tick(progress: Progress | None, done: int, total: int, every: int = 500) -> None:
    if progress is not None and (done % every == 0 or done == total):
        progress(done, total)


class InventoryImportError(KouikiError, ValueError):
    """A file that cannot be imported at all (unreadable, missing required columns, strict mode)."""

    def __init__(self, message: str, report: ImportReport | None = None):
        super().__init__(message)
        self.report = report


class IncompleteFileError(InventoryImportError):
    """Some rows of the file were rejected: nothing is stored (the old list stays) unless the user asks, as a
    second confirmed step, to import only the good rows."""


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column as a spreadsheet names it."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass(frozen=True)
class RowIssue:
    """One rejected row or one warning: where (row as a spreadsheet numbers it, header row included; column
    letter and header) and why, in Japanese."""

    row: int
    column: str | None  # the header text in the file
    reason: str  # Japanese
    value: str | None = None
    letter: str | None = None  # column letter (A, B, … AA)
    field: str | None = None  # what kouiki reads from that column (施設名, 延床面積 …)

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "letter": self.letter, "column": self.column, "field": self.field,
                "value": self.value, "reason": self.reason, "text": self.text()}

    def where(self) -> str:
        if not self.column:
            return f"項目「{self.field}」（ファイルにこの列がありません）" if self.field else ""
        col = f"{self.letter}列「{self.column}」" if self.letter else f"列「{self.column}」"
        if self.field and self.field != self.column:
            col += f"（{self.field}）"
        return col

    def text(self, file: str | None = None) -> str:
        where = self.where()
        val = f"（値: {self.value!r}）" if self.value not in (None, "") else ""
        head = f"{file} " if file else ""
        return f"{head}{self.row}行目" + (f" {where}" if where else "") + f": {self.reason}{val}"


@dataclass
class ImportReport:
    """What an import did: 件数, rejected rows with row/column/reason, encoding, column mapping."""

    source: str
    format: str  # template | public_facility | public_facility_v2 | ledger
    encoding: str | None = None  # utf-8 | utf-8-sig | cp932 | utf-16 | xlsx
    rows_read: int = 0
    facilities: int = 0
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # kouiki field → header in the file
    unmatched_columns: list[str] = field(default_factory=list)
    code_from_filename: str | None = None
    notes: list[str] = field(default_factory=list)
    header_row: int = 1  # the row the column headers were found in (title rows above it are skipped)
    letters: dict[str, str] = field(default_factory=dict)  # header text → column letter
    labels: dict[str, str] = field(default_factory=dict)  # kouiki field → its Japanese name

    @property
    def complete(self) -> bool:
        """True when every row was read: the file may replace a stored list without a second step."""
        return not self.rejected

    @property
    def rows_rejected(self) -> int:
        return len({i.row for i in self.rejected})

    @property
    def rows_accepted(self) -> int:
        return self.rows_read - self.rows_rejected

    def column_of(self, *fields: str) -> str | None:
        """The header in the file of the first of ``fields`` (kouiki field names) the file has, else None."""
        for f in fields:
            if self.columns.get(f):
                return self.columns[f]
        return None

    def _issue(self, row: int, column: str | None, reason: str, value: Any, field_name: str | None = None) -> RowIssue:
        fld = None
        if column:
            for key, header in self.columns.items():
                if header == column:
                    fld = self.labels.get(key, key)
                    break
        elif field_name:  # the file has no column for it (a code from the file name …): name what kouiki needs
            fld = self.labels.get(field_name, field_name)
        text = None if value is None else str(value)
        if text is not None and len(text) > 200:
            text = text[:200] + "…"
        return RowIssue(row, column, reason, text, self.letters.get(column) if column else None, fld)

    def reject(self, row: int, column: str | None, reason: str, value: Any = None, *, field_name: str | None = None) -> None:
        """A rejected row: ``column`` is the header in the file; ``field_name`` the kouiki field, named when the
        file has no column for it."""
        self.rejected.append(self._issue(row, column, reason, value, field_name))

    def warn(self, row: int, column: str | None, reason: str, value: Any = None, *, field_name: str | None = None) -> None:
        self.warnings.append(self._issue(row, column, reason, value, field_name))

    def refusal(self) -> str:
        """One Japanese sentence: the file is refused as a whole, and how to go on."""
        first = self.rejected[0].text() if self.rejected else ""
        return (
            f"{self.source}: {self.rows_rejected}行に誤りがあるため、何も取り込んでいません（保存済みの一覧はそのままです）。"
            f"最初の誤り: {first}"
        )

    def require_complete(self) -> None:
        """Raise :class:`IncompleteFileError` (carrying this report) when any row was rejected."""
        if self.rejected:
            raise IncompleteFileError(self.refusal(), self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "encoding": self.encoding,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "facilities": self.facilities,
            "rejected": [i.to_dict() for i in self.rejected],
            "warnings": [i.to_dict() for i in self.warnings],
            "complete": self.complete,
            "header_row": self.header_row,
            "columns": self.columns,
            "column_letters": {k: self.letters.get(h) for k, h in self.columns.items()},
            "unmatched_columns": self.unmatched_columns,
            "code_from_filename": self.code_from_filename,
            "notes": self.notes,
        }


# ---- reading ------------------------------------------------------------------------------------------


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number as a spreadsheet shows it, cells)
    encoding: str
    header_row: int = 1
    title: list[str] = field(default_factory=list)  # text of the title rows above the header (skipped)


HEADER_SEARCH_ROWS = 30  # a 台帳 may start with a few title / note rows before the header


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM, or NUL bytes) or CP932 — :func:`kouiki.reference.textfile.detect_encoding`."""
    try:
        return textfile.detect_encoding(data)
    except textfile.FileEncodingError as exc:
        raise InventoryImportError(str(exc)) from None


def _blank(cells: Sequence[Any]) -> bool:
    return not any(str(c).strip() for c in cells)


def _header_score(cells: Sequence[Any], known: Collection[str]) -> int:
    return sum(1 for c in cells if isinstance(c, str) and c.strip() and norm_header(c) in known)


def split_header(
    rows: list[tuple[int, list[Any]]], known: Collection[str] | None, encoding: str, name: str
) -> Table:
    """Find the header among the first rows: the row naming the most known columns (title rows such as
    「黒石市 公共施設一覧（令和7年3月31日現在）」 or merged title cells above it are skipped). Without a known
    name in any row, the first non-blank row is the header."""
    filled = [(n, cells) for n, cells in rows if not _blank(cells)]
    if not filled:
        raise InventoryImportError(f"{name}: 見出し行がありません（空のファイル）")
    pick = 0
    if known:
        scores = [_header_score(cells, known) for _n, cells in filled[:HEADER_SEARCH_ROWS]]
        best = max(scores)
        if best > 0:
            pick = scores.index(best)
    header_no, header_cells = filled[pick]
    header = ["" if c is None else str(c).strip() for c in header_cells]
    title = [" ".join(str(c).strip() for c in cells if str(c).strip()) for _n, cells in filled[:pick]]
    data = [(n, cells) for n, cells in filled[pick + 1 :]]
    return Table(header, data, encoding, header_no, title)


def read_table(
    path: Path, sheet: str | None = None, encoding: str | None = None, known: Collection[str] | None = None
) -> Table:
    """Read a CSV (any of the usual encodings) or an XLSX sheet into header + rows with row numbers.

    ``known``: normalised header names (:func:`norm_header`) the caller understands; the header row is the
    row among the first :data:`HEADER_SEARCH_ROWS` naming most of them.
    """
    if not path.exists():
        raise InventoryImportError(f"ファイルが見つかりません: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, known)
    data = path.read_bytes()
    enc = encoding or detect_encoding(data)
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InventoryImportError(f"{path.name}: 文字コード {enc} で読めません: {exc}") from exc
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise InventoryImportError(f"{path.name}: NUL 文字を含むため CSV として読めません（Excel 形式なら .xlsx で保存してください）")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[Any]]] = []
    try:
        # row numbers as a spreadsheet shows them: one per record (blank lines count, a cell's line breaks do not)
        for number, cells in enumerate(reader, start=1):
            rows.append((number, list(cells)))
    except csv.Error as exc:
        raise InventoryImportError(f"{path.name}: {len(rows) + 1}行目を CSV として読めません（{exc}）") from None
    return split_header(rows, known, enc, path.name)


def _read_xlsx(path: Path, sheet: str | None, known: Collection[str] | None) -> Table:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InventoryImportError(f"{path.name}: Excel ファイルとして読めません: {exc}") from exc
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise InventoryImportError(f"{path.name}: シート「{sheet}」がありません（{', '.join(wb.sheetnames)}）")
        if not wb.worksheets:
            raise InventoryImportError(f"{path.name}: シートがありません")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows: list[tuple[int, list[Any]]] = []
        try:
            for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
                rows.append((i, ["" if v is None else v for v in values]))
        except InventoryImportError:
            raise
        except Exception as exc:  # a damaged sheet part
            raise InventoryImportError(f"{path.name}: Excel のシートを読めません: {exc}") from exc
    finally:
        wb.close()
    if not rows or all(_blank(c) for _n, c in rows):
        raise InventoryImportError(f"{path.name}: 見出し行がありません（空のシート）")
    return split_header(rows, known, "xlsx", path.name)


def start_report(table: Table, path: Path, fmt: str, aliases: Mapping[str, Iterable[str]]) -> ImportReport:
    """A new report for ``table``: column letters by header, Japanese field names, skipped title rows."""
    report = ImportReport(source=path.name, format=fmt, encoding=table.encoding, header_row=table.header_row)
    for i, h in enumerate(table.header):
        if h and h not in report.letters:
            report.letters[h] = column_letter(i)
    for fld, names in aliases.items():
        first = next(iter(names), None)
        report.labels[fld] = first if first else fld
    if table.title:
        shown = "」「".join(t[:60] for t in table.title if t)
        report.notes.append(
            f"{table.header_row}行目を見出しとして読みました（上の{len(table.title)}行「{shown}」は表題として読み飛ばしました）"
        )
    return report


def known_headers(*aliases: Mapping[str, Iterable[str]], extra: Iterable[str] = ()) -> frozenset[str]:
    """Normalised header names of the given alias tables (for :func:`read_table`'s header search)."""
    out = {norm_header(e) for e in extra}
    for table in aliases:
        for fld, names in table.items():
            out.add(norm_header(fld))
            out.update(norm_header(n) for n in names)
    return frozenset(out)


# ---- columns --------------------------------------------------------------------------------------


def norm_header(text: str) -> str:
    """Header key: NFKC, no spaces/brackets/underscores, lower case (「延床面積(㎡)」 ≈ 「延床面積m2」)."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s_\-・()（）\[\]【】]", "", t)


def match_columns(
    header: Sequence[str], aliases: Mapping[str, Iterable[str]], overrides: dict[str, str] | None = None
) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Map kouiki field → column index by header name (aliases, then an explicit mapping).

    Returns (index by field, header text by field, unmatched headers).
    """
    keyed = {norm_header(h): i for i, h in reversed(list(enumerate(header))) if h}
    index: dict[str, int] = {}
    for fld, names in aliases.items():
        if overrides and fld in overrides:
            continue
        for name in [fld, *names]:
            k = norm_header(name)
            if k in keyed:
                index[fld] = keyed[k]
                break
    for fld, col in (overrides or {}).items():
        k = norm_header(col)
        if k not in keyed:
            raise InventoryImportError(f"対応表の列「{col}」（{fld}）がファイルにありません")
        index[fld] = keyed[k]
    used = set(index.values())
    unmatched = [h for i, h in enumerate(header) if i not in used and h]
    return index, {f: header[i] for f, i in index.items()}, unmatched


def cell(cells: Sequence[Any], idx: int | None) -> Any:
    if idx is None or idx >= len(cells):
        return ""
    v = cells[idx]
    return v.strip() if isinstance(v, str) else v


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    t = str(value).strip()
    return t or None


# ---- values -----------------------------------------------------------------------------------------


class ValueProblem(ValueError):
    """A cell that cannot be read; the message is Japanese and goes into the report."""


_PLAIN_RE = re.compile(r"^-?\d{1,3}(?:,\d{3})*(?:\.\d+)?$|^-?\d+(?:\.\d+)?$")
_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


MAX_DIGITS = 30  # a cell with more integer digits than this is no figure of a facility (int64 has 19)


def _finite(d: Decimal, what: str) -> Decimal:
    if not d.is_finite():
        raise ValueProblem(f"{what}が数値ではありません")
    if d != 0 and d.adjusted() >= MAX_DIGITS:
        raise ValueProblem(f"{what}の桁数が多すぎます")
    return d


def parse_decimal(value: Any, what: str) -> Decimal | None:
    """A number from a cell: full-width digits, 1,234.5, 「1234.5㎡」 or an Excel number. Blank → None.

    Infinity, NaN and numbers of more than :data:`MAX_DIGITS` digits are refused (they are never a real figure
    and would overflow the store)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueProblem(f"{what}が数値ではありません")
    if isinstance(value, int):
        return _finite(Decimal(value), what)
    if isinstance(value, float):
        return _finite(Decimal(repr(value)), what)  # the shortest text that round-trips: what Excel showed
    if isinstance(value, Decimal):
        return _finite(value, what)
    if isinstance(value, str) and len(value) > 100:
        raise ValueProblem(f"{what}が数値ではありません")
    if isinstance(value, str) and _PLAIN_RE.match(value):  # fast path: ASCII digits, optional 1,000 separators
        return _finite(Decimal(value.replace(",", "")), what)
    t = unicodedata.normalize("NFKC", str(value)).strip()
    t = t.replace(",", "").replace("m2", "").replace("㎡", "").replace("円", "").replace("¥", "").strip()
    if t in ("", "-", "―", "－", "不明", "未詳"):
        return None
    if t.startswith("△") or t.startswith("▲"):  # 会計 negative sign
        t = "-" + t[1:]
    if not _NUM_RE.match(t):
        raise ValueProblem(f"{what}が数値ではありません")
    try:
        return _finite(Decimal(t), what)
    except InvalidOperation as exc:
        raise ValueProblem(f"{what}が数値ではありません") from exc


def parse_int(value: Any, what: str) -> int | None:
    d = parse_decimal(value, what)
    if d is None:
        return None
    if d != d.to_integral_value():
        raise ValueProblem(f"{what}は整数で指定してください")
    return int(d)


_ERA_START = {e.name: e.start.year for e in ERAS} | {e.letter: e.start.year for e in ERAS} | {
    e.name[0]: e.start.year for e in ERAS
}
_WAREKI_RE = re.compile(
    r"^(?P<era>令和|平成|昭和|大正|明治|[令平昭大明]|[RHSTMrhstm])\.?\s*(?P<y>元|\d{1,2})"
    r"(?:\s*(?:年度|年|[./\-])\s*(?P<m>\d{1,2})?(?:\s*(?:月|[./\-])\s*(?P<d>\d{1,2})?\s*日?)?)?\s*(?:年度)?$"
)
_WEST_DATE_RE = re.compile(r"^(?P<y>\d{4})(?:\s*(?:年度|年|[./\-])\s*(?P<m>\d{1,2})?(?:\s*(?:月|[./\-])\s*(?P<d>\d{1,2})?\s*日?)?)?\s*(?:年度)?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class ParsedDate:
    year: int  # 西暦 year as written
    month: int | None
    day: int | None
    is_fiscal_year: bool  # the cell said 年度 (or gave a bare year)

    def fiscal_year(self) -> int:
        """The 年度 (西暦 start year): a date in Jan–Mar belongs to the previous 年度."""
        if self.is_fiscal_year or self.month is None:
            return self.year
        return FiscalYear.of_date(dt.date(self.year, self.month, self.day or 1)).year


def parse_date(value: Any, what: str) -> ParsedDate | None:
    """和暦 (昭和56年4月1日, S56.4.1, H3/3/31, 令和元年度), 西暦 (1981-04-01, 1981/4/1, 1981), Excel serials, dates."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return ParsedDate(value.year, value.month, value.day, False)
    if isinstance(value, dt.date):
        return ParsedDate(value.year, value.month, value.day, False)
    if isinstance(value, bool):
        raise ValueProblem(f"{what}を日付として解釈できません")
    if isinstance(value, int | float):
        return _serial_or_year(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), what)
    if isinstance(value, dt.time | dt.timedelta):
        raise ValueProblem(f"{what}を日付として解釈できません（時刻が入っています）")
    t = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    if len(t) > 40:
        raise ValueProblem(f"{what}を日付として解釈できません")
    if t in ("", "-", "不明", "未詳"):
        return None
    m = _WAREKI_RE.match(t)
    if m:
        era = m.group("era")
        start = _ERA_START[era.upper() if era.isascii() else era]
        y = 1 if m.group("y") == "元" else int(m.group("y"))
        year = start + y - 1
        return _checked(year, m.group("m"), m.group("d"), "年度" in t or m.group("m") is None, what, value)
    m = _WEST_DATE_RE.match(t)
    if m:
        return _checked(int(m.group("y")), m.group("m"), m.group("d"), "年度" in t or m.group("m") is None, what, value)
    if _NUM_RE.match(t):
        return _serial_or_year(Decimal(t), what)
    raise ValueProblem(f"{what}を日付として解釈できません（例: 昭和56年4月1日, S56.4.1, 1981-04-01）")


def _checked(year: int, m: str | None, d: str | None, fy: bool, what: str, raw: Any) -> ParsedDate:
    month = int(m) if m else None
    day = int(d) if d else None
    try:
        if month is not None:
            dt.date(year, month, day or 1)
    except ValueError as exc:
        raise ValueProblem(f"{what}が存在しない日付です") from exc
    if not 1868 <= year <= 2200:
        raise ValueProblem(f"{what}の年が範囲外です（1868年＝明治元年以降）")
    return ParsedDate(year, month, day, fy)


def _serial_or_year(num: Decimal, what: str) -> ParsedDate:
    if not num.is_finite() or abs(num) > 10_000_000:
        raise ValueProblem(f"{what}を日付として解釈できません")
    if num != num.to_integral_value():
        num = num.to_integral_value(rounding="ROUND_FLOOR")
    n = int(num)
    if 1868 <= n <= 2200:
        return ParsedDate(n, None, None, True)
    if 1 <= n <= 200_000:  # Excel serial date (1900 system)
        d = EXCEL_EPOCH + dt.timedelta(days=n)
        return ParsedDate(d.year, d.month, d.day, False)
    raise ValueProblem(f"{what}を日付として解釈できません")


class CodeCache:
    """``codes.normalize`` once per distinct code (a 100k-row 台帳 has a handful of codes)."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def normalize(self, code: str) -> str:
        from kouiki.reference import codes

        out = self._seen.get(code)
        if out is None:
            out = self._seen[code] = codes.normalize(code)
        return out


def code_from_filename(path: Path) -> str | None:
    """``222127_public_facility.csv`` → 222127 (the デジタル庁 naming rule), or None."""
    m = re.match(r"^(\d{6})_", path.name)
    return m.group(1) if m else None
