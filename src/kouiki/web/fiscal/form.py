"""The fiscal plan as an editable table (財政計画の表編集) and the what-if values as a form (仮定値).

The table is another view of the same stored document as the YAML/JSON text (``{"items": [...], "overrides":
[...]}``; the JSON API's ``PUT /api/regions/{id}/fiscal-plan``): :func:`rows_from_document` turns items into rows,
:func:`document_from_rows` turns rows back into items. A canonical document (the one the table writes) survives
``document → rows → document`` unchanged, and rows survive ``rows → document → rows`` (tests/web/test_fiscal_form.py).

Form fields, for row ``i`` (0, 1, …; ``rows`` in all): ``r{i}.measure``, ``r{i}.<field>`` for each field of the
measure (:data:`kouiki.fiscal.plan.MEASURE_FIELDS`; repeated for ``partner_bodies`` and ``conditions``) and
``r{i}._extra`` (JSON of keys the table does not show, kept as they were). What-if: ``ov.<path>@<year>`` for each
parameter listed. The labels are the plan's own Japanese field labels and the parameter files' measure names.
Nothing here computes a rule: the fiscal engine validates and evaluates the document.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from kouiki.fiscal.plan import (
    ADVISOR_MODE_CHOICES,
    CATEGORY_JA,
    CONDITIONS,
    CONDITIONS_JA,
    CONSOLIDATION_TYPE_CHOICES,
    MEASURE_FIELDS,
    NO_COST,
    REPAYMENT_CHOICES,
    SECONDMENT_JA,
    FieldSpec,
    fields_of,
)
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import registry
from kouiki.reference.parameters import CONFIDENCE_SHORT as CONFIDENCE_JA  # defined once, beside the enum

FIXED = ("measure", "municipality", "fiscal_year", "cost_yen", "name")  # the table's own columns
OTHER_COMMON = ("prior_claims_yen", "fiscal_strength_index")  # common but rare: under 「その他の項目」
MAX_ROWS = 500

# Groups of the 措置 list (the 定住自立圏 / 集約化 / 公適債 / 人材, then 連携中枢都市圏), by the parameter
# files' ``framework``; 公適債 is the one 公共施設 measure that is a bond.
GROUPS = ("定住自立圏", "集約化", "公適債", "人材", "連携中枢都市圏")

# Japanese names of choice values whose plan module gives only aliases (CATEGORY_JA / SECONDMENT_JA exist).
_CHOICE_JA: dict[str, Mapping[str, str]] = {
    "category": CATEGORY_JA,
    "secondment": SECONDMENT_JA,
    "repayment": {"annuity": "元利均等", "equal_principal": "元金均等"},
    "consolidation_type": {"new_building": "施設整備（新施設）", "function_only": "機能統合（整備なし）"},
    "mode": {"issue_advice": "課題対応アドバイス事業", "goal_support": "課題達成支援事業", "seminar": "啓発・研修事業"},
}
assert set(_CHOICE_JA["repayment"]) == set(REPAYMENT_CHOICES.values())
assert set(_CHOICE_JA["consolidation_type"]) == set(CONSOLIDATION_TYPE_CHOICES.values())
assert set(_CHOICE_JA["mode"]) == set(ADVISOR_MODE_CHOICES.values())

BOOL_JA = {"": "未指定", "true": "はい", "false": "いいえ"}


class FormError(KouikiError):
    """Input of the table that the officer can fix (the message names the row and the column in Japanese)."""


# ----- labels -------------------------------------------------------------------------------------------------

@cache
def measure_labels() -> dict[str, str]:
    """措置 id → Japanese name, from the parameter files (the Excel 様式's 措置一覧 uses the same)."""
    from kouiki.fiscal.params import packaged

    infos = packaged().measures
    return {m: (infos[m].label if m in infos else m) for m in MEASURE_FIELDS}


def _group(measure: str) -> str:
    from kouiki.fiscal.params import packaged

    info = packaged().measures.get(measure)
    framework = info.framework if info else "定住自立圏"
    if framework == "公共施設":
        return "公適債" if measure == "facility_bond" else "集約化"
    return framework if framework in GROUPS else "定住自立圏"


@cache
def measure_groups() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """(group, ((id, Japanese name), …)) in the order of :data:`GROUPS` — the 措置 select's optgroups."""
    labels = measure_labels()
    out = []
    for g in GROUPS:
        ms = tuple((m, labels[m]) for m in MEASURE_FIELDS if _group(m) == g)
        if ms:
            out.append((g, ms))
    return tuple(out)


_CODE_NOTE = re.compile(r"（コード[^）]*）")


def field_label(spec: FieldSpec) -> str:
    """The plan field's Japanese label for a form (the 様式's column title, without 「（コード）」: bodies are chosen
    by name)."""
    if spec.name == "municipality":
        return "団体"
    return _CODE_NOTE.sub("", spec.label)


def widget(spec: FieldSpec) -> str:
    """How a field is entered: body, bodies, amount, number, year, bool, choice, conditions or text."""
    return {"code": "body", "codes": "bodies", "yen": "amount", "int": "number", "decimal": "number",
            "rate": "rate", "year": "year", "bool": "bool", "choice": "choice", "conditions": "conditions"}.get(
        spec.type, "text")


def choice_options(spec: FieldSpec) -> list[tuple[str, str]]:
    """(value, Japanese label) of a choice field."""
    names = _CHOICE_JA.get(spec.name, {})
    values = dict.fromkeys((spec.choices or {}).values())
    return [(v, names.get(v, v)) for v in values]


def hint(spec: FieldSpec) -> str:
    """A placeholder showing what may be typed."""
    return {"yen": "例 1,000万", "int": "例 12,000", "rate": "例 0.5 または 50%",
            "year": "例 令和8年度"}.get(spec.type, "")


# ----- typed text ↔ document values ---------------------------------------------------------------------------

_AMOUNT = re.compile(r"^(?:(?P<oku>\d+(?:\.\d+)?)億)?(?:(?P<man>\d+(?:\.\d+)?)万)?(?P<rest>\d+(?:\.\d+)?)?$")


def parse_amount(text: str) -> int:
    """Yen from what an officer types: 「12,000,000」「1,000万」「1億2,000万円」「１２００万」 → int yen.
    ValueError (Japanese) for anything else, a fraction of a yen or a negative amount."""
    t = unicodedata.normalize("NFKC", text).strip()
    t = re.sub(r"[,\s]", "", t).removesuffix("円")
    if t.startswith("-"):
        raise ValueError("負の金額は入力できません")
    m = _AMOUNT.match(t)
    if not t or m is None:
        raise ValueError(f"金額として読めません: 「{text}」（例 12,000,000 または 1,200万）")
    total = Decimal(0)
    for part, unit in (("oku", 100_000_000), ("man", 10_000), ("rest", 1)):
        if m.group(part):
            total += Decimal(m.group(part)) * unit
    if total != total.to_integral_value():
        raise ValueError(f"円未満の端数があります: 「{text}」")
    return int(total)


def format_amount(yen: int) -> str:
    return f"{yen:,}"


def _number(text: str, *, integer: bool, rate: bool = False) -> int | str:
    t = re.sub(r"[,\s]", "", unicodedata.normalize("NFKC", text).strip())
    percent = rate and t.endswith("%")
    try:
        d = Decimal(t.removesuffix("%"))
    except InvalidOperation:
        raise ValueError(f"数値として読めません: 「{text}」") from None
    if not d.is_finite():
        raise ValueError(f"数値として読めません: 「{text}」")
    if percent:
        d = d / 100
    if d < 0:
        raise ValueError("負の値は入力できません")
    if rate and d > 1:
        raise ValueError("率は0から1の間です（12%は 0.12 または 12%）")
    if integer:
        if d != d.to_integral_value():
            raise ValueError(f"整数で入力してください: 「{text}」")
        return int(d)
    if d == d.to_integral_value() and "." not in t and not percent:
        return int(d)
    return str(d.normalize()) if percent else str(d)


def value_text(spec: FieldSpec, value: Any) -> str | list[str]:
    """A document value as the table shows it (amounts with separators, 年度 in 和暦, codes as chosen)."""
    t = spec.type
    if value is None:
        return [] if t in ("codes", "conditions") else ""
    try:
        if t == "codes":
            parts = value if isinstance(value, list | tuple) else re.split(r"[,，、]", str(value))
            return [str(p).strip() for p in parts if str(p).strip()]
        if t == "conditions":
            return [c for c in CONDITIONS if isinstance(value, Mapping) and value.get(c) is True]
        if t == "yen" and isinstance(value, int | str) and not isinstance(value, bool):
            return format_amount(parse_amount(str(value)))
        if t == "int" and isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        if t == "year":
            return FiscalYear.parse(value).wareki()
        if t == "bool" and isinstance(value, bool):
            return "true" if value else "false"
        if t == "choice" and spec.choices and str(value).strip() in spec.choices:
            return spec.choices[str(value).strip()]
    except (ValueError, KouikiError):
        pass  # shown as typed; the engine names the problem in the cell
    return str(value)


def document_value(spec: FieldSpec, text: str | list[str]) -> Any:
    """The document value of a cell (None: not given). ValueError with a Japanese message for a bad entry."""
    t = spec.type
    if isinstance(text, list):
        if t == "conditions":
            return {c: c in text for c in CONDITIONS}
        vals = [x.strip() for x in text if x.strip()]
        return vals or None
    text = text.strip()
    if t == "conditions":
        return {c: c in text.split(",") for c in CONDITIONS}
    if not text:
        return None
    if t == "codes":
        return [x.strip() for x in re.split(r"[,，、]", text) if x.strip()] or None
    if t == "yen":
        return parse_amount(text)
    if t == "int":
        return _number(text, integer=True)
    if t in ("rate", "decimal"):
        return _number(text, integer=False, rate=t == "rate")
    if t == "year":
        try:
            return FiscalYear.parse(unicodedata.normalize("NFKC", text)).year
        except (ValueError, KouikiError):
            raise ValueError(f"年度として読めません: 「{text}」（例 令和8年度、R8、2026）") from None
    if t == "bool":
        if text in ("true", "false"):
            return text == "true"
        raise ValueError("はい・いいえ・未指定から選んでください")
    return text


# ----- rows -----------------------------------------------------------------------------------------------------

@dataclass
class PlanRow:
    """One row of the table: the 措置 and the text of each cell; ``extra`` keeps keys the table does not show."""

    measure: str = ""
    cells: dict[str, str | list[str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def blank(self) -> bool:
        return not self.measure and not self.extra and not any(
            v for k, v in self.cells.items() if k not in ("municipality", "fiscal_year"))


def specs_of(measure: str) -> dict[str, FieldSpec]:
    """The fields a row shows: every field of a known 措置, the common ones while none is chosen."""
    if measure in MEASURE_FIELDS:
        return fields_of(measure)
    from kouiki.fiscal.plan import COMMON_FIELDS

    return {f.name: f for f in COMMON_FIELDS}


def rows_from_document(doc: Mapping[str, Any]) -> list[PlanRow]:
    """One row per item of a stored plan (``{"items": […]}`` or a bare list)."""
    items = doc.get("items", []) if isinstance(doc, Mapping) else doc
    rows = []
    for item in items or []:
        if not isinstance(item, Mapping):
            rows.append(PlanRow(extra={"_item": item}))
            continue
        measure = str(item.get("measure") or "")
        specs = specs_of(measure)
        row = PlanRow(measure=measure if measure in MEASURE_FIELDS else "")
        if measure and measure not in MEASURE_FIELDS:
            row.extra["measure"] = item.get("measure")
        for key, value in item.items():
            if key == "measure":
                continue
            spec = specs.get(str(key))
            if spec is None:
                row.extra[str(key)] = value
            else:
                row.cells[spec.name] = value_text(spec, value)
        rows.append(row)
    return rows


def document_from_rows(rows: Sequence[PlanRow]) -> tuple[list[dict[str, Any]], dict[tuple[int, str], str], list[int]]:
    """(items, cell errors keyed by (row index, field), row index of each item). Blank rows are skipped."""
    items: list[dict[str, Any]] = []
    errors: dict[tuple[int, str], str] = {}
    where: list[int] = []
    for i, row in enumerate(rows):
        if row.blank():
            continue
        if "_item" in row.extra:
            items.append(row.extra["_item"])
            where.append(i)
            continue
        if not row.measure and "measure" not in row.extra:
            errors[(i, "measure")] = "措置を選んでください"
            continue
        item: dict[str, Any] = {"measure": row.measure} if row.measure else {}
        for name, spec in specs_of(row.measure).items():
            if name == "measure" or name not in row.cells:
                continue
            try:
                value = document_value(spec, row.cells[name])
            except ValueError as exc:
                errors[(i, name)] = str(exc)
                continue
            if value is not None:
                item[name] = value
        item.update(row.extra)
        items.append(item)
        where.append(i)
    return items, errors, where


def rows_from_form(form: Any) -> list[PlanRow]:
    """The rows as posted (``form`` is Starlette's FormData or a mapping of lists)."""
    def getlist(key: str) -> list[str]:
        if hasattr(form, "getlist"):
            return [str(x) for x in form.getlist(key)]
        v = form.get(key)
        return [] if v is None else [str(x) for x in (v if isinstance(v, list) else [v])]

    def one(key: str) -> str:
        vals = getlist(key)
        return vals[-1] if vals else ""

    try:
        n = min(int(one("rows") or 0), MAX_ROWS)
    except ValueError:
        n = 0
    rows = []
    for i in range(n):
        p = f"r{i}."
        measure = one(p + "measure").strip()
        row = PlanRow(measure=measure if measure in MEASURE_FIELDS else "")
        extra = one(p + "_extra")
        if extra:
            try:
                loaded = json.loads(extra)
            except json.JSONDecodeError:
                loaded = {}
            if isinstance(loaded, dict):
                row.extra = loaded
        for name, spec in specs_of(row.measure).items():
            if name == "measure":
                continue
            if spec.type in ("codes", "conditions"):
                if p + name + ".shown" in _keys(form):
                    row.cells[name] = [x for x in getlist(p + name) if x.strip()]
            elif p + name in _keys(form):
                row.cells[name] = one(p + name)
        # fields of another 措置 (the 措置 was just changed) are dropped; the common ones stay
        rows.append(row)
    return rows


def _keys(form: Any) -> set[str]:
    return set(form.keys())


def apply_op(rows: list[PlanRow], op: str, blank: PlanRow) -> list[PlanRow]:
    """行を追加 (``add``), 行をコピー (``copy:i``), 行を削除 (``delete:i``); anything else leaves the rows."""
    import copy

    if op == "add":
        return [*rows, copy.deepcopy(blank)]
    kind, _, index = op.partition(":")
    if not index.isdigit() or int(index) >= len(rows):
        return rows
    i = int(index)
    if kind == "copy":
        return [*rows[: i + 1], copy.deepcopy(rows[i]), *rows[i + 1:]]
    if kind == "delete":
        return [*rows[:i], *rows[i + 1:]]
    return rows


# ----- what the page renders -------------------------------------------------------------------------------

def body_options(member_codes: Iterable[str], shown: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(code, 「名前（コード）」) of the region's members (first) and of any other body a row names, then the
    都道府県 of the members (the sender of 人材 measures)."""
    reg = registry()
    codes = list(dict.fromkeys(member_codes))
    prefs: list[str] = []
    for c in codes:
        try:
            pref_name = reg.by_code(c).prefecture
            pref = reg.by_code(_prefecture_code(c))
            if pref.name == pref_name and pref.code not in prefs:
                prefs.append(pref.code)
        except KouikiError:
            continue
    out: list[tuple[str, str]] = []
    for c in dict.fromkeys([*codes, *[s for s in shown if s], *prefs]):
        out.append((c, body_text(c)))
    return out


def _prefecture_code(code: str) -> str:
    from kouiki.reference import codes as codes_mod

    return codes_mod.normalize(code[:2] + "000")


def body_text(code: str) -> str:
    try:
        return f"{registry().by_code(code).name}（{code}）"
    except (KouikiError, ValueError, KeyError):
        return code


def _cell(spec: FieldSpec, row: PlanRow, i: int, errors: Mapping[tuple[int, str], str]) -> dict[str, Any]:
    value = row.cells.get(spec.name, [] if spec.type in ("codes", "conditions") else "")
    return {"name": spec.name, "input": f"r{i}.{spec.name}", "id": f"r{i}-{spec.name.replace('_', '-')}",
            "label": field_label(spec), "widget": widget(spec), "value": value, "required": spec.required,
            "hint": hint(spec), "help": spec.help if spec.type not in ("code", "codes", "conditions") else "",
            "choices": choice_options(spec) if spec.type == "choice" else [],
            "error": errors.get((i, spec.name))}


def table_rows(rows: Sequence[PlanRow], errors: Mapping[tuple[int, str], str],
               row_errors: Mapping[int, list[str]] | None = None) -> list[dict[str, Any]]:
    """What the template draws for each row: the fixed cells, the 措置's own cells (with labels and units), the
    rarely used common cells, the row's errors that name no cell and the kept ``extra`` as JSON."""
    out = []
    for i, row in enumerate(rows):
        specs = specs_of(row.measure)
        fixed = {n: _cell(specs[n], row, i, errors) for n in FIXED if n in specs}
        own = [_cell(s, row, i, errors) for n, s in specs.items() if n not in FIXED and n not in OTHER_COMMON]
        other = [_cell(specs[n], row, i, errors) for n in OTHER_COMMON if n in specs]
        shown = set(specs)
        loose = [m for (r, f), m in errors.items() if r == i and f not in shown]
        out.append({
            "index": i, "number": i + 1, "measure": row.measure, "fixed": fixed, "own": own, "other": other,
            "other_open": any(c["value"] or c["error"] for c in other),
            "no_cost": row.measure in NO_COST, "errors": loose + list((row_errors or {}).get(i, [])),
            "extra": json.dumps(row.extra, ensure_ascii=False, default=str) if row.extra else "",
            "extra_keys": [field_label_of(k) for k in row.extra if k != "_item"],
        })
    return out


def field_label_of(name: str) -> str:
    """The Japanese label of any plan field name (for messages); the name itself when unknown."""
    for m in MEASURE_FIELDS:
        spec = fields_of(m).get(name)
        if spec is not None:
            return field_label(spec)
    return name


@cache
def _identifier_pattern() -> re.Pattern[str]:
    names = set(MEASURE_FIELDS)
    for m in MEASURE_FIELDS:
        names.update(fields_of(m))
    names.update(CONDITIONS)
    alts = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_.])({alts})(?![A-Za-z0-9_])")


def japanese(message: str) -> str:
    """An engine message with the 措置 and field identifiers replaced by their Japanese names (the table shows
    no internal identifier)."""
    labels = measure_labels()

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in labels:
            return labels[name]
        if name in CONDITIONS:
            return CONDITIONS_JA[name]
        return field_label_of(name)

    message = _PARAM_REF.sub(lambda m: f"「{param_text(m.group(0))}」" if "@" in m.group(0) else m.group(0), message)
    return _identifier_pattern().sub(repl, message)


_PARAM_REF = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+@\d{4}")


def engine_errors(errors: Iterable[Mapping[str, Any]], where: Sequence[int]
                  ) -> tuple[dict[tuple[int, str], str], dict[int, list[str]], list[str]]:
    """The engine's plan errors (item index, field, message) placed on the table: (cell errors, row errors
    naming no shown cell, errors of no row)."""
    cells: dict[tuple[int, str], str] = {}
    rows: dict[int, list[str]] = {}
    loose: list[str] = []
    for e in errors:
        msg = japanese(str(e.get("message", "")))
        item = e.get("item")
        if item is None or not isinstance(item, int) or item >= len(where):
            loose.append(msg)
            continue
        r = where[item]
        fld = e.get("field")
        if fld and (r, str(fld)) not in cells:
            cells[(r, str(fld))] = msg
        else:
            rows.setdefault(r, []).append(msg)
    return cells, rows, loose


# ----- what-if values (仮定値) ---------------------------------------------------------------------------------

FORM_UNITS = {"yen", "int", "rate", "bool"}


@dataclass(frozen=True)
class Override:
    path: str
    year: int
    value: Any  # as written in the document (parse_override)

    @property
    def ref(self) -> str:
        return f"{self.path}@{self.year}"


def parse_overrides(lines: Iterable[str]) -> list[Override]:
    """The stored ``path@年度=値`` lines (unparseable ones are left to the engine's message)."""
    from kouiki.fiscal.errors import ParameterError
    from kouiki.fiscal.params import parse_override

    out = []
    for text in lines:
        try:
            path, year, value = parse_override(text)
        except ParameterError:
            continue
        out.append(Override(path, year, value))
    return out


def format_param(unit: str, value: Any) -> str:
    """A parameter value as an officer reads it: yen with separators, rates with %, はい/いいえ (``reports.words``)."""
    from kouiki.reports.words import parameter_value

    return parameter_value(unit, value)


def _input_text(unit: str, value: Any) -> str:
    if value is None:
        return ""
    if unit == "yen":
        try:
            return format_amount(int(value))
        except (TypeError, ValueError):
            return str(value)
    if unit == "bool":
        return "true" if value is True or str(value).lower() == "true" else "false"
    return str(value)


def whatif_rows(used: Iterable[str], overrides: Sequence[Override], *,
                typed: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One row per parameter the plan uses (``path@年度`` of the dated value in force) and per stored override:
    measure and parameter in Japanese, current value, 年度, 確度, source, and the override (as typed, else as
    stored)."""
    from kouiki.fiscal.params import current

    pset = current()
    labels = measure_labels()
    by_ref = {o.ref: o for o in overrides}
    refs = list(dict.fromkeys([*used, *by_ref]))
    out = []
    for ref in refs:
        path, _, year_text = ref.rpartition("@")
        if path not in pset or not year_text.isdigit():
            continue
        p = pset.parameter(path)
        year = int(year_text)
        dv = p.at(year)
        measure = path.split(".", 1)[0]
        info = pset.measures.get(measure)
        o = by_ref.get(ref)
        value = (typed or {}).get(ref)
        if value is None:
            value = _input_text(p.unit, o.value) if o is not None else ""
        out.append({
            "ref": ref, "input": f"ov.{ref}", "id": "ov-" + re.sub(r"[^A-Za-z0-9]", "-", ref),
            "measure": labels.get(measure) or (info.label if info else measure), "label": p.label,
            "unit": p.unit, "editable": p.unit in FORM_UNITS,
            "current": format_param(p.unit, None if dv is None else dv.value),
            "year": FiscalYear(year).wareki(),
            "confidence": CONFIDENCE_JA.get(dv.confidence, dv.confidence) if dv else "—",
            "source": dv.citation.text() if dv else "—",
            "value": value, "stored": o is not None, "error": (errors or {}).get(ref),
            "hint": {"yen": "例 600万", "int": "例 2", "rate": "例 0.6 または 60%"}.get(p.unit, ""),
        })
    return out


def overrides_from_form(form: Any, stored: Sequence[str]) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """(override lines ``path@年度=値``, the typed text by ref, errors by ref) from the what-if inputs. A stored
    override the form cannot edit (a text, list or table value, or an unknown parameter) is kept as stored."""
    from kouiki.fiscal.params import current

    pset = current()
    lines: list[str] = []
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    posted = [str(k)[3:] for k in form if str(k).startswith("ov.")]
    for ref in posted:
        path, _, year_text = ref.rpartition("@")
        text = str(form.get(f"ov.{ref}") or "").strip()
        typed[ref] = text
        if path not in pset or not year_text.isdigit() or not text:
            continue
        unit = pset.parameter(path).unit
        try:
            if unit == "yen":
                value: str = str(parse_amount(text))
            elif unit == "int":
                value = str(_number(text, integer=True))
            elif unit == "rate":
                value = json.dumps(str(_number(text, integer=False, rate=True)))
            elif unit == "bool":
                if text not in ("true", "false"):
                    raise ValueError("はい・いいえから選んでください")
                value = text
            else:
                continue
        except ValueError as exc:
            errors[ref] = str(exc)
            continue
        lines.append(f"{ref}={value}")
    for line in stored:
        found = parse_overrides([line])
        o = found[0] if found else None
        if o is None or o.path not in pset or pset.parameter(o.path).unit not in FORM_UNITS or o.ref not in posted:
            lines.append(line.strip())  # not editable here: kept as stored (the engine names a bad one)
    return lines, typed, errors


def param_text(ref: str) -> str:
    """``path@年度`` as 「措置上限額（1団体当たり）（令和7年度から）」 (the 説明's 使った値)."""
    from kouiki.fiscal.params import current

    pset = current()
    path, _, year_text = ref.rpartition("@")
    if path not in pset or not year_text.isdigit():
        return ref
    return f"{pset.parameter(path).label}（{FiscalYear(int(year_text)).wareki()}から）"


def override_summary(lines: Iterable[str]) -> list[str]:
    """The 仮定値 in Japanese: 「措置名 項目（令和7年度から）: 6,000,000円（既定 5,000,000円）」."""
    from kouiki.fiscal.params import current

    pset = current()
    labels = measure_labels()
    out = []
    for o in parse_overrides(lines):
        if o.path not in pset:
            out.append(f"{o.ref}={o.value}")
            continue
        p = pset.parameter(o.path)
        dv = p.at(o.year)
        measure = o.path.split(".", 1)[0]
        name = labels.get(measure) or (pset.measures[measure].label if measure in pset.measures else measure)
        base = "" if dv is None else f"（既定 {format_param(p.unit, dv.value)}）"
        out.append(f"{name} {p.label}（{FiscalYear(o.year).wareki()}から）: {format_param(p.unit, o.value)}{base}")
    return out


def used_parameters(result: Mapping[str, Any]) -> list[str]:
    """``path@年度`` of every parameter the evaluated plan's lines used (in order of first use)."""
    refs: dict[str, None] = {}
    for ln in result.get("lines", []) or []:
        for ref in ln.get("parameters", []) or []:
            refs.setdefault(str(ref), None)
    return list(refs)


def fallback_parameters(items: Iterable[Mapping[str, Any]]) -> list[str]:
    """When the plan cannot be evaluated yet (errors), the parameters of its 措置 in force in its 年度."""
    from kouiki.fiscal.params import current

    pset = current()
    refs: dict[str, None] = {}
    for it in items:
        measure = str(it.get("measure") or "")
        try:
            year = FiscalYear.parse(it["fiscal_year"]).year
        except (ValueError, KouikiError, KeyError, TypeError):
            continue
        for path, p in pset.params.items():
            if path.startswith(measure + ".") and p.unit in FORM_UNITS:
                dv = p.at(year)
                if dv is not None:
                    refs.setdefault(f"{path}@{dv.year}", None)
    return list(refs)


@dataclass
class EditorState:
    """Everything the table and the what-if form show after a request (rows as typed, errors where they belong)."""

    rows: list[PlanRow]
    overrides: list[str]
    cell_errors: dict[tuple[int, str], str] = field(default_factory=dict)
    row_errors: dict[int, list[str]] = field(default_factory=dict)
    plan_errors: list[str] = field(default_factory=list)
    typed_overrides: dict[str, str] = field(default_factory=dict)
    override_errors: dict[str, str] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return (len(self.cell_errors) + sum(len(v) for v in self.row_errors.values()) + len(self.plan_errors)
                + len(self.override_errors))


def blank_row(central: str, fiscal_year: int) -> PlanRow:
    """A new row: the 中心市 and this 年度 preselected, no 措置 yet."""
    return PlanRow(cells={"municipality": central, "fiscal_year": FiscalYear(fiscal_year).wareki()})


def editor_context(state: EditorState, member_codes: Sequence[str], result: Mapping[str, Any] | None,
                   new_row: PlanRow) -> dict[str, Any]:
    """The template's ``editor``: rows, 措置 groups, bodies, the what-if rows and the 仮定値 in Japanese."""
    shown: list[str] = []
    for r in state.rows:
        for name in ("municipality", "receiver", "sender"):
            v = r.cells.get(name)
            if isinstance(v, str) and v:
                shown.append(v)
        pb = r.cells.get("partner_bodies")
        if isinstance(pb, list):
            shown.extend(pb)
    if result and result.get("lines"):
        used = used_parameters(result)
    else:
        items, _e, _w = document_from_rows(state.rows)
        used = fallback_parameters(i for i in items if isinstance(i, Mapping))
    return {
        "rows": table_rows(state.rows, state.cell_errors, state.row_errors),
        "groups": measure_groups(),
        "bodies": body_options(member_codes, shown),
        "conditions": [(c, CONDITIONS_JA[c]) for c in CONDITIONS],
        "bool_choices": list(BOOL_JA.items()),
        "whatif": whatif_rows(used, parse_overrides(state.overrides), typed=state.typed_overrides,
                              errors=state.override_errors),
        "override_summary": override_summary(state.overrides),
        "plan_errors": state.plan_errors,
        "error_count": state.error_count,
    }
