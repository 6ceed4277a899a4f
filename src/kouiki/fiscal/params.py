"""Parameters as data: dated values with citations and confidence, loaded strictly from YAML.

One YAML file per measure under ``kouiki/fiscal/parameters/``. Its ``parameters:`` tree mirrors the
dotted paths (``facility_bond.consolidation.allocation_tax_rate``): a mapping with a ``values:`` key is a
parameter (a leaf); any other mapping is a folder. Values are keyed by the 年度 from which they take
effect (2025, ``R7``, ``令和7年度`` or an ISO date, which means the 年度 containing it). Each value carries

- ``value`` — checked against the parameter's ``unit`` (rate, yen, int, bool, text, text_list, rate_schedule,
  adjustment),
- ``confidence`` — ``confirmed`` (seed or a public source), ``unverified`` (recalled, to check) or ``gap``
  (not found; a documented default),
- ``citation`` — ``{title, url}`` or ``{title, seed: <slide heading>}``, or the id of an entry of the
  file's ``sources:``.

The loader refuses duplicate keys, unknown keys, bad years, values of the wrong type and values without a
citation, naming the file and the parameter path. User files in ``KOUIKI_DATA_DIR/parameters/`` use the same
format (only the parameters they change) and overlay the packaged values after the same checks.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kouiki.fiscal.errors import ParameterError
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import FiscalYearError
from kouiki.reference.money import Rounding
from kouiki.reference.textfile import read_user_text, yaml_error_text

SEED_FILE = "000_75a76e4477727004.txt"  # provenance only (PROVENANCE.md): never shown to users (issue 13 point 8)
SEED_TITLE = "総務省「広域連携（定住自立圏構想の推進等）について」（自治行政局市町村課・地域力創造グループ地域自立応援課）"

CONFIDENCES = ("confirmed", "unverified", "gap")
KOUIKI_DEFAULT = "kouiki の既定値"  # the title of a gap default's citation (it needs no url: it is kouiki's own rule)
CONFIDENCE_JA = {"confirmed": "確認済", "unverified": "未確認（要確認）", "gap": "不明（既定値）"}
_RANK = {"confirmed": 0, "unverified": 1, "gap": 2}
UNITS = ("rate", "yen", "int", "bool", "text", "text_list", "rate_schedule", "adjustment")
KINDS = (
    "special_allocation_tax",
    "ordinary_allocation_tax",
    "national_subsidy",
    "bond",
    "loan",
    "info",
)

ORIGIN_PACKAGE = "package"
ORIGIN_USER = "user"  # a file in KOUIKI_DATA_DIR/parameters/
ORIGIN_SCENARIO = "scenario"  # an override (--set / overrides=)


def worst_confidence(values: Iterable[str]) -> str:
    """The least certain of several tags (gap > unverified > confirmed)."""
    out = "confirmed"
    for v in values:
        if _RANK.get(v, 0) > _RANK[out]:
            out = v
    return out


# ---- strict YAML -----------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (a silent overwrite hides a wrong value)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
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
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ParameterError(yaml_error_text(exc, source)) from None


# ---- model -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    title: str
    url: str | None = None
    seed: str | None = None  # slide heading in the seed deck

    def text(self) -> str:
        if self.url:
            return f"{self.title} {self.url}"
        if self.seed:  # the slide heading a reader can find in the deck (never an internal file name)
            return f"{self.title}「{self.seed}」"
        return self.title

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "url": self.url, "seed": self.seed}


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
            "value": _jsonable(self.value),
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

    def with_value(self, dv: DatedValue) -> Parameter:
        kept = [v for v in self.values if v.year != dv.year]
        return Parameter(self.path, self.label, self.unit, self.description, [*kept, dv], self.known_end)


@dataclass(frozen=True)
class MeasureInfo:
    """Header of a parameter file: one measure (措置)."""

    id: str
    label: str  # Japanese name
    kinds: tuple[str, ...]
    rounding: Rounding
    description: str
    file: str
    framework: str  # 定住自立圏 / 連携中枢都市圏 / 公共施設 / 人材 / 共通
    shared: bool = False  # a group of parameters used by several measures (not a measure itself)


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


def check_value(unit: str, value: Any) -> Any:
    """Validate and normalise a parameter value of ``unit``; raises ValueError with a Japanese message."""
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
    if unit == "rate_schedule":
        # [{fsi_below: "0.4", rate: "0.5"}, …, {fsi_below: null, rate: "0.3"}] — first match wins.
        if not isinstance(value, list) or not value:
            raise ValueError("財政力指数による率の表（リスト）が必要です")
        rows: list[tuple[Decimal | None, Decimal]] = []
        for i, row in enumerate(value):
            if not isinstance(row, Mapping) or set(row) != {"fsi_below", "rate"}:
                raise ValueError(f"{i + 1}行目: fsi_below と rate が必要です: {row!r}")
            below = None if row["fsi_below"] is None else _decimal(row["fsi_below"])
            rows.append((below, check_value("rate", row["rate"])))
        if rows[-1][0] is not None:
            raise ValueError("最後の行は fsi_below: null（それ以外すべて）にしてください")
        bounds = [b for b, _ in rows[:-1]]
        if any(b is None for b in bounds) or bounds != sorted(b for b in bounds if b is not None):
            raise ValueError("fsi_below は昇順で、null は最後の行だけです")
        return tuple(rows)
    if unit == "adjustment":
        # 中心市 cap adjustment for 人口・面積: {method: flat} or {method: linear, …} (see measures.py)
        if not isinstance(value, Mapping) or "method" not in value:
            raise ValueError("method を持つ対応表が必要です（例: {method: flat}）")
        method = value["method"]
        if method == "flat":
            if set(value) != {"method"}:
                raise ValueError("method: flat には他の項目は不要です")
            return {"method": "flat"}
        if method == "linear":
            keys = {"method", "reference_population", "yen_per_person", "reference_area_km2", "yen_per_km2"}
            if set(value) != keys:
                raise ValueError(f"method: linear には {sorted(keys - {'method'})} が必要です")
            return {
                "method": "linear",
                "reference_population": check_value("int", value["reference_population"]),
                "yen_per_person": _decimal(value["yen_per_person"]),
                "reference_area_km2": _decimal(value["reference_area_km2"]),
                "yen_per_km2": _decimal(value["yen_per_km2"]),
            }
        raise ValueError(f"method は flat か linear です: {method!r}")
    raise ValueError(f"単位が不明です: {unit!r}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        if value and isinstance(value[0], tuple):
            return [{"fsi_below": None if b is None else str(b), "rate": str(r)} for b, r in value]
        return list(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def parse_year(key: Any) -> int:
    """A dated-value key: 2025, "R7", "令和7年度" or an ISO date (→ the 年度 containing it)."""
    import datetime as dt

    if isinstance(key, dt.date):
        return FiscalYear.of_date(key).year
    if isinstance(key, bool):
        raise FiscalYearError(f"年度ではありません: {key!r}")
    if isinstance(key, str) and len(key) == 10 and key[4] == "-":
        return FiscalYear.of_date(dt.date.fromisoformat(key)).year
    return FiscalYear.parse(key).year


# ---- loading -------------------------------------------------------------------------------------

_FILE_KEYS = {"measure", "label", "kinds", "rounding", "description", "framework", "sources", "parameters", "shared"}
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
        extra = set(raw) - {"title", "url", "seed"}
        if extra:
            raise ParameterError(f"{where}: 出典に不明な項目があります: {sorted(extra)}")
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ParameterError(f"{where}: 出典に title がありません (citation needs a title)")
        url, seed = raw.get("url"), raw.get("seed")
        if not url and not seed and not title.startswith(KOUIKI_DEFAULT):
            raise ParameterError(
                f"{where}: 出典に url か seed（スライド見出し）が必要です（kouiki の既定値は title を「{KOUIKI_DEFAULT}」で始める）"
            )
        return Citation(title, str(url) if url else None, str(seed) if seed else None)
    raise ParameterError(f"{where}: 出典の形式が不正です: {raw!r}")


def _sources(raw: Any, file: str) -> dict[str, Citation]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ParameterError(f"{file}: sources は対応表（mapping）です")
    return {str(k): _citation(v, {}, f"{file}: sources.{k}") for k, v in raw.items()}


def _dated_values(
    raw: Any, unit: str, sources: Mapping[str, Citation], where: str, origin: str, file: str
) -> list[DatedValue]:
    if not isinstance(raw, Mapping) or not raw:
        raise ParameterError(f"{where}: values は年度をキーとする対応表です（1件以上）")
    out: list[DatedValue] = []
    seen: dict[int, Any] = {}
    for key, entry in raw.items():
        try:
            year = parse_year(key)
        except (FiscalYearError, ValueError) as exc:
            raise ParameterError(f"{where}: 年度のキーが不正です: {key!r} ({exc})") from None
        if year in seen:
            raise ParameterError(f"{where}: 年度 {year} が重複しています（{seen[year]!r} と {key!r}）")
        seen[year] = key
        w = f"{where}@{year}"
        if not isinstance(entry, Mapping) or "value" not in entry:
            raise ParameterError(f"{w}: value がありません")
        extra = set(entry) - _VALUE_KEYS
        if extra:
            raise ParameterError(f"{w}: 不明な項目があります: {sorted(extra)}")
        conf = entry.get("confidence")
        if conf not in CONFIDENCES:
            raise ParameterError(f"{w}: confidence は {', '.join(CONFIDENCES)} のいずれかです: {conf!r}")
        try:
            value = check_value(unit, entry["value"])
        except ValueError as exc:
            raise ParameterError(f"{w}: 値が不正です: {exc}") from None
        cit = _citation(entry.get("citation"), sources, w)
        if conf == "gap" and cit.seed:
            raise ParameterError(f"{w}: 不明（gap）の既定値に資料（seed）の出典は付けられません。「{KOUIKI_DEFAULT} — …」の出典を使います")
        note = entry.get("note")
        out.append(DatedValue(year, value, conf, cit, str(note) if note else None, origin, file))
    return out


def _known_end(raw: Any, sources: Mapping[str, Citation], where: str) -> KnownEnd | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) - {"year", "confidence", "citation", "note"}:
        raise ParameterError(f"{where}.known_end: year, confidence, citation, note を指定します")
    try:
        year = parse_year(raw.get("year"))
    except (FiscalYearError, ValueError) as exc:
        raise ParameterError(f"{where}.known_end: 年度が不正です ({exc})") from None
    conf = raw.get("confidence")
    if conf not in CONFIDENCES:
        raise ParameterError(f"{where}.known_end: confidence が不正です: {conf!r}")
    return KnownEnd(year, conf, _citation(raw.get("citation"), sources, f"{where}.known_end"), raw.get("note"))


def _walk(node: Any, prefix: str, file: str) -> Iterable[tuple[str, Mapping[str, Any]]]:
    if not isinstance(node, Mapping):
        raise ParameterError(f"{file}: {prefix}: 対応表（mapping）が必要です")
    if "values" in node:
        yield prefix, node
        return
    for k, v in node.items():
        if not isinstance(k, str) or not k.replace("_", "").isalnum() or not k.isascii():
            raise ParameterError(f"{file}: {prefix}.{k}: 名前は英数字と _ です")
        yield from _walk(v, f"{prefix}.{k}", file)


class ParameterSet:
    """Every parameter by dotted path, with the measures' headers. Immutable in use; copies on override."""

    def __init__(self, params: dict[str, Parameter], measures: dict[str, MeasureInfo], user_files: list[str]):
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

    def with_values(self, values: Iterable[tuple[str, DatedValue]]) -> ParameterSet:
        params = dict(self.params)
        for path, dv in values:
            params[path] = params[path].with_value(dv)
        return ParameterSet(params, self.measures, self.user_files)


def unknown_parameter_message(path: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(path, list(known), n=3, cutoff=0.6)
    hint = f"（候補: {', '.join(close)}）" if close else ""
    return f"パラメータ {path!r} はありません{hint} (unknown parameter)"


def _load_package_file(text: str, file: str) -> tuple[MeasureInfo, list[Parameter]]:
    raw = load_yaml_strict(text, file)
    if not isinstance(raw, Mapping):
        raise ParameterError(f"{file}: 先頭は対応表（mapping）です")
    extra = set(raw) - _FILE_KEYS
    if extra:
        raise ParameterError(f"{file}: 不明な項目があります: {sorted(extra)}")
    mid = raw.get("measure")
    if not isinstance(mid, str) or Path(file).stem != mid:
        raise ParameterError(f"{file}: measure はファイル名と同じにしてください（{Path(file).stem}）")
    kinds = tuple(raw.get("kinds") or ())
    shared = bool(raw.get("shared", False))
    if (not kinds and not shared) or any(k not in KINDS for k in kinds):
        raise ParameterError(f"{file}: kinds は {', '.join(KINDS)} から選びます: {kinds!r}")
    try:
        rounding = Rounding.by_id(str(raw.get("rounding", "yen_floor")))
    except Exception as exc:
        raise ParameterError(f"{file}: rounding が不正です: {exc}") from None
    for k in ("label", "description", "framework"):
        if not isinstance(raw.get(k), str):
            raise ParameterError(f"{file}: {k} がありません")
    sources = _sources(raw.get("sources"), file)
    info = MeasureInfo(mid, raw["label"], kinds, rounding, raw["description"], file, raw["framework"], shared)
    params: list[Parameter] = []
    for path, leaf in _walk(raw.get("parameters") or {}, mid, file):
        extra = set(leaf) - _LEAF_KEYS
        if extra:
            raise ParameterError(f"{file}: {path}: 不明な項目があります: {sorted(extra)}")
        unit = leaf.get("unit")
        if unit not in UNITS:
            raise ParameterError(f"{file}: {path}: unit は {', '.join(UNITS)} のいずれかです: {unit!r}")
        label = leaf.get("label")
        if not isinstance(label, str):
            raise ParameterError(f"{file}: {path}: label がありません")
        where = f"{file}: {path}"
        values = _dated_values(leaf["values"], unit, sources, where, ORIGIN_PACKAGE, file)
        params.append(
            Parameter(path, label, unit, leaf.get("description"), values, _known_end(leaf.get("known_end"), sources, where))
        )
    if not params:
        raise ParameterError(f"{file}: parameters が空です")
    return info, params


def _load_user_file(text: str, file: str, params: Mapping[str, Parameter]) -> list[tuple[str, DatedValue]]:
    raw = load_yaml_strict(text, file)
    if not isinstance(raw, Mapping):
        raise ParameterError(f"{file}: 先頭は対応表（mapping）です")
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
            raise ParameterError(f"{file}: {unknown_parameter_message(path, params)}")
        extra = set(leaf) - {"values"}
        if extra:
            raise ParameterError(f"{file}: {path}: 利用者ファイルでは values だけを指定します: {sorted(extra)}")
        p = params[path]
        for dv in _dated_values(leaf["values"], p.unit, sources, f"{file}: {path}", ORIGIN_USER, file):
            out.append((path, dv))
    if not out:
        raise ParameterError(f"{file}: 値がありません")
    return out


def package_files() -> list[tuple[str, str]]:
    """(file name, text) of every packaged parameter file, sorted by name."""
    folder = resources.files("kouiki.fiscal").joinpath("parameters")
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml"):
            out.append((entry.name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def load_parameters(user_dir: Path | None = None, include_user: bool = True) -> ParameterSet:
    """The packaged parameters, overlaid with the user's files (``KOUIKI_DATA_DIR/parameters/*.yaml``): ``user_dir``,
    else the folder the surface registered (:mod:`kouiki.reference.user_parameters`)."""
    params: dict[str, Parameter] = {}
    measures: dict[str, MeasureInfo] = {}
    for name, text in package_files():
        info, plist = _load_package_file(text, f"parameters/{name}")
        measures[info.id] = info
        for p in plist:
            params[p.path] = p
    pset = ParameterSet(params, measures, [])
    if not include_user:
        return pset
    if user_dir is None:
        from kouiki.reference.user_parameters import user_parameters_dir

        user_dir = user_parameters_dir()  # the folder the surface (CLI, web) registered, or None
    if user_dir is None or not user_dir.is_dir():
        return pset
    files = sorted(user_dir.glob("*.yaml")) + sorted(user_dir.glob("*.yml"))
    overlay: list[tuple[str, DatedValue]] = []
    for f in files:
        overlay.extend(_load_user_file(read_user_text(f)[0], str(f), params))
    out = pset.with_values(overlay)
    out.user_files = [str(f) for f in files]
    return out


_DEFAULT: dict[str, ParameterSet] = {}


def packaged() -> ParameterSet:
    """The packaged parameters only (cached)."""
    if "p" not in _DEFAULT:
        _DEFAULT["p"] = load_parameters(include_user=False)
    return _DEFAULT["p"]


def current() -> ParameterSet:
    """Packaged + the user's overlay files (re-read each call, so new files are picked up)."""
    from kouiki.reference.user_parameters import user_parameters_dir

    udir = user_parameters_dir()  # the folder the surface (CLI, web) registered, or None
    if udir is None or not udir.is_dir() or not any(udir.glob("*.y*ml")):
        return packaged()
    return load_parameters(udir)


# ---- overrides (what-if scenarios) -------------------------------------------------------------


def parse_override(text: str) -> tuple[str, int, Any]:
    """``PATH@YEAR=VALUE`` → (path, year, raw value). VALUE is read as YAML (numbers, lists, maps)."""
    if "=" not in text or "@" not in text.split("=", 1)[0]:
        raise ParameterError(f"上書きは PATH@年度=値 の形で指定します（例: consolidation_study.cap@2025=6000000）: {text!r}")
    left, raw = text.split("=", 1)
    path, year_text = left.rsplit("@", 1)
    try:
        year = parse_year(year_text.strip())
    except (FiscalYearError, ValueError) as exc:
        raise ParameterError(f"上書き {text!r}: 年度が不正です ({exc})") from None
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    if isinstance(value, str):
        value = value.strip()
    return path.strip(), year, value


def apply_overrides(pset: ParameterSet, overrides: Any) -> tuple[ParameterSet, list[str]]:
    """Validate and insert scenario values. ``overrides``: a mapping ``{"path@year": value}``, a list of
    ``"path@year=value"`` strings, or None. Returns the new set and the list of override labels."""
    if not overrides:
        return pset, []
    items: list[tuple[str, int, Any]] = []
    if isinstance(overrides, Mapping):
        for k, v in overrides.items():
            if "@" not in str(k):
                raise ParameterError(f"上書き {k!r}: PATH@年度 の形で指定します")
            path, year_text = str(k).rsplit("@", 1)
            try:
                year = parse_year(year_text)
            except (FiscalYearError, ValueError) as exc:
                raise ParameterError(f"上書き {k!r}: 年度が不正です ({exc})") from None
            items.append((path, year, v))
    elif isinstance(overrides, str):
        items.append(parse_override(overrides))
    else:
        items.extend(parse_override(str(t)) for t in overrides)
    cit = Citation("利用者が指定した仮定値（シナリオ）", seed=None, url=None)
    values: list[tuple[str, DatedValue]] = []
    labels: list[str] = []
    for path, year, raw in items:
        p = pset.parameter(path)
        try:
            value = check_value(p.unit, raw)
        except ValueError as exc:
            raise ParameterError(f"上書き {path}@{year}: 値が不正です: {exc}") from None
        values.append((path, DatedValue(year, value, "unverified", cit, "シナリオ上書き", ORIGIN_SCENARIO, "--set")))
        shown = _jsonable(value)
        labels.append(f"{path}@{year}={shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False)}")
    return pset.with_values(values), labels


def replace_value(dv: DatedValue, **changes: Any) -> DatedValue:
    return replace(dv, **changes)


def load_scenario(path: Path) -> dict[str, Any]:
    """A scenario file: ``{title: …, overrides: {"path@年度": value, …}}`` (validated when applied).

    Returns the overrides mapping; errors name the file.
    """
    raw = load_yaml_strict(read_user_text(path)[0], str(path))
    if not isinstance(raw, Mapping) or not isinstance(raw.get("overrides"), Mapping):
        raise ParameterError(f"{path}: シナリオファイルには overrides（PATH@年度: 値 の対応表）が必要です")
    extra = set(raw) - {"title", "description", "overrides"}
    if extra:
        raise ParameterError(f"{path}: 不明な項目があります: {sorted(extra)}（title, description, overrides）")
    return dict(raw["overrides"])


def parameter_name(used: str, pset: ParameterSet | None = None) -> str:
    """The Japanese name of a used parameter ``path@年度`` (or ``path#解釈``): 「措置名・パラメータ名」, or the
    path itself when the set does not know it. Screens show this; the path goes beside it or on hover."""
    ps = pset if pset is not None else packaged()
    path = used.split("@", 1)[0].split("#", 1)[0]
    p = ps.params.get(path)
    m = ps.measures.get(path.split(".", 1)[0])
    name = "・".join(x for x in (m.label if m else None, p.label if p else None) if x)
    if used.endswith("#解釈"):
        name += "（kouiki の解釈）" if name else ""
    return name or used
