"""Demo inventories of the three seed regions, built from the real GSI shelter points.

Designated shelters (指定避難所・指定緊急避難場所; 国土地理院) are mostly municipal buildings — schools, gyms,
公民館 — so they give real names and locations. The build (rules in ``parameters/demo_rules.yaml``,
``parameters/classification.yaml`` and ``parameters/imputation.yaml``):

1. read both files of each member body (藤崎町 has no data: said in ``Inventory.notes``);
2. drop what is not a municipal facility: 県立/国立/私立/大学/高校 and private welfare homes (name rules,
   plus 福祉避難所 points whose name matches no municipal type);
3. merge points that are one facility (the same name once spaces and suffixes such as グラウンド/屋内運動場
   are removed) — across the two files and within them;
4. assign 大分類/中分類 from the name;
5. impute 延床面積 (kouiki's typical size by name/中分類) and 建築年度 (deterministic hash over 1966–2005)
   — marked in ``Facility.imputed``; outdoor places get no floor area and are excluded from floor figures.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

from kouiki.facilities.classify import classify, exclusion, normalize_name
from kouiki.facilities.model import Facility, Inventory, MajorCategory
from kouiki.facilities.params import parameter_set
from kouiki.reference import get as get_body
from kouiki.reference.errors import AmbiguousError, NotFoundError
from kouiki.reference.parameters import FileHeader, ParameterSet

CREDIT = "国土地理院 指定緊急避難場所・指定避難所データ"


@dataclass(frozen=True)
class DemoRegion:
    name: str
    full_name: str
    members: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass
class DemoBuild:
    """A demo inventory and what was left out of it, with the reason."""

    region: DemoRegion
    inventory: Inventory
    dropped: list[dict[str, str]] = field(default_factory=list)
    merged: int = 0
    no_data: list[str] = field(default_factory=list)  # member codes without GSI data

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region.full_name,
            "members": list(self.region.members),
            "facilities": len(self.inventory.facilities),
            "dropped": self.dropped,
            "merged_points": self.merged,
            "no_data": self.no_data,
            "notes": self.inventory.notes,
        }


def _data(path: str) -> str:
    return resources.files("kouiki.facilities").joinpath(f"data/{path}").read_text("utf-8")


def _yaml(path: str) -> dict[str, Any]:
    if path in _RULE_FILES:  # rules on the one parameter format (with the user's overlay)
        return _rules_of(parameter_set(), path)
    return _data_yaml(path)


@cache
def _data_yaml(path: str) -> dict[str, Any]:
    out: dict[str, Any] = yaml.safe_load(_data(path))
    return out


_RULE_FILES = ("demo_rules.yaml", "imputation.yaml")


@cache
def _rules_of(pset: ParameterSet[FileHeader], path: str) -> dict[str, Any]:
    return pset.tree(path.removesuffix(".yaml"))


def demo_regions() -> list[DemoRegion]:
    return [
        DemoRegion(r["name"], r["full_name"], tuple(r["members"]), tuple(r.get("aliases", [])))
        for r in _yaml("demo_regions.yaml")["regions"]
    ]


def find_region(query: str) -> DemoRegion:
    q = normalize_name(query).lower()
    hits = [
        r
        for r in demo_regions()
        if q in (normalize_name(r.name).lower(), normalize_name(r.full_name).lower(), *[a.lower() for a in r.aliases])
    ]
    if not hits:
        hits = [r for r in demo_regions() if q and q in normalize_name(r.full_name).lower()]
    if not hits:
        names = "、".join(r.name for r in demo_regions())
        raise NotFoundError(f"デモの圏域が見つかりません: {query!r}（{names}）")
    if len(hits) > 1:
        raise AmbiguousError(f"デモの圏域が複数当たります: {query!r}")
    return hits[0]


def _gsi(kind: str, code: str) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(_data(f"shelters_gsi/{kind}/{code}.json"))
    except FileNotFoundError:
        return None
    return data if data.get("type") == "FeatureCollection" else None


@dataclass
class _Point:
    kind: str  # evacuation | emergency
    no: int
    common_id: str
    name: str
    address: str | None
    lat: float
    lon: float
    accepts: str | None


def _points(code: str) -> tuple[list[_Point], bool]:
    out: list[_Point] = []
    any_data = False
    for kind in ("evacuation", "emergency"):
        fc = _gsi(kind, code)
        if fc is None:
            continue
        any_data = True
        for feat in fc["features"]:
            p = feat["properties"]
            lon, lat = feat["geometry"]["coordinates"][:2]
            out.append(
                _Point(kind, int(p["NO"]), str(p.get("共通ID") or ""), str(p["施設・場所名"]), p.get("住所") or None,
                       float(lat), float(lon), p.get("受入対象者") or None)
            )
    return out, any_data


def _merge_key(name: str, suffixes: list[str], body: str = "") -> str:
    key = normalize_name(name).replace("(旧)", "旧").replace("(", "").replace(")", "")
    old = key.startswith("旧")
    if old:
        key = key[1:]
    for prefix in (f"{body}立", body):
        if body and key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :]
            break
    key = ("旧" if old else "") + key
    changed = True
    while changed:
        changed = False
        for s in suffixes:
            s_n = normalize_name(s)
            if key.endswith(s_n) and len(key) > len(s_n):
                key = key[: -len(s_n)]
                changed = True
    return key


def display_name(name: str) -> str:
    """The facility's name for people, without the GSI ending that names the shelter part (rule in demo_rules.yaml)."""
    pattern = str(_yaml("demo_rules.yaml")["display_strip_pattern"])
    shown = re.sub(pattern, "", name).replace("　", " ").strip()
    return shown or name.replace("　", " ")


def impute_floor_area(name: str, subcategory: str | None) -> Decimal | None:
    """kouiki's typical floor area (仮定値) for a facility of this name/中分類; None for outdoor places."""
    imp = _yaml("imputation.yaml")
    norm = normalize_name(name)
    if re.search(imp["outdoor"]["pattern"], norm):
        return None
    for r in imp["floor_area"]["by_name"]:
        if re.search(r["pattern"], norm):
            return Decimal(r["m2"])
    subs = imp["floor_area"]["by_subcategory"]
    if subcategory in subs:
        return Decimal(subs[subcategory])
    return Decimal(imp["floor_area"]["default"])


def impute_built_year(facility_id: str) -> int:
    """Deterministic 建築年度 (仮定値): first_year + SHA-256(facility_id) mod span."""
    by = _yaml("imputation.yaml")["built_year"]
    h = int(hashlib.sha256(facility_id.encode("utf-8")).hexdigest()[:12], 16)
    return int(by["first_year"]) + h % int(by["span_years"])


def is_outdoor(name: str) -> bool:
    return re.search(_yaml("imputation.yaml")["outdoor"]["pattern"], normalize_name(name)) is not None


def build_demo(region: str | DemoRegion) -> DemoBuild:
    """Build the demo inventory of a seed region (``弘前圏域``, ``播磨科学公園都市圏域``, ``大和まほろば``)."""
    reg = region if isinstance(region, DemoRegion) else find_region(region)
    rules = _yaml("demo_rules.yaml")
    imp = _yaml("imputation.yaml")
    suffixes = [str(s) for s in rules["merge_suffixes"]]
    ws = rules["welfare_shelter"]
    build = DemoBuild(reg, Inventory([], sources=[f"{CREDIT}（{reg.full_name}の構成団体）"]))
    facilities: list[Facility] = []
    for code in reg.members:
        body = get_body(code)
        points, has_data = _points(code)
        if not has_data:
            build.no_data.append(code)
            build.inventory.notes.append(f"{body.name}（{code}）: 国土地理院の避難所データが公開されていないため、施設データがありません")
            continue
        groups: dict[str, list[_Point]] = {}
        for p in points:
            ex = exclusion(p.name)
            if ex is not None:
                build.dropped.append({"municipality_code": code, "name": p.name, "reason": ex.reason, "source": p.kind})
                continue
            c = classify(p.name)
            restricted = p.accepts is not None and ws["restricted_if_not_contains"] not in p.accepts
            if restricted and c.category.value in ws["drop_categories"] and not (
                ws["keep_if_name_contains_body"] and body.name in normalize_name(p.name)
            ):
                build.dropped.append({
                    "municipality_code": code,
                    "name": p.name,
                    "reason": f"福祉避難所（受入対象者: {p.accepts}）で市町村の施設類型に当たらない名称のため、民間の福祉施設とみなす",
                    "source": p.kind,
                })
                continue
            groups.setdefault(_merge_key(p.name, suffixes, body.name), []).append(p)
        for key, pts in groups.items():
            build.merged += len(pts) - 1
            # The facility's name: the point whose name is the bare key if any, else the first evacuation point.
            main = next((p for p in pts if _merge_key(p.name, [], body.name) == key), None) or sorted(pts, key=lambda p: (p.kind != "evacuation", p.no))[0]
            c = classify(main.name)
            serial = main.common_id[6:11] if len(main.common_id) >= 11 else str(main.no)
            fid = f"{code}-gsi-{serial}"
            if any(f.facility_id == fid for f in facilities):
                fid = f"{fid}-{main.no}"
            area = impute_floor_area(main.name, c.subcategory)
            imputed: dict[str, str] = {}
            built: int | None = None
            extra: dict[str, Any] = {
                "gsi": [{"file": f"{p.kind}/{code}.json", "NO": p.no, "共通ID": p.common_id, "name": p.name} for p in pts],
                "classified_by": c.rule,
            }
            if area is not None:
                imputed["floor_area_m2"] = str(imp["floor_area"]["rule_label"])
                built = impute_built_year(fid)
                imputed["built_year"] = str(imp["built_year"]["rule_label"])
            else:
                extra["outdoor"] = True
                extra["no_floor_area_reason"] = str(imp["outdoor"]["reason"])
            facilities.append(
                Facility(
                    facility_id=fid,
                    municipality_code=code,
                    name=display_name(main.name),
                    category=c.category,
                    subcategory=c.subcategory,
                    floor_area_m2=area,
                    built_year=built,
                    lat=main.lat,
                    lon=main.lon,
                    imputed=imputed,
                    source=f"{CREDIT} {main.kind}/{code}.json NO {main.no}",
                    extra=extra,
                    address=main.address,
                    owner=body.name,
                )
            )
    build.inventory.facilities = facilities
    dropped_n = len(build.dropped)
    build.inventory.notes.append(
        f"国土地理院の避難所データから市町村の施設 {len(facilities)}件（{build.merged}地点を統合）。"
        f"県立・私立・民間福祉施設等 {dropped_n}地点を除外（地点ごとの理由はデモの一覧の JSON 出力に記載）"
    )
    build.inventory.notes.append(
        "延床面積・建築年度はすべて kouiki の仮定値による推計です（実際の値ではありません）。推計の規則は各施設の推計欄に記載"
    )
    return build


def demo_inventory(region: str | DemoRegion) -> Inventory:
    return build_demo(region).inventory


def category_counts(inv: Inventory) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in MajorCategory:
        n = sum(1 for f in inv.facilities if f.category is c)
        if n:
            out[c.value] = n
    return out

