"""Formation rules as data: ``parameters/formation.yaml`` (thresholds, 三大都市圏, exception, citations).

The packaged file is in kouiki's one parameter format (:mod:`kouiki.reference.parameters`): each section
(``central_city``, ``procedure``, ``neighbours``, ``citations``) is one dated, cited parameter whose value is the
rule table :func:`parse_params` reads. A user may still give a whole file in that table layout (``--params``, or
``<data folder>/parameters/formation.yaml`` without ``measure:``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from kouiki.reference.errors import ParameterError
from kouiki.reference.parameters import CONFIDENCE_SHORT, FileHeader, ParameterSet
from kouiki.reference.textfile import read_user_yaml

__all__ = ["FormationParams", "ParameterError", "load_params", "parse_params"]  # ParameterError: reference.errors


# The confidence tags of the rule table, in words (the parameter format's, plus the formation file's own
# ``recalled``: background knowledge not yet confirmed against a source; the file's ``labels:`` says the same).
RULE_CONFIDENCE_JA: dict[str, str] = {**CONFIDENCE_SHORT, "recalled": "未確認（記憶による）"}


def confidence_words(tag: str | None) -> str:
    """The Japanese word for a rule's confidence tag (「—」 when the rule has none)."""
    return RULE_CONFIDENCE_JA.get(tag, tag) if tag else "—"


@dataclass(frozen=True)
class FormationParams:
    """The parsed parameter file; ``raw`` keeps every field (citations, notes) for explanations."""

    source: str
    version: str
    population_min: int
    population_target: int
    population_census_year: int
    daytime_ratio_min: Decimal
    metro_prefectures: tuple[str, ...]
    metro_core_kinds: tuple[str, ...]
    metro_commuting_share_max: Decimal
    accept_recorded_central_cities: bool
    compound_population_min: int
    compound_mutual_commuting: Decimal
    neighbour_share_guideline: Decimal
    listing_min_share: Decimal
    adjacency_buffer_degrees: float
    vision_typical_fiscal_years: int  # 共生ビジョンの通常の期間（年度数）: longer periods are warned about
    raw: dict[str, Any]

    def citations(self, *keys: str) -> list[dict[str, Any]]:
        cites: dict[str, Any] = self.raw.get("citations", {})
        return [dict(cites[k], id=k) for k in keys if k in cites]

    def cited(self, section: dict[str, Any]) -> str:
        """'title (url); …' of a rule's citations, for a criterion's ``source``."""
        parts = []
        for c in self.citations(*section.get("cite", [])):
            parts.append(f"{c['title']} ({c['url']})" if c.get("url") else c["title"])
        return "; ".join(parts)

    def rule(self, *path: str) -> dict[str, Any]:
        node: Any = self.raw
        for p in path:
            node = node[p]
        return dict(node)


def _get(data: dict[str, Any], source: str, *path: str) -> Any:
    node: Any = data
    for i, p in enumerate(path):
        if not isinstance(node, dict) or p not in node:
            raise ParameterError(f"{source}: 項目 {'.'.join(path[: i + 1])} がありません (missing parameter)")
        node = node[p]
    return node


def parse_params(data: dict[str, Any], source: str = "formation.yaml") -> FormationParams:
    cc = ("central_city",)
    try:
        return FormationParams(
            source=source,
            version=str(_get(data, source, "version")),
            population_min=int(_get(data, source, *cc, "population_min", "value")),
            population_target=int(_get(data, source, *cc, "population_target", "value")),
            population_census_year=int(_get(data, source, *cc, "population_census_year")),
            daytime_ratio_min=Decimal(str(_get(data, source, *cc, "daytime_ratio_min", "value"))),
            metro_prefectures=tuple(_get(data, source, *cc, "location", "metro_prefectures")),
            metro_core_kinds=tuple(_get(data, source, *cc, "location", "exception", "metro_core_kinds")),
            metro_commuting_share_max=Decimal(
                str(_get(data, source, *cc, "location", "exception", "commuting_share_max_percent"))
            ),
            accept_recorded_central_cities=bool(
                _get(data, source, *cc, "location", "exception", "accept_recorded_central_cities")
            ),
            compound_population_min=int(_get(data, source, *cc, "compound", "combined_population_min")),
            compound_mutual_commuting=Decimal(str(_get(data, source, *cc, "compound", "mutual_commuting_percent"))),
            neighbour_share_guideline=Decimal(
                str(_get(data, source, "neighbours", "commuting_share_guideline_percent"))
            ),
            listing_min_share=Decimal(str(_get(data, source, "neighbours", "listing_min_share_percent"))),
            adjacency_buffer_degrees=float(_get(data, source, "neighbours", "adjacency", "buffer_degrees")),
            vision_typical_fiscal_years=int(_get(data, source, "procedure", "vision_typical_fiscal_years")),
            raw=data,
        )
    except (ArithmeticError, ValueError, TypeError) as exc:
        if isinstance(exc, ParameterError):
            raise
        raise ParameterError(f"{source}: 値が正しくありません: {exc} (bad parameter value)") from exc


def _bundled() -> FormationParams:
    """The packaged rules (``parameters/formation.yaml``, kouiki's one parameter format) with the user's value
    overlays (``measure: formation``)."""
    from kouiki.reference.parameters import current

    return _from_set(current("formation"))


@cache
def _from_set(pset: ParameterSet[FileHeader]) -> FormationParams:
    return parse_params(pset.tree("formation"), "kouiki/formation/parameters/formation.yaml")


def load_params(path: Path | str | None = None) -> FormationParams:
    """The bundled parameters, or a user's file (same layout) when ``path`` is given."""
    if path is None:
        return _bundled()
    p = Path(path)
    data = read_user_yaml(p, ParameterError, "判定基準のパラメータ")
    if not isinstance(data, dict):
        raise ParameterError(f"{p}: 先頭がマッピングではありません (not a mapping)")
    return parse_params(data, str(p))
