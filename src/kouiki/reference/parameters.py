"""Parameters as data, for every capability: dated values with citations and confidence, loaded strictly from YAML.

The one parameter format and its one loader (issue 17 point 5; fiscal's format is the model). Each capability
keeps its files in one folder of the package (:data:`CAPABILITY_FOLDERS`), one file per measure or rule set
(``measure:`` = the file name). A file's ``parameters:`` tree mirrors the dotted paths
(``facility_bond.consolidation.allocation_tax_rate``, ``renewal.horizon_years``): a mapping with a ``values:`` key
is a parameter (a leaf); any other mapping is a folder. Values are keyed by the 年度 from which they take effect
(2025, ``R7``, ``令和7年度`` or an ISO date, which means the 年度 containing it). Each value carries

- ``value`` — checked against the parameter's ``unit`` (:data:`UNITS`; a capability may add its own, as fiscal
  adds ``rate_schedule`` and ``adjustment``),
- ``confidence`` — ``confirmed`` (seed or a public source), ``unverified`` (recalled, to check) or ``gap``
  (not found; a documented default), see :data:`CONFIDENCE_JA`,
- ``citation`` — ``{title, url}``, ``{title, seed: <slide heading>}`` or ``{title, ref: <section of the domain
  notes that lists the sources>}``, or the id of an entry of the file's ``sources:``; a kouiki default without a public source has a title beginning 「kouiki の既定値」.

A file may carry ``labels:``, its glossary: the Japanese words for the keys and codes its ``table`` values and texts
use (``at_age: 経過年数``, ``great_circle_km: 大圏距離（km）``), so that a page shows a rule table in words
(:func:`listing` passes it on; ``kouiki.reports.words.table_lines`` reads it).

The loader refuses duplicate keys, unknown keys, bad years, values of the wrong type and values without a
citation, naming the file, the line and the parameter path. User files in the user's parameter folder
(``<data folder>/parameters/*.yaml``, named by the surface through :mod:`kouiki.reference.user_parameters`) use the
same format (only the parameters they change, ``measure:`` naming the file they change) and overlay the packaged
values after the same checks. Precedence, lowest first: packaged file < user file < scenario override
(``--set``/``overrides=``, fiscal).
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import FiscalYearError, ParameterError
from kouiki.reference.textfile import read_user_text, yaml_error_text

__all__ = [
    "CAPABILITY_FOLDERS",
    "CONFIDENCES",
    "CONFIDENCE_JA",
    "CONFIDENCE_SHORT",
    "CONFIDENCE_TIGHT",
    "KOUIKI_DEFAULT",
    "UNITS",
    "Catalogue",
    "Citation",
    "DatedValue",
    "FileHeader",
    "KnownEnd",
    "Parameter",
    "ParameterError",
    "ParameterSet",
    "check_value",
    "load",
    "load_catalogue",
    "load_yaml_strict",
    "parse_year",
    "worst_confidence",
]

# Where each capability's packaged parameter files are (relative to the kouiki package). Only file names are read
# here to route a user's file to the capability that owns its measure; no engine is imported.
CAPABILITY_FOLDERS: dict[str, str] = {
    "fiscal": "fiscal/parameters",
    "facilities": "facilities/parameters",
    "formation": "formation/parameters",
    "optimize": "optimize/parameters",
    "staffing": "staffing/parameters",
}

# Capabilities whose users may also give a whole copy of a file in its old layout (formation.yaml in the user's
# folder or --params): such a file (no ``measure:``, named like the capability's file) is read whole by that
# capability, not overlaid value by value.
WHOLE_FILE_COPIES = frozenset({"formation"})

# Confidence of a value, and its label for people (defined once, beside the values).
CONFIDENCES = ("confirmed", "unverified", "gap")
CONFIDENCE_JA = {"confirmed": "確認済", "unverified": "未確認（要確認）", "gap": "不明（既定値）"}  # explanations, warnings
CONFIDENCE_SHORT = {  # screens (result lines, the parameters page); "assumed": a planning assumption of a rule table
    "confirmed": "確認済", "unverified": "未確認", "gap": "不明（既定値）", "assumed": "仮定",
}
CONFIDENCE_TIGHT = {"confirmed": "確認済", "unverified": "未確認", "gap": "既定値"}  # narrow CLI table columns
_RANK = {"confirmed": 0, "unverified": 1, "gap": 2}
KOUIKI_DEFAULT = "kouiki の既定値"  # the title of a gap default's citation (it needs no url: it is kouiki's own rule)

# Units every capability may use. rate: Decimal 0..1; yen, int: int ≥ 0; decimal: any finite Decimal; float: a
# finite float (physical constants fed to numpy); bool; text; text_list: tuple of str; table: a mapping or list
# kept as written (a rule table such as unit costs by 施設分類 — its citation covers the whole table).
UNITS = ("rate", "yen", "int", "decimal", "float", "bool", "text", "text_list", "table")

ORIGIN_PACKAGE = "package"
ORIGIN_USER = "user"  # a file in the user's parameter folder
ORIGIN_SCENARIO = "scenario"  # an override (--set / overrides=)


def worst_confidence(values: Iterable[str]) -> str:
    """The least certain of several tags (gap > unverified > confirmed)."""
    out = "confirmed"
    for v in values:
        if _RANK.get(v, 0) > _RANK[out]:
            out = v
    return out


# ---- strict YAML -----------------------------------------------------------------------------


class _Located(dict[Any, Any]):
    """A YAML mapping that remembers the line it starts on (errors name it)."""

    line: int = 0


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (a silent overwrite hides a wrong value)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    mapping = _Located()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"キーが重複しています: {key!r} (duplicate key)", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_strict(text: str, source: str) -> Any:
    """YAML → Python, refusing duplicate keys; a syntax error is a :class:`ParameterError` naming the line."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ParameterError(yaml_error_text(exc, source)) from None


def _at_line(node: Any) -> str:
    line = getattr(node, "line", 0)
    return f"（{line}行目）" if line else ""


def _plain(value: Any) -> Any:
    """A table value without the loader's line bookkeeping (plain dicts and lists)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# ---- model -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    title: str
    url: str | None = None
    seed: str | None = None  # slide heading in the seed deck
    ref: str | None = None  # a section of the project's domain notes that names the sources (domain-facts.md §6.2)

    def text(self) -> str:
        if self.url:
            return f"{self.title} {self.url}"
        if self.seed:  # the slide heading a reader can find in the deck (never an internal file name)
            return f"{self.title}「{self.seed}」"
        if self.ref:
            return f"{self.title}（{self.ref}）"
        return self.title

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title, "url": self.url, "seed": self.seed}
        if self.ref:
            out["ref"] = self.ref
        return out


@dataclass(frozen=True)
class DatedValue:
    """One value of a parameter, in force from ``year`` (年度 start, 西暦) until the next dated value."""

    year: int
    value: Any
    confidence: str
    citation: Citation
    note: str | None = None
    origin: str = ORIGIN_PACKAGE
    source_file: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "value": jsonable(self.value),
            "confidence": self.confidence,
            "citation": self.citation.to_dict(),
            "note": self.note,
            "origin": self.origin,
            "source_file": self.source_file,
        }


@dataclass(frozen=True)
class KnownEnd:
    """A known or assumed last 年度 of a value (e.g. the 公適債 period). Later years warn."""

    year: int
    confidence: str
    citation: Citation
    note: str | None = None


@dataclass
class Parameter:
    path: str  # dotted: facility_bond.consolidation.allocation_tax_rate
    label: str  # Japanese
    unit: str
    description: str | None
    values: list[DatedValue]
    known_end: KnownEnd | None = None
    _years: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.values.sort(key=lambda v: v.year)
        self._years = [v.year for v in self.values]

    def at(self, year: int) -> DatedValue | None:
        """The value in force in 年度 ``year`` (None before the first dated value)."""
        i = bisect.bisect_right(self._years, year)
        return self.values[i - 1] if i else None

    def latest(self) -> DatedValue:
        """The last dated value (the rule as it stands, for a capability that evaluates no particular 年度)."""
        return self.values[-1]

    def with_value(self, dv: DatedValue) -> Parameter:
        kept = [v for v in self.values if v.year != dv.year]
        return Parameter(self.path, self.label, self.unit, self.description, [*kept, dv], self.known_end)


@dataclass(frozen=True)
class FileHeader:
    """The head of one parameter file: the measure (措置) or rule set it holds."""

    id: str  # = the file name without .yaml
    label: str  # Japanese
    description: str
    file: str
    extra: Mapping[str, Any]  # the capability's own header keys (fiscal: kinds, rounding, framework, shared)
    # The file's glossary (``labels:``): the Japanese words for the keys and codes its tables and texts use
    # (``at_age: 経過年数``, ``great_circle_km: 大圏距離``), so a page shows a rule table in words.
    labels: Mapping[str, str] = field(default_factory=dict)


# ---- value checking -----------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal:
    d = _decimal_raw(value)
    if not d.is_finite():
        raise ValueError(f"有限の数値が必要です: {value!r}")
    return d


def _decimal_raw(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("真偽値は数値ではありません")
    if isinstance(value, float):
        return Decimal(repr(value))  # YAML 0.5 → the decimal the user wrote
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.replace(",", "").strip())
        except InvalidOperation:
            raise ValueError(f"数値ではありません: {value!r}") from None
    raise ValueError(f"数値ではありません: {value!r}")


def decimal_value(value: Any) -> Decimal:
    """A finite number as the Decimal the user wrote (``0.5``, ``"1,200"``); ValueError in Japanese otherwise."""
    return _decimal(value)


UnitCheck = Callable[[Any], Any]


def check_value(unit: str, value: Any, extra_units: Mapping[str, UnitCheck] | None = None) -> Any:
    """Validate and normalise a parameter value of ``unit``; raises ValueError with a Japanese message."""
    if extra_units and unit in extra_units:
        return extra_units[unit](value)
    if unit == "rate":
        d = _decimal(value)
        if not Decimal(0) <= d <= Decimal(1):
            raise ValueError(f"率は0以上1以下です: {value!r}")
        return d
    if unit in ("yen", "int"):
        d = _decimal(value)
        if d != d.to_integral_value() or d < 0:
            raise ValueError(f"0以上の整数が必要です: {value!r}")
        return int(d)
    if unit == "decimal":
        return _decimal(value)
    if unit == "float":
        return float(_decimal(value))
    if unit == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(f"true/false が必要です: {value!r}")
    if unit == "text":
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"文字列が必要です: {value!r}")
        return value
    if unit == "text_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"文字列のリストが必要です: {value!r}")
        return tuple(value)
    if unit == "table":
        if not isinstance(value, dict | list):
            raise ValueError(f"表（対応表かリスト）が必要です: {value!r}")
        return _plain(value)
    raise ValueError(f"単位が不明です: {unit!r}")


def jsonable(value: Any) -> Any:
    """A parameter value for JSON (Decimal → text, tuples → lists)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        if value and isinstance(value[0], tuple):
            return [{"fsi_below": None if b is None else str(b), "rate": str(r)} for b, r in value]
        return list(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def parse_year(key: Any) -> int:
    """A dated-value key: 2025, "R7", "令和7年度" or an ISO date (→ the 年度 containing it)."""
    if isinstance(key, dt.date):
        return FiscalYear.of_date(key).year
    if isinstance(key, bool):
        raise FiscalYearError(f"年度ではありません: {key!r}")
    if isinstance(key, str) and len(key) == 10 and key[4] == "-":
        return FiscalYear.of_date(dt.date.fromisoformat(key)).year
    return FiscalYear.parse(key).year


def unknown_parameter_message(path: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(path, list(known), n=3, cutoff=0.6)
    hint = f"（候補: {', '.join(close)}）" if close else ""
    return f"パラメータ {path!r} はありません{hint} (unknown parameter)"


# ---- one file -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """One capability's parameter files: its folder, the header keys of its own, the units of its own."""

    name: str  # a key of CAPABILITY_FOLDERS
    header_keys: frozenset[str] = frozenset()
    units: Mapping[str, UnitCheck] = field(default_factory=dict)

    @property
    def folder(self) -> str:
        return CAPABILITY_FOLDERS[self.name]

    @property
    def unit_names(self) -> tuple[str, ...]:
        return (*UNITS, *self.units)


_FILE_KEYS = {"measure", "label", "description", "sources", "labels", "parameters"}
_USER_FILE_KEYS = {"measure", "sources", "parameters", "description"}
_LEAF_KEYS = {"label", "unit", "description", "values", "known_end"}
_VALUE_KEYS = {"value", "confidence", "citation", "note"}


def _citation(raw: Any, sources: Mapping[str, Citation], where: str) -> Citation:
    if raw is None:
        raise ParameterError(f"{where}: 出典（citation）がありません (missing citation)")
    if isinstance(raw, str):
        if raw not in sources:
            raise ParameterError(f"{where}: 出典 {raw!r} が sources にありません (unknown source id)")
        return sources[raw]
    if isinstance(raw, Mapping):
        extra = set(raw) - {"title", "url", "seed", "ref"}
        if extra:
            raise ParameterError(f"{where}: 出典に不明な項目があります: {sorted(extra)}")
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ParameterError(f"{where}: 出典に title がありません (citation needs a title)")
        url, seed, ref = raw.get("url"), raw.get("seed"), raw.get("ref")
        if not url and not seed and not ref and not title.startswith(KOUIKI_DEFAULT):
            raise ParameterError(
                f"{where}: 出典に url か seed（スライド見出し）か ref（domain-facts.md の節）が必要です"
                f"（kouiki の既定値は title を「{KOUIKI_DEFAULT}」で始める）"
            )
        return Citation(title, str(url) if url else None, str(seed) if seed else None, str(ref) if ref else None)
    raise ParameterError(f"{where}: 出典の形式が不正です: {raw!r}")


def _labels(raw: Any, file: str) -> dict[str, str]:
    """A file's ``labels:`` glossary: identifier → Japanese word, both non-empty text."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip() for k, v in raw.items()
    ):
        raise ParameterError(f"{file}: labels は「キー: 日本語の名前」の対応表です{_at_line(raw)}")
    return dict(raw)


def _sources(raw: Any, file: str) -> dict[str, Citation]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ParameterError(f"{file}: sources は対応表（mapping）です{_at_line(raw)}")
    return {str(k): _citation(v, {}, f"{file}: sources.{k}{_at_line(v)}") for k, v in raw.items()}


def _dated_values(
    raw: Any,
    unit: str,
    sources: Mapping[str, Citation],
    where: str,
    origin: str,
    file: str,
    extra_units: Mapping[str, UnitCheck] | None = None,
) -> list[DatedValue]:
    if not isinstance(raw, Mapping) or not raw:
        raise ParameterError(f"{where}: values は年度をキーとする対応表です（1件以上）{_at_line(raw)}")
    out: list[DatedValue] = []
    seen: dict[int, Any] = {}
    for key, entry in raw.items():
        try:
            year = parse_year(key)
        except (FiscalYearError, ValueError) as exc:
            raise ParameterError(f"{where}: 年度のキーが不正です: {key!r} ({exc}){_at_line(raw)}") from None
        if year in seen:
            raise ParameterError(f"{where}: 年度 {year} が重複しています（{seen[year]!r} と {key!r}）{_at_line(raw)}")
        seen[year] = key
        w = f"{where}@{year}"
        line = _at_line(entry)
        if not isinstance(entry, Mapping) or "value" not in entry:
            raise ParameterError(f"{w}: value がありません{line or _at_line(raw)}")
        extra = set(entry) - _VALUE_KEYS
        if extra:
            raise ParameterError(f"{w}: 不明な項目があります: {sorted(extra)}{line}")
        conf = entry.get("confidence")
        if conf not in CONFIDENCES:
            raise ParameterError(f"{w}: confidence は {', '.join(CONFIDENCES)} のいずれかです: {conf!r}{line}")
        try:
            value = check_value(unit, entry["value"], extra_units)
        except ValueError as exc:
            raise ParameterError(f"{w}: 値が不正です: {exc}{line}") from None
        cit = _citation(entry.get("citation"), sources, w)
        if conf == "gap" and cit.seed:
            raise ParameterError(
                f"{w}: 不明（gap）の既定値に資料（seed）の出典は付けられません。「{KOUIKI_DEFAULT} — …」の出典を使います{line}"
            )
        note = entry.get("note")
        out.append(DatedValue(year, value, conf, cit, str(note) if note else None, origin, file))
    return out


def _known_end(raw: Any, sources: Mapping[str, Citation], where: str) -> KnownEnd | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) - {"year", "confidence", "citation", "note"}:
        raise ParameterError(f"{where}.known_end: year, confidence, citation, note を指定します{_at_line(raw)}")
    try:
        year = parse_year(raw.get("year"))
    except (FiscalYearError, ValueError) as exc:
        raise ParameterError(f"{where}.known_end: 年度が不正です ({exc}){_at_line(raw)}") from None
    conf = raw.get("confidence")
    if conf not in CONFIDENCES:
        raise ParameterError(f"{where}.known_end: confidence が不正です: {conf!r}{_at_line(raw)}")
    return KnownEnd(year, conf, _citation(raw.get("citation"), sources, f"{where}.known_end"), raw.get("note"))


def _walk(node: Any, prefix: str, file: str) -> Iterable[tuple[str, Mapping[str, Any]]]:
    if not isinstance(node, Mapping):
        raise ParameterError(f"{file}: {prefix}: 対応表（mapping）が必要です")
    if "values" in node:
        yield prefix, node
        return
    for k, v in node.items():
        if not isinstance(k, str) or not k.replace("_", "").isalnum() or not k.isascii():
            raise ParameterError(f"{file}: {prefix}.{k}: 名前は英数字と _ です{_at_line(node)}")
        yield from _walk(v, f"{prefix}.{k}", file)


def load_package_file(text: str, file: str, catalogue: Catalogue) -> tuple[FileHeader, list[Parameter]]:
    """One packaged file → its header and parameters (every check; errors name the file, line and path)."""
    raw = load_yaml_strict(text, file)
    if not isinstance(raw, Mapping):
        raise ParameterError(f"{file}: 先頭は対応表（mapping）です")
    extra = set(raw) - _FILE_KEYS - catalogue.header_keys
    if extra:
        raise ParameterError(f"{file}: 不明な項目があります: {sorted(extra)}")
    mid = raw.get("measure")
    if not isinstance(mid, str) or Path(file).stem != mid:
        raise ParameterError(f"{file}: measure はファイル名と同じにしてください（{Path(file).stem}）")
    for k in ("label", "description"):
        if not isinstance(raw.get(k), str):
            raise ParameterError(f"{file}: {k} がありません")
    sources = _sources(raw.get("sources"), file)
    header = FileHeader(mid, raw["label"], raw["description"], file, {k: raw[k] for k in catalogue.header_keys if k in raw},
                        _labels(raw.get("labels"), file))
    params: list[Parameter] = []
    units = catalogue.unit_names
    for path, leaf in _walk(raw.get("parameters") or {}, mid, file):
        where = f"{file}: {path}"
        extra = set(leaf) - _LEAF_KEYS
        if extra:
            raise ParameterError(f"{where}: 不明な項目があります: {sorted(extra)}{_at_line(leaf)}")
        unit = leaf.get("unit")
        if unit not in units:
            raise ParameterError(f"{where}: unit は {', '.join(units)} のいずれかです: {unit!r}{_at_line(leaf)}")
        label = leaf.get("label")
        if not isinstance(label, str):
            raise ParameterError(f"{where}: label がありません{_at_line(leaf)}")
        values = _dated_values(leaf["values"], unit, sources, where, ORIGIN_PACKAGE, file, catalogue.units)
        params.append(
            Parameter(path, label, unit, leaf.get("description"), values, _known_end(leaf.get("known_end"), sources, where))
        )
    if not params:
        raise ParameterError(f"{file}: parameters が空です")
    return header, params


def load_user_file(
    raw: Mapping[str, Any], file: str, params: Mapping[str, Parameter], catalogue: Catalogue
) -> list[tuple[str, DatedValue]]:
    """A user's file (already read) → the dated values it adds, each checked against the packaged parameter."""
    extra = set(raw) - _USER_FILE_KEYS
    if extra:
        raise ParameterError(f"{file}: 不明な項目があります: {sorted(extra)}（使える項目: {sorted(_USER_FILE_KEYS)}）")
    mid = raw.get("measure")
    if not isinstance(mid, str):
        raise ParameterError(f"{file}: measure（措置のID）がありません")
    sources = _sources(raw.get("sources"), file)
    out: list[tuple[str, DatedValue]] = []
    for path, leaf in _walk(raw.get("parameters") or {}, mid, file):
        if path not in params:
            raise ParameterError(f"{file}: {unknown_parameter_message(path, params)}{_at_line(leaf)}")
        extra = set(leaf) - {"values"}
        if extra:
            raise ParameterError(f"{file}: {path}: 利用者ファイルでは values だけを指定します: {sorted(extra)}{_at_line(leaf)}")
        p = params[path]
        for dv in _dated_values(leaf["values"], p.unit, sources, f"{file}: {path}", ORIGIN_USER, file, catalogue.units):
            out.append((path, dv))
    if not out:
        raise ParameterError(f"{file}: 値がありません")
    return out


# ---- a capability's set -------------------------------------------------------------------------------

M = TypeVar("M")


class ParameterSet(Generic[M]):
    """Every parameter of a capability by dotted path, with its files' headers. Immutable in use; copies on change."""

    def __init__(self, params: dict[str, Parameter], measures: dict[str, M], user_files: list[str]):
        self.params = params
        self.measures = measures
        self.user_files = user_files
        self._cache: dict[tuple[str, int], DatedValue | None] = {}

    def __contains__(self, path: str) -> bool:
        return path in self.params

    def parameter(self, path: str) -> Parameter:
        try:
            return self.params[path]
        except KeyError:
            raise ParameterError(unknown_parameter_message(path, self.params)) from None

    def at(self, path: str, year: int) -> DatedValue | None:
        """The dated value of ``path`` in force in 年度 ``year`` (cached)."""
        key = (path, year)
        try:
            return self._cache[key]
        except KeyError:
            dv = self.parameter(path).at(year)
            self._cache[key] = dv
            return dv

    def value(self, path: str, year: int | None = None) -> Any:
        """The value of ``path`` in 年度 ``year`` (None: the latest dated value); an error names a missing year."""
        if year is None:
            return self.parameter(path).latest().value
        dv = self.at(path, year)
        if dv is None:
            raise ParameterError(f"パラメータ {path!r} には {year}年度の値がありません（最初の値は {self.parameter(path).values[0].year}年度）")
        return dv.value

    def tree(self, measure: str, year: int | None = None) -> dict[str, Any]:
        """The values of one file as nested mappings (``renewal.horizon_years`` → ``{"horizon_years": 40}``), in
        年度 ``year`` (None: the latest dated values). A fresh copy: the caller may change it."""
        out: dict[str, Any] = {}
        prefix = measure + "."
        for path in self.params:
            if not path.startswith(prefix):
                continue
            *folders, leaf = path[len(prefix) :].split(".")
            node = out
            for f in folders:
                node = node.setdefault(f, {})
            node[leaf] = copy.deepcopy(self.value(path, year))
        if not out:
            raise ParameterError(f"パラメータのファイル {measure!r} はありません")
        return out

    def with_values(self, values: Iterable[tuple[str, DatedValue]]) -> ParameterSet[M]:
        params = dict(self.params)
        for path, dv in values:
            params[path] = params[path].with_value(dv)
        return self._copy(params)

    def _copy(self, params: dict[str, Parameter]) -> ParameterSet[M]:
        return type(self)(params, self.measures, self.user_files)


def package_files(catalogue: Catalogue | str) -> list[tuple[str, str]]:
    """(file name, text) of every packaged parameter file of a capability, sorted by name."""
    folder = CAPABILITY_FOLDERS[catalogue if isinstance(catalogue, str) else catalogue.name]
    out = []
    for entry in resources.files("kouiki").joinpath(folder).iterdir():
        if entry.name.endswith(".yaml"):
            out.append((entry.name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def _packaged_ids() -> dict[str, str]:
    """measure id → capability, over every capability's packaged files (names only)."""
    out: dict[str, str] = {}
    for cap, folder in CAPABILITY_FOLDERS.items():
        entry = resources.files("kouiki").joinpath(folder)
        if not entry.is_dir():
            continue
        for f in entry.iterdir():
            if f.name.endswith(".yaml"):
                out.setdefault(f.name[: -len(".yaml")], cap)
    return out


def user_files(user_dir: Path | None) -> list[Path]:
    """The user's parameter files (``*.yaml`` then ``*.yml``, by name)."""
    if user_dir is None or not user_dir.is_dir():
        return []
    return sorted(user_dir.glob("*.yaml")) + sorted(user_dir.glob("*.yml"))


def load_catalogue(
    catalogue: Catalogue, user_dir: Path | None = None, include_user: bool = True
) -> tuple[dict[str, FileHeader], dict[str, Parameter], list[tuple[str, DatedValue]], list[str]]:
    """A capability's packaged files and the user's overlay: (headers, parameters, user values, user files used).

    ``user_dir``: the user's parameter folder, else the one the surface registered. A user file belongs to the
    capability whose packaged file its ``measure:`` names; a file of another capability is left to it (a file
    without ``measure:`` named like another capability's file — formation's full copy — too)."""
    headers: dict[str, FileHeader] = {}
    params: dict[str, Parameter] = {}
    for name, text in package_files(catalogue):
        # fiscal's files have always been named parameters/<file> in messages and results; the others by their folder
        label = f"parameters/{name}" if catalogue.name == "fiscal" else f"{catalogue.folder}/{name}"
        header, plist = load_package_file(text, label, catalogue)
        headers[header.id] = header
        for p in plist:
            params[p.path] = p
    if not include_user:
        return headers, params, [], []
    if user_dir is None:
        from kouiki.reference.user_parameters import user_parameters_dir

        user_dir = user_parameters_dir()  # the folder the surface (CLI, web) registered, or None
    files = user_files(user_dir)
    overlay: list[tuple[str, DatedValue]] = []
    used: list[str] = []
    owners = _packaged_ids() if files else {}
    for f in files:
        raw = load_yaml_strict(read_user_text(f)[0], str(f))
        if not isinstance(raw, Mapping):
            raise ParameterError(f"{f}: 先頭は対応表（mapping）です")
        mid = raw.get("measure", f.stem if "measure" not in raw else None)
        owner = owners.get(mid) if isinstance(mid, str) else None
        if owner is not None and owner != catalogue.name:
            continue  # another capability's file
        if "measure" not in raw and owner in WHOLE_FILE_COPIES:
            continue  # a whole copy in the old layout, read by its capability itself
        overlay.extend(load_user_file(raw, str(f), params, catalogue))
        used.append(str(f))
    return headers, params, overlay, used


def load(name: str, user_dir: Path | None = None, include_user: bool = True) -> ParameterSet[FileHeader]:
    """A capability's parameters (packaged + the user's files), for capabilities with no header keys of their own."""
    headers, params, overlay, used = load_catalogue(Catalogue(name), user_dir, include_user)
    out: ParameterSet[FileHeader] = ParameterSet(params, headers, [])
    if overlay:
        out = out.with_values(overlay)
    out.user_files = used
    return out


_PACKAGED: dict[str, ParameterSet[FileHeader]] = {}


def packaged(name: str) -> ParameterSet[FileHeader]:
    """A capability's packaged parameters only (cached)."""
    if name not in _PACKAGED:
        _PACKAGED[name] = load(name, include_user=False)
    return _PACKAGED[name]


_CURRENT: dict[str, tuple[tuple[tuple[str, int], ...], ParameterSet[FileHeader]]] = {}


def current(name: str) -> ParameterSet[FileHeader]:
    """A capability's packaged parameters overlaid with the user's files: the packaged set when the folder has none;
    re-read when a file is added, removed or changed (so a rule called in a loop does not re-read the files)."""
    from kouiki.reference.user_parameters import user_parameters_dir

    files = user_files(user_parameters_dir())
    if not files:
        return packaged(name)
    key = tuple((str(f), f.stat().st_mtime_ns) for f in files)
    hit = _CURRENT.get(name)
    if hit is None or hit[0] != key:
        hit = (key, load(name, files[0].parent))
        _CURRENT[name] = hit
    return hit[1]


# The capabilities as people read them, in the order the parameters page and ``/api/parameters`` list them: the one
# list of capabilities for those surfaces (every key of CAPABILITY_FOLDERS has its label here; a test checks it).
CAPABILITY_LABELS = {"fiscal": "財政措置", "facilities": "公共施設（施設の再編）", "optimize": "配置最適化",
                     "formation": "圏域形成", "staffing": "人材"}


def file_label(measure: str) -> str | None:
    """The Japanese name of a packaged parameter file of a capability other than fiscal (``renewal`` → 更新費用の試算
    …), as the parameters page heads its section ``#m-<measure>``; None for an unknown file. What pages say instead
    of a file name (officers read the name, the page links to the section)."""
    for name in CAPABILITY_LABELS:
        if name == "fiscal":  # fiscal's files have their own catalogue (kouiki.fiscal.catalogue)
            continue
        header = packaged(name).measures.get(measure)
        if header is not None:
            return str(header.label)
    return None


def listing(name: str, fiscal_year: int | None = None) -> list[dict[str, Any]]:
    """A capability's files for a parameters page, in the shape of ``kouiki.fiscal.catalogue.catalogue`` entries:
    each file with its parameters, their dated values (``current``: the value in force in ``fiscal_year``, default
    the latest), citations and confidence; ``labels`` is the file's glossary (the Japanese words for the keys and
    codes of its tables and texts). ``rounding`` is None: only fiscal files carry a rounding rule in their header
    (a facilities file that rounds says so in a parameter of its own, listed with the others)."""
    pset = current(name)
    out: list[dict[str, Any]] = []
    for mid, header in sorted(pset.measures.items()):
        plist: list[dict[str, Any]] = []
        for path, p in pset.params.items():
            if not path.startswith(mid + "."):
                continue
            values = [v.to_dict() for v in p.values]
            now = p.at(fiscal_year) if fiscal_year is not None else p.values[-1]
            plist.append({"path": path, "label": p.label, "unit": p.unit, "description": p.description,
                          "current": None if now is None else now.to_dict(), "values": values, "known_end": None,
                          "user_supplied": any(v.origin == ORIGIN_USER for v in p.values)})
        out.append({"measure": mid, "label": header.label, "framework": CAPABILITY_LABELS[name], "kinds": [],
                    "shared": False, "description": header.description, "rounding": None, "labels": dict(header.labels),
                    "confidence": worst_confidence(pp["current"]["confidence"] for pp in plist if pp["current"]),
                    "file": header.file, "parameters": plist})
    return out
