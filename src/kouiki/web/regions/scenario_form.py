"""The scenario form editor (シナリオのフォーム編集): the same stored document as the YAML editor, built from form
fields, validated by the same schema (:func:`kouiki.web.service.validate_scenario`).

Form fields: ``name``, ``description``, ``start_fiscal_year``, ``categories`` (repeated) and, for each action row
``i`` (0, 1, …, ``rows`` in all): ``a{i}_id``, ``a{i}_type``, ``a{i}_fiscal_year``, ``a{i}_lead_body``,
``a{i}_facilities`` (repeated: 統合元 for consolidate, 対象施設 otherwise), ``a{i}_target`` (統合先, consolidate),
``a{i}_to_category`` (転用後の大分類, convert), ``a{i}_cost_yen`` (事業費), ``a{i}_label`` and ``a{i}_remove``;
the row's details (``a{i}_details`` = 1 when the form shows them): 按分の方法 ``a{i}_sharing`` (+ ``a{i}_sharing_equal``,
均等割の割合 % of a mix), and for a consolidation the new building ``a{i}_new_*`` (name, body, area, lat, lon,
operating cost), 起債条件 ``a{i}_bond_*`` (term, grace, rate %, repayment), one 除却 ``a{i}_demo_*`` (facility,
年度, cost, land value) and one 円滑化経費 ``a{i}_smooth_*`` (年度, cost, what). Further demolitions and 円滑化
costs, and fields the form does not show (demand, fees, council …), are kept from the stored document, so
switching between the form and the YAML editor never loses anything. Errors name the action row and the field.
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
                "bond_repayment": "償還方法", "demolitions": "除却", "demo_facility": "除却する施設", "demo_year": "除却年度",
                "demo_cost": "除却費", "demo_land": "跡地の土地評価額", "smoothing_costs": "円滑化経費",
                "smooth_year": "円滑化経費の年度", "smooth_cost": "円滑化経費", "smooth_what": "円滑化経費の内容",
                "sharing": "按分の方法", "sharing_equal": "均等割の割合"}
SHARING_METHODS = {
    "population": "人口割（既定）",
    "equal": "均等割",
    "mix": "均等割＋人口割（割合を指定）",
    "own": "按分しない（各団体が自らの分を負担）",
}
REPAYMENTS = {"annuity": "元利均等", "equal_principal": "元金均等"}
DETAIL_KEYS = ("new_name", "new_body", "new_area", "new_lat", "new_lon", "new_opcost", "bond_term", "bond_grace",
               "bond_rate", "bond_repayment", "demo_facility", "demo_year", "demo_cost", "demo_land", "smooth_year",
               "smooth_cost", "smooth_what", "sharing", "sharing_equal")
YEARS_BEFORE, YEARS_AFTER = 2, 40  # the 年度 offered: this 年度 − 2 … + 40 (a choice list, not a rule)


class FormError(KouikiError):
    """Form input that the user can fix; the message names the row and field in Japanese."""


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
    demo = (a.get("demolitions") or [{}])[0]
    smooth = (a.get("smoothing_costs") or [{}])[0]
    rate = bond.get("interest_rate")
    return {
        "new_name": _text(ns.get("name")), "new_body": _text(ns.get("municipality_code")),
        "new_area": _text(ns.get("floor_area_m2")), "new_lat": _text(ns.get("lat")), "new_lon": _text(ns.get("lon")),
        "new_opcost": _text(ns.get("annual_operating_cost_yen")),
        "bond_term": _text(bond.get("term_years")), "bond_grace": _text(bond.get("grace_years")),
        "bond_rate": "" if rate is None else f"{(Decimal(str(rate)) * 100).normalize():f}",
        "bond_repayment": _text(bond.get("repayment")),
        "demo_facility": _text(demo.get("facility")), "demo_year": _year_or_none(demo.get("fiscal_year")),
        "demo_cost": _text(demo.get("cost_yen")), "demo_land": _text(demo.get("land_value_yen")),
        "smooth_year": _year_or_none(smooth.get("fiscal_year")), "smooth_cost": _text(smooth.get("cost_yen")),
        "smooth_what": _text(smooth.get("what")),
        "more_demolitions": max(0, len(a.get("demolitions") or []) - 1),
        "more_smoothing": max(0, len(a.get("smoothing_costs") or []) - 1),
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
            "empty": not any(_one(form, p + k) for k in ("facilities", "target", "label", "cost_yen", "new_name"))
            and not form.getlist(p + "facilities"),
            "details": bool(_one(form, p + "details")),
            **{k: _one(form, p + k) for k in DETAIL_KEYS},
            "sharing_kept": _one(form, p + "sharing_kept"),
            "more_demolitions": 0, "more_smoothing": 0,
        })
        for k in ("demo_year", "smooth_year"):
            rows[-1][k] = _year_or_none(rows[-1][k]) if rows[-1][k] else None
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
            if row["details"]:
                _consolidation_details(row, a, n, bodies, known)
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
    return name, doc, numbers


def _int(row: Mapping[str, Any], key: str, n: int, *, required: bool = False) -> int | None:
    text = str(row.get(key) or "").replace(",", "").strip()
    if not text:
        if required:
            raise _row_error(n, key, "入力してください")
        return None
    try:
        v = int(text)
    except ValueError:
        raise _row_error(n, key, f"整数で入力してください: {text}") from None
    if v < 0:
        raise _row_error(n, key, "0 以上にしてください")
    return v


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
    more_demolitions = list(a.get("demolitions") or [])[1:]
    if row["demo_facility"]:
        if row["demo_facility"] not in known:
            raise _row_error(n, "demo_facility", f"圏域の施設台帳にない施設です: {row['demo_facility']}")
        if row["demo_year"] is None:
            raise _row_error(n, "demo_year", "除却年度を選んでください")
        first: dict[str, Any] = {"facility": row["demo_facility"], "fiscal_year": row["demo_year"],
                 "cost_yen": _int(row, "demo_cost", n, required=True)}
        land = _int(row, "demo_land", n)
        if land:
            first["land_value_yen"] = land
        more_demolitions = [first, *more_demolitions]
    if more_demolitions:
        a["demolitions"] = more_demolitions
    else:
        a.pop("demolitions", None)
    more_smoothing = list(a.get("smoothing_costs") or [])[1:]
    if row["smooth_cost"]:
        if row["smooth_year"] is None:
            raise _row_error(n, "smooth_year", "円滑化経費の年度を選んでください")
        item: dict[str, Any] = {"fiscal_year": row["smooth_year"], "cost_yen": _int(row, "smooth_cost", n, required=True)}
        if row["smooth_what"]:
            item["what"] = row["smooth_what"]
        more_smoothing = [item, *more_smoothing]
    if more_smoothing:
        a["smoothing_costs"] = more_smoothing
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


_ACTION_AT = re.compile(r"actions\[(\d+)\](?:\.([A-Za-z_]+))?")


def explain(message: str, numbers: Sequence[int]) -> str:
    """The schema's field paths (``actions[2].sources``) read as form rows and labels (操作 n 行目の「統合元」)."""
    def repl(m: re.Match[str]) -> str:
        i = int(m.group(1))
        n = numbers[i] if i < len(numbers) else i + 1
        field = m.group(2)
        return f"操作 {n} 行目" + (f"の「{FIELD_LABELS.get(field, field)}」" if field else "")
    return _ACTION_AT.sub(repl, message)
