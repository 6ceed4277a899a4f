"""The scenario form editor (シナリオのフォーム編集): the same stored document as the YAML editor, built from form
fields, validated by the same schema (:func:`kouiki.web.service.validate_scenario`).

Form fields: ``name``, ``description``, ``start_fiscal_year``, ``categories`` (repeated) and, for each action row
``i`` (0, 1, …, ``rows`` in all): ``a{i}_id``, ``a{i}_type``, ``a{i}_fiscal_year``, ``a{i}_lead_body``,
``a{i}_facilities`` (repeated: 統合元 for consolidate, 対象施設 otherwise), ``a{i}_target`` (統合先, consolidate),
``a{i}_to_category`` (転用後の大分類, convert), ``a{i}_cost_yen`` (事業費), ``a{i}_label`` and ``a{i}_remove``.
Fields the form does not show (sharing, demolitions, new_site, demand …) are kept from the stored document, so
switching between the form and the YAML editor never loses anything. Errors name the action row and the field.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from kouiki.facilities.model import MajorCategory
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Region
from kouiki.web import service, views

ACTION_TYPES = {
    "consolidate": "集約（統合元 → 統合先）",
    "close": "廃止（供用廃止）",
    "demolish": "除却",
    "convert": "転用（別の大分類へ）",
    "mutual_use": "相互利用",
}
FIELD_LABELS = {"type": "種類", "fiscal_year": "年度", "lead_body": "事業主体", "facilities": "対象施設",
                "sources": "統合元", "target": "統合先", "to_category": "転用後の大分類", "cost_yen": "事業費",
                "construction_cost_yen": "事業費", "label": "説明", "id": "ID", "new_site": "新築施設"}
YEARS_BEFORE, YEARS_AFTER = 2, 40  # the 年度 offered: this 年度 − 2 … + 40 (a choice list, not a rule)


class FormError(KouikiError):
    """Form input that the user can fix; the message names the row and field in Japanese."""


def options(s: Session, region: Region, document: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Choices of the form: bodies, facilities (by 大分類), 年度 (和暦), action types, 大分類."""
    inv = service.region_inventory(s, region)
    this = views.current_fiscal_year().year
    years = set(range(this - YEARS_BEFORE, this + YEARS_AFTER + 1))
    for a in (document or {}).get("actions", []) or []:  # keep a stored 年度 outside the list choosable
        with contextlib.suppress(Exception):  # shown unchosen; the schema names it on save
            years.add(FiscalYear.parse(a.get("fiscal_year")).year)
    if document and document.get("start_fiscal_year") is not None:
        with contextlib.suppress(Exception):  # shown unchosen; the schema names it on save
            years.add(FiscalYear.parse(document["start_fiscal_year"]).year)
    names = {m.code: registry().by_code(m.code).name for m in region.members}
    groups: dict[str, list[dict[str, str]]] = {}
    for f in sorted(inv.facilities, key=lambda f: (list(MajorCategory).index(f.category), f.municipality_code, f.name)):
        groups.setdefault(f.category.value, []).append(
            {"id": f.facility_id, "name": f.name, "body": names.get(f.municipality_code, f.municipality_code),
             "text": f"{f.name}（{names.get(f.municipality_code, f.municipality_code)}）"})
    return {
        "bodies": [{"code": c, "name": n} for c, n in names.items()],
        "facility_groups": groups,
        "facility_ids": {f.facility_id for f in inv.facilities},
        "years": [{"year": y, "label": f"{FiscalYear(y).wareki()}（{y}）"} for y in sorted(years)],
        "types": ACTION_TYPES,
        "categories": [c.value for c in MajorCategory],
    }


def public_options(opts: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON twin of the choices (sets are not JSON)."""
    return {k: v for k, v in opts.items() if k != "facility_ids"}


def rows_from_document(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One form row per action of a stored document."""
    rows = []
    for a in doc.get("actions", []) or []:
        t = a.get("type", "close")
        rows.append({
            "id": a.get("id", ""), "type": t, "fiscal_year": _year_or_none(a.get("fiscal_year")),
            "lead_body": a.get("lead_body") or "",
            "facilities": list(a.get("sources", []) if t == "consolidate" else a.get("facilities", [])),
            "target": a.get("target") or "", "to_category": a.get("to_category") or "",
            "cost_yen": a.get("construction_cost_yen" if t == "consolidate" else "cost_yen") or "",
            "label": a.get("label") or "", "new_site": bool(a.get("new_site")),
        })
    return rows


def blank_row(fiscal_year: int) -> dict[str, Any]:
    return {"id": "", "type": "close", "fiscal_year": fiscal_year, "lead_body": "", "facilities": [], "target": "",
            "to_category": "", "cost_yen": "", "label": "", "new_site": False}


def _year_or_none(v: Any) -> int | None:
    try:
        return FiscalYear.parse(v).year
    except Exception:
        return None


def _one(form: Mapping[str, Any], key: str) -> str:
    v = form.get(key, "")
    return str(v).strip() if v is not None else ""


def submitted_rows(form: Any) -> list[dict[str, Any]]:
    """The action rows as typed (for re-showing the form after an error), without removed rows."""
    try:
        n = int(_one(form, "rows") or 0)
    except ValueError:
        n = 0
    rows = []
    for i in range(min(n, 500)):
        p = f"a{i}_"
        if _one(form, p + "remove"):
            continue
        rows.append({
            "index": i + 1, "id": _one(form, p + "id"), "type": _one(form, p + "type"),
            "fiscal_year": _year_or_none(_one(form, p + "fiscal_year")) if _one(form, p + "fiscal_year") else None,
            "lead_body": _one(form, p + "lead_body"),
            "facilities": [str(x) for x in form.getlist(p + "facilities") if str(x).strip()],
            "target": _one(form, p + "target"), "to_category": _one(form, p + "to_category"),
            "cost_yen": _one(form, p + "cost_yen"), "label": _one(form, p + "label"), "new_site": False,
            "empty": not any(_one(form, p + k) for k in ("facilities", "target", "label", "cost_yen"))
            and not form.getlist(p + "facilities"),
        })
    return rows


def _row_error(n: int, field: str, text: str) -> FormError:
    return FormError(f"操作 {n} 行目の「{FIELD_LABELS.get(field, field)}」: {text}")


def document_from_form(
    form: Any, stored: Mapping[str, Any], opts: Mapping[str, Any]
) -> tuple[str, dict[str, Any], list[int]]:
    """(name, document, form row number of each action) from the submitted form, merged onto the stored
    document; FormError names the row and field."""
    name = _one(form, "name")
    if not name:
        raise FormError("「シナリオ名」を入力してください")
    doc: dict[str, Any] = {k: v for k, v in stored.items() if k not in ("name", "actions")}
    description = _one(form, "description")
    if description:
        doc["description"] = description
    else:
        doc.pop("description", None)
    start = _one(form, "start_fiscal_year")
    if not start:
        raise FormError("「開始年度」を選んでください")
    try:
        doc["start_fiscal_year"] = FiscalYear.parse(start).year
    except Exception:
        raise FormError(f"「開始年度」が年度として読めません: {start}") from None
    cats = [str(c) for c in form.getlist("categories")]
    bad = [c for c in cats if c not in opts["categories"]]
    if bad:
        raise FormError(f"「アクセスを評価する大分類」に13区分にない値があります: {'、'.join(bad)}")
    if cats:
        doc["categories"] = cats
    else:
        doc.pop("categories", None)
    old_actions = {str(a.get("id")): a for a in stored.get("actions", []) or [] if isinstance(a, dict)}
    bodies = {b["code"] for b in opts["bodies"]}
    known: set[str] = opts["facility_ids"]
    actions: list[dict[str, Any]] = []
    numbers: list[int] = []
    for row in submitted_rows(form):
        n = row["index"]
        if row["empty"] and not row["id"]:
            continue  # an untouched blank row
        t = row["type"]
        if t not in ACTION_TYPES:
            raise _row_error(n, "type", f"「{t}」は選べません（{'・'.join(ACTION_TYPES.values())}）")
        if row["fiscal_year"] is None:
            raise _row_error(n, "fiscal_year", "年度を選んでください")
        if row["lead_body"] and row["lead_body"] not in bodies:
            raise _row_error(n, "lead_body", f"{row['lead_body']} はこの圏域の構成団体ではありません")
        unknown = [f for f in row["facilities"] + ([row["target"]] if row["target"] else []) if f not in known]
        if unknown:
            field = "target" if row["target"] in unknown else ("sources" if t == "consolidate" else "facilities")
            raise _row_error(n, field, f"圏域の施設台帳にない施設です: {'、'.join(unknown)}")
        base = dict(old_actions.get(row["id"], {})) if row["id"] else {}
        if base.get("type") not in (None, t):  # the type changed: drop the fields of the old type
            base = {k: v for k, v in base.items() if k in ("id", "label", "sharing", "bodies")}
        a: dict[str, Any] = {**base, "type": t, "fiscal_year": row["fiscal_year"]}
        if row["id"]:
            a["id"] = row["id"]
        for key, value in (("lead_body", row["lead_body"]), ("label", row["label"])):
            if value:
                a[key] = value
            else:
                a.pop(key, None)
        cost_key = "construction_cost_yen" if t == "consolidate" else "cost_yen"
        if row["cost_yen"] and t in ("close", "mutual_use"):
            raise _row_error(n, cost_key, f"{ACTION_TYPES[t]}には事業費を入力できません（集約・除却・転用のみ）")
        if row["cost_yen"]:
            try:
                cost = int(row["cost_yen"].replace(",", ""))
            except ValueError:
                raise _row_error(n, cost_key, f"円の整数で入力してください: {row['cost_yen']}") from None
            if cost < 0:
                raise _row_error(n, cost_key, "0 以上にしてください")
            a[cost_key] = cost
        else:
            a.pop(cost_key, None)
        if t == "consolidate":
            a.pop("facilities", None)
            if not row["facilities"]:
                raise _row_error(n, "sources", "統合元の施設を1つ以上選んでください")
            a["sources"] = row["facilities"]
            if row["target"]:
                a["target"] = row["target"]
                a.pop("new_site", None)
            elif not a.get("new_site"):
                raise _row_error(n, "target", "統合先の施設を選んでください（新築の場合は YAML 編集で new_site を指定）")
            if not row["lead_body"]:
                raise _row_error(n, "lead_body", "集約には事業主体（建設・起債・申請する団体）が必要です")
        else:
            for k in ("sources", "target", "new_site"):
                a.pop(k, None)
            if not row["facilities"]:
                raise _row_error(n, "facilities", "対象施設を1つ以上選んでください")
            a["facilities"] = row["facilities"]
        if t == "convert":
            if row["to_category"] not in opts["categories"]:
                raise _row_error(n, "to_category", "転用後の大分類を選んでください")
            a["to_category"] = row["to_category"]
        else:
            a.pop("to_category", None)
        actions.append(a)
        numbers.append(n)
    doc["actions"] = actions
    return name, doc, numbers


_ACTION_AT = re.compile(r"actions\[(\d+)\](?:\.([A-Za-z_]+))?")


def explain(message: str, numbers: Sequence[int]) -> str:
    """The schema's field paths (``actions[2].sources``) read as form rows and labels (操作 n 行目の「統合元」)."""
    def repl(m: re.Match[str]) -> str:
        i = int(m.group(1))
        n = numbers[i] if i < len(numbers) else i + 1
        field = m.group(2)
        return f"操作 {n} 行目" + (f"の「{FIELD_LABELS.get(field, field)}」" if field else "")
    return _ACTION_AT.sub(repl, message)
