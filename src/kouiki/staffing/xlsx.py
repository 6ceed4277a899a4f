"""XLSX in and out for staffing cases: one sheet per section, one record per row, headers by name.

The reader returns the same dict shape as the YAML file (with row numbers for messages), so both go
through :func:`kouiki.staffing.io.case_from_dict`. :func:`write_workbook` writes that shape back (it makes
the packaged ``demo/aomori_hirosaki.xlsx`` and blank templates).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path
from typing import Any

from kouiki.staffing.model import StaffingInputError

# section → (sheet name, [(field, [headers; the first is written])])
SHEETS: dict[str, tuple[str, list[tuple[str, list[str]]]]] = {
    "agreements": (
        "協約",
        [
            ("id", ["協約ID", "id"]),
            ("name", ["名称", "協約名", "name"]),
            ("parties", ["当事者", "締結団体", "parties"]),
            ("sender", ["派遣元", "sender"]),
            ("basic_policy", ["基本方針", "basic_policy"]),
            ("role_split", ["役割分担", "role_split"]),
            ("expertise", ["専門性", "職種", "expertise"]),
            ("concluded_on", ["締結日", "concluded_on"]),
            ("memorandum", ["協定・覚書", "覚書", "memorandum"]),
        ],
    ),
    "council_votes": (
        "議会議決",
        [
            ("agreement", ["協約ID", "agreement"]),
            ("body", ["団体", "body"]),
            ("date", ["議決日", "date"]),
        ],
    ),
    "posts": (
        "ポスト",
        [
            ("id", ["ポストID", "id"]),
            ("name", ["名称", "職名", "name"]),
            ("employer", ["採用団体", "雇用団体", "employer"]),
            ("type", ["職種", "type"]),
            ("employment", ["雇用形態", "任用形態", "employment"]),
            ("fte", ["勤務量", "FTE", "fte"]),
            ("salary_yen", ["人件費（円/年度）", "人件費", "salary_yen"]),
            ("recruiting_cost_yen", ["募集経費（円）", "募集経費", "recruiting_cost_yen"]),
            ("recruiting_year", ["募集年度", "recruiting_year"]),
            ("start_year", ["開始年度", "start_year"]),
            ("end_year", ["終了年度", "end_year"]),
            ("main_duty_municipal_support", ["主な所掌が市町村支援", "市町村支援が主", "main_duty_municipal_support"]),
            ("hired_as_specialist", ["専門職として採用", "専門職採用", "hired_as_specialist"]),
            ("base", ["勤務拠点", "base"]),
            ("max_receivers", ["担当団体数の上限", "max_receivers"]),
            ("agreement", ["協約ID", "agreement"]),
        ],
    ),
    "secondments": (
        "派遣",
        [
            ("post", ["ポストID", "post"]),
            ("receiver", ["派遣先", "receiver"]),
            ("share", ["割合", "share"]),
            ("days_per_week", ["週日数", "days_per_week"]),
            ("from_year", ["開始年度", "from_year"]),
            ("to_year", ["終了年度", "to_year"]),
            ("type", ["派遣形態", "type"]),
            ("agreement", ["協約ID", "agreement"]),
            ("contribution_yen", ["負担金（円/年度）", "負担金", "contribution_yen"]),
            ("contribution_rate", ["負担率", "contribution_rate"]),
        ],
    ),
    "demand": (
        "需要",
        [
            ("body", ["団体", "body"]),
            ("type", ["職種", "type"]),
            ("fte", ["人工", "FTE", "fte"]),
            ("days_per_week", ["週日数", "days_per_week"]),
            ("from_year", ["開始年度", "from_year"]),
            ("to_year", ["終了年度", "to_year"]),
        ],
    ),
}

# 人材育成 (training) workbooks: one sheet per level, joined by 団体 and 研修ID.
TRAINING_SHEETS: dict[str, tuple[str, list[tuple[str, list[str]]]]] = {
    "policies": (
        "基本方針",
        [
            ("body", ["団体", "body"]),
            ("name", ["名称", "name"]),
            ("new_policy", ["新たに策定", "new_policy"]),
            ("adopted_on", ["策定日", "adopted_on"]),
        ],
    ),
    "priority_issues": (
        "重点課題",
        [
            ("body", ["団体", "body"]),
            ("name", ["課題", "name"]),
            ("in_medium_term_plan", ["中長期計画に明示", "in_medium_term_plan"]),
            ("in_policy", ["基本方針に位置づけ", "in_policy"]),
            ("plan", ["計画名", "plan"]),
        ],
    ),
    "programmes": (
        "研修",
        [
            ("body", ["団体", "body"]),
            ("id", ["研修ID", "id"]),
            ("name", ["名称", "name"]),
            ("issue", ["課題", "issue"]),
            ("stated_in_policy", ["基本方針に明示", "stated_in_policy"]),
            ("purpose", ["目的", "purpose"]),
            ("schedule", ["スケジュール", "schedule"]),
            ("target_staff", ["数値目標（人）", "数値目標", "target_staff"]),
            ("wide_area", ["広域研修", "wide_area"]),
            ("covers_municipalities", ["市町村を含む旨の明示", "covers_municipalities"]),
            ("participants", ["参加市町村", "participants"]),
            ("joins", ["参加する研修ID", "joins"]),
        ],
    ),
    "municipal_targets": (
        "市町村目標",
        [
            ("programme", ["研修ID", "programme"]),
            ("body", ["団体", "body"]),
            ("count", ["人数", "count"]),
        ],
    ),
    "costs": (
        "研修経費",
        [
            ("programme", ["研修ID", "programme"]),
            ("fiscal_year", ["年度", "fiscal_year"]),
            ("hosting_cost_yen", ["開催経費（円）", "開催経費", "hosting_cost_yen"]),
            ("attendance_cost_yen", ["受講経費（円）", "受講経費", "attendance_cost_yen"]),
        ],
    ),
}

SETTINGS_SHEET = "設定"
SETTINGS: list[tuple[str, str]] = [
    ("title", "タイトル"),
    ("years.from", "開始年度"),
    ("years.to", "終了年度"),
    ("defaults.secondment_type", "派遣形態の既定"),
    ("defaults.contribution_rate", "負担率の既定"),
    ("defaults.agreement", "協約IDの既定"),
]
IGNORED_HEADERS = {"備考", "メモ", "注記", "note", "notes"}


def _key(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def read_workbook(path: Path) -> dict[str, Any]:
    """The workbook as the YAML-shaped dict (``__line__`` = the sheet row of each record)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a broken file
        raise StaffingInputError(f"{path.name}: Excelファイルとして読めません（{exc}）") from None
    out: dict[str, Any] = {}
    try:
        if SETTINGS_SHEET in wb.sheetnames:
            labels = {label: key for key, label in SETTINGS}
            for r, row in enumerate(wb[SETTINGS_SHEET].iter_rows(values_only=True), start=1):
                if not row or row[0] is None or (r == 1 and _key(row[0]) == "項目"):
                    continue
                label = _key(row[0])
                if label not in labels:
                    raise StaffingInputError(
                        f"{path.name}「{SETTINGS_SHEET}」シート {r}行目: 項目「{label}」は不明です（既知: {'、'.join(labels)}）"
                    )
                value = _cell(row[1] if len(row) > 1 else None)
                if value is None:
                    continue
                target = out
                *parents, leaf = labels[label].split(".")
                for p in parents:
                    target = target.setdefault(p, {})
                target[leaf] = value
        training = "基本方針" in wb.sheetnames
        for section, (sheet, columns) in (TRAINING_SHEETS if training else SHEETS).items():
            if sheet not in wb.sheetnames:
                continue
            out[section] = _read_sheet(wb[sheet], sheet, columns, path.name)
    finally:
        wb.close()
    if "policies" in out:
        return _assemble_training(out, path.name)
    votes = out.pop("council_votes", [])
    for v in votes:
        match = [a for a in out.get("agreements", []) if str(a.get("id")) == str(v.get("agreement"))]
        if not match:
            raise StaffingInputError(
                f"{path.name}「議会議決」シート {v['__line__']}行目: 協約ID「{v.get('agreement')}」が「協約」シートにありません"
            )
        match[0].setdefault("council_votes", {})[v.get("body")] = v.get("date")
    return out


def _read_sheet(ws: Any, sheet: str, columns: list[tuple[str, list[str]]], file: str) -> list[dict[str, Any]]:
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return []
    by_header = {_key(h): f for f, hs in columns for h in hs}
    fields: list[str | None] = []
    for h in header:
        if h is None or _key(h) in IGNORED_HEADERS:
            fields.append(None)
            continue
        if _key(h) not in by_header:
            known = "、".join(hs[0] for _, hs in columns)
            raise StaffingInputError(f"{file}「{sheet}」シート 1行目: 列「{h}」は不明です（既知: {known}）")
        fields.append(by_header[_key(h)])
    records = []
    for r, row in enumerate(rows, start=2):
        rec: dict[str, Any] = {
            f: _cell(v) for f, v in zip(fields, row, strict=False) if f is not None and _cell(v) is not None
        }
        if not rec:
            continue
        rec["__line__"] = r
        rec["__row_word__"] = f"行目（「{sheet}」シート）"
        records.append(rec)
    return records


def _assemble_training(sections: dict[str, Any], file: str) -> dict[str, Any]:
    """Join the training sheets into the YAML shape (policies → issues, programmes → targets, costs)."""
    from kouiki.reference.errors import KouikiError
    from kouiki.staffing.model import parse_body

    def body_of(rec: dict[str, Any], sheet: str) -> str:
        try:
            return parse_body(rec.get("body"))
        except KouikiError as exc:
            raise StaffingInputError(f"{file}「{sheet}」シート {rec['__line__']}行目 項目「団体」: {exc}") from None

    policies = sections.get("policies", [])
    by_body = {body_of(p, "基本方針"): p for p in policies}
    programmes: dict[str, dict[str, Any]] = {}
    for key, sheet, target in (("priority_issues", "重点課題", "priority_issues"), ("programmes", "研修", "programmes")):
        for rec in sections.get(key, []):
            code = body_of(rec, sheet)
            if code not in by_body:
                raise StaffingInputError(f"{file}「{sheet}」シート {rec['__line__']}行目: 団体「{rec.get('body')}」の基本方針が「基本方針」シートにありません")
            entry = {k: v for k, v in rec.items() if k != "body"}
            by_body[code].setdefault(target, []).append(entry)
            if key == "programmes":
                programmes[str(rec.get("id"))] = entry
    for key, sheet in (("municipal_targets", "市町村目標"), ("costs", "研修経費")):
        for rec in sections.get(key, []):
            prog = programmes.get(str(rec.get("programme")))
            if prog is None:
                raise StaffingInputError(f"{file}「{sheet}」シート {rec['__line__']}行目: 研修ID「{rec.get('programme')}」が「研修」シートにありません")
            if key == "municipal_targets":
                prog.setdefault("municipal_targets", {})[rec.get("body")] = rec.get("count")
            else:
                prog.setdefault("costs", []).append({k: v for k, v in rec.items() if k != "programme"})
    out: dict[str, Any] = {"policies": policies}
    for k in ("title", "years"):
        if k in sections:
            out[k] = sections[k]
    return out


def write_training_workbook(data: dict[str, Any], path: Path) -> None:
    """Write a YAML-shaped training file (policies …) to an .xlsx the reader accepts."""
    import openpyxl
    from openpyxl.styles import Font

    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in TRAINING_SHEETS}
    for pol in data.get("policies") or []:
        rows["policies"].append(pol)
        for i in pol.get("priority_issues") or []:
            rows["priority_issues"].append({"body": pol["body"], **i})
        for prog in pol.get("programmes") or []:
            rows["programmes"].append({"body": pol["body"], **prog})
            for body, n in (prog.get("municipal_targets") or {}).items():
                rows["municipal_targets"].append({"programme": prog["id"], "body": body, "count": n})
            for c in prog.get("costs") or []:
                rows["costs"].append({"programme": prog["id"], **c})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SETTINGS_SHEET
    ws.append(["項目", "値"])
    years = data.get("years") or {}
    for key, label in SETTINGS[:3]:
        value = data.get("title") if key == "title" else years.get(key.split(".")[1]) if isinstance(years, dict) else None
        ws.append([label, value])
    for section, (sheet, columns) in TRAINING_SHEETS.items():
        ws = wb.create_sheet(sheet)
        ws.append([hs[0] for _, hs in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for rec in rows[section]:
            ws.append(["、".join(str(x) for x in v) if isinstance(v, list) else v for v in (rec.get(f) for f, _ in columns)])
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = 16
    from kouiki.reference.cellsafe import defuse_workbook  # user text is never a live formula
    defuse_workbook(wb)
    wb.save(path)


def write_workbook(data: dict[str, Any], path: Path) -> None:
    """Write a YAML-shaped case to an .xlsx with the sheets and headers the reader expects."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SETTINGS_SHEET
    ws.append(["項目", "値"])
    for key, label in SETTINGS:
        value: Any = data
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        ws.append([label, value])
    sections = dict(data)
    votes = []
    for a in sections.get("agreements") or []:
        for body, date in (a.get("council_votes") or {}).items():
            if body != "__line__":
                votes.append({"agreement": a["id"], "body": body, "date": date})
    sections["council_votes"] = votes
    for section, (sheet, columns) in SHEETS.items():
        ws = wb.create_sheet(sheet)
        ws.append([hs[0] for _, hs in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for rec in sections.get(section) or []:
            row = []
            for f, _ in columns:
                v = rec.get(f)
                if isinstance(v, list):
                    v = "、".join(str(x) for x in v)
                row.append(v)
            ws.append(row)
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = 16
    from kouiki.reference.cellsafe import defuse_workbook  # user text is never a live formula
    defuse_workbook(wb)
    wb.save(path)
