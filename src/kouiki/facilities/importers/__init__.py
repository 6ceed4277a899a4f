"""Inventory importers: the kouiki template, デジタル庁 公共施設一覧 (both generations), 固定資産台帳.

:func:`import_inventory` detects the format from the headers (or takes ``fmt``) and returns
``(Inventory, ImportReport)``. Pure: nothing is written; the caller stores the result as one unit.
"""

from __future__ import annotations

from pathlib import Path

from kouiki.facilities.importers.common import (
    ImportReport,
    InventoryImportError,
    Progress,
    RowIssue,
    norm_header,
    read_table,
)
from kouiki.facilities.importers.ledger import LedgerMapping, import_ledger_table
from kouiki.facilities.importers.public_facility import (
    import_public_facility_table,
    looks_like_public_facility,
)
from kouiki.facilities.importers.template import import_template_table
from kouiki.facilities.model import Inventory

FORMATS = ("auto", "template", "public_facility", "ledger")

__all__ = [
    "FORMATS",
    "ImportReport",
    "InventoryImportError",
    "LedgerMapping",
    "RowIssue",
    "detect_format",
    "import_inventory",
]


def detect_format(header: list[str]) -> str:
    keys = {norm_header(h) for h in header}
    if looks_like_public_facility(header):
        return "public_facility"
    if norm_header("勘定科目") in keys and (norm_header("取得価額") in keys or norm_header("取得価額等") in keys):
        return "ledger"
    return "template"


def import_inventory(
    path: Path | str,
    *,
    fmt: str = "auto",
    encoding: str | None = None,
    sheet: str | None = None,
    default_code: str | None = None,
    mapping: LedgerMapping | None = None,
    unit: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> tuple[Inventory, ImportReport]:
    """Import any supported inventory file. ``fmt``: auto | template | public_facility | ledger."""
    path = Path(path)
    if fmt not in FORMATS:
        raise InventoryImportError(f"形式が不明です: {fmt}（{', '.join(FORMATS)}）")
    table = read_table(path, sheet or (mapping.sheet if mapping else None), encoding)
    kind = detect_format(table.header) if fmt == "auto" else fmt
    if kind == "public_facility":
        return import_public_facility_table(table, path, default_code=default_code, strict=strict, progress=progress)
    if kind == "ledger":
        return import_ledger_table(
            table, path, mapping=mapping or LedgerMapping(), unit=unit, default_code=default_code, strict=strict,
            progress=progress,
        )
    return import_template_table(table, path, default_code=default_code, strict=strict, progress=progress)
