"""Plans: what each body intends to spend on what, in which 年度 — from YAML, JSON or the Excel template.

A plan is ``{"items": [...]}`` (or a bare list of items). Each item names a ``measure``, the
``municipality`` that bears the cost or claims (5- or 6-digit code), the ``fiscal_year`` (2025, "R7",
"令和7年度") and the fields its measure needs (:data:`MEASURE_FIELDS`). Validation collects every problem
(item index, field, Japanese message) and rejects the whole plan if there is any: a malformed plan must
never give a partial answer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any

from kouiki.fiscal.errors import PlanError, PlanIssue
from kouiki.reference import codes
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.money import MAX_YEN


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # code, codes, yen, bool, year, rate, decimal, int, text, choice, conditions
    label: str  # Japanese (Excel header, messages)
    required: bool = False
    choices: Mapping[str, str] | None = None  # accepted text → canonical value
    help: str = ""


def _choices(canon: dict[str, list[str]]) -> dict[str, str]:
    """Accepted text → canonical value. The first Japanese alias of each value is the one the template offers and
    messages name (:func:`choice_words`); the canonical (English) value stays accepted for YAML/JSON plans."""
    out: dict[str, str] = {}
    for value, aliases in canon.items():
        out[value] = value
        for a in aliases:
            out[a] = value
    return out


CATEGORY_CHOICES = _choices(
    {
        "consolidation": ["集約化・複合化", "集約化・複合化事業", "集約化"],
        "demolition_after_consolidation": ["集約化等に伴う除却", "集約化に伴う除却"],
        "longevity": ["長寿命化", "長寿命化事業"],
        "conversion": ["転用", "転用事業"],
        "location": ["立地適正化", "立地適正化事業"],
        "universal_design": ["ユニバーサルデザイン化", "ユニバーサルデザイン化事業"],
        "decarbonization": ["脱炭素化", "脱炭素化事業"],
        "demolition": ["除却", "除却事業"],
        "city_hall": ["市町村役場機能緊急保全", "市町村役場機能緊急保全事業"],
    }
)
CATEGORY_JA = {
    "consolidation": "集約化・複合化事業",
    "demolition_after_consolidation": "集約化・複合化に伴う除却",
    "longevity": "長寿命化事業",
    "conversion": "転用事業",
    "location": "立地適正化事業",
    "universal_design": "ユニバーサルデザイン化事業",
    "decarbonization": "脱炭素化事業",
    "demolition": "除却事業",
    "city_hall": "市町村役場機能緊急保全事業",
}
SECONDMENT_CHOICES = _choices(
    {"agreement": ["連携協約に基づく派遣", "協約派遣", "派遣"], "local_autonomy_act": ["自治法派遣", "地方自治法派遣"]}
)
SECONDMENT_JA = {"agreement": "連携協約に基づく派遣（自治法派遣以外）", "local_autonomy_act": "自治法派遣（地方自治法252条の17）"}
REPAYMENT_CHOICES = _choices({"annuity": ["元利均等"], "equal_principal": ["元金均等"]})
CONSOLIDATION_TYPE_CHOICES = _choices(
    {"new_building": ["施設整備", "整備あり", "新施設"], "function_only": ["機能統合", "整備なし"]}
)
ADVISOR_MODE_CHOICES = _choices(
    {"issue_advice": ["課題対応アドバイス", "課題対応アドバイス事業"], "goal_support": ["課題達成支援", "課題達成支援事業"],
     "seminar": ["啓発・研修", "啓発・研修事業"]}
)
CONDITIONS = ("priority_in_plan", "systematic_program", "numeric_target")
CONDITIONS_JA = {
    "priority_in_plan": "①重点課題として計画に明示し基本方針に位置づけ",
    "systematic_program": "②体系的な研修プログラムを明示",
    "numeric_target": "③育成する職員数の数値目標",
}

COMMON_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("measure", "text", "措置", True, help="措置のIDまたは名称（措置一覧・kouiki fiscal measures）"),
    FieldSpec("municipality", "code", "団体コード", True, help="費用を負担し措置を受ける団体（5桁/6桁のコード、または団体名）"),
    FieldSpec("fiscal_year", "year", "年度", True, help="2025, R7, 令和7年度"),
    FieldSpec("cost_yen", "yen", "対象経費（円）", help="対象経費・事業費（円）"),
    FieldSpec("name", "text", "事業名"),
    FieldSpec("prior_claims_yen", "yen", "計画外の既請求額（円）", help="同じ上限枠を計画外で使った額"),
    FieldSpec("fiscal_strength_index", "decimal", "財政力指数"),
)
BOND_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("term_years", "int", "償還年限（据置含む）"),
    FieldSpec("grace_years", "int", "据置期間（年）"),
    FieldSpec("interest_rate", "rate", "利率（年）", help="例 0.012"),
    FieldSpec("repayment", "choice", "償還方法", choices=REPAYMENT_CHOICES),
    FieldSpec("first_redemption_fiscal_year", "year", "償還開始年度"),
)
VISION = FieldSpec("has_vision", "bool", "共生ビジョン策定済み",
                   help="省略時は圏域の登録から。登録で判定できないときは必須。登録が対象外とする団体・年度は true でも0円")

# Fields each measure accepts beyond COMMON_FIELDS. ``cost_yen`` is required unless listed in NO_COST.
MEASURE_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "comprehensive_central": (
        VISION,
        FieldSpec("population", "int", "人口", help="省略時は令和2年国勢調査"),
        FieldSpec("area_km2", "decimal", "面積（km²）", help="省略時は団体の総面積"),
    ),
    "comprehensive_neighbor": (VISION,),
    "external_experts": (
        VISION,
        FieldSpec("engagement_start_fiscal_year", "year", "外部人材の活用開始年度", True),
        FieldSpec("expert_from_outside_region", "bool", "圏域外の専門人材", help="圏域外における専門性を有する人材の活用（要件）"),
    ),
    "regional_revitalization_bond": (VISION, FieldSpec("field", "text", "分野", True), *BOND_FIELDS),
    "private_fund_bond": (VISION, *BOND_FIELDS),
    "furusato_loan": (VISION,),
    "hospital_clinic_cooperation": (VISION,),
    "remote_medicine": (
        VISION,
        FieldSpec("remote_area", "bool", "へき地に該当",
                  help="定住自立圏の措置の対象外の団体は、へき地なら一般の措置率で算定。省略時は不明（0円・要確認）"),
    ),
    "consolidation_study": (
        FieldSpec("partner_bodies", "codes", "共同で検討する団体（コード、カンマ区切り）", True),
        FieldSpec("case", "text", "集約化等の案件ID"),
    ),
    "consolidation_smoothing": (
        FieldSpec("case", "text", "集約化等の案件ID", True),
        FieldSpec("partner_bodies", "codes", "集約化等に参加する団体（コード、カンマ区切り）", True),
        FieldSpec("completion_fiscal_year", "year", "集約化等完了年度", True),
        FieldSpec("facility_category", "text", "施設の大分類", True),
        FieldSpec("public_enterprise", "bool", "公営企業の施設"),
        FieldSpec("consolidation_type", "choice", "集約化の形態", choices=CONSOLIDATION_TYPE_CHOICES),
        FieldSpec("integration_decision_fiscal_year", "year", "機能統合が決定した年度",
                  help="機能統合（施設整備なし）では措置期間はこの年度から数える"),
    ),
    "facility_bond": (
        FieldSpec("category", "choice", "公適債の区分", True, choices=CATEGORY_CHOICES),
        FieldSpec("national_subsidy_yen", "yen", "国庫補助額（円）"),
        FieldSpec("national_subsidy_rate", "rate", "国庫補助率"),
        FieldSpec("floor_area_before_m2", "decimal", "集約化前の延床面積（㎡、案件全体）"),
        FieldSpec("floor_area_after_m2", "decimal", "集約化後の延床面積（㎡、案件全体）"),
        FieldSpec("land_value_yen", "yen", "除却施設の土地価格相当分（円）"),
        FieldSpec("consolidation_type", "choice", "集約化の形態", choices=CONSOLIDATION_TYPE_CHOICES),
        FieldSpec("service_start_fiscal_year", "year", "集約先施設の供用開始年度"),
        FieldSpec("service_end_fiscal_year", "year", "旧施設の供用廃止年度（機能統合）"),
        FieldSpec("integration_decision_fiscal_year", "year", "機能統合が決定した年度", help="供用廃止年度とは別"),
        FieldSpec("based_on_management_plan", "bool", "公共施設等総合管理計画等に基づく", help="公適債の要件"),
        FieldSpec("consolidated_before_rule", "bool", "R7改正前に集約化済み（経過措置）"),
        *BOND_FIELDS,
    ),
    "urban_restructuring_subsidy": (
        FieldSpec("partner_count", "int", "連携自治体数", True),
        FieldSpec("wide_area_location_policy", "bool", "広域的な立地適正化の方針等を策定", help="要件"),
        FieldSpec("joint_administration", "bool", "事務の共同処理制度等を活用", help="地方自治法に基づく（要件）"),
    ),
    "specialist_recruitment": (
        FieldSpec("receiver", "code", "受入れ市町村（コード）", True),
        FieldSpec("first_year", "bool", "派遣初年度", True),
    ),
    "specialist_salary": (
        FieldSpec("receiver", "code", "受入れ市町村（コード）", True),
        FieldSpec("contribution_yen", "yen", "受入れ市町村からの負担金（円）"),
        FieldSpec("secondment", "choice", "派遣の形態", True, choices=SECONDMENT_CHOICES),
        FieldSpec("persons", "decimal", "人数", help="1人を複数の派遣先で分けるときは、その派遣先の分の割合（例 0.5）"),
        FieldSpec("post", "text", "派遣先ポスト", help="同じポストの2年度目以降を見分ける名前・ID"),
        FieldSpec("dispatch_start_fiscal_year", "year", "派遣初年度", help="そのポストへの派遣が始まった年度"),
        FieldSpec("first_year", "bool", "派遣初年度"),
    ),
    "specialist_contribution": (
        FieldSpec("sender", "code", "派遣元（コード）", True),
        FieldSpec("secondment", "choice", "派遣の形態", True, choices=SECONDMENT_CHOICES),
        FieldSpec("persons", "decimal", "人数", help="1人を複数の派遣先で分けるときは、その派遣先の分の割合（例 0.5）"),
        FieldSpec("post", "text", "派遣先ポスト", help="同じポストの2年度目以降を見分ける名前・ID"),
        FieldSpec("dispatch_start_fiscal_year", "year", "派遣初年度", help="そのポストへの派遣が始まった年度"),
        FieldSpec("first_year", "bool", "派遣初年度"),
    ),
    "training": (
        FieldSpec("conditions", "conditions", "要件①〜③", True, help="priority_in_plan, systematic_program, numeric_target"),
        FieldSpec("wide_area", "bool", "都道府県等の広域研修"),
        FieldSpec("participants_meet_conditions", "bool", "参加市町村もすべて①〜③を満たす"),
    ),
    "advisor_dispatch": (FieldSpec("mode", "choice", "支援の方法", choices=ADVISOR_MODE_CHOICES),),
    "ministry_priority_selection": (FieldSpec("project", "text", "事業（所管省・事業名）"),),
    "remote_area_points": (FieldSpec("distance_to_central_city_km", "decimal", "中心市までの距離（km）"),),
    "renkei_central": (
        FieldSpec("population", "int", "人口"),
        FieldSpec("area_km2", "decimal", "面積（km²）"),
    ),
    "renkei_member": (),
    "renkei_growth": (FieldSpec("region_population", "int", "圏域人口"),),
}
NO_COST = {"advisor_dispatch", "ministry_priority_selection", "remote_area_points", "renkei_growth"}
CONDITION_KEYS = tuple(f"conditions.{c}" for c in CONDITIONS)


@cache
def _name_key(text: str) -> str:
    """A measure name as typed (full-width or half-width brackets, spaces) compared in one form."""
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "").strip()


@cache
def measure_by_name() -> dict[str, str]:
    """The measures' Japanese names (as in the template's 措置一覧) → their IDs: a plan may name either."""
    from kouiki.fiscal.params import packaged  # lazy: params is heavier than the plan schema

    return {_name_key(info.label): mid for mid, info in packaged().measures.items() if mid in MEASURE_FIELDS}


def measure_label(measure: str) -> str:
    """The measure's Japanese name (the ID when unnamed)."""
    from kouiki.fiscal.params import packaged

    info = packaged().measures.get(measure)
    return info.label if info is not None else measure


def choice_words(choices: Mapping[str, str]) -> list[str]:
    """The Japanese word offered for each canonical value of a choice field (its first alias), in definition order:
    ``REPAYMENT_CHOICES`` → ``["元利均等", "元金均等"]``."""
    words: dict[str, str] = {}
    for text, value in choices.items():
        if text != value and value not in words:
            words[value] = text
    return [words.get(v, v) for v in dict.fromkeys(choices.values())]


def choice_word(choices: Mapping[str, str], value: str) -> str:
    """The Japanese word of one canonical value (the value itself when it has no Japanese alias)."""
    for text, v in choices.items():
        if v == value and text != value:
            return text
    return value


def fields_of(measure: str) -> dict[str, FieldSpec]:
    """Every field a measure accepts (common fields first). Cached: do not mutate the result."""
    out = {f.name: f for f in COMMON_FIELDS}
    out.update({f.name: f for f in MEASURE_FIELDS[measure]})
    return out


@cache
def _required(measure: str) -> tuple[str, ...]:
    return tuple(n for n, s in fields_of(measure).items() if s.required)


def all_field_names() -> list[str]:
    seen: dict[str, None] = {f.name: None for f in COMMON_FIELDS}
    for fs in MEASURE_FIELDS.values():
        for f in fs:
            seen.setdefault(f.name, None)
    return list(seen)


@dataclass
class Item:
    """One validated plan item. ``f`` holds the typed optional fields that were given."""

    index: int
    measure: str
    municipality: str  # 6-digit
    fiscal_year: int
    cost_yen: int | None
    f: dict[str, Any] = field(default_factory=dict)
    row: int | None = None  # Excel row, if read from the template

    def get(self, name: str, default: Any = None) -> Any:
        return self.f.get(name, default)


@dataclass
class Plan:
    items: list[Item]
    meta: dict[str, Any] = field(default_factory=dict)
    source: str | None = None


# ---- typed conversion of one field -------------------------------------------------------------

_TRUE = {"true", "yes", "y", "1", "はい", "○", "〇", "有", "あり", "true()", "t"}
_FALSE = {"false", "no", "n", "0", "いいえ", "×", "無", "なし", "false()", "f"}


def _to_decimal(v: Any) -> Decimal:
    d = _to_decimal_raw(v)
    if not d.is_finite():
        raise ValueError(f"有限の数値が必要です: {v!r}")
    return d


def _to_decimal_raw(v: Any) -> Decimal:
    if isinstance(v, bool):
        raise ValueError("数値が必要です（真偽値は不可）")
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, int | Decimal):
        return Decimal(v)
    if isinstance(v, str):
        try:
            return Decimal(v.replace(",", "").replace("，", "").strip())
        except InvalidOperation:
            raise ValueError(f"数値ではありません: {v!r}") from None
    raise ValueError(f"数値ではありません: {v!r}")


def _code(v: Any) -> str:
    """A code from text or a number. Excel drops leading zeros: 022021 arrives as 22021 (5 digits), which
    is read as the 6-digit code when its check digit holds and such a body exists, else as a 5-digit code."""
    if isinstance(v, bool):
        raise ValueError(f"団体コードではありません: {v!r}")
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int) and v < 10000:
        raise ValueError(
            f"団体コード {v} は桁が足りません。コードは文字列で書いてください（YAMLでは \"010006\" のように引用符で囲む。"
            "0で始まる数は8進数として別の数に読まれます）"
        )
    if isinstance(v, int) and 10000 <= v < 100000:
        six = f"{v:06d}"
        if codes.is_valid(six):
            from kouiki.reference.municipalities import registry

            if six in registry():
                return six
    return codes.normalize(v if isinstance(v, int) else str(v).strip())


_INT_FAST = frozenset({"yen", "int"})


@lru_cache(maxsize=8192)
def _code_text(v: str) -> str:
    """A code (5/6 digits, full-width accepted) or a body's name (「田原本町」, 「奈良県川西町」) → 6-digit code,
    as the staffing inputs accept: officers type names. An ambiguous name asks for the prefecture."""
    text = v.strip()
    if text and not unicodedata.normalize("NFKC", text).isdigit():
        from kouiki.reference.municipalities import get

        return get(text).code
    return codes.normalize(text)


def convert(spec: FieldSpec, v: Any) -> Any:
    """Convert a raw value to the field's type; raises ValueError with a Japanese message."""
    t = spec.type
    tv = type(v)
    if tv is int and t in ("yen", "int") and 0 <= v <= MAX_YEN:
        return v  # fast path: the common case in large plans
    if tv is int and t == "year" and 1868 <= v <= 2200:
        return v
    if tv is bool and t == "bool":
        return v
    if tv is str and t == "code":
        return _code_text(v)
    if t == "code":
        return _code(v)
    if t == "codes":
        parts = v if isinstance(v, list | tuple) else str(v).replace("、", ",").replace("，", ",").split(",")
        out = []
        for p in parts:
            text = str(p).strip()
            if text:
                out.append(_code(p) if isinstance(p, int) else _code_text(text))
        if not out:
            raise ValueError("団体コードが1つもありません")
        return tuple(dict.fromkeys(out))
    if t == "yen":
        d = _to_decimal(v)
        if d != d.to_integral_value():
            raise ValueError(f"円単位の整数で指定してください: {v!r}")
        if d < 0:
            raise ValueError(f"負の金額は指定できません: {v!r}")
        if d > MAX_YEN:
            raise ValueError(f"金額が大きすぎます（上限 {MAX_YEN:,} 円 = 1000兆円）: {v!r}")
        return int(d)
    if t == "int":
        d = _to_decimal(v)
        if d != d.to_integral_value() or d < 0:
            raise ValueError(f"0以上の整数が必要です: {v!r}")
        return int(d)
    if t in ("rate", "decimal"):
        d = _to_decimal(v)
        if d < 0:
            raise ValueError(f"負の値は指定できません: {v!r}")
        if t == "rate" and d > 1:
            raise ValueError(f"率は0以上1以下です（12%は 0.12）: {v!r}")
        return d
    if t == "bool":
        if isinstance(v, bool):
            return v
        if isinstance(v, int) and v in (0, 1):
            return bool(v)
        text = str(v).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"true/false（はい/いいえ）で指定してください: {v!r}")
    if t == "year":
        return FiscalYear.parse(v).year
    if t == "text":
        text = str(v).strip()
        if not text:
            raise ValueError("空です")
        return text
    if t == "choice":
        assert spec.choices is not None
        text = str(v).strip()
        if text in spec.choices:
            return spec.choices[text]
        raise ValueError(f"「{text}」は使えません（{'、'.join(choice_words(spec.choices))} のいずれか）")
    if t == "conditions":
        if not isinstance(v, Mapping):
            raise ValueError(f"{', '.join(CONDITIONS)} の対応表が必要です")
        extra = set(v) - set(CONDITIONS)
        if extra:
            raise ValueError(f"不明な要件: {sorted(extra)}（{', '.join(CONDITIONS)}）")
        missing = [c for c in CONDITIONS if c not in v]
        if missing:
            raise ValueError(f"要件が不足しています: {', '.join(missing)}")
        return {c: convert(FieldSpec(c, "bool", c), v[c]) for c in CONDITIONS}
    raise ValueError(f"型が不明です: {t}")


# ---- validation of a whole plan ------------------------------------------------------------------

VisionCheck = Callable[[str, str, int], "str | None"]


def validate(
    data: Any,
    source: str | None = None,
    rows: list[int] | None = None,
    body_exists: Callable[[str], bool] | None = None,
    vision_check: VisionCheck | None = None,
) -> Plan:
    """Typed :class:`Plan` from plain data, or :class:`PlanError` listing every problem.

    ``vision_check(measure, code, 年度)``: for a 定住自立圏 item without ``has_vision``, the reason why the
    registry cannot decide its eligibility (then ``has_vision`` is required), or None."""
    issues: list[PlanIssue] = []
    meta: dict[str, Any] = {}
    if isinstance(data, Mapping):
        meta = {k: v for k, v in data.items() if k != "items"}
        raw_items = data.get("items")
        if raw_items is None:
            raise PlanError([PlanIssue(None, "items", "items（項目のリスト）がありません")], source)
    else:
        raw_items = data
    if data is None:
        raise PlanError([PlanIssue(None, None, "空のファイルです（items に項目を並べます）")], source)
    if not isinstance(raw_items, list):
        raise PlanError([PlanIssue(None, "items", "items は項目のリストです")], source)
    if not raw_items:
        raise PlanError([PlanIssue(None, "items", "項目が1つもありません")], source)
    items: list[Item] = []
    core = ("measure", "municipality", "fiscal_year", "cost_yen")
    for i, raw in enumerate(raw_items):
        row = rows[i] if rows else None

        def bad(fld: str | None, msg: str, i: int = i, row: int | None = row) -> None:
            issues.append(PlanIssue(i, fld, msg, row))

        if not isinstance(raw, Mapping):
            bad(None, "項目は対応表（措置 measure、団体 municipality、年度 fiscal_year …）です")
            continue
        measure = raw.get("measure")
        if not isinstance(measure, str) or measure not in MEASURE_FIELDS:
            by_name = measure_by_name()
            if isinstance(measure, str) and measure.strip() in MEASURE_FIELDS:
                measure = measure.strip()
            elif isinstance(measure, str) and _name_key(measure) in by_name:
                measure = by_name[_name_key(measure)]  # the 措置一覧 name (包括的財政措置（近隣市町村）)
            else:
                near = ""
                if isinstance(measure, str):
                    import difflib

                    m = difflib.get_close_matches(measure.strip(), list(MEASURE_FIELDS), n=2)
                    m += [measure_label(by_name[k]) for k in difflib.get_close_matches(_name_key(measure), list(by_name), n=2)]
                    near = f"（候補: {'、'.join(m)}）" if m else ""
                bad("measure", f"措置「{measure}」はありません{near}" if measure else "措置（measure）がありません")
                continue
        specs = fields_of(measure)
        n_before = len(issues)
        values: dict[str, Any] = {}
        for key, v in raw.items():
            spec = specs.get(key)
            if spec is not None and type(v) is int and 0 <= v <= MAX_YEN and spec.type in _INT_FAST:
                values[key] = v
                continue
            if spec is None:
                bad(str(key), f"「{key}」は措置「{measure_label(measure)}」の項目ではありません（使える項目: {'、'.join(sp.label for sp in specs.values())}）")
                continue
            if v is None or (type(v) is str and not v.strip() and spec.type != "text"):
                continue
            try:
                values[key] = convert(spec, v)
            except (ValueError, KouikiError) as exc:
                bad(key, f"{spec.label}: {exc}")
        flagged = {x.field for x in issues[n_before:]} if len(issues) > n_before else ()
        for name in _required(measure):
            if name not in values and name not in flagged:
                bad(name, f"{specs[name].label}（{name}）がありません")
        if "cost_yen" not in values and measure not in NO_COST and "cost_yen" not in flagged:
            bad("cost_yen", "対象経費（cost_yen）がありません")
        if body_exists is not None:
            for code_field in ("municipality", "receiver", "sender"):
                if code_field in values and not body_exists(values[code_field]):
                    bad(code_field, f"団体コード {values[code_field]} の団体は見つかりません")
            if "partner_bodies" in values:
                for c in values["partner_bodies"]:
                    if not body_exists(c):
                        bad("partner_bodies", f"団体コード {c} の団体は見つかりません")
        if measure == "facility_bond":
            _check_facility_bond(values, bad)
        if values.get("consolidation_type") == "function_only" and measure == "consolidation_smoothing" and (
            "integration_decision_fiscal_year" not in values
        ):
            bad("integration_decision_fiscal_year",
                "機能統合では措置期間を機能統合が決定した年度から数えます: 機能統合の決定年度（integration_decision_fiscal_year）がありません")
        if (
            "integration_decision_fiscal_year" in values
            and "service_end_fiscal_year" in values
            and values["integration_decision_fiscal_year"] > values["service_end_fiscal_year"]
        ):
            bad("integration_decision_fiscal_year", "機能統合の決定年度が供用廃止年度より後です")
        if "term_years" in specs:
            _check_bond_terms(values, bad)
        if (
            vision_check is not None
            and "has_vision" in specs
            and "has_vision" not in values
            and "municipality" in values
            and "fiscal_year" in values
        ):
            why = vision_check(measure, values["municipality"], values["fiscal_year"])
            if why is not None:
                bad("has_vision", f"共生ビジョンの策定の有無が圏域の登録では分かりません（{why}）。計画の欄「共生ビジョン策定済み」に はい/いいえ を記入してください")
        if len(issues) > n_before:
            continue
        items.append(
            Item(
                i,
                measure,
                values["municipality"],
                values["fiscal_year"],
                values.get("cost_yen"),
                {k: v for k, v in values.items() if k not in core},
                row,
            )
        )
    if issues:
        raise PlanError(issues, source)
    return Plan(items, meta, source)


def _check_bond_terms(values: dict[str, Any], bad: Callable[[str | None, str], None]) -> None:
    if "term_years" in values and values["term_years"] < 1:
        bad("term_years", "償還年限は1年以上です")
    elif "grace_years" in values and "term_years" in values and values["grace_years"] >= values["term_years"]:
        bad("grace_years", "据置期間は償還年限より短くしてください")


def _check_facility_bond(values: dict[str, Any], bad: Callable[[str | None, str], None]) -> None:
    cat = values.get("category")
    if "national_subsidy_yen" in values and "national_subsidy_rate" in values:
        bad("national_subsidy_rate", "国庫補助額（national_subsidy_yen）と国庫補助率（national_subsidy_rate）はどちらか一方を指定します")
    if "national_subsidy_yen" in values and "cost_yen" in values and values["national_subsidy_yen"] > values["cost_yen"]:
        bad("national_subsidy_yen", "国庫補助額が事業費を超えています")
    if cat in ("consolidation", "demolition_after_consolidation"):
        for f in ("floor_area_before_m2", "floor_area_after_m2"):
            if f not in values:
                bad(f, f"{fields_of('facility_bond')[f].label}（{f}）がありません（集約化の案件全体の延床面積）")
    if cat == "demolition_after_consolidation":
        if "land_value_yen" not in values:
            bad("land_value_yen", "除却施設の土地価格相当分（land_value_yen）がありません（なければ 0）")
        ctype = values.get("consolidation_type")
        if ctype is None:
            bad("consolidation_type", "集約化の種別（施設整備 new_building か 機能統合 function_only。consolidation_type）がありません")
        elif ctype == "new_building" and "service_start_fiscal_year" not in values:
            bad("service_start_fiscal_year", "新施設の供用開始年度（service_start_fiscal_year）がありません")
        elif ctype == "function_only" and "service_end_fiscal_year" not in values:
            bad("service_end_fiscal_year", "旧施設の供用廃止年度（service_end_fiscal_year）がありません")


# ---- JSON Schema -----------------------------------------------------------------------------------


def _field_schema(spec: FieldSpec) -> dict[str, Any]:
    t = spec.type
    desc = spec.label + (f"（{spec.help}）" if spec.help else "")
    if t == "code":
        # a 5/6-digit code, or a body's name (「田原本町」「奈良県川西町」) resolved by kouiki.reference.get
        s: dict[str, Any] = {"type": ["string", "integer"], "pattern": "^([0-9０-９]{4,6}|.*[^0-9０-９].*)$"}
    elif t == "codes":
        s = {"oneOf": [{"type": "array", "items": {"type": ["string", "integer"]}, "minItems": 1}, {"type": "string"}]}
    elif t in ("yen", "int"):
        s = {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9,]+$"}]}
    elif t in ("rate", "decimal"):
        s = {"oneOf": [{"type": "number", "minimum": 0}, {"type": "string"}]}
        if t == "rate":
            s["oneOf"][0]["maximum"] = 1
    elif t == "bool":
        s = {"type": ["boolean", "string", "integer"]}
    elif t == "year":
        s = {"oneOf": [{"type": "integer", "minimum": 1868}, {"type": "string"}]}
    elif t == "choice":
        assert spec.choices is not None
        s = {"type": "string", "enum": sorted(spec.choices)}
    elif t == "conditions":
        s = {
            "type": "object",
            "properties": {c: {"type": ["boolean", "string"]} for c in CONDITIONS},
            "required": list(CONDITIONS),
            "additionalProperties": False,
        }
    else:
        s = {"type": "string", "minLength": 1}
    s["description"] = desc
    return s


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of a plan (``kouiki fiscal schema``; also shipped as plan.schema.json)."""
    variants = []
    for measure in MEASURE_FIELDS:
        specs = fields_of(measure)
        props = {name: _field_schema(spec) for name, spec in specs.items()}
        props["measure"] = {"const": measure, "description": "措置のID"}
        required = [n for n, s in specs.items() if s.required]
        if measure not in NO_COST:
            required.append("cost_yen")
        variants.append(
            {
                "title": measure,
                "type": "object",
                "properties": props,
                "required": required,
                "additionalProperties": False,
            }
        )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://kouiki.example/schemas/fiscal-plan.schema.json",
        "title": "kouiki 財政措置の計画 (fiscal plan)",
        "description": "kouiki fiscal evaluate の入力。items の各要素が1つの措置の請求・事業。",
        "oneOf": [
            {
                "type": "object",
                "properties": {"items": {"type": "array", "minItems": 1, "items": {"oneOf": variants}}},
                "required": ["items"],
            },
            {"type": "array", "minItems": 1, "items": {"oneOf": variants}},
        ],
    }
