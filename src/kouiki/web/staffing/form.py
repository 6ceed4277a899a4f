"""The staffing plan as forms (派遣計画のフォーム編集): 協約, ポスト, 派遣 and 需要 as tables of rows, the same
document as the YAML text and ``PUT /api/regions/{id}/staffing`` (``{"case": …}``; layout in
:mod:`kouiki.staffing.io`).

Form fields: ``title``, ``years_from``, ``years_to``, ``_top_extra`` (JSON of top-level keys the form does not show:
``defaults``, ``specialist_types`` …) and, for row ``i`` of section ``sec`` (``sec_rows`` in all): ``sec{i}.<key>``
per column (repeated for the 当事者 of a 協約) and ``sec{i}._extra`` (JSON of the record's other keys, kept as
they were). A canonical document (the one the form writes: 年度 as ``R7``, amounts as int yen, fractions as text)
survives ``document → rows → document`` unchanged. The staffing engine validates; its message is placed in the
cell of the section, record and field it names.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.web.fiscal.form import _number, parse_amount


@dataclass(frozen=True)
class Col:
    key: str
    label: str  # Japanese, with the unit
    kind: str  # text, list, body, bodies, stype, employment, secondment, post, amount, number, rate, year, date, bool,
    # votes (議決日 per 当事者: the cell is 「団体\t日付」 entries, one date input per party on the page)
    hint: str = ""


SECTIONS: dict[str, tuple[str, tuple[Col, ...]]] = {
    "agreements": ("連携協約", (
        Col("id", "協約ID", "text", "例 K-1"), Col("name", "協約の名称", "text"),
        Col("parties", "当事者", "bodies"), Col("sender", "派遣元（都道府県等）", "body"),
        Col("basic_policy", "基本方針", "text"), Col("role_split", "役割分担", "text"),
        Col("expertise", "求める専門性（職種、読点区切り）", "list", "例 保健師、土木"),
        Col("concluded_on", "締結日", "date", "例 2026-03-31"),
        Col("council_votes", "議会の議決日（当事者ごと）", "votes"),
    )),
    "posts": ("ポスト（採用する専門人材）", (
        Col("id", "ポストID", "text", "例 HN-1"), Col("name", "名称", "text"), Col("employer", "採用団体", "body"),
        Col("type", "職種", "stype"), Col("employment", "雇用形態", "employment"),
        Col("fte", "勤務量（常勤＝1）", "number", "例 0.8"), Col("salary_yen", "人件費（円／年）", "amount", "例 6400000"),
        Col("recruiting_cost_yen", "募集経費（円）", "amount", "例 900000"),
        Col("start_year", "開始年度", "year", "例 令和8年度"), Col("end_year", "終了年度", "year", "例 令和10年度"),
        Col("base", "勤務拠点", "body"), Col("main_duty_municipal_support", "主な職務が市町村支援", "bool"),
        Col("hired_as_specialist", "専門人材として採用", "bool"),
    )),
    "secondments": ("派遣", (
        Col("post", "ポスト", "post"), Col("receiver", "派遣先", "body"),
        Col("days_per_week", "週日数", "number", "例 2"), Col("share", "割合（常勤＝1）", "number", "例 0.4"),
        Col("from_year", "開始年度", "year", "例 令和8年度"), Col("to_year", "終了年度", "year"),
        Col("type", "派遣形態", "secondment"), Col("contribution_yen", "負担金（円／年）", "amount", "例 2000000"),
        Col("contribution_rate", "負担率", "rate", "例 0.5 または 50%"),
    )),
    "demand": ("需要（団体が必要とする専門人材）", (
        Col("body", "団体", "body"), Col("type", "職種", "stype"), Col("days_per_week", "週日数", "number", "例 2"),
        Col("fte", "勤務量（常勤＝1）", "number"), Col("from_year", "開始年度", "year"), Col("to_year", "終了年度", "year"),
    )),
}
EMPLOYMENT = (("常勤", "常勤（任期の定めのない職員）"), ("任期付", "任期付職員"), ("非常勤", "非常勤・会計年度任用職員"))
SECONDMENT = (("協約派遣", "連携協約に基づく派遣"), ("自治法派遣", "自治法派遣（地方自治法252条の17）"))
BOOL = (("", "未指定"), ("true", "はい"), ("false", "いいえ"))
MAX_ROWS = 300
# The words for a record's keys the table does not show (「表にない項目: 協定・覚書」, kept as they are and edited
# as text); a key the staffing format does not know is shown as written in the document.
EXTRA_LABELS = {"memorandum": "協定・覚書", "council_votes": "議会の議決日", "agreement": "連携協約",
                "salary_by_year": "年度別の人件費", "recruiting_year": "募集経費の年度",
                "max_receivers": "担当する団体数の上限", "proposed": "共同活用計画の提案"}
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")  # what a number input shows
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # what a date input sends


@dataclass
class Row:
    cells: dict[str, str | list[str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def blank(self) -> bool:
        return not self.extra and not any(self.cells.values())


@dataclass
class CaseForm:
    """The whole staffing form: title, 対象年度, the four sections' rows and the top-level keys kept aside."""

    title: str = ""
    years_from: str = ""
    years_to: str = ""
    sections: dict[str, list[Row]] = field(default_factory=lambda: {k: [] for k in SECTIONS})
    top_extra: dict[str, Any] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)  # sections the document has (an empty list is kept)


# ----- values ---------------------------------------------------------------------------------------------------

def _year_text(value: Any) -> str:
    try:
        return FiscalYear.parse(value).wareki()
    except (ValueError, KouikiError):
        return str(value)


VOTE_SEP = "\t"  # between the body and the date of a votes entry (neither contains a tab)


def cell_text(col: Col, value: Any) -> str | list[str]:
    if value is None:
        return [] if col.kind in ("bodies", "votes") else ""
    if col.kind == "votes" and isinstance(value, Mapping):
        return [f"{k}{VOTE_SEP}{v}" for k, v in value.items()]
    if col.kind == "bodies":
        return [str(v) for v in (value if isinstance(value, list) else [value])]
    if col.kind == "list" and isinstance(value, list):
        return "、".join(str(v) for v in value)
    if col.kind == "amount" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # plain digits: the cell is a number input (円), which takes no separators
    if col.kind == "year":
        return _year_text(value)
    if col.kind == "bool" and isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def doc_value(col: Col, text: str | list[str]) -> Any:
    """The document value of a cell (None: not given); ValueError (Japanese) for a bad entry."""
    if col.kind == "votes":
        return _votes(text if isinstance(text, list) else [text])
    if isinstance(text, list):
        vals = [t for t in (x.strip() for x in text) if t]
        return vals or None
    text = text.strip()
    if not text:
        return None
    if col.kind == "amount":
        return parse_amount(text)
    if col.kind == "list":
        return [t for t in (x.strip() for x in re.split(r"[、,，]", text)) if t] or None
    if col.kind in ("number", "rate"):
        return _number(text, integer=False, rate=col.kind == "rate")
    if col.kind == "year":
        try:
            return FiscalYear.parse(text).short()
        except (ValueError, KouikiError):
            raise ValueError(f"年度として読めません: 「{text}」（例 令和8年度、R8、2026）") from None
    if col.kind == "date":
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(f"日付は 2026-03-31 の形で入力してください: 「{text}」")
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"その日付はありません: 「{text}」") from None
        return text
    if col.kind == "bool":
        return text == "true"
    return text


# ----- document ↔ form ------------------------------------------------------------------------------------------

def form_from_document(doc: Mapping[str, Any]) -> CaseForm:
    form = CaseForm(title=str(doc.get("title") or ""))
    years = doc.get("years")
    if isinstance(years, Mapping) and set(years) <= {"from", "to"}:
        form.years_from = _year_text(years["from"]) if years.get("from") is not None else ""
        form.years_to = _year_text(years["to"]) if years.get("to") is not None else ""
    elif years is not None:
        form.top_extra["years"] = years
    for key, value in doc.items():
        if key not in ("title", "years", *SECTIONS):
            form.top_extra[key] = value
    for sec, (_label, cols) in SECTIONS.items():
        records = doc.get(sec)
        if records is None:
            continue
        form.present.add(sec)
        if not isinstance(records, list):
            form.top_extra[sec] = records
            continue
        by_key = {c.key: c for c in cols}
        for rec in records:
            row = Row()
            if not isinstance(rec, Mapping):
                row.extra["_record"] = rec
            else:
                for k, v in rec.items():
                    if k in by_key and (by_key[k].kind != "votes" or isinstance(v, Mapping)):
                        row.cells[k] = cell_text(by_key[k], v)
                    else:
                        row.extra[k] = v
            form.sections[sec].append(row)
    return form


def document_from_form(form: CaseForm) -> tuple[dict[str, Any], dict[tuple[str, int, str], str], dict[str, list[int]]]:
    """(case document, cell errors keyed by (section, row, key), row index of each record per section)."""
    errors: dict[tuple[str, int, str], str] = {}
    doc: dict[str, Any] = {}
    if form.title.strip():
        doc["title"] = form.title.strip()
    years: dict[str, Any] = {}
    for part, text in (("from", form.years_from), ("to", form.years_to)):
        try:
            v = doc_value(Col("years_" + part, "", "year"), text)
        except ValueError as exc:
            errors[("years", 0, part)] = str(exc)
            continue
        if v is not None:
            years[part] = v
    if years:
        doc["years"] = years
    where: dict[str, list[int]] = {}
    extra_top = dict(form.top_extra)
    if "years" in extra_top and not years:
        doc["years"] = extra_top.pop("years")
    extra_top.pop("years", None)
    for key in list(extra_top):
        if key not in SECTIONS:
            doc[key] = extra_top.pop(key)
    for sec, (_label, cols) in SECTIONS.items():
        if sec in extra_top:
            doc[sec] = extra_top[sec]
            continue
        records: list[Any] = []
        where[sec] = []
        for i, row in enumerate(form.sections.get(sec, [])):
            if row.blank():
                continue
            if "_record" in row.extra:
                records.append(row.extra["_record"])
                where[sec].append(i)
                continue
            rec: dict[str, Any] = {}
            for col in cols:
                if col.key not in row.cells:
                    continue
                try:
                    v = doc_value(col, row.cells[col.key])
                except ValueError as exc:
                    errors[(sec, i, col.key)] = str(exc)
                    continue
                if v is not None:
                    rec[col.key] = v
            rec.update(row.extra)
            records.append(rec)
            where[sec].append(i)
        if records or sec in form.present:
            doc[sec] = records
    return doc, errors, where


def form_from_post(form: Any) -> CaseForm:
    """The form as posted (Starlette's FormData)."""
    def getlist(key: str) -> list[str]:
        return [str(x) for x in form.getlist(key)]

    def one(key: str) -> str:
        vals = getlist(key)
        return vals[-1] if vals else ""

    def loads(text: str) -> dict[str, Any]:
        try:
            v = json.loads(text) if text else {}
        except json.JSONDecodeError:
            return {}
        return v if isinstance(v, dict) else {}

    keys = set(form.keys())
    out = CaseForm(title=one("title"), years_from=one("years_from"), years_to=one("years_to"),
                   top_extra=loads(one("_top_extra")), present={p for p in getlist("present") if p in SECTIONS})
    for sec, (_label, cols) in SECTIONS.items():
        try:
            n = min(int(one(f"{sec}_rows") or 0), MAX_ROWS)
        except ValueError:
            n = 0
        for i in range(n):
            p = f"{sec}{i}."
            row = Row(extra=loads(one(p + "_extra")))
            for col in cols:
                if col.kind == "bodies":
                    if p + col.key + ".shown" in keys:
                        row.cells[col.key] = [x for x in getlist(p + col.key) if x.strip()]
                elif col.kind == "votes":
                    if p + col.key + ".shown" in keys:  # its value: how many parties the row showed
                        shown = one(p + col.key + ".shown")
                        n_votes = min(int(shown), MAX_ROWS) if shown.isdigit() else 0
                        entries = [(one(f"{p}{col.key}.{j}.body"), one(f"{p}{col.key}.{j}.date")) for j in range(n_votes)]
                        row.cells[col.key] = [f"{b.strip()}{VOTE_SEP}{d.strip()}" for b, d in entries
                                              if b.strip() and d.strip()]
                elif p + col.key in keys:
                    row.cells[col.key] = one(p + col.key)
            out.sections[sec].append(row)
    return out


def apply_op(form: CaseForm, op: str) -> CaseForm:
    """``add:sec``, ``copy:sec:i``, ``delete:sec:i``; anything else leaves the form."""
    parts = op.split(":")
    if len(parts) < 2 or parts[1] not in SECTIONS:
        return form
    rows = form.sections[parts[1]]
    if parts[0] == "add":
        rows.append(Row())
        form.present.add(parts[1])
    elif len(parts) == 3 and parts[2].isdigit() and int(parts[2]) < len(rows):
        i = int(parts[2])
        if parts[0] == "copy":
            rows.insert(i + 1, copy.deepcopy(rows[i]))
        elif parts[0] == "delete":
            del rows[i]
    return form


# ----- engine messages in cells -----------------------------------------------------------------------------------

_WHERE = re.compile(r"（(?P<sec>agreements|posts|secondments|demand)[^ ]* (?P<n>\d+)件目）(?: 項目「(?P<key>[^」]+)」)?")


def place_error(message: str, where: Mapping[str, Sequence[int]]
                ) -> tuple[dict[tuple[str, int, str], str], dict[tuple[str, int], str], list[str]]:
    """The staffing engine's message placed on the form: (cell errors, row errors, page errors)."""
    m = _WHERE.search(message)
    if m is None:
        return {}, {}, [message]
    sec, n = m.group("sec"), int(m.group("n")) - 1
    rows = where.get(sec, [])
    if n >= len(rows):
        return {}, {}, [message]
    text = message[m.end():].lstrip(": ：") or message
    key = m.group("key")
    cols = {c.key: c for c in SECTIONS[sec][1]}
    if key in cols:
        return {(sec, rows[n], key): text}, {}, []
    return {}, {(sec, rows[n]): (f"「{key}」: " if key else "") + text}, []


# ----- what the page renders ----------------------------------------------------------------------------------

def body_choices(member_codes: Sequence[str], used: Iterable[str]) -> list[tuple[str, str]]:
    """(value, 「名前（コード）」) of the bodies a row can name: the region's members and their 都道府県 (written as in
    the document when it names them already, else as 「都道府県名市町村名」), then any other body the document names."""
    from kouiki.reference.municipalities import registry
    from kouiki.staffing.model import parse_body

    reg = registry()
    text_of: dict[str, str] = {}
    loose: list[str] = []
    for v in used:
        if not v:
            continue
        try:
            code = parse_body(v)
        except (KouikiError, ValueError, LookupError):
            loose.append(v)
            continue
        text_of.setdefault(code, v)
    out: list[tuple[str, str]] = []
    prefs: list[str] = []
    for code in member_codes:
        body = reg.by_code(code)
        full = body.name if body.name.startswith(body.prefecture) else f"{body.prefecture}{body.name}"
        out.append((text_of.pop(code, full), f"{body.name}（{code}）"))
        try:
            pref = parse_body(body.prefecture)
        except (KouikiError, ValueError, LookupError):
            continue
        if pref not in prefs:
            prefs.append(pref)
    for code in prefs:
        out.append((text_of.pop(code, reg.by_code(code).name), f"{reg.by_code(code).name}（{code}）"))
    for code, v in text_of.items():
        out.append((v, f"{reg.by_code(code).name}（{code}）"))
    out.extend((v, v) for v in dict.fromkeys(loose))
    seen: set[str] = set()
    return [(v, t) for v, t in out if not (v in seen or seen.add(v))]  # type: ignore[func-returns-value]


def _used_bodies(form: CaseForm) -> list[str]:
    out: list[str] = []
    for sec, (_label, cols) in SECTIONS.items():
        for row in form.sections[sec]:
            for col in cols:
                v = row.cells.get(col.key)
                if col.kind == "body" and isinstance(v, str):
                    out.append(v)
                elif col.kind == "bodies" and isinstance(v, list):
                    out.extend(v)
    return out


def type_choices(form: CaseForm) -> list[str]:
    from kouiki.staffing.model import builtin_types

    names = [t.name for t in builtin_types()]
    for t in form.top_extra.get("specialist_types") or []:
        if isinstance(t, Mapping) and t.get("name"):
            names.append(str(t["name"]))
    for sec in ("posts", "demand"):
        for row in form.sections[sec]:
            v = row.cells.get("type")
            if isinstance(v, str) and v:
                names.append(v)
    return list(dict.fromkeys(names))


def _votes(entries: list[str]) -> dict[str, str] | None:
    """「団体\t日付」 entries → ``{団体: 日付}`` (the staffing format's ``council_votes``); a bad date names its party."""
    votes: dict[str, str] = {}
    for entry in entries:
        body, _, date = entry.partition(VOTE_SEP)
        body, date = body.strip(), date.strip()
        if not body or not date:
            continue
        try:
            votes[body] = doc_value(Col("date", "", "date"), date)
        except ValueError as exc:
            raise ValueError(f"{body}: {exc}") from None
    return votes or None


def input_type(col: Col, value: Any) -> str:
    """The ``<input type>`` of a cell: ``number`` for amounts (円) and numbers, ``date`` for dates — unless the
    value shown is not one (a document written by hand, an entry sent back with its error), which a number or
    date input would drop silently: then ``text``, so nothing is lost."""
    if col.kind in ("amount", "number", "date"):
        ok = _ISO_DATE if col.kind == "date" else _PLAIN_NUMBER
        if not isinstance(value, str) or not value or ok.fullmatch(value):
            return "date" if col.kind == "date" else "number"
    return "text"


def vote_inputs(row: Row, value: Any, choices: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """One 議決日 input per 当事者 of the row (as checked), then any vote the document has for another name:
    ``body`` (as in the document), ``label`` (「名前（コード）」), ``date`` and its input ``type``."""
    votes: dict[str, str] = {}
    for entry in value if isinstance(value, list) else []:
        body, _, date = str(entry).partition(VOTE_SEP)
        votes[body] = date
    parties = row.cells.get("parties")
    bodies = list(dict.fromkeys([*(parties if isinstance(parties, list) else []), *votes]))
    text_of = dict(choices)
    out = []
    for body in bodies:
        date = votes.get(body, "")
        out.append({"body": body, "label": text_of.get(body, body), "date": date,
                    "type": "date" if not date or _ISO_DATE.fullmatch(date) else "text"})
    return out


def editor_context(form: CaseForm, member_codes: Sequence[str], errors: Mapping[tuple[str, int, str], str],
                   row_errors: Mapping[tuple[str, int], str] | None = None) -> dict[str, Any]:
    """The template's ``staff``: the sections with their columns, rows (cells with values and errors), choices."""
    bodies = body_choices(member_codes, _used_bodies(form))
    posts = []
    for row in form.sections["posts"]:
        pid = row.cells.get("id")
        if isinstance(pid, str) and pid:
            name = row.cells.get("name")
            posts.append((pid, f"{pid} {name}" if isinstance(name, str) and name else pid))
    fixed = {"employment": list(EMPLOYMENT), "secondment": list(SECONDMENT), "bool": list(BOOL),
             "stype": [(t, t) for t in type_choices(form)], "post": posts, "body": bodies, "bodies": bodies}
    sections = []
    for sec, (label, cols) in SECTIONS.items():
        rows = []
        for i, row in enumerate(form.sections[sec]):
            cells = []
            for col in cols:
                value = row.cells.get(col.key, [] if col.kind == "bodies" else "")
                choices = list(fixed.get(col.kind, []))
                if col.kind in ("employment", "secondment", "stype", "post", "body") and value and \
                        value not in [c[0] for c in choices]:
                    choices.append((str(value), str(value)))  # as written in the document
                if col.kind == "votes":
                    choices = list(fixed["bodies"])
                cells.append({"key": col.key, "label": col.label, "kind": col.kind, "value": value,
                              "input_type": input_type(col, value),
                              "votes": vote_inputs(row, value, choices) if col.kind == "votes" else [],
                              "input": f"{sec}{i}.{col.key}", "id": f"{sec}{i}-{col.key.replace('_', '-')}",
                              "hint": col.hint, "choices": choices, "error": errors.get((sec, i, col.key))})
            rows.append({"index": i, "number": i + 1, "cells": cells,
                         "extra": json.dumps(row.extra, ensure_ascii=False, default=str) if row.extra else "",
                         "extra_keys": [EXTRA_LABELS.get(k, k) for k in row.extra if k != "_record"],
                         "error": (row_errors or {}).get((sec, i))})
        sections.append({"key": sec, "label": label, "cols": cols, "rows": rows,
                         "kept": sec in form.top_extra})
    return {"title": form.title, "years_from": form.years_from, "years_to": form.years_to,
            "years_errors": {k[2]: v for k, v in errors.items() if k[0] == "years"},
            "top_extra": json.dumps(form.top_extra, ensure_ascii=False, default=str) if form.top_extra else "",
            "sections": sections, "present": sorted(form.present)}
