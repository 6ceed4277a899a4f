"""Every local government body (団体) of Japan: 47 都道府県, 1,741 市区町村 and the 175 政令市の区.

Built at first use from the packaged copies of the reference data (see ``data/*/PROVENANCE.md``):
codes, names and kana (code4fukui/localgovjp, CC0), census population 2015 and 2020, area and
habitable area (統計センター SSDSE-A), 類似団体区分 (総務省). Prefecture figures are the sums of their
municipalities and carry ``derived=True``. Nothing here reads outside the package.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from kouiki.reference import codes
from kouiki.reference.errors import AmbiguousError, CodeError, KouikiError, NotFoundError


class Kind(StrEnum):
    """種別 of a body. Derived from 類似団体区分 and the name (see :func:`_derive_kind`)."""

    PREFECTURE = "都道府県"
    DESIGNATED_CITY = "政令指定都市"
    CORE_CITY = "中核市"
    SPECIAL_CASE_CITY = "施行時特例市"
    CITY = "市"
    SPECIAL_WARD = "特別区"
    TOWN = "町"
    VILLAGE = "村"
    WARD = "政令市の区"

    @property
    def is_city(self) -> bool:
        """True for every kind of 市 (not 町村, 特別区, 都道府県 or wards)."""
        return self in (Kind.DESIGNATED_CITY, Kind.CORE_CITY, Kind.SPECIAL_CASE_CITY, Kind.CITY)


@dataclass(frozen=True)
class Source:
    """Where a bundled figure comes from and for which year."""

    title: str
    year: int | None
    path: str  # file inside the package


SOURCES: dict[str, Source] = {
    "population_2020": Source(
        "総務省統計局 令和2年国勢調査 総人口（独立行政法人統計センター SSDSE-A 2026 A1101）",
        2020,
        "reference/data/census/SSDSE-A-2026.utf8.csv",
    ),
    "population_2015": Source(
        "総務省統計局 平成27年国勢調査 総人口（独立行政法人統計センター SSDSE-A 2018 A1101）",
        2015,
        "reference/data/census/SSDSE-A-2018.utf8.csv",
    ),
    "area_km2": Source(
        "総面積（北方地域及び竹島を除く）SSDSE-A 2026 B1101 ÷ 100",
        2024,
        "reference/data/census/SSDSE-A-2026.utf8.csv",
    ),
    "habitable_area_km2": Source(
        "可住地面積 SSDSE-A 2026 B1103 ÷ 100",
        2024,
        "reference/data/census/SSDSE-A-2026.utf8.csv",
    ),
    "office": Source(
        "役場・庁舎の位置（国土地理院 via code4fukui/localgovjp, CC0）",
        None,
        "reference/data/municipalities/localgovjp-utf8.csv",
    ),
    "similar_group": Source(
        "総務省「類似団体別市町村財政指数表」団体名一覧（年度の記載なし）",
        None,
        "reference/data/fiscal/FITS-M-List.utf8.csv",
    ),
}

# The census years whose population is bundled (from SOURCES, the one record of the bundled data's years), and the
# latest: the default everywhere a population is needed and no year was asked for.
CENSUS_YEARS: tuple[int, ...] = tuple(
    sorted(s.year for k, s in SOURCES.items() if k.startswith("population_") and s.year is not None)
)
LATEST_CENSUS_YEAR: int = CENSUS_YEARS[-1]


@dataclass(frozen=True)
class Municipality:
    """One body (団体): a 都道府県, 市区町村 or 政令市の区.

    Coordinates are degrees (WGS84). ``None`` means unknown, never zero.
    """

    code: str  # 6-digit 全国地方公共団体コード
    code5: str
    prefecture: str  # 都道府県名
    prefecture_code: str  # 6-digit
    name: str  # 市区町村名 (for a prefecture, its own name)
    kana: str
    kind: Kind
    similar_group: str | None  # 類似団体区分, e.g. 都市Ⅱ－３
    is_prefectural_capital: bool  # 県庁所在地
    lat: float | None
    lon: float | None
    population_2015: int | None
    population_2020: int | None
    area_km2: Decimal | None
    habitable_area_km2: Decimal | None
    derived: bool = False  # figures are sums of member municipalities (prefectures)
    parent_code: str | None = None  # the 政令指定都市 of a ward
    former_codes: tuple[str, ...] = field(default_factory=tuple)  # older 5-digit codes (code changes)

    @property
    def full_name(self) -> str:
        """都道府県名+市区町村名 (just the name for a prefecture)."""
        return self.name if self.kind is Kind.PREFECTURE else f"{self.prefecture}{self.name}"

    @property
    def is_prefecture(self) -> bool:
        return self.kind is Kind.PREFECTURE

    def population(self, census_year: int = LATEST_CENSUS_YEAR) -> int | None:
        """The 国勢調査 population of ``census_year`` (default: the latest bundled census)."""
        if census_year not in CENSUS_YEARS:
            bundled = ", ".join(str(y) for y in CENSUS_YEARS)
            raise ValueError(f"国勢調査 {census_year} 年の人口は同梱していません（同梱: {bundled}）")
        value: int | None = getattr(self, f"population_{census_year}")
        return value

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (Decimal areas as strings to stay exact)."""
        return {
            "code": self.code,
            "code5": self.code5,
            "prefecture": self.prefecture,
            "prefecture_code": self.prefecture_code,
            "name": self.name,
            "full_name": self.full_name,
            "kana": self.kana,
            "kind": self.kind.value,
            "similar_group": self.similar_group,
            "is_prefectural_capital": self.is_prefectural_capital,
            "lat": self.lat,
            "lon": self.lon,
            "population_2015": self.population_2015,
            "population_2020": self.population_2020,
            "area_km2": None if self.area_km2 is None else str(self.area_km2),
            "habitable_area_km2": None if self.habitable_area_km2 is None else str(self.habitable_area_km2),
            "derived": self.derived,
            "parent_code": self.parent_code,
            "former_codes": list(self.former_codes),
        }


def _data(path: str) -> Any:
    return resources.files("kouiki.reference").joinpath("data", path)


def _read_csv(path: str, skip: int = 0) -> list[dict[str, str]]:
    with _data(path).open(encoding="utf-8-sig", newline="") as fh:
        for _ in range(skip):
            next(fh)
        return list(csv.DictReader(fh))


def _read_yaml(path: str) -> Any:
    import yaml  # here, not at module level: `kouiki --help` imports this module but reads no YAML

    with _data(path).open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # packaged files: C parser if built


def _int_or_none(text: str) -> int | None:
    text = text.strip()
    return int(text) if text else None


def _dec_or_none(text: str) -> Decimal | None:
    text = text.strip()
    return Decimal(text) if text else None


def _float_or_none(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


def _derive_kind(code5: str, name: str, similar_group: str) -> Kind:
    """Kind from 類似団体区分 first (it names 政令市/中核市/施行時特例市/特別区), else from the name's suffix."""
    by_group = {
        "政令指定都市": Kind.DESIGNATED_CITY,
        "中核市": Kind.CORE_CITY,
        "施行時特例市": Kind.SPECIAL_CASE_CITY,
        "特別区": Kind.SPECIAL_WARD,
    }
    if similar_group in by_group:
        return by_group[similar_group]
    if not similar_group and code5[2] == "1" and name.endswith("区") and not code5.startswith("131"):
        return Kind.WARD  # 政令市の区: not in SSDSE / 類似団体 lists
    suffix = {"市": Kind.CITY, "町": Kind.TOWN, "村": Kind.VILLAGE, "区": Kind.SPECIAL_WARD}
    if name[-1] in suffix:
        return suffix[name[-1]]
    raise ValueError(f"種別を判定できません: {code5} {name}")


def _norm(text: str) -> str:
    """Matching key: NFKC, no spaces, ヶ/ケ/が variants folded, 髙→高 … (not used for display)."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD)


# 異体字 that users type for the official character (鯵ヶ沢町 for 鰺ヶ沢町, 桧原村 for 檜原村, 高 for 髙, 崎 for 﨑);
# folded on both sides of a match only, so display keeps the official name.
_VARIANTS = {"鯵": "鰺", "桧": "檜", "髙": "高", "﨑": "崎"}
# One table for every fold of the key (after NFKC): spaces dropped, ヶ and が read as ケ, ﾉ as ノ, the 異体字 above.
# No fold produces a character another one folds, so one pass equals the replacements done one after another.
_FOLD = str.maketrans({" ": None, "\u3000": None, "ヶ": "ケ", "が": "ケ", "ﾉ": "ノ", **_VARIANTS})


class MunicipalityRegistry:
    """Look-ups over every body. Use :func:`registry` for the shared packaged instance."""

    def __init__(self, bodies: Iterable[Municipality], kind_overrides: list[dict[str, Any]] | None = None):
        self._built: dict[str, Municipality] = {}  # code → body, in registry order once every body is built
        self._former: dict[str, str] = {}
        for b in bodies:
            self._built[b.code] = b
            for old in b.former_codes:
                self._former[old] = b.code
        self._codes = list(self._built)  # registry order
        self._pending: dict[str, str] = {}  # code → the body's line of registry.json, not yet read (see _lazy)
        self._lock = threading.Lock()
        self._names: dict[str, list[str]] | None = None  # the name index: built at the first look-up by name
        self._kind_overrides = sorted(kind_overrides or [], key=lambda o: str(o["effective"]))

    @classmethod
    def _lazy(cls, lines: dict[str, str], former: dict[str, str], kind_overrides: list[dict[str, Any]]
              ) -> MunicipalityRegistry:
        """A registry over the body lines of registry.json (code → line, in order): a look-up by code reads one
        line; anything that goes through every body (iteration, names, search) reads them all, once."""
        reg = cls([], kind_overrides)
        reg._codes, reg._pending, reg._former = list(lines), dict(lines), dict(former)
        return reg

    # The web server looks bodies up from several threads: reading a pending line happens under the lock, and a
    # miss is checked again under it (another thread may have just read every body).
    def _one(self, code6: str) -> Municipality | None:
        body = self._built.get(code6)
        if body is None:
            with self._lock:
                body = self._built.get(code6)
                if body is None and code6 in self._pending:
                    body = self._built[code6] = _body_from_line(self._pending.pop(code6))
        return body

    def _bodies(self) -> dict[str, Municipality]:
        """Every body by code, in registry order."""
        if self._pending:
            with self._lock:
                if self._pending:
                    built = self._built
                    self._built = {c: built.get(c) or _body_from_line(self._pending[c]) for c in self._codes}
                    self._pending = {}
        return self._built

    def _by_name(self) -> dict[str, list[str]]:
        """Matching key of a name (市区町村名, 都道府県名+市区町村名, either with a space) → codes; built once, at the
        first look-up by name (a look-up by code — most CLI calls — never needs it)."""
        if self._names is None:
            names: dict[str, list[str]] = defaultdict(list)
            for b in self._bodies().values():
                keys = {_norm(b.name), _norm(b.full_name), _norm(b.prefecture + " " + b.name)}
                for k in keys:
                    if b.code not in names[k]:
                        names[k].append(b.code)
            self._names = names
        return self._names

    # ----- look-ups -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._codes)

    def __iter__(self) -> Iterator[Municipality]:
        return iter(self._bodies().values())

    def __contains__(self, code: object) -> bool:
        try:
            return isinstance(code, str | int) and self.by_code(code) is not None
        except (CodeError, NotFoundError):
            return False

    def by_code(self, code: str | int, on: dt.date | None = None) -> Municipality:
        """The body with this 5- or 6-digit code (full-width digits accepted).

        Old codes of bodies whose code changed (那珂川町 40305 → 那珂川市 402311) resolve to the body.
        ``on`` applies dated kind overrides (e.g. a 中核市 designation) valid on that day.
        """
        code6 = codes.normalize(code)
        body = self._one(code6)
        if body is None and code6[:5] in self._former:
            body = self._one(self._former[code6[:5]])
        if body is None:
            raise NotFoundError(f"団体コード {code6} の団体は見つかりません (no body has code {code6})")
        return self._with_overrides(body, on)

    def _with_overrides(self, body: Municipality, on: dt.date | None) -> Municipality:
        day = on or dt.date.today()
        kind = body.kind
        for o in self._kind_overrides:
            if codes.normalize(str(o["code"])) == body.code and dt.date.fromisoformat(str(o["effective"])) <= day:
                kind = Kind(o["kind"])
        return body if kind is body.kind else replace(body, kind=kind)

    def find(self, query: str | int) -> list[Municipality]:
        """Every body matching a code or an exact name (市区町村名, or 都道府県名+市区町村名)."""
        text = unicodedata.normalize("NFKC", str(query)).strip()
        if text.isdigit():
            return [self.by_code(text)]
        hits = self._by_name().get(_norm(text), [])
        bodies = self._bodies()
        return [self._with_overrides(bodies[c], None) for c in hits]

    def get(self, query: str | int) -> Municipality:
        """Exactly one body by code or name; an ambiguous name lists the candidates."""
        hits = self.find(query)
        if not hits:
            near = self.search(str(query), limit=5)
            hint = "、".join(m.full_name for m in near)
            raise NotFoundError(
                f"「{query}」に一致する団体がありません"
                + (f"（候補: {hint}）" if hint else "")
            )
        if len(hits) > 1:
            names = "、".join(f"{m.full_name}({m.code})" for m in hits)
            raise AmbiguousError(
                f"「{query}」は複数の団体に一致します: {names}。都道府県名を付けて指定してください（例: {hits[0].full_name}）"
            )
        return hits[0]

    def search(self, text: str, limit: int | None = 50) -> list[Municipality]:
        """Bodies whose name, full name or kana contains ``text`` (codes: prefix match)."""
        key = _norm(text)
        if not key:
            return []
        out: list[Municipality] = []
        for b in self._bodies().values():
            if (
                key in _norm(b.full_name)
                or key in _norm(b.kana).replace("ケ", "ケ")
                or (key.isdigit() and (b.code.startswith(key) or b.code5.startswith(key)))
            ):
                out.append(b)
        out.sort(key=lambda b: (len(b.full_name), b.code))
        return out if limit is None else out[:limit]

    def prefectures(self) -> list[Municipality]:
        return [b for b in self._bodies().values() if b.kind is Kind.PREFECTURE]

    def in_prefecture(self, prefecture: str | int, include_wards: bool = False) -> list[Municipality]:
        pref = self.get(prefecture) if not str(prefecture).isdigit() else self.by_code(prefecture)
        return [
            b
            for b in self._bodies().values()
            if b.prefecture_code == pref.prefecture_code
            and b.kind is not Kind.PREFECTURE
            and (include_wards or b.kind is not Kind.WARD)
        ]

    def municipalities(self, include_wards: bool = False) -> list[Municipality]:
        """The 1,741 市区町村 (plus the wards of designated cities with ``include_wards``)."""
        return [
            b
            for b in self._bodies().values()
            if b.kind is not Kind.PREFECTURE and (include_wards or b.kind is not Kind.WARD)
        ]


def _load_population_2015_by_code5(wanted: set[str]) -> dict[str, int]:
    """2015 census population (A1101) of the ``wanted`` 5-digit codes from SSDSE-A-2018.

    Only the wanted rows are parsed: the file has 1,700+ rows of 100+ columns and is needed for a handful of
    bodies whose code changed after 2015, while every CLI call builds the registry (issue 17, start-up)."""
    out: dict[str, int] = {}
    if not wanted:
        return out
    keys = {f"R{c}" for c in wanted}
    with _data("census/SSDSE-A-2018.utf8.csv").open(encoding="utf-8-sig", newline="") as fh:
        col = next(csv.reader([fh.readline()])).index("A1101")  # row 1 holds item codes
        for line in fh:  # rows 2-3 are year and label rows; data rows start with the area code R + 5 digits
            if line.split(",", 1)[0] not in keys:
                continue
            row = next(csv.reader([line]))
            if row[col].strip():
                out[row[0][1:]] = int(row[col])
    return out


def build_registry() -> MunicipalityRegistry:
    """Read the packaged data and build every body (about 15 ms; cached by :func:`registry`)."""
    changes = _read_yaml("municipalities/code_changes.yaml")["changes"]
    former_by_new: dict[str, list[str]] = defaultdict(list)
    for ch in changes:
        former_by_new[str(ch["new_code5"])].append(str(ch["old_code5"]))
    master = _read_csv("municipalities/municipality_master.csv")
    pop2015_old = _load_population_2015_by_code5({
        old for row in master if not row["pop2015_census"].strip() and row["in_ssdse_2026"] == "1"
        for old in former_by_new.get(row["code5"], [])
    })

    prefs = _read_csv("municipalities/prefjp-utf8.csv")
    capitals = {p["pref"]: p["capital"] for p in prefs}

    bodies: list[Municipality] = []
    designated: dict[str, str] = {}  # name → code, to attach wards to their city
    for row in master:
        code5 = row["code5"]
        name = row["name"]
        group = row["ruiji_dantai_class"].strip()
        kind = _derive_kind(code5, name, group)
        pop2015 = _int_or_none(row["pop2015_census"])
        former = tuple(former_by_new.get(code5, []))
        if pop2015 is None and row["in_ssdse_2026"] == "1":
            # The body's code changed after the 2015 census: take the figure of its former code.
            for old in former:
                if old in pop2015_old:
                    pop2015 = pop2015_old[old]
        if kind is Kind.DESIGNATED_CITY:
            designated[name] = row["lgcode6"]
        pref_code = codes.prefecture_code(code5)
        bodies.append(
            Municipality(
                code=row["lgcode6"],
                code5=code5,
                prefecture=row["pref"],
                prefecture_code=pref_code,
                name=name,
                kana=row["kana"],
                kind=kind,
                similar_group=group or None,
                is_prefectural_capital=capitals.get(row["pref"]) == name,
                lat=_float_or_none(row["office_lat"]),
                lon=_float_or_none(row["office_lng"]),
                population_2015=pop2015,
                population_2020=_int_or_none(row["pop2020_census"]),
                area_km2=_dec_or_none(row["area_km2"]),
                habitable_area_km2=_dec_or_none(row["habitable_area_km2"]),
                former_codes=former,
            )
        )
    # Attach wards to their designated city (the ward's name starts with the city's name).
    for i, b in enumerate(bodies):
        if b.kind is Kind.WARD:
            parent = next((c for n, c in designated.items() if b.name.startswith(n)), None)
            bodies[i] = replace(b, parent_code=parent)

    # Prefectures: figures are sums of their municipalities (wards excluded: their city counts).
    sums: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(lambda: Decimal(0)))
    for b in bodies:
        if b.kind is Kind.WARD:
            continue
        s = sums[b.prefecture_code]
        for attr in ("population_2015", "population_2020", "area_km2", "habitable_area_km2"):
            v = getattr(b, attr)
            if v is None:
                s[attr + "_missing"] += 1
            else:
                s[attr] += v
    for p in prefs:
        code6 = codes.normalize(p["lgcode"].zfill(6))
        s = sums[code6]

        def total(attr: str, s: dict[str, Any] = s) -> Any:
            return None if s.get(attr + "_missing") else s[attr]

        pop15, pop20 = total("population_2015"), total("population_2020")
        bodies.append(
            Municipality(
                code=code6,
                code5=code6[:5],
                prefecture=p["pref"],
                prefecture_code=code6,
                name=p["pref"],
                kana=p["prefkana"],
                kind=Kind.PREFECTURE,
                similar_group=None,
                is_prefectural_capital=False,
                lat=_float_or_none(p["lat"]),
                lon=_float_or_none(p["lng"]),
                population_2015=None if pop15 is None else int(pop15),
                population_2020=None if pop20 is None else int(pop20),
                area_km2=total("area_km2"),
                habitable_area_km2=total("habitable_area_km2"),
                derived=True,
            )
        )
    overrides = _read_yaml("municipalities/kind_overrides.yaml")["overrides"] or []
    return MunicipalityRegistry(bodies, overrides)


# ----- the packaged compact form (start-up: issue 17) -----------------------------------------------------------
# build_registry() joins five packaged files, normalises 3,880 codes, parses YAML (importing PyYAML) and sums the
# prefectures: about 60 ms that every `kouiki municipalities …` call paid. registry.json holds its result — every
# body's fields in order, one body a line, and the kind overrides — and reads in a few ms. It is generated from the
# sources by scripts/build_municipality_registry.py; tests/reference/test_municipality_registry_json.py fails when
# it is stale or when what it reads differs from build_registry().

PREBUILT = "municipalities/registry.json"
_FIELDS = tuple(f.name for f in fields(Municipality))
_DECIMAL_FIELDS = ("area_km2", "habitable_area_km2")
_KINDS = {k.value: k for k in Kind}


def registry_json(reg: MunicipalityRegistry) -> str:
    """The text of registry.json for ``reg``: every body (fields in declaration order, Decimals as strings, the
    kind by its value) one a line, after a header line with the kind overrides and the former codes (old 5-digit
    code → body), so that a look-up by code parses the header and one line."""
    decimal_at = [_FIELDS.index(f) for f in _DECIMAL_FIELDS]
    lines = []
    for b in reg:
        row: list[Any] = [getattr(b, f) for f in _FIELDS]
        row[_FIELDS.index("kind")] = b.kind.value
        row[_FIELDS.index("former_codes")] = list(b.former_codes)
        for i in decimal_at:
            row[i] = None if row[i] is None else str(row[i])
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
    overrides = [{k: str(v) for k, v in o.items()} for o in reg._kind_overrides]
    head = {"generated_by": "scripts/build_municipality_registry.py (do not edit: regenerate from the sources)",
            "fields": list(_FIELDS), "kind_overrides": overrides, "former": reg._former}
    return (json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"bodies":[\n'
            + ",\n".join(lines) + "\n]}\n")


def load_registry() -> MunicipalityRegistry:
    """The registry from the packaged registry.json (what :func:`build_registry` builds, read in a few ms); built
    from the sources when the file is missing or was written for other fields.

    Only the header is parsed here; a body's line is parsed when the body is first needed (one for a look-up by
    code, all of them for a search or a walk over every body)."""
    try:
        text = _data(PREBUILT).read_text(encoding="utf-8")
    except FileNotFoundError:
        return build_registry()
    head, _, rest = text.partition("\n")
    doc = json.loads(head + "]}")
    if doc.get("fields") != list(_FIELDS) or "former" not in doc:
        return build_registry()
    lines = {line[2:8]: line.rstrip(",") for line in rest.split("\n") if line.startswith('["')}
    return MunicipalityRegistry._lazy(lines, doc["former"], doc["kind_overrides"])


_KIND_AT, _FORMER_AT = _FIELDS.index("kind"), _FIELDS.index("former_codes")
_DECIMAL_AT = tuple(_FIELDS.index(f) for f in _DECIMAL_FIELDS)


def _body_from_line(line: str) -> Municipality:
    """One body from its line of registry.json."""
    row = json.loads(line)
    row[_KIND_AT] = _KINDS[row[_KIND_AT]]
    row[_FORMER_AT] = tuple(row[_FORMER_AT])
    for i in _DECIMAL_AT:
        if row[i] is not None:
            row[i] = Decimal(row[i])
    # The frozen dataclass's __init__ sets each of the 18 fields through object.__setattr__; Municipality has no
    # __post_init__, so filling __dict__ makes the same object, faster.
    body: Municipality = object.__new__(Municipality)
    body.__dict__.update(zip(_FIELDS, row, strict=True))
    return body


@cache
def registry() -> MunicipalityRegistry:
    """The packaged registry of every body (read once per process from registry.json)."""
    return load_registry()


def get(query: str | int) -> Municipality:
    """Shortcut for ``registry().get(query)``: a code (5/6 digits) or a name."""
    return registry().get(query)


def by_code(code: str | int) -> Municipality:
    return registry().by_code(code)


def name_or_code(code: str | int) -> str:
    """The body's name for display (弘前市), or the code itself when no body has it (never raises)."""
    try:
        return registry().by_code(code).name
    except KouikiError:
        return str(code)


def search(text: str, limit: int | None = 50) -> list[Municipality]:
    return registry().search(text, limit)
