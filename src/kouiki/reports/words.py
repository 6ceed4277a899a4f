"""Words for values a person reads: never a raw ``True`` or ``{'method': 'flat'}`` on a screen.

Shared by the CLI printers and the web filters (``yesno``, ``kv``, ``gap_pct``, ``dist``): booleans as
はい/いいえ, mappings as labelled 「項目: 値」 pairs, the optimiser's relative gap as a percentage and distances
rounded (km to 1 decimal, minutes to whole minutes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any

# Keys that appear in engine details and parameter mappings, with their Japanese label.
KEY_LABELS: dict[str, str] = {
    "method": "方法",
    "flat": "定額",
    "rate": "率",
    "note": "注",
    "covered_share": "閾値内の人口の割合",
    "site_cost_yen": "施設の費用（円）",
    "travel_yen_per_unit": "移動費用の単価（円）",
    "floor_area_today_m2": "現在の延床面積（㎡）",
    "floor_area_m2": "延床面積（㎡）",
    "built_year": "建築年度",
    "structure": "構造",
    "major_category": "大分類",
    "mid_category": "中分類",
    "unknown_fixed_cost": "固定費が不明な施設",
    "restricted_pairs": "候補の絞り込み",
    "p": "残す施設数",
    "k_nearest": "近い候補の数",
    "linear": "人口・面積による補正",
    "reference_population": "基準人口",
    "yen_per_person": "1人当たりの額（円）",
    "reference_area_km2": "基準面積（km²）",
    "yen_per_km2": "1km²当たりの額（円）",
    "fsi_below": "財政力指数がこれ未満",
}

STATUS_LABELS: dict[str, str] = {
    "optimal": "最適解",
    "gap_reached": "目標ギャップに到達",
    "time_limit": "時間切れ（暫定解）",
    "stopped": "途中で停止（暫定解）",
    "infeasible": "解なし（条件を満たす配置がありません）",
}

MODEL_LABELS: dict[str, str] = {
    "p-median": "p-メディアン（平均距離の最小化）",
    "cp-median": "容量付き p-メディアン",
    "mclp": "最大被覆（MCLP）",
    "lscp": "集合被覆（LSCP）",
    "consolidate": "集約（費用の最小化）",
}


def yes_no(value: Any) -> str:
    """True → はい, False → いいえ, None → 不明; anything else as text."""
    if value is None:
        return "不明"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return str(value)


def label(key: str) -> str:
    """The Japanese label of a detail/parameter key (the key itself when it has none)."""
    return KEY_LABELS.get(key, key)


def value_text(value: Any) -> str:
    """A value as words: booleans and None in Japanese, mappings as 「項目: 値」, lists joined by 「、」."""
    if value is None or isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, Mapping):
        return mapping_text(value)
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(value_text(v) for v in value)
    if isinstance(value, str):
        return KEY_LABELS.get(value, value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def mapping_text(mapping: Mapping[str, Any]) -> str:
    """{'method': 'flat', 'rate': 0.5} → 「方法: 定額、率: 0.5」."""
    return "、".join(f"{label(str(k))}: {value_text(v)}" for k, v in mapping.items())


def gap_percent(gap: float | None) -> str:
    """The optimiser's relative gap as a percentage: 0.00123 → 「0.12%」; None → 不明."""
    if gap is None:
        return "不明"
    return f"{gap * 100:.2f}%"


def distance(value: float | Decimal | None, unit: str = "km") -> str:
    """Distances rounded for reading: km to 1 decimal (「12.3 km」), minutes to whole minutes (「15 分」)."""
    if value is None:
        return "到達不能"
    v = float(value)
    if unit == "minutes":
        return f"{v:,.0f} 分"
    return f"{v:,.1f} km"


def share_percent(value: float | None) -> str:
    """0.9962 → 「99.6%」; None → 不明."""
    return "不明" if value is None else f"{value * 100:.1f}%"


def area_m2(value: Any) -> str:
    """Floor area with thousands separators, no unit: 540100 → 「540,100」, 1234.5 → 「1,234.50」; None → 不明."""
    if value is None or value == "":
        return "不明"
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return f"{d:,.0f}" if d == d.to_integral_value() else f"{d:,.2f}"


# ----- fiscal explanations: the engine's trace, citations and warnings as a person reads them -------------

# Codes of plan values that the engine writes into its explanations, in words.
VALUE_LABELS: dict[str, str] = {
    "annuity": "元利均等",
    "equal_principal": "元金均等",
    "agreement": "協約派遣",
    "local_autonomy_act": "自治法派遣",
    "new_building": "施設整備",
    "function_only": "機能統合",
    "issue_advice": "課題対応アドバイス事業",
    "goal_support": "課題達成支援事業",
    "seminar": "啓発・研修事業",
    "assumed_region": "構想中の圏域",
}
# The user guide's chapters, named where a citation points into docs/<name>.md.
DOC_LABELS: dict[str, str] = {"fiscal": "財政措置", "facilities": "公共施設", "staffing": "専門人材",
                              "formation": "圏域形成", "optimize": "最適配置", "web": "Web アプリ"}

# Words of the program's own that notes and 出典 lines name (a JSON field, a module, a design note), in words.
READER_WORDS: dict[str, str] = {"citations": "出典欄", "plan_items": "計画の明細", "measure": "措置", "unknown": "不明",
                                "confidence": "確度", "demand": "需要", "imputed": "推計値", "convention": "慣行",
                                "sharing": "按分方法", "own": "各団体が自らの分を負担", "assumed": "仮定",
                                "example": "例"}
# Commands of the CLI that engine notes name, as the web page that does the same (the CLI prints its own words).
COMMAND_PAGES: dict[str, str] = {"kouiki formation import-census": "「国勢調査の取込」（圏域形成）"}
# The project's design notes that 出典 lines cite (docs/spec *.md), by their Japanese title.
NOTE_LABELS: dict[str, str] = {"domain-facts": "kouiki の調査メモ", "users-and-conventions": "kouiki の利用者・慣行メモ",
                               "PROVENANCE": "kouiki のデータ出所メモ"}  # as the parameter files' glossaries say
_MODULE_PAREN = re.compile(r"（kouiki(?:\.[a-z_]+)+(?::\s*([^）]*))?）")  # （kouiki.fiscal）, （kouiki.x: 整数計画）
_MODULE = re.compile(r"(?<![\w.])kouiki(?:\.[a-z_]+)+")  # kouiki.facilities.council
_NOTE_FILE = re.compile(r"(?<![\w.-])(?:[\w-]+/)*([\w-]+)\.md\b")  # domain-facts.md, reference/data/x/PROVENANCE.md
_YAML_FILE = re.compile(r"(?<![\w.-])(?:[\w-]+/)*([a-z][\w-]*)\.ya?ml\b")  # renewal.yaml
_SEED_FILE = re.compile(r"（seed:\s*[\w.-]+\.txt）")  # （seed:000_75a76e4477727004.txt）: the project's slide notes
_SEED = re.compile(r"(?<![A-Za-z])seed:\s*")  # 「seed: 定住自立圏構想への取組状況」: a slide's heading as the source
_ISO_DATE = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")  # 2016-06-16 in a source's title
_CONFIDENCE = re.compile(r"(?<![A-Za-z0-9_])(confirmed|recalled|weak|unverified)(?![A-Za-z0-9_])")
_PARAM_AT = re.compile(r"([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)@(\d{4})(・scenario)?")
_BODY = re.compile(r"団体 (\d{6})(?![\d（])")
_PEOPLE = re.compile(r"(?<![\d,.])(\d{4,})人")
_DOC = re.compile(r"docs/([a-z_-]+)\.md")
_PAREN_ID = re.compile(r"（([a-z][a-z0-9]*(?:_[a-z0-9]+)*)）")
_PATH = re.compile(r"(?<![\w./:-])([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)(?![\w/.-])")
_WORD = re.compile(r"(?<![A-Za-z0-9_./:-])([a-z][a-z0-9]*(?:_[a-z0-9]+)*)(?![A-Za-z0-9_/.-])")


@cache
def _fiscal_names() -> dict[str, str]:
    """Every identifier the fiscal engine may write into a message, with its Japanese name."""
    from kouiki.fiscal.params import packaged
    from kouiki.fiscal.plan import CATEGORY_JA, CONDITIONS_JA, MEASURE_FIELDS, fields_of
    from kouiki.fiscal.template import column_label

    names: dict[str, str] = {**KEY_LABELS, **VALUE_LABELS, **READER_WORDS}
    for m in MEASURE_FIELDS:
        for f in fields_of(m):
            names.setdefault(f, column_label(f))
    names.update(CONDITIONS_JA)
    names.update(CATEGORY_JA)
    infos = packaged().measures
    names.update({m: infos[m].label for m in MEASURE_FIELDS if m in infos})
    names.update({m: info.label for m, info in infos.items()})
    return names


def fiscal_text(text: str) -> str:
    """An explanation step, citation or warning of the fiscal engine with no internal identifier left.

    ``（comprehensive_central.in_force@2009、確認済、…）`` → ``（平成21年度からの値、確認済、…）`` (the path stays in
    the JSON and on hover); ``措置名（comprehensive_central）`` → ``措置名``; a bare parameter path → its label;
    measure, field and value codes → their Japanese names (``annuity`` → 元利均等); ``docs/fiscal.md`` → 説明書（財政措置）;
    「団体 282294」 → 「団体 たつの市（282294）」; 「人口 168466人」 → 「人口 168,466人」.
    """
    from kouiki.fiscal.params import current
    from kouiki.reference.calendar import FiscalYear

    names = _fiscal_names()
    pset = current()

    def at(m: re.Match[str]) -> str:
        return f"{FiscalYear(int(m.group(2))).wareki()}からの値" + ("・仮定値" if m.group(3) else "")

    def path(m: re.Match[str]) -> str:
        p = m.group(1)
        if p in pset:
            return pset.parameter(p).label
        return names.get(p, p)

    def paren(m: re.Match[str]) -> str:
        return "" if m.group(1) in names else m.group(0)

    def body(m: re.Match[str]) -> str:
        from kouiki.reference.municipalities import name_or_code

        name = name_or_code(m.group(1))
        return f"団体 {name}（{m.group(1)}）" if name != m.group(1) else m.group(0)

    def word(m: re.Match[str]) -> str:
        return names.get(m.group(1), m.group(1))

    def module(m: re.Match[str]) -> str:
        return f"（{m.group(1)}）" if m.group(1) else ""

    def yaml_file(m: re.Match[str]) -> str:
        from kouiki.reference.parameters import file_label

        name = file_label(m.group(1))
        return f"規則パラメータ「{name}」" if name else "規則パラメータ"

    def unknown_paren(m: re.Match[str]) -> str:  # （facilities.evaluate.access_points）: a code with no name
        return "" if "." in m.group(1) and m.group(1) not in pset and m.group(1) not in names else m.group(0)

    for command, page in COMMAND_PAGES.items():
        text = text.replace(f"`{command}`", page).replace(command, page)
    text = text.replace("C-web", "確認済（公開資料）")  # a rule table's confidence tag (renewal.yaml's glossary)
    text = _PARAM_AT.sub(at, text)
    text = _MODULE_PAREN.sub(module, text)
    text = _MODULE.sub("kouiki", text)
    text = _NOTE_FILE.sub(lambda m: NOTE_LABELS.get(m.group(1), "kouiki の資料"), text)
    text = _YAML_FILE.sub(yaml_file, text)
    text = re.sub(r"（([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)）", unknown_paren, text)
    text = _CONFIDENCE.sub(lambda m: _confidence(m.group(1)), text)
    text = _ISO_DATE.sub(_date, text)
    text = _SEED.sub("資料（スライド見出し）: ", _SEED_FILE.sub("", text))
    text = _BODY.sub(body, text)
    text = _PEOPLE.sub(lambda m: f"{int(m.group(1)):,}人", text)  # counts with separators: 168,466人
    text = _DOC.sub(lambda m: f"説明書（{DOC_LABELS.get(m.group(1), m.group(1))}）", text)
    text = _PAREN_ID.sub(paren, text)
    text = _PATH.sub(path, text)
    return _WORD.sub(word, text)


def _confidence(tag: str) -> str:
    from kouiki.formation.params import confidence_words

    return "参考（報道・ブログ等）" if tag == "weak" else confidence_words(tag)


def _date(m: re.Match[str]) -> str:
    import datetime as dt

    from kouiki.reference.calendar import wareki_date

    try:
        return wareki_date(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    except ValueError:
        return m.group(0)


def reader_text(text: str) -> str:
    """Any engine note, warning or 出典 line as a person reads it (:func:`fiscal_text`: parameter paths as 「令和6年度
    からの値」 or their labels, codes by their Japanese names, module and file names in words)."""
    return fiscal_text(text)


def rate_text(value: Any) -> str:
    """A rate as 「0.5（50%）」 (the value as the parameter file has it, the percentage beside)."""
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return f"{d.normalize():f}（{(d * 100).normalize():f}%）"


def parameter_value(unit: str, value: Any) -> str:
    """A rule parameter's value as an officer reads it, by its unit: yen with separators, rates with %,
    はい/いいえ, an adjustment as 「方法: 定額」, a rate schedule by 財政力指数, codes by their Japanese names."""
    if value is None:
        return "—"
    if isinstance(value, bool) or unit == "bool":
        return yes_no(value if isinstance(value, bool) else str(value).lower() == "true")
    if unit == "yen" and not isinstance(value, Mapping | list | tuple):
        try:
            return f"{int(value):,}円"
        except (TypeError, ValueError):
            return str(value)
    if unit == "int" and isinstance(value, int | str):
        try:
            return f"{int(value):,}"
        except ValueError:
            return str(value)
    if unit == "rate":
        return rate_text(value)
    if unit == "rate_schedule" and isinstance(value, list | tuple):
        parts = []
        for row in value:
            below, rate = (row.get("fsi_below"), row.get("rate")) if isinstance(row, Mapping) else row
            when = f"財政力指数 {below} 未満" if below is not None else "それ以外"
            parts.append(f"{when}: {rate_text(rate)}")
        return "、".join(parts)
    names = _fiscal_names()
    if isinstance(value, Mapping):
        return "、".join(f"{names.get(str(k), str(k))}: {names.get(str(v), value_text(v))}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(names.get(str(v), str(v)) for v in value)
    if isinstance(value, str):
        return _ISO_DATE.sub(_date, names.get(value, value)) if _ISO_DATE.fullmatch(value) else names.get(value, value)
    return value_text(value)


# ----- rule tables of the parameter files: keys and codes in the words of the file's own glossary ----------

_IDENT = re.compile(r"(?<![A-Za-z0-9_./:-])([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]+)*)(?![A-Za-z0-9_/-]|\.\w)")


def glossary_text(text: str, labels: Mapping[str, str]) -> str:
    """A text with the identifiers of a parameter file replaced by the words of its glossary (``labels:``):
    「access_scope: own_body」 → 「アクセスの評価範囲: 自団体の施設のみ」; 「新施設（new_site）の」 → 「新施設の」 (the name
    stays in the file and the JSON). The whole text is looked up first (a code such as ``kouiki`` or ``R``); inside
    a sentence only snake_case or dotted identifiers and file names (``domain-facts.md``, ``C-web``) are replaced,
    so English prose and single words are left alone. Words without an entry stay as written."""
    if text in labels:
        return labels[text]
    text = _PAREN_ID.sub(lambda m: "" if m.group(1) in labels and "_" in m.group(1) else m.group(0), text)
    for name in sorted((k for k in labels if len(k) > 2 and any(c in k for c in "./-")), key=len, reverse=True):
        text = text.replace(name, labels[name])

    def word(m: re.Match[str]) -> str:
        w = m.group(1)
        return labels.get(w, w) if "_" in w or "." in w else w

    return _IDENT.sub(word, text)


def _key(key: Any, labels: Mapping[str, str]) -> str:
    k = str(key)
    return labels.get(k) or KEY_LABELS.get(k) or k


def _table_scalar(value: Any, labels: Mapping[str, str], key: str = "") -> str:
    if value is None or isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int):
        return str(value) if key.endswith("year") else f"{value:,}"  # a 年 is not a count: 2020, not 2,020
    if isinstance(value, float | Decimal):
        d = Decimal(str(value))
        return f"{d:,.0f}" if d == d.to_integral_value() and abs(d) >= 1000 else f"{d.normalize():,f}"
    return _ISO_DATE.sub(_date, glossary_text(str(value), labels))  # a date in a row: 2016-06-16 → 平成28年6月16日


def _table_inline(value: Any, labels: Mapping[str, str], key: str = "") -> str:
    if isinstance(value, Mapping):
        return "、".join(f"{_key(k, labels)}: {_table_nested(v, labels, str(k))}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if not value:
            return "なし"
        if any(isinstance(v, Mapping) for v in value):
            return "／".join(_table_inline(v, labels) for v in value)
        return "、".join(_table_scalar(v, labels, key) for v in value)
    return _table_scalar(value, labels, key)


def _table_nested(value: Any, labels: Mapping[str, str], key: str = "") -> str:
    text = _table_inline(value, labels, key)
    return f"（{text}）" if isinstance(value, Mapping) or (
        isinstance(value, list | tuple) and any(isinstance(v, Mapping) for v in value)) else text


def table_lines(value: Any, labels: Mapping[str, str] | None = None) -> list[str]:
    """A rule table (a parameter of unit ``table``) as lines a person reads: a mapping one 「項目: 値」 line per
    key, a list one line per row; nested mappings in （…）; keys in the words of the file's glossary (``labels``,
    then :data:`KEY_LABELS`), codes in the glossary's words, booleans as はい/いいえ, counts with separators."""
    words = labels or {}
    if isinstance(value, Mapping):
        return [f"{_key(k, words)}: {_table_nested(v, words, str(k))}" for k, v in value.items()]
    if isinstance(value, list | tuple):
        return [_table_inline(v, words) for v in value]
    return [_table_scalar(value, words)]


def parameter_lines(unit: str, value: Any, labels: Mapping[str, str] | None = None, path: str = "") -> list[str]:
    """A parameter's value as lines for a page: a table by :func:`table_lines`, a text in the words of the file's
    glossary, a year (a path ending in ``year``) without separators, anything else as :func:`parameter_value`."""
    if unit == "int" and path.endswith("year") and isinstance(value, int):
        return [str(value)]  # 1981, not 1,981: a 年 is not a count
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return [_ISO_DATE.sub(_date, value)]  # a rule file's 版 2025-04-01 → 令和7年4月1日
    if unit == "table":
        return table_lines(value, labels)
    if unit in ("text", "text_list") and labels:  # the glossary's words, then any code left said as :func:`fiscal_text`
        if isinstance(value, list | tuple):
            return ["、".join(fiscal_text(glossary_text(str(v), labels)) for v in value)]
        if isinstance(value, str):
            return [fiscal_text(glossary_text(value, labels))]
    return [parameter_value(unit, value)]


def dates_ja(text: Any) -> str:
    """A source's title or note as read: ISO dates in 和暦 (「時事通信 2016-06-16」 → 「時事通信 平成28年6月16日」), a slide
    heading's 「seed:」 as 「資料（スライド見出し）:」, a reference to the project's slide notes left out."""
    if text is None:
        return ""
    return _SEED.sub("資料（スライド見出し）: ", _SEED_FILE.sub("", _ISO_DATE.sub(_date, str(text))))


def without_paren_codes(text: Any) -> str:
    """A message with the codes written beside their Japanese word left out: 「需要（demand）がありません」 → 「需要が
    ありません」 (only codes with a known name; every other word, a value a person typed, stays as written)."""
    names = _fiscal_names()
    return _PAREN_ID.sub(lambda m: "" if m.group(1) in names else m.group(0), "" if text is None else str(text))
