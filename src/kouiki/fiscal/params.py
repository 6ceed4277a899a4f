"""Fiscal parameters: one YAML file per measure (措置) under ``kouiki/fiscal/parameters/``, read by the shared loader.

The format — dated values by 年度, a citation and a confidence per value, user files overlaying the packaged
values — is kouiki's one parameter format (:mod:`kouiki.reference.parameters`, issue 17 point 5); fiscal's files
were its model. This module adds what is fiscal's own: a file's header names the measure's ``kinds`` (特別交付税,
普通交付税, 補助, 地方債 …), its ``rounding`` and ``framework``, or marks it ``shared`` (a group of parameters used
by several measures); two units of its own (``rate_schedule`` by 財政力指数, ``adjustment`` of the 中心市 cap);
scenario overrides (``PATH@年度=値``) and scenario files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from kouiki.fiscal.errors import ParameterError
from kouiki.fiscal.model import KINDS
from kouiki.reference import parameters as shared
from kouiki.reference.errors import FiscalYearError
from kouiki.reference.money import Rounding
from kouiki.reference.parameters import (
    CONFIDENCE_JA,
    CONFIDENCES,
    KOUIKI_DEFAULT,
    ORIGIN_PACKAGE,
    ORIGIN_SCENARIO,
    ORIGIN_USER,
    Citation,
    DatedValue,
    KnownEnd,
    Parameter,
    load_yaml_strict,
    parse_year,
    unknown_parameter_message,
    worst_confidence,
)
from kouiki.reference.parameters import jsonable as _jsonable
from kouiki.reference.textfile import read_user_text

__all__ = [
    "CONFIDENCES",
    "CONFIDENCE_JA",
    "KINDS",
    "KOUIKI_DEFAULT",
    "ORIGIN_PACKAGE",
    "ORIGIN_SCENARIO",
    "ORIGIN_USER",
    "UNITS",
    "Citation",
    "DatedValue",
    "KnownEnd",
    "MeasureInfo",
    "Parameter",
    "ParameterSet",
    "check_value",
    "load_yaml_strict",
    "parse_year",
    "unknown_parameter_message",
    "worst_confidence",
]

SEED_FILE = "000_75a76e4477727004.txt"  # provenance only (PROVENANCE.md): never shown to users (issue 13 point 8)
SEED_TITLE = "総務省「広域連携（定住自立圏構想の推進等）について」（自治行政局市町村課・地域力創造グループ地域自立応援課）"



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


# ---- fiscal's own units ---------------------------------------------------------------------------


def _rate_schedule(value: Any) -> Any:
    # [{fsi_below: "0.4", rate: "0.5"}, …, {fsi_below: null, rate: "0.3"}] — first match wins.
    if not isinstance(value, list) or not value:
        raise ValueError("財政力指数による率の表（リスト）が必要です")
    rows: list[tuple[Decimal | None, Decimal]] = []
    for i, row in enumerate(value):
        if not isinstance(row, Mapping) or set(row) != {"fsi_below", "rate"}:
            raise ValueError(f"{i + 1}行目: fsi_below と rate が必要です: {dict(row) if isinstance(row, Mapping) else row!r}")
        below = None if row["fsi_below"] is None else shared.decimal_value(row["fsi_below"])
        rows.append((below, shared.check_value("rate", row["rate"])))
    if rows[-1][0] is not None:
        raise ValueError("最後の行は fsi_below: null（それ以外すべて）にしてください")
    bounds = [b for b, _ in rows[:-1]]
    if any(b is None for b in bounds) or bounds != sorted(b for b in bounds if b is not None):
        raise ValueError("fsi_below は昇順で、null は最後の行だけです")
    return tuple(rows)


def _adjustment(value: Any) -> Any:
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
            "reference_population": shared.check_value("int", value["reference_population"]),
            "yen_per_person": shared.decimal_value(value["yen_per_person"]),
            "reference_area_km2": shared.decimal_value(value["reference_area_km2"]),
            "yen_per_km2": shared.decimal_value(value["yen_per_km2"]),
        }
    raise ValueError(f"method は flat か linear です: {method!r}")


CATALOGUE = shared.Catalogue(
    "fiscal",
    header_keys=frozenset({"kinds", "rounding", "framework", "shared"}),
    units={"rate_schedule": _rate_schedule, "adjustment": _adjustment},
)
UNITS = ("rate", "yen", "int", "bool", "text", "text_list", "rate_schedule", "adjustment")  # what fiscal's files use


def check_value(unit: str, value: Any) -> Any:
    """Validate and normalise a parameter value of ``unit``; raises ValueError with a Japanese message."""
    return shared.check_value(unit, value, CATALOGUE.units)


# ---- loading -------------------------------------------------------------------------------------


class ParameterSet(shared.ParameterSet[MeasureInfo]):
    """Every fiscal parameter by dotted path, with the measures' headers. Immutable in use; copies on override."""

    def with_values(self, values: Any) -> ParameterSet:
        out = super().with_values(values)
        assert isinstance(out, ParameterSet)
        return out


def _measure(h: shared.FileHeader) -> MeasureInfo:
    file, x = h.file, h.extra
    kinds = tuple(x.get("kinds") or ())
    is_shared = bool(x.get("shared", False))
    if (not kinds and not is_shared) or any(k not in KINDS for k in kinds):
        raise ParameterError(f"{file}: kinds は {', '.join(KINDS)} から選びます: {kinds!r}")
    try:
        rounding = Rounding.by_id(str(x.get("rounding", "yen_floor")))
    except Exception as exc:
        raise ParameterError(f"{file}: rounding が不正です: {exc}") from None
    if not isinstance(x.get("framework"), str):
        raise ParameterError(f"{file}: framework がありません")
    return MeasureInfo(h.id, h.label, kinds, rounding, h.description, file, x["framework"], is_shared)


def _load_package_file(text: str, file: str) -> tuple[MeasureInfo, list[Parameter]]:
    """One fiscal file → its measure header and parameters (the shared loader's checks, then fiscal's header)."""
    header, params = shared.load_package_file(text, file, CATALOGUE)
    return _measure(header), params


def package_files() -> list[tuple[str, str]]:
    """(file name, text) of every packaged fiscal parameter file, sorted by name."""
    return shared.package_files(CATALOGUE)


def load_parameters(user_dir: Path | None = None, include_user: bool = True) -> ParameterSet:
    """The packaged parameters, overlaid with the user's files (``<data folder>/parameters/*.yaml``): ``user_dir``,
    else the folder the surface registered (:mod:`kouiki.reference.user_parameters`)."""
    headers, params, overlay, used = shared.load_catalogue(CATALOGUE, user_dir, include_user)
    pset = ParameterSet(params, {k: _measure(h) for k, h in headers.items()}, [])
    if overlay:
        pset = pset.with_values(overlay)
    pset.user_files = used
    return pset


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
    if not shared.user_files(udir):
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
