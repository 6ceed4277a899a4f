"""XLSX in and out for staffing cases: one sheet per section, one record per row, headers by name.

The reader returns the same dict shape as the YAML file (with row numbers for messages), so both go
through :func:`kouiki.staffing.io.case_from_dict`. :func:`write_workbook` writes that shape back (it makes
the packaged ``demo/aomori_hirosaki.xlsx`` and blank templates).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.staffing.model import (
    EMPLOYMENT_ALIASES,
    EMPLOYMENT_WORDS,
    NO,
    SECONDMENT_ALIASES,
    SECONDMENT_WORDS,
    YES,
    StaffingInputError,
    builtin_types,
    parse_bool,
    parse_employment,
    parse_secondment_type,
    resolve_type,
    type_parser,
)

# section → (sheet name, [(field, [headers; the first is written])]). The written title says the unit; the
# earlier titles stay accepted.
SHEETS: dict[str, tuple[str, list[tuple[str, list[str]]]]] = {
    "agreements": (
        "協約",
        [
            ("id", ["協約ID", "id"]),
            ("name", ["名称", "協約名", "name"]),
            ("parties", ["当事者（「、」区切り）", "当事者", "締結団体", "parties"]),
            ("sender", ["派遣元", "sender"]),
            ("basic_policy", ["基本方針", "basic_policy"]),
            ("role_split", ["役割分担", "role_split"]),
            ("expertise", ["専門性（職種、「、」区切り）", "専門性", "職種", "expertise"]),
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
            ("fte", ["勤務量（0〜1 の割合、1＝常勤1人分）", "勤務量", "FTE", "fte"]),
            ("salary_yen", ["人件費（円/年度）", "人件費", "salary_yen"]),
            ("recruiting_cost_yen", ["募集経費（円）", "募集経費", "recruiting_cost_yen"]),
            ("recruiting_year", ["募集年度", "recruiting_year"]),
            ("start_year", ["開始年度", "start_year"]),
            ("end_year", ["終了年度", "end_year"]),
            ("main_duty_municipal_support", ["主な所掌が市町村支援（はい/いいえ）", "主な所掌が市町村支援",
                                             "市町村支援が主", "main_duty_municipal_support"]),
            ("hired_as_specialist", ["専門職として採用（はい/いいえ）", "専門職として採用", "専門職採用",
                                     "hired_as_specialist"]),
            ("base", ["勤務拠点", "base"]),
            ("max_receivers", ["担当団体数の上限（団体）", "担当団体数の上限", "max_receivers"]),
            ("agreement", ["協約ID", "agreement"]),
        ],
    ),
    "secondments": (
        "派遣",
        [
            ("post", ["ポストID", "post"]),
            ("receiver", ["派遣先", "receiver"]),
            ("share", ["割合（0〜1 の割合）", "割合", "share"]),
            ("days_per_week", ["週日数（日/週）", "週日数", "days_per_week"]),
            ("from_year", ["開始年度", "from_year"]),
            ("to_year", ["終了年度", "to_year"]),
            ("type", ["派遣形態", "type"]),
            ("agreement", ["協約ID", "agreement"]),
            ("contribution_yen", ["負担金（円/年度）", "負担金", "contribution_yen"]),
            ("contribution_rate", ["負担率（0〜1 の割合）", "負担率", "contribution_rate"]),
        ],
    ),
    "demand": (
        "需要",
        [
            ("body", ["団体", "body"]),
            ("type", ["職種", "type"]),
            ("fte", ["人工（人、1＝常勤1人分）", "人工", "FTE", "fte"]),
            ("days_per_week", ["週日数（日/週）", "週日数", "days_per_week"]),
            ("from_year", ["開始年度", "from_year"]),
            ("to_year", ["終了年度", "to_year"]),
        ],
    ),
}

# What to write in each column (the sheet 「説明」 of the template).
HELP: dict[str, dict[str, str]] = {
    "agreements": {
        "id": "協約を区別する記号（例 K-1）。ポスト・派遣・議会議決の「協約ID」で参照します",
        "name": "連携協約の名称",
        "parties": "当事者の団体（名称または団体コード）を「、」で区切って。「圏域:弘前圏域」と書くと収録済みの圏域の構成団体すべて",
        "sender": "専門人材を派遣する団体（通常は都道府県）。空欄なら当事者のうちの都道府県",
        "basic_policy": "協約に定めた基本方針（要旨）。空欄は「定めを確認できない」として措置の対象外",
        "role_split": "協約に定めた役割分担（要旨）。空欄は措置の対象外",
        "expertise": "協約に定めた専門性（職種）を「、」で区切って（例 保健師、土木）",
        "concluded_on": "協約の締結日（日付、または 2025-03-31 の形）",
        "memorandum": "派遣人数・期間を定める協定・覚書（要旨）",
    },
    "council_votes": {
        "agreement": "「協約」シートの協約ID",
        "body": "議決した団体（協約の当事者）",
        "date": "議会の議決日（日付）",
    },
    "posts": {
        "id": "ポスト（1人）を区別する記号（例 HN-1）。「派遣」シートのポストIDで参照します",
        "name": "職名",
        "employer": "採用し派遣する団体（名称または団体コード）",
        "type": "職種（一覧から選ぶ）",
        "employment": "雇用形態（常勤＝任期の定めのない常勤職員、任期付、非常勤）",
        "fte": "勤務量。常勤1人分＝1、週4日勤務なら 0.8。空欄は 1",
        "salary_yen": "1年度の人件費（給料・手当・共済費等、採用団体の負担額）。円の整数",
        "recruiting_cost_yen": "募集経費（円の整数）。空欄は 0",
        "recruiting_year": "募集経費を支出する年度。空欄は開始年度",
        "start_year": "ポストの開始年度（令和7年度・R7・2025 いずれも可）",
        "end_year": "ポストの終了年度。空欄は期限なし",
        "main_duty_municipal_support": "常勤のとき: 主な所掌事務が市町村支援業務か。空欄は「確認できない」として人件費は措置の対象外",
        "hired_as_specialist": "常勤のとき: 専門職員として採用（又は準じた取扱い）したか。空欄は措置の対象外",
        "base": "勤務拠点の団体（移動距離の計算に使います）。空欄は採用団体",
        "max_receivers": "共同活用計画で1人が担当する団体数の上限。空欄は上限なし",
        "agreement": "このポストが基づく協約ID（空欄可）",
    },
    "secondments": {
        "post": "「ポスト」シートのポストID",
        "receiver": "派遣先の団体（名称または団体コード）",
        "share": "ポストの勤務のうちこの派遣先の割合（0〜1、例 0.4）。週日数とどちらか一方",
        "days_per_week": "派遣先で勤務する週の日数（例 3）。割合とどちらか一方",
        "from_year": "派遣の開始年度。空欄はポストの開始年度",
        "to_year": "派遣の終了年度。空欄は期限なし",
        "type": "派遣形態（協約派遣＝連携協約に基づく派遣、自治法派遣＝地方自治法252条の17）。空欄は「設定」シートの既定",
        "agreement": "派遣が基づく協約ID。空欄は「設定」シートの既定",
        "contribution_yen": "派遣先が支払う負担金（円の整数/年度）。負担率とどちらか一方",
        "contribution_rate": "按分した人件費のうち派遣先が負担金として支払う割合（0〜1）",
    },
    "demand": {
        "body": "専門人材を必要とする団体",
        "type": "職種（一覧から選ぶ）",
        "fte": "必要な勤務量（人工。常勤1人分＝1）。週日数とどちらか一方",
        "days_per_week": "必要な週の日数。人工とどちらか一方",
        "from_year": "需要の開始年度。空欄は計画の全年度",
        "to_year": "需要の終了年度。空欄は計画の最後まで",
    },
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
# (key, [labels; the first is written]); the earlier labels stay accepted.
SETTINGS: list[tuple[str, list[str]]] = [
    ("title", ["タイトル"]),
    ("years.from", ["開始年度"]),
    ("years.to", ["終了年度"]),
    ("defaults.secondment_type", ["派遣形態の既定"]),
    ("defaults.contribution_rate", ["負担率の既定（0〜1 の割合）", "負担率の既定"]),
    ("defaults.agreement", ["協約IDの既定"]),
]
SETTINGS_HELP: dict[str, str] = {
    "title": "計画の名称",
    "years.from": "計画の最初の年度（令和7年度・R7・2025 いずれも可）",
    "years.to": "計画の最後の年度",
    "defaults.secondment_type": "「派遣」シートで派遣形態が空欄のとき、共同活用計画（案）の派遣に使う形態",
    "defaults.contribution_rate": "共同活用計画（案）の派遣で、按分した人件費のうち派遣先が負担金として支払う割合",
    "defaults.agreement": "「派遣」シートで協約IDが空欄のときの協約ID",
}
IGNORED_HEADERS = {"備考", "メモ", "注記", "note", "notes"}
GUIDE_SHEET = "説明"
EXAMPLE_SHEET = "記入例"
FICTIONAL = "記入例の値は架空です（団体名・団体コードは実在。金額・日付・需要は説明用の値）"
ROWS_OFFERED = 500  # rows of a data sheet that get the drop-down lists

# Columns whose cell is a choice: はい/いいえ, or a word of a closed list (the reader accepts the other aliases
# and the codes too, so the lists only warn in Excel).
BOOL_FIELDS: frozenset[tuple[str, str]] = frozenset({
    ("posts", "main_duty_municipal_support"), ("posts", "hired_as_specialist"),
    ("policies", "new_policy"), ("priority_issues", "in_medium_term_plan"), ("priority_issues", "in_policy"),
    ("programmes", "stated_in_policy"), ("programmes", "wide_area"), ("programmes", "covers_municipalities"),
})
YEAR_FIELDS = frozenset({"start_year", "end_year", "recruiting_year", "from_year", "to_year", "fiscal_year",
                         "years.from", "years.to"})


def column_title(section: str, field: str) -> str | None:
    """The written title of a column (``posts``, ``salary_yen`` → 人件費（円/年度）); None if there is none."""
    if section == "defaults":
        return next((ls[0] for key, ls in SETTINGS if key == f"defaults.{field}"), None)
    for sheets in (SHEETS, TRAINING_SHEETS):
        if section in sheets:
            for f, hs in sheets[section][1]:
                if f == field:
                    return hs[0]
    return None


def choices(section: str, field: str) -> list[str] | None:
    """The words of a column's drop-down list, or None for a free column."""
    if (section, field) in BOOL_FIELDS:
        return [YES, NO]
    if (section, field) == ("posts", "employment"):
        return list(EMPLOYMENT_WORDS.values())
    if (section, field) in (("secondments", "type"), ("settings", "defaults.secondment_type")):
        return list(SECONDMENT_WORDS.values())
    if (section, field) in (("posts", "type"), ("demand", "type")):
        return [t.name for t in builtin_types()]
    return None


def _alias(aliases: dict[str, Any], value: Any) -> Any:
    key = unicodedata.normalize("NFKC", str(value)).strip()
    for k, v in aliases.items():
        if unicodedata.normalize("NFKC", k).strip() == key:
            return v
    return None


def _choice_parser(section: str, field: str) -> Callable[[Any], Any] | None:
    """The reader's parser of a choice column (the same one :mod:`kouiki.staffing.io` uses), None if free."""
    if (section, field) in BOOL_FIELDS:
        return parse_bool
    if (section, field) == ("posts", "employment"):
        return parse_employment
    if (section, field) in (("secondments", "type"), ("settings", "defaults.secondment_type")):
        return parse_secondment_type
    if (section, field) in (("posts", "type"), ("demand", "type")):
        return type_parser(builtin_types())  # a workbook has no sheet of its own 職種
    return None


def _check_choice(section: str, field: str, value: Any, where: str, issues: list[str]) -> None:
    parse = _choice_parser(section, field)
    if parse is None or value is None:
        return
    try:
        parse(value)
    except StaffingInputError as exc:
        issues.append(f"{where}: {exc}")


def cell_word(section: str, field: str, value: Any) -> Any:
    """What an officer reads in a cell: a choice by its Japanese word, はい/いいえ, 年度 in 和暦, a 職種 by its name.

    A value kouiki cannot place is written as it is, so the reader refuses it naming row and column.
    """
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return "、".join(str(cell_word(section, field, v)) for v in value)
    try:
        if (section, field) in BOOL_FIELDS:
            return YES if parse_bool(value) else NO
        if field in YEAR_FIELDS:
            return FiscalYear.parse(value).wareki()
    except KouikiError:
        return value
    if (section, field) == ("posts", "employment"):
        kind = _alias(EMPLOYMENT_ALIASES, value)
        return EMPLOYMENT_WORDS[kind] if kind is not None else value
    if (section, field) in (("secondments", "type"), ("settings", "defaults.secondment_type")):
        kind = _alias(SECONDMENT_ALIASES, value)
        return SECONDMENT_WORDS[kind] if kind is not None else value
    if (section, field) in (("posts", "type"), ("demand", "type"), ("agreements", "expertise")):
        t = resolve_type(str(value), builtin_types())
        return t.name if t is not None else value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# One sheet as read: its rows (values only) and the sheet row number of the first of them.
Rows = tuple[list[tuple[Any, ...]], int]


def read_workbook(path: Path) -> dict[str, Any]:
    """The workbook as the YAML-shaped dict (``__line__`` = the sheet row of each record)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a broken file
        raise StaffingInputError(f"{path.name}: Excelファイルとして読めません（{exc}）") from None
    try:
        known = {SETTINGS_SHEET} | {s for s, _ in SHEETS.values()} | {s for s, _ in TRAINING_SHEETS.values()}
        sheets = {name: (list(wb[name].iter_rows(values_only=True)), 1) for name in wb.sheetnames if name in known}
    finally:
        wb.close()
    return _mapping(sheets, path.name)


def read_example(path: Path) -> dict[str, Any]:
    """The sheet 「記入例」 of a template as the YAML-shaped dict: its blocks 【設定】【協約】… are read exactly
    like the sheets of the same names (so the example is checked by the same reader)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(wb[EXAMPLE_SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    sheets: dict[str, Rows] = {}
    current: str | None = None
    for r, row in enumerate(rows, start=1):
        first = _cell(row[0]) if row else None
        if isinstance(first, str) and first.startswith("【") and first.endswith("】"):
            current = first[1:-1]
            sheets[current] = ([], r + 1)
        elif current is not None and all(_cell(v) is None for v in row):
            current = None
        elif current is not None:
            sheets[current][0].append(row)
    return _mapping(sheets, f"{path.name}「{EXAMPLE_SHEET}」")


def _mapping(sheets: dict[str, Rows], file: str) -> dict[str, Any]:
    """The sheets as the YAML-shaped dict. Every wrong word of a choice column (雇用形態, 派遣形態, 職種, はい/いいえ)
    is listed in one error, each with its sheet, row, column, value and the words allowed; nothing is read then."""
    out: dict[str, Any] = {}
    issues: list[str] = []
    if SETTINGS_SHEET in sheets:
        labels = {_key(label): key for key, ls in SETTINGS for label in ls}
        rows, first = sheets[SETTINGS_SHEET]
        for r, row in enumerate(rows, start=first):
            if not row or row[0] is None or (r == first and _key(row[0]) == "項目"):
                continue
            label = _key(row[0])
            if label not in labels:
                known = "、".join(ls[0] for _, ls in SETTINGS)
                raise StaffingInputError(f"{file}「{SETTINGS_SHEET}」シート {r}行目: 項目「{label}」は不明です（既知: {known}）")
            value = _cell(row[1] if len(row) > 1 else None)
            if value is None:
                continue
            _check_choice("settings", labels[label], value,
                          f"{file} {r}行目（「{SETTINGS_SHEET}」シート） 項目「{str(row[0]).strip()}」", issues)
            target = out
            *parents, leaf = labels[label].split(".")
            for p in parents:
                target = target.setdefault(p, {})
            target[leaf] = value
            if parents == ["defaults"]:  # a message names the row and the label of the setting
                target["__row_word__"] = f"行目（「{SETTINGS_SHEET}」シート）"
                target.setdefault("__lines__", {})[leaf] = r
    training = "基本方針" in sheets
    for section, (sheet, columns) in (TRAINING_SHEETS if training else SHEETS).items():
        if sheet in sheets:
            out[section] = _read_rows(sheets[sheet], sheet, section, columns, file, issues)
    if issues:
        head = f"{file}: 一覧にない語が{len(issues)}件あります（どれも直すまで全体を読み込みません）" if len(issues) > 1 else ""
        raise StaffingInputError("\n".join([head, *issues]) if head else issues[0])
    if "policies" in out:
        return _assemble_training(out, file)
    votes = out.pop("council_votes", [])
    for v in votes:
        match = [a for a in out.get("agreements", []) if str(a.get("id")) == str(v.get("agreement"))]
        if not match:
            raise StaffingInputError(
                f"{file}「議会議決」シート {v['__line__']}行目: 協約ID「{v.get('agreement')}」が「協約」シートにありません"
            )
        match[0].setdefault("council_votes", {})[v.get("body")] = v.get("date")
    return out


def _key(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def _read_rows(sheet_rows: Rows, sheet: str, section: str, columns: list[tuple[str, list[str]]], file: str,
               issues: list[str]) -> list[dict[str, Any]]:
    rows, first = sheet_rows
    if not rows:
        return []
    header = rows[0]
    by_header = {_key(h): f for f, hs in columns for h in hs}
    fields: list[str | None] = []
    for h in header:
        if h is None or _key(h) in IGNORED_HEADERS:
            fields.append(None)
            continue
        if _key(h) not in by_header:
            known = "、".join(hs[0] for _, hs in columns)
            raise StaffingInputError(f"{file}「{sheet}」シート {first}行目: 列「{h}」は不明です（既知: {known}）")
        fields.append(by_header[_key(h)])
    records = []
    for r, row in enumerate(rows[1:], start=first + 1):
        rec: dict[str, Any] = {
            f: _cell(v) for f, v in zip(fields, row, strict=False) if f is not None and _cell(v) is not None
        }
        if not rec:
            continue
        rec["__line__"] = r
        rec["__row_word__"] = f"行目（「{sheet}」シート）"
        for h, f in zip(header, fields, strict=False):
            if f is not None:
                _check_choice(section, f, rec.get(f), f"{file} {r}行目（「{sheet}」シート） 項目「{str(h).strip()}」", issues)
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
    """Write a YAML-shaped training file (policies …) to an .xlsx the reader accepts (はい/いいえ as drop-downs)."""
    import openpyxl

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
    _settings_sheet(ws, data, SETTINGS[:3])
    for section, (sheet, columns) in TRAINING_SHEETS.items():
        _data_sheet(wb.create_sheet(sheet), section, columns, rows[section])
    from kouiki.reference.cellsafe import defuse_workbook  # user text is never a live formula
    defuse_workbook(wb)
    wb.save(path)


def _setting(data: dict[str, Any], key: str) -> Any:
    value: Any = data
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _bold_header(ws: Any, row: int = 1) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[row]:
        if cell.value is not None:
            cell.font = Font(bold=True)
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _drop_down(ws: Any, words: list[str], cells: str, title: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True, errorStyle="warning",
                        error="一覧から選んでください: " + "、".join(words), errorTitle=title[:32])
    ws.add_data_validation(dv)
    dv.add(cells)


def _settings_sheet(ws: Any, data: dict[str, Any], settings: list[tuple[str, list[str]]]) -> None:
    ws.append(["項目", "値", "書き方"])
    for r, (key, labels) in enumerate(settings, start=2):
        ws.append([labels[0], cell_word("settings", key, _setting(data, key)), SETTINGS_HELP.get(key, "")])
        words = choices("settings", key)
        if words:
            _drop_down(ws, words, f"B{r}", labels[0])
    _bold_header(ws)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 70


def _record_cells(section: str, columns: list[tuple[str, list[str]]], rec: dict[str, Any]) -> list[Any]:
    return [cell_word(section, f, rec.get(f)) for f, _ in columns]


def _data_sheet(ws: Any, section: str, columns: list[tuple[str, list[str]]], records: list[dict[str, Any]]) -> None:
    """One section: the titles on row 1 (with the unit), one record a row from row 2, drop-downs on the choices."""
    from openpyxl.utils import get_column_letter

    ws.append([hs[0] for _, hs in columns])
    _bold_header(ws)
    for rec in records:
        ws.append(_record_cells(section, columns, rec))
    last = max(ROWS_OFFERED, len(records)) + 1
    for j, (field, hs) in enumerate(columns, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(12, min(36, len(hs[0]) * 2 + 2))
        words = choices(section, field)
        if words:
            _drop_down(ws, words, f"{letter}2:{letter}{last}", hs[0])
    ws.freeze_panes = "A2"


def _sections(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The records of each sheet of a YAML-shaped case (the council votes of each 協約 on their own sheet)."""
    out = {section: list(data.get(section) or []) for section in SHEETS}
    out["council_votes"] = [
        {"agreement": a["id"], "body": body, "date": date}
        for a in data.get("agreements") or []
        for body, date in (a.get("council_votes") or {}).items()
        if body != "__line__"
    ]
    return out


def example_case() -> dict[str, Any]:
    """The case of the sheet 「記入例」: from the packaged demo (青森県・弘前圏域), 青森県 seconding a 保健師 (常勤)
    and a 土木技師 (任期付, 自治法派遣) to 大鰐町 and 西目屋村 — fictional figures, real bodies."""
    from importlib import resources

    import yaml

    demo = yaml.safe_load(resources.files("kouiki.staffing").joinpath("demo", "aomori_hirosaki.yaml").read_text("utf-8"))
    towns, posts = {"大鰐町", "西目屋村"}, {"HN-1", "CE-1"}
    return {
        "title": "記入例 青森県 保健師・土木技師の派遣（大鰐町・西目屋村）",
        "years": demo["years"],
        "defaults": demo["defaults"],
        "agreements": demo["agreements"],
        "posts": [p for p in demo["posts"] if p["id"] in posts],
        "secondments": [{"type": demo["defaults"]["secondment_type"], **s}
                        for s in demo["secondments"] if s["post"] in posts],
        "demand": [d for d in demo["demand"] if d["body"] in towns and d["type"] in ("保健師", "土木")],
    }


def _example_sheet(ws: Any, data: dict[str, Any]) -> None:
    """The example as blocks 【設定】【協約】…, each laid out like its sheet (read back by :func:`read_example`)."""
    from openpyxl.styles import Font

    ws.append([f"記入例 — {FICTIONAL}。このシートは読み込まれません。各シートに同じ形で記入してください。"])
    ws["A1"].font = Font(bold=True, color="C00000")
    ws.append([])
    ws.append([f"【{SETTINGS_SHEET}】"])
    ws.append(["項目", "値"])
    for key, labels in SETTINGS:
        ws.append([labels[0], cell_word("settings", key, _setting(data, key))])
    sections = _sections(data)
    for section, (sheet, columns) in SHEETS.items():
        ws.append([])
        ws.append([f"【{sheet}】"])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.append([hs[0] for _, hs in columns])
        _bold_header(ws, ws.max_row)
        for rec in sections[section]:
            ws.append(_record_cells(section, columns, rec))
    for j in range(1, 17):
        ws.column_dimensions[ws.cell(1, j).column_letter].width = 16


def _guide_sheet(ws: Any) -> None:
    ws.append(["シート", "列", "書き方", "選べる語（一覧から選ぶ）"])
    _bold_header(ws)
    for key, labels in SETTINGS:
        ws.append([SETTINGS_SHEET, labels[0], SETTINGS_HELP[key], "、".join(choices("settings", key) or [])])
    for section, (sheet, columns) in SHEETS.items():
        for field, hs in columns:
            ws.append([sheet, hs[0], HELP[section][field], "、".join(choices(section, field) or [])])
    ws.append([])
    for line in (
        "1行＝1件。1行目の列名は変えないでください（「備考」列は自由に加えられます）。",
        "団体は名称（同名があれば「北海道森町」のように都道府県名付き）か、5桁・6桁の団体コードで書けます。",
        "年度は 令和7年度・R7・2025 のどれでも書けます。金額は円の整数、割合は 0〜1 の小数です。",
        "一覧の語のほか、同じ意味の語（常勤職員、任期付職員、○/× など）も読み込めます。",
        "誤りがあると、シート・行・列・値と理由を示して、全体を読み込みません。",
        f"「{EXAMPLE_SHEET}」シートは読み込まれません（{FICTIONAL}）。",
    ):
        ws.append([line])
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 80
    ws.column_dimensions["D"].width = 40


def write_workbook(data: dict[str, Any], path: Path) -> None:
    """Write a YAML-shaped case to the Excel 入力様式: the sheets and titles the reader expects, cells in the
    officer's words (choices by their Japanese word, はい/いいえ, 年度 in 和暦) offered as drop-down lists, a sheet
    「記入例」 and a sheet 「説明」. ``data`` = {} writes the blank template; the CLI (``--demo``) and the web's
    download write a plan through here, and it reads back as the same case."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SETTINGS_SHEET
    _settings_sheet(ws, data, SETTINGS)
    sections = _sections(data)
    for section, (sheet, columns) in SHEETS.items():
        _data_sheet(wb.create_sheet(sheet), section, columns, sections[section])
    _example_sheet(wb.create_sheet(EXAMPLE_SHEET), example_case())
    _guide_sheet(wb.create_sheet(GUIDE_SHEET))
    from kouiki.reference.cellsafe import defuse_workbook  # user text is never a live formula
    defuse_workbook(wb)
    wb.save(path)
