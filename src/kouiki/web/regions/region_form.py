"""The region form (圏域の登録・編集をフォームで): the same document as the YAML/JSON path and ``PUT /api/regions/{id}``,
built from form fields and validated by the same model (:class:`kouiki.reference.regions.Region`, through
:func:`kouiki.web.service.save_region_document`, which also applies the permission rules).

Form fields: ``id`` (圏域ID, registering only; empty → :func:`new_region_id`), ``name`` (圏域名), ``short_name`` (略称), ``framework`` (定住自立圏 / 連携中枢都市圏), ``type`` (standard /
compound = 複眼型 / single_merged = 合併1市圏域), ``central0`` and ``central1`` (中心市; the second for 複眼型),
``declaration_date`` (中心市宣言日, ISO date from ``<input type=date>``); for each 近隣市町村 row ``j`` (``neighbours``
of them): ``n{j}_body`` (団体: 「青森県弘前市」, a name or a code), ``n{j}_date`` (協定締結日), ``n{j}_remove``; for each
共生ビジョン row ``j`` (``visions``): ``v{j}_title``, ``v{j}_adopted`` (策定日), ``v{j}_start`` and ``v{j}_end`` (計画期間の
年度: 「令和7年度」「R7」 or 2025), ``v{j}_from`` (which stored vision the row shows) and ``v{j}_remove``.

Fields the form does not show (sources, notes, projects, 変更協定, 議決日, also_in …) are kept from the stored
document: members by 団体コード, visions by ``v{j}_from``. Every error is a :class:`FormError` naming the field in
Japanese and carrying the form field it belongs to.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import Municipality, registry
from kouiki.reference.regions import ROLE_WORDS, Framework, Region, RegionType, Role
from kouiki.web.service import check_region_id

FRAMEWORKS = {f.value: f.value for f in Framework}  # the model's frameworks (no other value validates)
TYPES = {RegionType.STANDARD.value: "通常（中心市1市と近隣市町村）",
         RegionType.COMPOUND.value: "複眼型（隣り合う2市が中心市）",
         RegionType.SINGLE_MERGED.value: "合併1市圏域（合併した1市だけ・形成方針）"}
# The words of each 枠組み for the members and their agreement; the form swaps them when the 枠組み changes
# (static/app.js, from the form's data-role-labels) and the server renders them for the chosen one.
ROLE_LABELS = ROLE_WORDS
MAX_ROWS = 300  # rows read per list (a bound on the form, not a rule)
FIELDS = {"id": "圏域ID", "name": "圏域名", "short_name": "略称", "framework": "枠組み", "type": "圏域の形", "central0": "中心市",
          "central1": "中心市（複眼型の2市目）", "declaration_date": "中心市宣言日", "body": "団体",
          "date": "協定締結日", "title": "共生ビジョンの名称", "adopted": "策定日", "start": "計画期間（から）",
          "end": "計画期間（まで）"}


class FormError(KouikiError):
    """Input the user can fix; ``field`` is the form field (``n2_date`` …) beside which the page shows it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _one(form: Any, key: str) -> str:
    v = form.get(key, "")
    return str(v).strip() if v is not None else ""


def _count(form: Any, key: str) -> int:
    try:
        return max(0, min(int(_one(form, key) or 0), MAX_ROWS))
    except ValueError:
        return 0


def body_text(code: str) -> str:
    """How the form shows a body (and accepts it back): 都道府県名+市区町村名."""
    try:
        return registry().by_code(code).full_name
    except KouikiError:
        return code


def body_choices() -> list[str]:
    """The datalist of every 市区町村 (typing a part of the name or the 都道府県 narrows it)."""
    return [b.full_name for b in sorted(registry().municipalities(), key=lambda b: b.code)]


def prefectures() -> list[str]:
    return [p.name for p in sorted(registry().prefectures(), key=lambda p: p.code)]


def wareki(text: str) -> str:
    """An ISO date of the form shown in 和暦 beside its input (平成22年10月1日); "" when it is not a date."""
    from kouiki.reference.calendar import wareki_date

    try:
        return wareki_date(dt.date.fromisoformat(text))
    except (TypeError, ValueError):
        return ""


def _wareki_year(y: Any) -> str:
    try:
        return FiscalYear(int(y)).wareki()
    except (TypeError, ValueError, KouikiError):
        return "" if y is None else str(y)


def values_from_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values for a stored region document."""
    central = [str(c) for c in doc.get("central") or []]
    members = [m for m in doc.get("members") or [] if isinstance(m, dict)]
    return {
        "id": str(doc.get("id") or ""), "name": str(doc.get("name") or ""), "short_name": str(doc.get("short_name") or ""),
        "framework": str(doc.get("framework") or Framework.TEIJU.value),
        "type": str(doc.get("type") or RegionType.STANDARD.value),
        "central0": body_text(central[0]) if central else "", "central1": body_text(central[1]) if len(central) > 1 else "",
        "declaration_date": str(doc.get("declaration_date") or ""),
        "neighbours": [{"body": body_text(str(m.get("code"))), "date": str(m.get("agreement_date") or "")}
                       for m in members if m.get("role") == Role.NEIGHBOR.value],
        "visions": [{"title": str(v.get("title") or ""), "adopted": str(v.get("adopted") or ""),
                     "start": _wareki_year(v.get("start_fiscal_year")), "end": _wareki_year(v.get("end_fiscal_year")),
                     "from": str(i)}
                    for i, v in enumerate(doc.get("visions") or []) if isinstance(v, dict)],
    }


def blank_values() -> dict[str, Any]:
    return {"id": "", "name": "", "short_name": "", "framework": Framework.TEIJU.value, "type": RegionType.STANDARD.value,
            "central0": "", "central1": "", "declaration_date": "", "neighbours": [blank_neighbour()], "visions": []}


def blank_neighbour() -> dict[str, str]:
    return {"body": "", "date": ""}


def blank_vision() -> dict[str, str]:
    return {"title": "", "adopted": "", "start": "", "end": "", "from": ""}


def submitted_values(form: Any) -> dict[str, Any]:
    """The form as typed (shown again after an error), without removed rows."""
    values: dict[str, Any] = {k: _one(form, k) for k in ("id", "name", "short_name", "framework", "type", "central0",
                                                          "central1", "declaration_date")}
    values["neighbours"] = [{"body": _one(form, f"n{j}_body"), "date": _one(form, f"n{j}_date")}
                            for j in range(_count(form, "neighbours")) if not _one(form, f"n{j}_remove")]
    values["visions"] = [{k: _one(form, f"v{j}_{k}") for k in ("title", "adopted", "start", "end", "from")}
                         for j in range(_count(form, "visions")) if not _one(form, f"v{j}_remove")]
    return values


def _body(text: str, field: str, label: str) -> Municipality:
    try:
        body = registry().get(text)
    except KouikiError as exc:
        raise FormError(f"「{label}」: {exc}", field) from None
    if body.is_prefecture:
        raise FormError(f"「{label}」: {body.name} は都道府県です。市区町村を選んでください", field)
    return body


def _date(text: str, field: str, label: str) -> str | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise FormError(f"「{label}」が日付として読めません: {text}（例: 2024-04-01）", field) from None


def _fiscal_year(text: str, field: str, label: str) -> int | None:
    if not text:
        return None
    try:
        return FiscalYear.parse(text).year
    except Exception:
        raise FormError(f"「{label}」が年度として読めません: {text}（例: 令和7年度、R7、2025）", field) from None


def document_from_form(form: Any, stored: Mapping[str, Any] | None, new_id: str | None = None) -> dict[str, Any]:
    """The region document from the submitted form, merged onto the stored one (``None`` when registering: the
    id is ``new_id``); FormError names the field. The model's own checks run afterwards (:func:`check`)."""
    v = submitted_values(form)
    doc: dict[str, Any] = dict(stored or {})
    if stored is None:
        doc["id"] = new_id
    if not v["name"]:
        raise FormError("「圏域名」を入力してください", "name")
    doc["name"] = v["name"]
    if v["short_name"]:
        doc["short_name"] = v["short_name"]
    else:
        doc.pop("short_name", None)
    if v["framework"] not in FRAMEWORKS:
        raise FormError(f"「枠組み」は {'・'.join(FRAMEWORKS)} から選んでください", "framework")
    doc["framework"] = v["framework"]
    if v["type"] not in TYPES:
        raise FormError(f"「圏域の形」は {'・'.join(TYPES.values())} から選んでください", "type")
    doc["type"] = v["type"]
    if not v["central0"]:
        raise FormError("「中心市」を入力してください（団体名。例: 青森県弘前市）", "central0")
    central = [_body(v["central0"], "central0", FIELDS["central0"])]
    if v["type"] == RegionType.COMPOUND.value:
        if not v["central1"]:
            raise FormError("複眼型では「中心市（複眼型の2市目）」を入力してください", "central1")
        central.append(_body(v["central1"], "central1", FIELDS["central1"]))
    elif v["central1"]:
        raise FormError("2市目の中心市は複眼型の圏域だけに置けます（圏域の形を複眼型にするか、空欄にしてください）", "central1")
    for field, c in zip(("central0", "central1"), central, strict=False):
        if not c.kind.is_city:
            raise FormError(f"「{FIELDS[field]}」: {c.full_name} は市ではありません（中心市は市に限られます）", field)
    if len(central) == 2 and central[0].code == central[1].code:
        raise FormError("複眼型の2市は別の市にしてください", "central1")
    doc["central"] = [c.code for c in central]
    declaration = _date(v["declaration_date"], "declaration_date", FIELDS["declaration_date"])
    if declaration:
        doc["declaration_date"] = declaration
    else:
        doc.pop("declaration_date", None)
    old_members = {str(m.get("code")): m for m in (stored or {}).get("members") or [] if isinstance(m, dict)}
    members: dict[str, dict[str, Any]] = {}
    for c in central:
        members[c.code] = {**old_members.get(c.code, {}), "code": c.code, "role": Role.CENTRAL.value}
    for j, row in enumerate(v["neighbours"]):
        if not row["body"] and not row["date"]:
            continue  # a blank row
        if not row["body"]:
            raise FormError(f"近隣市町村 {j + 1} 行目の「団体」を入力してください", f"n{j}_body")
        body = _body(row["body"], f"n{j}_body", f"近隣市町村 {j + 1} 行目の団体")
        if body.code in members:
            what = "中心市です" if members[body.code]["role"] == Role.CENTRAL.value else "ほかの行と重複しています"
            raise FormError(f"近隣市町村 {j + 1} 行目の「団体」: {body.full_name} は{what}", f"n{j}_body")
        m = {**old_members.get(body.code, {}), "code": body.code, "role": Role.NEIGHBOR.value}
        date = _date(row["date"], f"n{j}_date", f"近隣市町村 {j + 1} 行目の協定締結日")
        if date:
            m["agreement_date"] = date
        else:
            m.pop("agreement_date", None)
        members[body.code] = m
    order = [c for c in old_members if c in members] + [c for c in members if c not in old_members]
    doc["members"] = [members[c] for c in order]
    old_visions = [x for x in (stored or {}).get("visions") or [] if isinstance(x, dict)]
    visions = []
    for j, row in enumerate(v["visions"]):
        if not any(row[k] for k in ("title", "adopted", "start", "end")):
            continue
        if not row["title"]:
            raise FormError(f"共生ビジョン {j + 1} 件目の「名称」を入力してください", f"v{j}_title")
        base = dict(old_visions[int(row["from"])]) if row["from"].isdigit() and int(row["from"]) < len(old_visions) else {}
        vision = {**base, "title": row["title"]}
        label = f"共生ビジョン {j + 1} 件目の"
        for key, value in (("adopted", _date(row["adopted"], f"v{j}_adopted", label + "策定日")),
                           ("start_fiscal_year", _fiscal_year(row["start"], f"v{j}_start", label + "計画期間（から）")),
                           ("end_fiscal_year", _fiscal_year(row["end"], f"v{j}_end", label + "計画期間（まで）"))):
            if value is None:
                vision.pop(key, None)
            else:
                vision[key] = value
        start, end = vision.get("start_fiscal_year"), vision.get("end_fiscal_year")
        if start is not None and end is not None and end < start:
            raise FormError(f"共生ビジョン {j + 1} 件目の「計画期間（まで）」が「計画期間（から）」より前です", f"v{j}_end")
        visions.append(vision)
    if visions:
        doc["visions"] = visions
    else:
        doc.pop("visions", None)
    return doc


_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def _names(message: str) -> str:
    """Codes in a model message read with their names: 022047 → 黒石市（022047）."""
    def repl(m: re.Match[str]) -> str:
        try:
            return f"{registry().by_code(m.group(1)).name}（{m.group(1)}）"
        except KouikiError:
            return m.group(1)
    return _CODE.sub(repl, message)


def check(doc: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """The model's checks (the ones the YAML path runs), as a FormError placed at the field they concern."""
    try:
        Region.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        text = str(err.get("msg", "")).removeprefix("Value error, ")
        loc = tuple(err.get("loc") or ())
        raise FormError(_names(text if loc == () else f"{'.'.join(map(str, loc))}: {text}"),
                        _field_of(loc, text, doc, values)) from None


def _field_of(loc: tuple[Any, ...], text: str, doc: Mapping[str, Any], values: Mapping[str, Any]) -> str | None:
    rows = {}
    for j, row in enumerate(values.get("neighbours") or []):
        with contextlib.suppress(KouikiError):  # already reported by the form's own checks
            rows[registry().get(row["body"]).code] = j
    central = list(doc.get("central") or [])
    if loc and loc[0] in ("name", "framework", "type", "declaration_date"):
        return str(loc[0])
    if loc and loc[0] == "central":
        return "central0"
    code = None
    if len(loc) >= 2 and loc[0] == "members" and isinstance(loc[1], int) and loc[1] < len(doc.get("members") or []):
        code = str(doc["members"][loc[1]].get("code"))
    if code is None:
        m = _CODE.search(text)
        code = m.group(1) if m else None
    if code is not None and code in central:
        return f"central{central.index(code)}"
    if code is not None and code in rows:
        return f"n{rows[code]}_{'date' if ('協定' in text or '議決' in text or 'date' in str(loc)) else 'body'}"
    if "共生ビジョン" in text:
        for j, row in enumerate(values.get("visions") or []):
            if row["title"] and f"「{row['title']}」" in text:
                return f"v{j}_adopted" if row["adopted"] else f"v{j}_start"
    return None


def chosen_id(values: Mapping[str, Any]) -> str | None:
    """The 圏域ID typed on the registration form (``None``: left empty, one is made), checked at its field."""
    text = str(values.get("id") or "")
    if not text:
        return None
    try:
        check_region_id(text)
    except KouikiError as exc:
        raise FormError(str(exc), "id") from None
    return text


def new_region_id(framework: str, central_code: str, taken: set[str]) -> str:
    """The id of a region registered by the form: 枠組み and the 中心市's code (``teiju-022021``), numbered when
    taken. It names the region in URLs and files; typed on the form (:func:`chosen_id`) it is not needed."""
    base = f"{'renkei' if framework == Framework.RENKEI.value else 'teiju'}-{central_code}"
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
