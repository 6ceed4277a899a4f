"""Inventory importers: the kouiki template, デジタル庁 公共施設一覧 (both generations), 固定資産台帳.

:func:`import_inventory` detects the format from the headers (or takes ``fmt``) and returns
``(Inventory, ImportReport)``. Pure: nothing is written; the caller stores the result as one unit.
"""

from __future__ import annotations

from pathlib import Path

from kouiki.facilities.importers import ledger, public_facility, template
from kouiki.facilities.importers.common import (
    ImportReport,
    IncompleteFileError,
    InventoryImportError,
    Progress,
    RowIssue,
    known_headers,
    norm_header,
    read_table,
)
from kouiki.facilities.importers.ledger import LedgerMapping, import_ledger_table
from kouiki.facilities.importers.public_facility import (
    import_public_facility_table,
    looks_like_public_facility,
)
from kouiki.facilities.importers.template import import_template_table
from kouiki.facilities.model import Inventory, facility_problems

FORMATS = ("auto", "template", "public_facility", "ledger")
KNOWN_HEADERS = known_headers(template.ALIASES, public_facility.ALIASES, ledger.ALIASES)

__all__ = [
    "FORMATS",
    "ImportReport",
    "IncompleteFileError",
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
    """Import any supported inventory file. ``fmt``: auto | template | public_facility | ledger.

    Returns the facilities of the rows that could be read and the report listing every rejected row.
    Whoever stores the result calls ``report.require_complete()`` first (all-or-nothing), unless the user
    confirmed importing only the good rows.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise InventoryImportError(f"形式が不明です: {fmt}（{', '.join(FORMATS)}）")
    known = KNOWN_HEADERS | known_headers(extra=(mapping.columns.values() if mapping else ()))
    table = read_table(path, sheet or (mapping.sheet if mapping else None), encoding, known)
    kind = detect_format(table.header) if fmt == "auto" else fmt
    if kind == "public_facility":
        inv, report = import_public_facility_table(table, path, default_code=default_code, progress=progress)
    elif kind == "ledger":
        inv, report = import_ledger_table(
            table, path, mapping=mapping or LedgerMapping(), unit=unit, default_code=default_code, progress=progress,
        )
    else:
        inv, report = import_template_table(table, path, default_code=default_code, progress=progress)
    inv = screen(inv, report)
    if strict:
        report.require_complete()
    return inv, report


# A facility's field (kouiki.facilities.model) → the importer's fields it was read from, by format (the first the
# file has is the column an officer is shown); a field not listed is read from the importer field of its own name.
_SCREEN_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "ledger": {"facility_id": ("facility_key", "name"), "name": ("facility_key", "name"),
               "floor_area_m2": ("quantity",), "built_year": ("acquired", "in_service"),
               "acquisition_cost_yen": ("acquisition_cost",),
               "accumulated_depreciation_yen": ("accumulated_depreciation",), "municipality_code": ("code",)},
    "public_facility": {"facility_id": ("no",), "municipality_code": ("code",)},
    "public_facility_v2": {"facility_id": ("no",), "municipality_code": ("code",)},
}


def screen(inventory: Inventory, report: ImportReport) -> Inventory:
    """The last check before anything can be stored: a facility breaking the range schema
    (:func:`kouiki.facilities.model.facility_problems`, e.g. the sum of its 棟) is rejected at its first row."""
    kept = []
    for f in inventory.facilities:
        problems = facility_problems(f)
        if not problems:
            kept.append(f)
            continue
        for name, value, reason in problems:
            fields = _SCREEN_FIELDS.get(report.format, {}).get(name, (name,))
            report.reject(f.source_row or 0, report.column_of(*fields), f"施設「{f.name[:40]}」: {reason}", value,
                          field_name=fields[0])
    if len(kept) != len(inventory.facilities):
        report.facilities = len(kept)
        inventory = Inventory(kept, sources=inventory.sources, notes=inventory.notes)
    return inventory
