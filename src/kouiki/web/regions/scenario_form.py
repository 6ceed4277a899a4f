"""The scenario form editor (シナリオのフォーム編集): the same stored document as the YAML editor, built from form
fields, validated by the same schema (:func:`kouiki.web.service.validate_scenario`).

Form fields: ``name``, ``description``, ``start_fiscal_year``, ``categories`` (repeated) and, for each action row
``i`` (0, 1, …, ``rows`` in all): ``a{i}_id``, ``a{i}_type``, ``a{i}_fiscal_year``, ``a{i}_lead_body``,
``a{i}_facilities`` (repeated: 統合元 for consolidate, 対象施設 otherwise), ``a{i}_target`` (統合先, consolidate),
``a{i}_to_category`` (転用後の大分類, convert), ``a{i}_cost_yen`` (事業費), ``a{i}_label`` and ``a{i}_remove``;
the row's details (``a{i}_details`` = 1 when the form shows them): 按分の方法 ``a{i}_sharing`` (+ ``a{i}_sharing_equal``,
均等割の割合 % of a mix), and for a consolidation the new building ``a{i}_new_*`` (name, body, area, lat, lon,
operating cost), 起債条件 ``a{i}_bond_*`` (term, grace, rate %, repayment), every 除却 ``a{i}_demo{j}_*``
(facility, 年度, cost, land value, remove; ``a{i}_demos`` of them) and every 円滑化経費 ``a{i}_smooth{j}_*`` (年度,
cost, what, 負担する団体, remove; ``a{i}_smooths`` of them). Fields the form does not show (demand, fees, council …)
are kept from the stored document, so switching between the form and the YAML editor never loses anything.
Errors name the action row and the field in Japanese and carry the form field they belong to (``FormError.field``:
``a0_demo1_cost`` …), where the page shows them.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from kouiki.facilities.model import MajorCategory
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Region
from kouiki.web import service
from kouiki.web.summary import current_fiscal_year

ACTION_TYPES = {
    "consolidate": "集約（統合元 → 統合先）",
    "close": "廃止（供用廃止）",
    "demolish": "除却",
    "convert": "転用（別の大分類へ）",
    "mutual_use": "相互利用",
}
FIELD_LABELS = {"type": "種類", "fiscal_year": "年度", "lead_body": "事業主体", "facilities": "対象施設",
                "sources": "統合元", "target": "統合先", "to_category": "転用後の大分類", "cost_yen": "事業費",
                "construction_cost_yen": "事業費", "label": "説明", "id": "ID", "new_site": "新築施設",
                "new_name": "新築施設の名称", "new_body": "新築施設の所在団体", "new_area": "新築施設の延床面積",
                "new_lat": "新築施設の緯度", "new_lon": "新築施設の経度", "new_opcost": "新築施設の年間運営費",
                "bond": "起債条件", "bond_term": "償還年限", "bond_grace": "据置期間", "bond_rate": "年利",
                "bond_repayment": "償還方法", "demolitions": "除却", "smoothing_costs": "円滑化経費",
                "land_value_yen": "跡地の土地評価額",
                "sharing": "按分の方法", "sharing_equal": "均等割の割合"}
SHARING_METHODS = {
    "population": "人口割（既定）",
    "equal": "均等割",
    "mix": "均等割＋人口割（割合を指定）",
    "own": "按分しない（各団体が自らの分を負担）",
}
REPAYMENTS = {"annuity": "元利均等", "equal_principal": "元金均等"}
DETAIL_KEYS = ("new_name", "new_body", "new_area", "new_lat", "new_lon", "new_opcost", "bond_term", "bond_grace",
               "bond_rate", "bond_repayment", "sharing", "sharing_equal")
DEMO_KEYS = ("facility", "year", "cost", "land")  # one 除却: a{i}_demo{j}_<key>
SMOOTH_KEYS = ("year", "cost", "what", "body")  # one 円滑化経費: a{i}_smooth{j}_<key>
MAX_ENTRIES = 200  # 除却 / 円滑化経費 read per row (a bound on the form, not a rule)
YEARS_BEFORE, YEARS_AFTER = 2, 40  # the 年度 offered: this 年度 − 2 … + 40 (a choice list, not a rule)


class FormError(KouikiError):
    """Form input that the user can fix; the message names the row and field in Japanese, ``field`` is the form
    field (``a0_demo1_cost``, ``name`` …) beside which the page shows it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def options(s: Session, region: Region, document: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Choices of the form: bodies, facilities (by 大分類), 年度 (和暦), action types, 大分類."""
    inv = service.region_inventory(s, region)
    this = current_fiscal_year().year
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
        "sharing_methods": SHARING_METHODS,
        "repayments": REPAYMENTS,
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
            **_details_from_action(a),
        })
    return rows


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def _sharing_fields(sharing: Any) -> dict[str, str]:
    """The stored ``sharing`` as the form shows it; a rule the form cannot show (fixed, usage …) is kept as is."""
    if sharing is None:
        return {"sharing": "", "sharing_equal": "", "sharing_kept": ""}
    if isinstance(sharing, str) and sharing in SHARING_METHODS:
        return {"sharing": sharing, "sharing_equal": "", "sharing_kept": ""}
    if isinstance(sharing, dict):
        method = str(sharing.get("method", ""))
        weights = sharing.get("weights") or {}
        if method in ("equal", "population", "own") and len(sharing) == 1:
            return {"sharing": method, "sharing_equal": "", "sharing_kept": ""}
        if method == "mix" and set(weights) <= {"equal", "population"} and set(sharing) <= {"method", "weights"}:
            with contextlib.suppress(Exception):
                pct = (Decimal(str(weights.get("equal", 0))) * 100).normalize()
                return {"sharing": "mix", "sharing_equal": f"{pct:f}", "sharing_kept": ""}
    return {"sharing": "keep", "sharing_equal": "", "sharing_kept": json.dumps(sharing, ensure_ascii=False)}


def _details_from_action(a: Mapping[str, Any]) -> dict[str, Any]:
    ns = a.get("new_site") or {}
    bond = a.get("bond") or {}
    rate = bond.get("interest_rate")
    return {
        "new_name": _text(ns.get("name")), "new_body": _text(ns.get("municipality_code")),
        "new_area": _text(ns.get("floor_area_m2")), "new_lat": _text(ns.get("lat")), "new_lon": _text(ns.get("lon")),
        "new_opcost": _text(ns.get("annual_operating_cost_yen")),
        "bond_term": _text(bond.get("term_years")), "bond_grace": _text(bond.get("grace_years")),
        "bond_rate": "" if rate is None else f"{(Decimal(str(rate)) * 100).normalize():f}",
        "bond_repayment": _text(bond.get("repayment")),
        "demos": [{"facility": _text(d.get("facility")), "year": _year_or_none(d.get("fiscal_year")),
                   "cost": _text(d.get("cost_yen")), "land": _text(d.get("land_value_yen"))}
                  for d in a.get("demolitions") or [] if isinstance(d, dict)],
        "smooths": [{"year": _year_or_none(c.get("fiscal_year")), "cost": _text(c.get("cost_yen")),
                     "what": _text(c.get("what")), "body": _text(c.get("municipality"))}
                    for c in a.get("smoothing_costs") or [] if isinstance(c, dict)],
        **_sharing_fields(a.get("sharing")),
    }


def blank_row(fiscal_year: int) -> dict[str, Any]:
    return {"id": "", "type": "close", "fiscal_year": fiscal_year, "lead_body": "", "facilities": [], "target": "",
            "to_category": "", "cost_yen": "", "label": "", "new_site": False, **_details_from_action({})}


def _year_or_none(v: Any) -> int | None:
    try:
        return FiscalYear.parse(v).year
    except Exception:
        return None


def _one(form: Mapping[str, Any], key: str) -> str:
    v = form.get(key, "")
    return str(v).strip() if v is not None else ""


def _count(form: Any, key: str, cap: int) -> int:
    try:
        return max(0, min(int(_one(form, key) or 0), cap))
    except ValueError:
        return 0


def blank_demolition(fiscal_year: int | None) -> dict[str, Any]:
    return {"facility": "", "year": fiscal_year, "cost": "", "land": ""}


def blank_smoothing(fiscal_year: int | None) -> dict[str, Any]:
    return {"year": fiscal_year, "cost": "", "what": "", "body": ""}


def _entries(form: Any, prefix: str, count_key: str, keys: Sequence[str]) -> list[dict[str, Any]]:
    """The 除却 (``demo``) or 円滑化経費 (``smooth``) entries of one row as typed, without removed ones."""
    out = []
    for j in range(_count(form, count_key, MAX_ENTRIES)):
        p = f"{prefix}{j}_"
        if _one(form, p + "remove"):
            continue
        e: dict[str, Any] = {k: _one(form, p + k) for k in keys}
        e["year"] = _year_or_none(e["year"]) if e["year"] else None
        out.append(e)
    return out


def submitted_rows(form: Any) -> list[dict[str, Any]]:
    """The action rows as typed (for re-showing the form after an error), without removed rows. ``index`` is the
    row's number as shown (removed rows are not counted), ``field`` the number in its submitted field names."""
    rows: list[dict[str, Any]] = []
    for i in range(_count(form, "rows", 500)):
        p = f"a{i}_"
        if _one(form, p + "remove"):
            continue
        rows.append({
            "index": len(rows) + 1, "field": i, "id": _one(form, p + "id"), "type": _one(form, p + "type"),
            "fiscal_year": _year_or_none(_one(form, p + "fiscal_year")) if _one(form, p + "fiscal_year") else None,
            "lead_body": _one(form, p + "lead_body"),
            "facilities": [str(x) for x in form.getlist(p + "facilities") if str(x).strip()],
            "target": _one(form, p + "target"), "to_category": _one(form, p + "to_category"),
            "cost_yen": _one(form, p + "cost_yen"), "label": _one(form, p + "label"), "new_site": False,
            "empty": not any(_one(form, p + k) for k in ("facilities", "target", "label", "cost_yen", "new_name"))
            and not form.getlist(p + "facilities"),
            "details": bool(_one(form, p + "details")),
            **{k: _one(form, p + k) for k in DETAIL_KEYS},
            "sharing_kept": _one(form, p + "sharing_kept"),
            "demos": _entries(form, p + "demo", p + "demos", DEMO_KEYS),
            "smooths": _entries(form, p + "smooth", p + "smooths", SMOOTH_KEYS),
        })
    return rows


# The form field (after ``a{n-1}_``) of a row-level key, when its name differs.
_INPUT_OF = {"sources": "facilities", "construction_cost_yen": "cost_yen"}
DEMO_LABELS = {"facility": "除却する施設", "year": "除却年度", "cost": "除却費", "land": "跡地の土地評価額"}
SMOOTH_LABELS = {"year": "年度", "cost": "経費", "what": "内容", "body": "負担する団体"}
_ENTRY = {"demo": ("除却", DEMO_LABELS), "smooth": ("円滑化経費", SMOOTH_LABELS)}


def _row_error(n: int, field: str, text: str) -> FormError:
    """An error of action row ``n`` (as shown, from 1), placed at its field."""
    return FormError(f"操作 {n} 行目の「{FIELD_LABELS.get(field, field)}」: {text}",
                     f"a{n - 1}_{_INPUT_OF.get(field, field)}")


def _entry_error(n: int, kind: str, j: int, key: str, text: str) -> FormError:
    """An error of the ``j``-th (from 0) 除却 (``demo``) or 円滑化経費 (``smooth``) of action row ``n``."""
    what, labels = _ENTRY[kind]
    return FormError(f"操作 {n} 行目の{what} {j + 1} 件目の「{labels[key]}」: {text}", f"a{n - 1}_{kind}{j}_{key}")


def document_from_form(
    form: Any, stored: Mapping[str, Any], opts: Mapping[str, Any]
) -> tuple[str, dict[str, Any], list[int], dict[str, str]]:
    """(name, document, form row number of each action, schema path → form field prefix) from the submitted form,
    merged onto the stored document; FormError names the row and field."""
    name = _one(form, "name")
    if not name:
        raise FormError("「シナリオ名」を入力してください", "name")
    doc: dict[str, Any] = {k: v for k, v in stored.items() if k not in ("name", "actions")}
    description = _one(form, "description")
    if description:
        doc["description"] = description
    else:
        doc.pop("description", None)
    start = _one(form, "start_fiscal_year")
    if not start:
        raise FormError("「開始年度」を選んでください", "start_fiscal_year")
    try:
        doc["start_fiscal_year"] = FiscalYear.parse(start).year
    except Exception:
        raise FormError(f"「開始年度」が年度として読めません: {start}", "start_fiscal_year") from None
    cats = [str(c) for c in form.getlist("categories")]
    bad = [c for c in cats if c not in opts["categories"]]
    if bad:
        raise FormError(f"「アクセスを評価する大分類」に13区分にない値があります: {'、'.join(bad)}", "categories")
    if cats:
        doc["categories"] = cats
    else:
        doc.pop("categories", None)
    old_actions = {str(a.get("id")): a for a in stored.get("actions", []) or [] if isinstance(a, dict)}
    bodies = {b["code"] for b in opts["bodies"]}
    known: set[str] = opts["facility_ids"]
    actions: list[dict[str, Any]] = []
    numbers: list[int] = []
    places: dict[str, str] = {}
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
        # a list box sends its choices in the list's order: keep the stored order of those still chosen
        before = [str(f) for f in base.get("sources" if t == "consolidate" else "facilities") or []]
        row["facilities"] = ([f for f in before if f in row["facilities"]]
                             + [f for f in row["facilities"] if f not in before])
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
        prefix = f"actions[{len(actions)}]"
        places[prefix] = f"a{n - 1}_"
        if t == "consolidate":
            a.pop("facilities", None)
            if not row["facilities"]:
                raise _row_error(n, "sources", "統合元の施設を1つ以上選んでください")
            a["sources"] = row["facilities"]
            if row["details"]:
                _consolidation_details(row, a, n, bodies, known)
                places.update(_entry_places(row, prefix, n))
            if row["target"]:
                if row["details"] and row["new_name"]:
                    raise _row_error(n, "target", "統合先（既存施設）か新築施設のどちらか一方を指定してください")
                a["target"] = row["target"]
                a.pop("new_site", None)
            elif not a.get("new_site"):
                raise _row_error(n, "target", "統合先の施設を選ぶか、新築施設の名称・延床面積・位置を入力してください")
            if not row["lead_body"]:
                raise _row_error(n, "lead_body", "集約には事業主体（建設・起債・申請する団体）が必要です")
        else:
            for k in ("sources", "target", "new_site"):
                a.pop(k, None)
            if not row["facilities"]:
                raise _row_error(n, "facilities", "対象施設を1つ以上選んでください")
            a["facilities"] = row["facilities"]
        if row["details"]:
            _sharing_from_row(row, a, n)
        if t != "consolidate":
            for k in ("bond", "demolitions", "smoothing_costs", "consolidation_type", "construction_schedule"):
                a.pop(k, None)
        if t == "convert":
            if row["to_category"] not in opts["categories"]:
                raise _row_error(n, "to_category", "転用後の大分類を選んでください")
            a["to_category"] = row["to_category"]
        else:
            a.pop("to_category", None)
        actions.append(a)
        numbers.append(n)
    doc["actions"] = actions
    return name, doc, numbers, places


def _blank_demolition(e: Mapping[str, Any]) -> bool:
    return not (e["facility"] or e["cost"] or e["land"])


def _blank_smoothing(e: Mapping[str, Any]) -> bool:
    return not (e["cost"] or e["what"] or e["body"])


def _entry_places(row: Mapping[str, Any], prefix: str, n: int) -> dict[str, str]:
    """Schema paths of the row's saved 除却 / 円滑化経費 (blank entries are not saved) → their form fields."""
    out = {}
    kept = [j for j, e in enumerate(row["demos"]) if not _blank_demolition(e)]
    out.update({f"{prefix}.demolitions[{d}]": f"a{n - 1}_demo{j}_" for d, j in enumerate(kept)})
    kept = [j for j, e in enumerate(row["smooths"]) if not _blank_smoothing(e)]
    out.update({f"{prefix}.smoothing_costs[{d}]": f"a{n - 1}_smooth{j}_" for d, j in enumerate(kept)})
    return out


def _number_text(value: Any) -> str:
    return str(value or "").replace(",", "").strip()


def _parse_int(text: str, required: bool, error: Any) -> int | None:
    """``error(message)`` builds the FormError placed at the field."""
    text = _number_text(text)
    if not text:
        if required:
            raise error("入力してください")
        return None
    try:
        v = int(text)
    except ValueError:
        raise error(f"整数で入力してください: {text}") from None
    if v < 0:
        raise error("0 以上にしてください")
    return v


def _int(row: Mapping[str, Any], key: str, n: int, *, required: bool = False) -> int | None:
    return _parse_int(row.get(key) or "", required, lambda text: _row_error(n, key, text))


def _dec(row: Mapping[str, Any], key: str, n: int, *, required: bool = False) -> Decimal | None:
    text = str(row.get(key) or "").replace(",", "").strip()
    if not text:
        if required:
            raise _row_error(n, key, "入力してください")
        return None
    try:
        return Decimal(text)
    except ArithmeticError:
        raise _row_error(n, key, f"数値で入力してください: {text}") from None


def _consolidation_details(row: Mapping[str, Any], a: dict[str, Any], n: int, bodies: set[str], known: set[str]) -> None:
    """New building, 起債条件, the first 除却 and 円滑化経費 of a consolidation row, onto the action ``a``."""
    if row["new_name"]:
        body = row["new_body"] or row["lead_body"]
        if body not in bodies:
            raise _row_error(n, "new_body", "新築施設の所在団体を選んでください")
        area = _dec(row, "new_area", n, required=True)
        if area is not None and area <= 0:
            raise _row_error(n, "new_area", "0 より大きい㎡で入力してください")
        site: dict[str, Any] = {"id": (a.get("new_site") or {}).get("id") or f"{row['id'] or f'row{n}'}-new",
                                "name": row["new_name"], "municipality_code": body,
                                "lat": float(_dec(row, "new_lat", n, required=True) or 0),
                                "lon": float(_dec(row, "new_lon", n, required=True) or 0),
                                "floor_area_m2": str(area)}
        op = _int(row, "new_opcost", n)
        if op is not None:
            site["annual_operating_cost_yen"] = op
        for k, v in (a.get("new_site") or {}).items():  # category, subcategory … the form does not show
            site.setdefault(k, v)
        a["new_site"] = site
        a.pop("target", None)
    elif not row["target"]:
        a.pop("new_site", None)
    bond: dict[str, Any] = {k: v for k, v in (("term_years", _int(row, "bond_term", n)), ("grace_years", _int(row, "bond_grace", n)))
            if v is not None}
    rate = _dec(row, "bond_rate", n)
    if rate is not None:
        if not Decimal(0) <= rate <= Decimal(100):
            raise _row_error(n, "bond_rate", "年利は 0〜100（%）で入力してください")
        bond["interest_rate"] = f"{(rate / 100).normalize():f}"
    if row["bond_repayment"]:
        if row["bond_repayment"] not in REPAYMENTS:
            raise _row_error(n, "bond_repayment", "元利均等か元金均等を選んでください")
        bond["repayment"] = row["bond_repayment"]
    if bond:
        a["bond"] = bond
    else:
        a.pop("bond", None)
    demolitions = []
    for j, e in enumerate(row["demos"]):
        if _blank_demolition(e):
            continue  # an untouched blank entry

        def err(text: str, key: str, j: int = j) -> FormError:
            return _entry_error(n, "demo", j, key, text)
        if not e["facility"]:
            raise err("除却する施設を選んでください", "facility")
        if e["facility"] not in known:
            raise err(f"圏域の施設台帳にない施設です: {e['facility']}", "facility")
        if e["year"] is None:
            raise err("除却年度を選んでください", "year")
        item: dict[str, Any] = {"facility": e["facility"], "fiscal_year": e["year"],
                                "cost_yen": _parse_int(e["cost"], True, lambda text, err=err: err(text, "cost"))}
        land = _parse_int(e["land"], False, lambda text, err=err: err(text, "land"))
        if land is not None:
            item["land_value_yen"] = land
        demolitions.append(item)
    if demolitions:
        a["demolitions"] = demolitions
    else:
        a.pop("demolitions", None)
    smoothing = []
    for j, e in enumerate(row["smooths"]):
        if _blank_smoothing(e):
            continue

        def serr(text: str, key: str, j: int = j) -> FormError:
            return _entry_error(n, "smooth", j, key, text)
        if e["year"] is None:
            raise serr("年度を選んでください", "year")
        cost = _parse_int(e["cost"], True, lambda text, serr=serr: serr(text, "cost"))
        if e["body"] and e["body"] not in bodies:
            raise serr(f"{e['body']} はこの圏域の構成団体ではありません", "body")
        cost_item: dict[str, Any] = {"fiscal_year": e["year"], "cost_yen": cost}
        if e["what"]:
            cost_item["what"] = e["what"]
        if e["body"]:
            cost_item["municipality"] = e["body"]
        smoothing.append(cost_item)
    if smoothing:
        a["smoothing_costs"] = smoothing
    else:
        a.pop("smoothing_costs", None)


def _sharing_from_row(row: Mapping[str, Any], a: dict[str, Any], n: int) -> None:
    method = row["sharing"]
    if method == "keep":  # a rule the form cannot show: kept as stored
        if row.get("sharing_kept"):
            with contextlib.suppress(ValueError):
                a["sharing"] = json.loads(row["sharing_kept"])
        return
    if not method:
        a.pop("sharing", None)
        return
    if method not in SHARING_METHODS:
        raise _row_error(n, "sharing", f"「{method}」は選べません（{'・'.join(SHARING_METHODS.values())}）")
    if method == "mix":
        pct = _dec(row, "sharing_equal", n, required=True)
        if pct is None or not Decimal(0) <= pct <= Decimal(100):
            raise _row_error(n, "sharing_equal", "均等割の割合は 0〜100（%）で入力してください")
        equal = (pct / 100).normalize()
        a["sharing"] = {"method": "mix", "weights": {"equal": f"{equal:f}", "population": f"{(1 - equal).normalize():f}"}}
    else:
        a["sharing"] = method


_ACTION_AT = re.compile(r"actions\[(\d+)\](?:\.([A-Za-z_]+)(?:\[(\d+)\](?:\.([A-Za-z_]+))?)?)?")
# A schema key of a 除却 / 円滑化経費 entry → the form's key (DEMO_LABELS / SMOOTH_LABELS).
_ENTRY_KEYS = {"demolitions": ("demo", {"facility": "facility", "fiscal_year": "year", "cost_yen": "cost",
                                        "land_value_yen": "land"}),
               "smoothing_costs": ("smooth", {"fiscal_year": "year", "cost_yen": "cost", "what": "what",
                                              "municipality": "body"})}


def explain(message: str, numbers: Sequence[int]) -> str:
    """The schema's field paths (``actions[2].sources``, ``actions[0].demolitions[1].cost_yen``) read as form rows
    and labels (操作 n 行目の「統合元」, 操作 1 行目の除却 2 件目の「除却費」)."""
    def repl(m: re.Match[str]) -> str:
        i = int(m.group(1))
        n = numbers[i] if i < len(numbers) else i + 1
        field, sub, key = m.group(2), m.group(3), m.group(4)
        if field in _ENTRY_KEYS and sub is not None:
            kind, keys = _ENTRY_KEYS[field]
            what, labels = _ENTRY[kind]
            text = f"操作 {n} 行目の{what} {int(sub) + 1} 件目"
            return text + (f"の「{labels.get(keys.get(key, ''), key)}」" if key else "")
        out = f"操作 {n} 行目" + (f"の「{FIELD_LABELS.get(field, field)}」" if field else "")
        return out + (f"[{sub}]" if sub is not None else "") + (f".{key}" if key else "")
    return _ACTION_AT.sub(repl, message)


def place(message: str, places: Mapping[str, str]) -> str | None:
    """The form field where a schema error belongs (``a0_demo1_cost``), from the first path in ``message``."""
    m = _ACTION_AT.search(message)
    if not m:
        return None
    prefix = f"actions[{m.group(1)}]"
    field, sub, key = m.group(2), m.group(3), m.group(4)
    if field in _ENTRY_KEYS and sub is not None:
        entry = places.get(f"{prefix}.{field}[{sub}]")
        keys = _ENTRY_KEYS[field][1]
        return None if entry is None else entry + keys.get(key or "", "cost")
    row = places.get(prefix)
    if row is None:
        return None
    return row + _INPUT_OF.get(field or "", field or "type")
