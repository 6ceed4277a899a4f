"""中心市 requirements (要綱 第3), 複眼型中心市 and 合併1市圏域 — one result per criterion, never a guess.

Each :class:`Criterion` carries ``id``, ``value``, ``threshold``, ``result`` (``pass`` / ``fail`` /
``unknown``), ``source`` and census ``year``. A missing figure gives ``unknown``; ``eligible`` is True when
every blocking criterion passes, False when any fails, and None when an unknown decides it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any, Literal

from kouiki.formation.census import CensusData, DaytimeFigure, bundled_census
from kouiki.formation.params import FormationParams, load_params
from kouiki.reference.municipalities import SOURCES, Kind, Municipality, registry

Result = Literal["pass", "fail", "unknown"]
PASS: Result = "pass"
FAIL: Result = "fail"
UNKNOWN: Result = "unknown"


@dataclass(frozen=True)
class Criterion:
    """One requirement, its figure and the verdict."""

    id: str
    label: str  # Japanese name of the requirement
    value: Any
    threshold: str
    result: Result
    source: str | None
    year: int | None
    blocking: bool = True
    municipality: str | None = None  # code, for 複眼型 (two cities)
    confidence: str = "confirmed"
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id, "label": self.label, "value": self.value, "threshold": self.threshold,
            "result": self.result, "source": self.source, "year": self.year, "blocking": self.blocking,
            "confidence": self.confidence, "notes": list(self.notes),
        }
        if self.municipality is not None:
            d["municipality"] = self.municipality
        d.update(self.extra)
        return d


def decide(criteria: Iterable[Criterion]) -> bool | None:
    """False if a blocking criterion fails; None if one is unknown; else True."""
    blocking = [c for c in criteria if c.blocking]
    if any(c.result == FAIL for c in blocking):
        return False
    if any(c.result == UNKNOWN for c in blocking):
        return None
    return True


@dataclass(frozen=True)
class CentralCityResult:
    kind: Literal["standard", "compound", "single_merged"]
    bodies: tuple[Municipality, ...]
    criteria: tuple[Criterion, ...]
    parameters: str
    parameters_version: str

    @property
    def eligible(self) -> bool | None:
        return decide(self.criteria)

    def criterion(self, cid: str, municipality: str | None = None) -> Criterion:
        for c in self.criteria:
            if c.id == cid and (municipality is None or c.municipality in (None, municipality)):
                return c
        raise KeyError(cid)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if len(self.bodies) == 1:
            d["municipality"] = self.bodies[0].to_dict()
        else:
            d["municipalities"] = [b.to_dict() for b in self.bodies]
        d.update({
            "kind": self.kind, "eligible": self.eligible, "criteria": [c.to_dict() for c in self.criteria],
            "parameters": {"file": self.parameters, "version": self.parameters_version},
        })
        return d


def _body(body: Municipality | str | int) -> Municipality:
    return body if isinstance(body, Municipality) else registry().get(body)


def _recorded_central_codes() -> set[str]:
    from kouiki.reference.regions import bundled_regions

    return {c for r in bundled_regions() for c in r.central}


@cache
def _metro_cores(kinds: tuple[str, ...]) -> frozenset[str]:
    return frozenset(b.code for b in registry() if b.kind.value in kinds)


# ----- single criteria ---------------------------------------------------------------------------------
def is_city(m: Municipality, p: FormationParams) -> Criterion:
    rule = p.rule("central_city", "must_be_city")
    ok = m.kind.is_city
    return Criterion(
        id="is_city", label="市であること", value=m.kind.value, threshold="市（町村・特別区は不可）",
        result=PASS if ok else FAIL,
        source=f"団体種別: {SOURCES['similar_group'].title} と団体名; 要件: {p.cited(rule)}", year=None,
        municipality=m.code,
    )


def population(m: Municipality, p: FormationParams, census_year: int | None = None) -> Criterion:
    year = census_year or p.population_census_year
    rule = p.rule("central_city", "population_min")
    try:
        pop = m.population(year)
    except ValueError:
        pop = None  # that census is not bundled: unknown
    src = SOURCES.get(f"population_{year}")
    target = p.population_target
    result = UNKNOWN if pop is None else (PASS if pop > p.population_min else FAIL)
    notes = []
    if pop is not None and p.population_min < pop < target:
        notes.append(f"4万人超だが5万人程度の目安（{target:,}人）には届かない")
    return Criterion(
        id="population", label="人口（国勢調査）", value=pop, threshold=f"> {p.population_min:,}（目安 {target:,}人程度以上）",
        result=result, source=(src.title if src else None), year=year, municipality=m.code,
        notes=tuple(notes),
        extra={"target": target, "meets_target": None if pop is None else pop >= target,
               "rule_source": p.cited(rule)},
    )


def _ratio_str(r: Decimal) -> str:
    return str(r.quantize(Decimal("0.001"), ROUND_HALF_UP))


def daytime_ratio(
    m: Municipality, census: CensusData, p: FormationParams, former_city: DaytimeFigure | None = None,
    census_year: int | None = None,
) -> Criterion:
    """昼夜間人口比率 ≥ 1; a merged city may use its largest former city's ratio (``former_city``)."""
    rule = p.rule("central_city", "daytime_ratio_min")
    fig = census.daytime_ratio(m.code, census_year)
    threshold = f">= {p.daytime_ratio_min}（昼間人口 ÷ 夜間人口）"
    notes: list[str] = []
    own = None if fig is None else fig.ratio
    used, used_fig = own, fig
    if former_city is not None and former_city.ratio is not None and (own is None or own < p.daytime_ratio_min):
        used, used_fig = former_city.ratio, former_city
        notes.append(f"合併市: 人口最大の旧市の比率を用いた（{rule.get('merged_city_rule', '')}）")
    if used is None or used_fig is None:
        return Criterion(
            id="daytime_ratio", label="昼夜間人口比率", value=None, threshold=threshold, result=UNKNOWN,
            source=None, year=census_year, municipality=m.code,
            notes=("昼夜間人口比率が不明（同梱データになし）。e-Stat の国勢調査表を `kouiki formation import-census` で取り込んでください",),
            extra={"value_per_100": None, "origin": None, "rule_source": p.cited(rule)},
        )
    ok = used >= p.daytime_ratio_min
    if not ok:
        notes.append(str(rule.get("relaxation_2016", "")))
    return Criterion(
        id="daytime_ratio", label="昼夜間人口比率", value=_ratio_str(used), threshold=threshold,
        result=PASS if ok else FAIL, source=used_fig.source, year=used_fig.census_year, municipality=m.code,
        notes=tuple(n for n in notes if n),
        extra={"value_per_100": None if used_fig.ratio_per_100 is None else str(used_fig.ratio_per_100),
               "origin": used_fig.origin, "rule_source": p.cited(rule),
               "former_city": None if used_fig is fig else used_fig.code},
    )


def location(
    m: Municipality, census: CensusData, p: FormationParams, recorded_central: set[str] | None = None
) -> Criterion:
    """原則 三大都市圏外; inside those 都府県 the documented (recalled) exception applies."""
    rule = p.rule("central_city", "location")
    exc = rule["exception"]
    threshold = f"三大都市圏（{'・'.join(x[:-1] for x in p.metro_prefectures)}）の区域外（原則）"

    def verdict(result: Result, source: str, notes: tuple[str, ...] = (), confidence: str = "recalled") -> Criterion:
        return Criterion(id="location", label="地域（三大都市圏外）", value=m.prefecture, threshold=threshold,
                         result=result, source=source, year=None, municipality=m.code, notes=notes,
                         confidence=confidence)

    if m.prefecture not in p.metro_prefectures:
        return verdict(PASS, p.cited(rule), confidence="confirmed")
    if m.kind.value in p.metro_core_kinds:
        return verdict(FAIL, p.cited(rule), (f"三大都市圏の中心（{m.kind.value}）そのもの",), "confirmed")
    recorded = _recorded_central_codes() if recorded_central is None else recorded_central
    cores = _metro_cores(p.metro_core_kinds)
    flows = [f for f in census.flows_from(m.code) if f.to_code in cores]
    shares: dict[int, Decimal] = {}
    for f in flows:
        s = f.share_percent
        if s is None:
            continue
        key = -1 if registry().by_code(f.to_code).kind is Kind.SPECIAL_WARD else int(f.to_code)
        shares[key] = shares.get(key, Decimal(0)) + s  # 特別区部 counted as one core
    top = max(shares.values(), default=None)
    note = str(exc.get("note", ""))
    cite = f"{p.cited(rule)}; 例外の扱い（未確認）: {note}"
    if top is not None and top >= p.metro_commuting_share_max:
        return verdict(FAIL, cite, (f"特別区・政令指定都市への通勤通学割合 {top}% が {p.metro_commuting_share_max}% 以上",))
    if p.accept_recorded_central_cities and m.code in recorded:
        return verdict(PASS, cite, ("三大都市圏の都府県内だが、定住自立圏の中心市として登録済み（例外の適用実績）",))
    if top is not None and any(f.origin == "imported" and f.base for f in flows):
        return verdict(PASS, cite, (f"取り込んだ従業地・通学地表で、特別区・政令指定都市への通勤通学割合は最大 {top}%",))
    return verdict(UNKNOWN, cite, ("三大都市圏の都府県内。特別区・政令指定都市への通勤通学割合が不明のため判定できない",))


# ----- checks ------------------------------------------------------------------------------------------
def check_central_city(
    body: Municipality | str | int,
    census: CensusData | None = None,
    params: FormationParams | None = None,
    *,
    former_city_ratio: DaytimeFigure | None = None,
    recorded_central: set[str] | None = None,
    population_year: int | None = None,
) -> CentralCityResult:
    """Check one body against the 中心市 requirements (is_city, population, daytime_ratio, location)."""
    m = _body(body)
    c = bundled_census() if census is None else census
    p = params or load_params()
    criteria = (
        is_city(m, p),
        population(m, p, population_year),
        daytime_ratio(m, c, p, former_city_ratio),
        location(m, c, p, recorded_central),
    )
    return CentralCityResult("standard", (m,), criteria, p.source, p.version)


def check_compound(
    first: Municipality | str | int,
    second: Municipality | str | int,
    census: CensusData | None = None,
    params: FormationParams | None = None,
    *,
    adjacent: Callable[[str, str], bool | None] | None = None,
    recorded_central: set[str] | None = None,
) -> CentralCityResult:
    """複眼型中心市: two adjacent cities, each meeting ratio and location, combined population > 4万.

    The mutual-commuting condition is recalled, not confirmed: reported as a non-blocking indicator.
    """
    a, b = _body(first), _body(second)
    c = bundled_census() if census is None else census
    p = params or load_params()
    rule = p.rule("central_city", "compound")
    if adjacent is None:
        from kouiki.formation.adjacency import are_adjacent

        adjacent = are_adjacent
    adj = adjacent(a.code, b.code)
    crit: list[Criterion] = [
        Criterion(id="adjacent", label="2市が隣接", value=adj, threshold="隣接していること",
                  result=UNKNOWN if adj is None else (PASS if adj else FAIL),
                  source="国土数値情報（行政区域データ）N03 2021（国土交通省）を加工して作成", year=2021),
    ]
    for m in (a, b):
        crit += [is_city(m, p), daytime_ratio(m, c, p), location(m, c, p, recorded_central)]
    year = p.population_census_year
    pops = [a.population(year), b.population(year)]
    total = None if None in pops else sum(x for x in pops if x is not None)
    crit.append(Criterion(
        id="combined_population", label="2市の合計人口", value=total,
        threshold=f"> {p.compound_population_min:,}", year=year,
        result=UNKNOWN if total is None else (PASS if total > p.compound_population_min else FAIL),
        source=SOURCES[f"population_{year}"].title if f"population_{year}" in SOURCES else None,
        extra={"rule_source": p.cited(rule)},
    ))
    for x, y in ((a, b), (b, a)):
        f = c.commuting_to(x.code, y.code)
        s = None if f is None else f.share_percent
        crit.append(Criterion(
            id="mutual_commuting", label=f"{x.name}→{y.name} 通勤通学割合（参考）", value=None if s is None else str(s),
            threshold=f">= {p.compound_mutual_commuting}%（未確認の条件・参考）", blocking=False,
            result=UNKNOWN if s is None else (PASS if s >= p.compound_mutual_commuting else FAIL),
            source=None if f is None else f.source, year=None if f is None else f.census_year,
            municipality=x.code, confidence=str(rule.get("mutual_commuting_confidence", "recalled")),
        ))
    return CentralCityResult("compound", (a, b), tuple(crit), p.source, p.version)


def check_single_merged(
    body: Municipality | str | int,
    largest_former_city_ratio: DaytimeFigure | None,
    census: CensusData | None = None,
    params: FormationParams | None = None,
    *,
    merged: bool | None = None,
    merged_source: str | None = None,
    recorded_central: set[str] | None = None,
) -> CentralCityResult:
    """合併1市圏域: a city from a wide-area merger whose largest former city has a ratio ≥ 1.

    Whether the city results from a merger is not in the bundled data: pass ``merged`` (with its source);
    otherwise that criterion is unknown. The former city's ratio is the user's figure (with its source).
    """
    m = _body(body)
    c = bundled_census() if census is None else census
    p = params or load_params()
    rule = p.rule("central_city", "single_merged")
    merged_c = Criterion(
        id="merged_city", label="広域合併した市", value=merged, threshold="合併により成立した市",
        result=UNKNOWN if merged is None else (PASS if merged else FAIL), source=merged_source, year=None,
        municipality=m.code, extra={"rule_source": p.cited(rule)},
    )
    if largest_former_city_ratio is None or largest_former_city_ratio.ratio is None:
        former = Criterion(
            id="former_city_daytime_ratio", label="人口最大の旧市の昼夜間人口比率", value=None,
            threshold=f">= {p.daytime_ratio_min}", result=UNKNOWN, source=None, year=None, municipality=m.code,
            notes=("旧市の比率を与えてください（合併前の国勢調査、旧市域の組替集計）",),
        )
    else:
        f = largest_former_city_ratio
        r = f.ratio
        assert r is not None
        former = Criterion(
            id="former_city_daytime_ratio", label="人口最大の旧市の昼夜間人口比率", value=_ratio_str(r),
            threshold=f">= {p.daytime_ratio_min}", result=PASS if r >= p.daytime_ratio_min else FAIL,
            source=f.source, year=f.census_year, municipality=m.code,
        )
    crit = (is_city(m, p), merged_c, population(m, p), former, location(m, c, p, recorded_central))
    return CentralCityResult("single_merged", (m,), crit, p.source, p.version)


def check_many(
    bodies: Iterable[Municipality | str | int] | None = None,
    census: CensusData | None = None,
    params: FormationParams | None = None,
    *,
    recorded_central: set[str] | None = None,
) -> list[CentralCityResult]:
    """Batch check (analysts): every 市 of the country when ``bodies`` is None."""
    c = bundled_census() if census is None else census
    p = params or load_params()
    recorded = _recorded_central_codes() if recorded_central is None else recorded_central
    pool = [b for b in registry().municipalities() if b.kind.is_city] if bodies is None else [_body(b) for b in bodies]
    return [check_central_city(b, c, p, recorded_central=recorded) for b in pool]
