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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class RowIssue:
    """One rejected row or one warning: where (row = line number in the file, header = 1) and why."""

    row: int
    column: str | None
    reason: str  # Japanese
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason, "value": self.value}

    def text(self, file: str) -> str:
        col = f" 列「{self.column}」" if self.column else ""
        val = f"（値: {self.value!r}）" if self.value not in (None, "") else ""
        return f"{file} {self.row}行目{col}: {self.reason}{val}"


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

    @property
    def rows_rejected(self) -> int:
        return len({i.row for i in self.rejected})

    @property
    def rows_accepted(self) -> int:
        return self.rows_read - self.rows_rejected

    def reject(self, row: int, column: str | None, reason: str, value: Any = None) -> None:
        self.rejected.append(RowIssue(row, column, reason, None if value is None else str(value)))

    def warn(self, row: int, column: str | None, reason: str, value: Any = None) -> None:
        self.warnings.append(RowIssue(row, column, reason, None if value is None else str(value)))

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
            "columns": self.columns,
            "unmatched_columns": self.unmatched_columns,
            "code_from_filename": self.code_from_filename,
            "notes": self.notes,
        }


# ---- reading ------------------------------------------------------------------------------------------


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (line number in the file, cells)
    encoding: str


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM, or NUL bytes) or CP932. Never ``shift_jis`` (機種依存文字)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[:4096]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without BOM: guess the byte order from where the NULs sit (ASCII-heavy headers).
        return "utf-16-le" if sample[1::2].count(b"\x00") > sample[0::2].count(b"\x00") else "utf-16-be"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp932")
        return "cp932"
    except UnicodeDecodeError as exc:
        raise InventoryImportError(
            f"文字コードを判別できません（UTF-8・CP932・UTF-16 のいずれでもありません）: {exc.start}バイト目"
        ) from exc


def read_table(path: Path, sheet: str | None = None, encoding: str | None = None) -> Table:
    """Read a CSV (any of the usual encodings) or an XLSX sheet into header + rows with line numbers."""
    if not path.exists():
        raise InventoryImportError(f"ファイルが見つかりません: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    data = path.read_bytes()
    enc = encoding or detect_encoding(data)
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InventoryImportError(f"{path.name}: 文字コード {enc} で読めません: {exc}") from exc
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    lines: list[tuple[int, list[Any]]] = []
    header: list[str] | None = None
    for cells in reader:
        lineno = reader.line_num
        if header is None:
            if not any(c.strip() for c in cells):
                continue
            header = [c.strip() for c in cells]
            continue
        if not any(str(c).strip() for c in cells):
            continue
        lines.append((lineno, list(cells)))
    if header is None:
        raise InventoryImportError(f"{path.name}: 見出し行がありません（空のファイル）")
    return Table(header, lines, enc)


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InventoryImportError(f"{path.name}: Excel ファイルとして読めません: {exc}") from exc
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise InventoryImportError(f"{path.name}: シート「{sheet}」がありません（{', '.join(wb.sheetnames)}）")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, list[Any]]] = []
        for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else v for v in values]
            if header is None:
                if not any(str(c).strip() for c in cells):
                    continue
                header = [str(c).strip() for c in cells]
                continue
            if not any(str(c).strip() for c in cells):
                continue
            rows.append((i, cells))
    finally:
        wb.close()
    if header is None:
        raise InventoryImportError(f"{path.name}: 見出し行がありません（空のシート）")
    return Table(header, rows, "xlsx")


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


def parse_decimal(value: Any, what: str) -> Decimal | None:
    """A number from a cell: full-width digits, 1,234.5, 「1234.5㎡」 or an Excel number. Blank → None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueProblem(f"{what}が数値ではありません")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest text that round-trips: what Excel showed
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) and _PLAIN_RE.match(value):  # fast path: ASCII digits, optional 1,000 separators
        return Decimal(value.replace(",", ""))
    t = unicodedata.normalize("NFKC", str(value)).strip()
    t = t.replace(",", "").replace("m2", "").replace("㎡", "").replace("円", "").replace("¥", "").strip()
    if t in ("", "-", "―", "－", "不明", "未詳"):
        return None
    if t.startswith("△") or t.startswith("▲"):  # 会計 negative sign
        t = "-" + t[1:]
    if not _NUM_RE.match(t):
        raise ValueProblem(f"{what}が数値ではありません")
    try:
        return Decimal(t)
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
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial_or_year(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), what)
    t = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
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
        raise ValueProblem(f"{what}の年が範囲外です")
    return ParsedDate(year, month, day, fy)


def _serial_or_year(num: Decimal, what: str) -> ParsedDate:
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
