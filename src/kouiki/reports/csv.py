"""CSV as Japanese offices open it: CP932 (Shift_JIS) by default, UTF-8 with BOM on request.

Amounts are written in 千円 like the screen (header says so), unknown figures as 「不明」. A character
that CP932 lacks is written as its look-alike where one exists (「—」 → 「―」, 〜 → ～); any other becomes 〓 (げた記号), the usual convention, and a note row says so.
"""

from __future__ import annotations

from io import StringIO

from kouiki.reference.cellsafe import safe_writer
from kouiki.reports.table import ColumnKind, ReportTable, display


def _fits_cp932(text: str) -> bool:
    try:
        text.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


# Characters CP932 lacks but whose look-alike it holds (the Unicode ↔ Shift_JIS mapping differences): these
# are written as the look-alike, not 〓, since the reader sees the same mark. 「—」 (U+2014 EM DASH, our
# 「不明・該当なし」 dash) becomes 「―」 (U+2015), the dash Windows writes.
_CP932_LOOKALIKE = str.maketrans({
    "\u2014": "\u2015",  # — EM DASH → ― HORIZONTAL BAR
    "\u2013": "\uff0d",  # – EN DASH → － FULLWIDTH HYPHEN-MINUS
    "\u2212": "\uff0d",  # − MINUS SIGN → －
    "\u301c": "\uff5e",  # 〜 WAVE DASH → ～ FULLWIDTH TILDE
    "\u2016": "\u2225",  # ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
    "\u00a2": "\uffe0",  # ¢ → ￠
    "\u00a3": "\uffe1",  # £ → ￡
    "\u00ac": "\uffe2",  # ¬ → ￢
    "\u00a0": " ",        # no-break space → space
})


def cp932_safe(text: str) -> str:
    """``text`` with look-alikes for the characters CP932 lacks (「—」 → 「―」); the rest is left as is."""
    return text.translate(_CP932_LOOKALIKE)


def csv_text(table: ReportTable) -> str:
    table.check()
    buf = StringIO()
    w = safe_writer(buf, lineterminator="\r\n")  # user text never becomes a formula
    w.writerow([table.title])
    if table.unit_label:
        w.writerow([table.unit_label])
    w.writerow([c.header for c in table.columns])
    for row in table.rows:
        w.writerow([
            (display(cell, col.kind).replace(",", "") if col.kind in (ColumnKind.YEN, ColumnKind.INT) else display(cell, col.kind))
            for col, cell in zip(table.columns, row, strict=True)
        ])
    w.writerow([f"出典：{table.source}"])
    for note in table.notes:
        w.writerow([f"注：{note}"])
    return buf.getvalue()


def csv_bytes(table: ReportTable, encoding: str = "cp932") -> bytes:
    """The CSV file: ``cp932`` (default) or ``utf-8-sig`` (UTF-8 with BOM)."""
    text = csv_text(table)
    if encoding.lower().replace("_", "-") in ("utf-8-sig", "utf8-sig", "utf-8-bom"):
        return text.encode("utf-8-sig")
    if encoding.lower() not in ("cp932", "shift-jis", "sjis", "ms932"):
        raise ValueError(f"unsupported CSV encoding: {encoding}")
    text = cp932_safe(text)
    if _fits_cp932(text):
        return text.encode("cp932")
    fixed = "".join(ch if _fits_cp932(ch) else "〓" for ch in text)
    fixed += "注：Shift_JIS（CP932）で表せない文字を〓に置き換えました。UTF-8 版で正確な文字を確認できます\r\n"
    return fixed.encode("cp932")
