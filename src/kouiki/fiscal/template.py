"""The Excel plan template (one row per item) — written by :func:`write_template`, read by :func:`read_xlsx`.

財政課 staff fill the sheet 「計画」: row 2 holds Japanese column titles, row 3 the field names kouiki reads
(do not change row 3), items start on row 4. Cells are in the officer's words — measures by their Japanese
name, choices by their Japanese word, はい/いいえ — offered as drop-down lists; IDs are accepted too. Blank cells are "not given". ``conditions.*`` columns form
the ``conditions`` of the training measure. Code columns are text so leading zeros survive.
Errors name the sheet, the row and the column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kouiki.fiscal.errors import PlanError, PlanIssue
from kouiki.fiscal.plan import (
    CONDITIONS,
    CONDITIONS_JA,
    MEASURE_FIELDS,
    NO_COST,
    FieldSpec,
    all_field_names,
    choice_word,
    choice_words,
    fields_of,
    measure_label,
)

SHEET = "計画"
HEADER_ROW = 3
FIRST_ROW = 4

EXAMPLES: list[dict[str, Any]] = [
    {"measure": "consolidation_study", "municipality": "292044", "fiscal_year": "R7", "cost_yen": 12000000,
     "name": "公共施設の広域的な配置の調査", "partner_bodies": "292044,293229,293610,293628,293636"},
    {"measure": "facility_bond", "municipality": "292044", "fiscal_year": "R7", "cost_yen": 1000000000,
     "name": "複合施設の整備", "category": "consolidation", "national_subsidy_rate": "0.5",
     "floor_area_before_m2": 12000, "floor_area_after_m2": 8000, "term_years": 20, "grace_years": 3,
     "interest_rate": "0", "repayment": "annuity"},
    {"measure": "specialist_salary", "municipality": "020001", "fiscal_year": "R7", "cost_yen": 9000000,
     "name": "保健師の派遣", "receiver": "023671", "secondment": "agreement", "contribution_yen": 2000000, "persons": 1},
    {"measure": "training", "municipality": "293628", "fiscal_year": "R7", "cost_yen": 800000,
     "name": "GX研修", "conditions.priority_in_plan": True, "conditions.systematic_program": True,
     "conditions.numeric_target": True},
]


def columns() -> list[str]:
    names = [n for n in all_field_names() if n != "conditions"]
    return names + [f"conditions.{c}" for c in CONDITIONS]


def _label(name: str) -> str:
    if name.startswith("conditions."):
        return "研修要件 " + CONDITIONS_JA[name.split(".", 1)[1]]
    for m in MEASURE_FIELDS:
        specs = fields_of(m)
        if name in specs:
            return specs[name].label
    return name


def _choice_spec(name: str) -> FieldSpec | None:
    for m in MEASURE_FIELDS:
        spec = fields_of(m).get(name)
        if spec is not None and spec.choices is not None:
            return spec
    return None


def _cell_word(name: str, value: Any) -> Any:
    """What an officer reads in a cell: the measure's Japanese name, a choice's Japanese word, はい/いいえ."""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if not isinstance(value, str):
        return value
    if name == "measure":
        return measure_label(value)
    spec = _choice_spec(name)
    return choice_word(spec.choices, value) if spec is not None and spec.choices is not None else value


def item_cells(item: dict[str, Any]) -> dict[str, Any]:
    """One plan item as template cells, in the words an officer types: the measure by its Japanese name, choices
    by their Japanese word, booleans as はい/いいえ (all read back to the same plan); ``conditions`` spread over
    ``conditions.*``, lists joined by commas."""
    out: dict[str, Any] = {}
    for k, v in item.items():
        if k == "conditions" and isinstance(v, dict):
            out.update({f"conditions.{c}": _cell_word(c, cv) for c, cv in v.items()})
        elif isinstance(v, list | tuple):
            out[k] = ",".join(str(x) for x in v)
        elif isinstance(v, dict):
            out[k] = str(v)
        else:
            out[k] = _cell_word(k, v)
    return out


def _is_bool(name: str) -> bool:
    return any(name in fields_of(m) and fields_of(m)[name].type == "bool" for m in MEASURE_FIELDS)


def column_label(name: str) -> str:
    """The Japanese title of a template column (row 2), e.g. ``cost_yen`` → 対象経費（円）."""
    return _label(name)


def write_template(path: Path, with_examples: bool = False, items: list[dict[str, Any]] | None = None) -> Path:
    """Write the .xlsx template (sheet 計画, plus 措置一覧 and 記入例); ``items`` prefill 計画 (a saved plan)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    cols = columns()
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET

    def header(sheet: Any) -> None:
        sheet.cell(1, 1, "kouiki 財政措置の計画（1行＝1項目。3行目の項目名は変更しないでください。金額は円）")
        sheet.cell(1, 1).font = Font(bold=True)
        fill = PatternFill("solid", fgColor="DDEBF7")
        for j, name in enumerate(cols, start=1):
            c2 = sheet.cell(2, j, _label(name))
            c2.font = Font(bold=True)
            c2.fill = fill
            c2.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.cell(HEADER_ROW, j, name).font = Font(color="808080", size=9)
            letter = c2.column_letter
            sheet.column_dimensions[letter].width = 16 if name not in ("name", "partner_bodies") else 28
            if name in ("municipality", "receiver", "sender", "partner_bodies"):
                for r in range(FIRST_ROW, FIRST_ROW + 500):
                    sheet.cell(r, j).number_format = "@"
        sheet.freeze_panes = sheet.cell(FIRST_ROW, 4)

    header(ws)
    last = FIRST_ROW + 499
    # Drop-down lists in the officer's words: the measures by name (措置一覧 column A), each choice field's
    # Japanese words, はい/いいえ. The IDs and English values stay accepted, so a list only warns in Excel.
    dv = DataValidation(type="list", formula1=f"='措置一覧'!$A$2:$A${len(MEASURE_FIELDS) + 1}", allow_blank=True,
                        errorStyle="warning", error="措置一覧の名称（A列）か ID（B列）を記入してください",
                        errorTitle="措置")
    ws.add_data_validation(dv)
    dv.add(f"A{FIRST_ROW}:A{last}")
    for j, name in enumerate(cols, start=1):
        spec = _choice_spec(name)
        words = choice_words(spec.choices) if spec is not None and spec.choices is not None else None
        if words is None and (name.startswith("conditions.") or _is_bool(name)):
            words = ["はい", "いいえ"]
        if words is None:
            continue
        letter = ws.cell(HEADER_ROW, j).column_letter
        cdv = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True,
                             errorStyle="warning", error="一覧から選んでください: " + "、".join(words),
                             errorTitle=_label(name))
        ws.add_data_validation(cdv)
        cdv.add(f"{letter}{FIRST_ROW}:{letter}{last}")

    ex = wb.create_sheet("記入例")
    header(ex)
    target = ws if with_examples else ex
    for i, row in enumerate(EXAMPLES):
        cells = item_cells(row)
        for j, name in enumerate(cols, start=1):
            if name in cells:
                target.cell(FIRST_ROW + i, j, cells[name])
                if target is not ex:
                    ex.cell(FIRST_ROW + i, j, cells[name])

    for i, item in enumerate(items or []):
        cells = item_cells(item)
        for j, name in enumerate(cols, start=1):
            if name in cells and cells[name] is not None:
                ws.cell(FIRST_ROW + i, j, cells[name])

    from kouiki.fiscal.params import packaged

    cat = wb.create_sheet("措置一覧")
    cat.append(["措置", "ID", "必須の項目", "使える項目"])
    for m in MEASURE_FIELDS:
        specs = fields_of(m)
        req = [n for n, s in specs.items() if s.required] + ([] if m in NO_COST else ["cost_yen"])
        info = packaged().measures.get(m)
        cat.append([info.label if info else m, m, "、".join(_label(n) for n in req),
                    "、".join(_label(n) for n in specs if n != "conditions")
                    + ("、研修要件 ①〜③" if "conditions" in specs else "")])
    cat.column_dimensions["A"].width = 30
    cat.column_dimensions["B"].width = 50
    cat.column_dimensions["C"].width = 50
    path.parent.mkdir(parents=True, exist_ok=True)
    from kouiki.reference.cellsafe import defuse_workbook  # user text is never a live formula
    defuse_workbook(wb)
    wb.save(path)
    return path


def read_xlsx(path: Path) -> tuple[list[dict[str, Any]], list[int], str]:
    """Items of the sheet 計画 (or the first sheet), the Excel row of each, and the sheet's name."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise PlanError([PlanIssue(None, None, f"Excelファイルを開けません: {exc}")], str(path)) from None
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb[wb.sheetnames[0]]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    header_idx = None
    for i, row in enumerate(rows[:10]):
        if row and any(isinstance(v, str) and v.strip() == "measure" for v in row):
            header_idx = i
            break
    if header_idx is None:
        raise PlanError(
            [PlanIssue(None, None, f"シート「{ws.title}」に項目名の行（measure, municipality, …）が見つかりません")],
            str(path),
        )
    names = [str(v).strip() if v is not None else "" for v in rows[header_idx]]
    issues = []
    known = set(columns())
    for j, n in enumerate(names):
        if n and n not in known:
            issues.append(PlanIssue(None, n, f"シート「{ws.title}」{header_idx + 1}行目 {j + 1}列目: 不明な項目名 {n!r}"))
    if issues:
        raise PlanError(issues, str(path))
    items: list[dict[str, Any]] = []
    excel_rows: list[int] = []
    for i, row in enumerate(rows[header_idx + 1 :], start=header_idx + 2):
        values = {
            names[j]: v
            for j, v in enumerate(row)
            if j < len(names) and names[j] and v is not None and not (isinstance(v, str) and not v.strip())
        }
        if not values:
            continue
        item: dict[str, Any] = {}
        conds: dict[str, Any] = {}
        for k, v in values.items():
            if k.startswith("conditions."):
                conds[k.split(".", 1)[1]] = v
            else:
                item[k] = v
        if conds:
            item["conditions"] = conds
        items.append(item)
        excel_rows.append(i)
    return items, excel_rows, ws.title


def field_columns(path: Path) -> dict[str, str]:
    """Field name → column letter of the header row of the sheet 計画 (or the first sheet), so a message can
    name the column; empty when the file cannot be read."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        return {}
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb[wb.sheetnames[0]]
    out: dict[str, str] = {}
    for row in ws.iter_rows(min_row=1, max_row=10, values_only=True):
        if row and any(isinstance(v, str) and v.strip() == "measure" for v in row):
            out = {str(v).strip(): get_column_letter(j) for j, v in enumerate(row, start=1) if v is not None}
            break
    wb.close()
    return out


def regenerate_package_data(folder: Path | None = None) -> list[Path]:
    """Rewrite the shipped ``data/plan_template.xlsx`` and ``data/plan.schema.json`` (run after changing
    the plan fields: ``python -m kouiki.fiscal.template``; a test fails while they are stale)."""
    import json

    from kouiki.fiscal.plan import json_schema

    out = folder or Path(__file__).parent / "data"
    out.mkdir(parents=True, exist_ok=True)
    schema = out / "plan.schema.json"
    schema.write_text(json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [write_template(out / "plan_template.xlsx"), schema]


if __name__ == "__main__":  # pragma: no cover
    for p in regenerate_package_data():
        print(p)
