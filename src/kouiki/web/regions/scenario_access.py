"""Access before/after on the scenario map: the evaluation's demand points as GeoJSON (変更前/変更後/増加).

The minutes come from :func:`kouiki.facilities.evaluate.access_points` — the same demand points, travel times
and scope rules as the scenario's access table; nothing is computed here but the difference after − before
and the colour class of each point. The colour classes are display bands only (no rule): minutes are
banded around the access threshold T the evaluation used (``parameters/access.yaml``), so the map and the
「T分以内の割合」 column of the table read the same way.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from kouiki.facilities.evaluate import access_points
from kouiki.reports.table import Column, ColumnKind, ReportTable
from kouiki.store.scenarios import ScenarioRow
from kouiki.web import service

# display bands (fractions of T for minutes; fixed minutes for the increase) and their colours
MINUTE_BANDS = ((Decimal("0.5"), "#1a9850"), (Decimal("1"), "#91cf60"), (Decimal("1.5"), "#fee08b"),
                (Decimal("2"), "#fc8d59"), (None, "#d73027"))
UNREACHABLE_COLOUR = "#4d4d4d"
INCREASE_BANDS = ((0.0, "#d9d9d9"), (5.0, "#fdd49e"), (15.0, "#fc8d59"), (30.0, "#d7301f"), (None, "#7f0000"))
VIEWS = {"before": "変更前", "after": "変更後", "increase": "増加"}


def _minutes(x: float) -> float | None:
    return None if not math.isfinite(x) else round(float(x), 1)


def _n(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _minute_legend(threshold: Decimal) -> list[dict[str, Any]]:
    out, low = [], Decimal(0)
    for frac, colour in MINUTE_BANDS:
        high = None if frac is None else (threshold * frac)
        label = f"{_n(low)}分超" if high is None else f"{_n(low)}〜{_n(high)}分" if low else f"{_n(high)}分以内"
        out.append({"from": float(low), "to": None if high is None else float(high), "colour": colour, "label": label})
        low = high if high is not None else low
    out.append({"from": None, "to": None, "colour": UNREACHABLE_COLOUR, "label": "到達できない"})
    return out


def _increase_legend() -> list[dict[str, Any]]:
    out, low = [], 0.0
    for high, colour in INCREASE_BANDS:
        if high == 0.0:
            out.append({"from": None, "to": 0.0, "colour": colour, "label": "増加なし（減少を含む）"})
            continue
        label = f"{low:g}分超" if high is None else f"{low:g}〜{high:g}分増"
        out.append({"from": low, "to": high, "colour": colour, "label": label})
        low = high if high is not None else low
    out.append({"from": None, "to": None, "colour": UNREACHABLE_COLOUR, "label": "変更後に到達できない"})
    return out


def _colour(value: float | None, legend: list[dict[str, Any]]) -> str:
    if value is None:
        return str(legend[-1]["colour"])
    for band in legend[:-1]:
        if band["to"] is None or value <= band["to"]:
            return str(band["colour"])
    return str(legend[-2]["colour"])


def access_geojson(s: Session, row: ScenarioRow, category: str | None = None) -> dict[str, Any]:
    """Demand points of one 大分類 with minutes before, after and the increase (GeoJSON FeatureCollection)."""
    region = service.region_or_404(s, row.region_id)
    sc = service.validate_scenario(row.document, row.region_id, row.name)
    demand, changes = access_points(sc, service.region_inventory(s, region))
    cats = list(changes)
    base: dict[str, Any] = {"type": "FeatureCollection", "scenario_id": row.id, "categories": cats, "views": VIEWS}
    if not cats:
        return base | {"category": None, "features": [], "legend": {},
                       "notes": ["アクセスを評価する施設または需要点がないため、地図に示す需要点はありません"]}
    cat = category if category in changes else cats[0]
    ch = changes[cat]
    threshold = ch.before.threshold_minutes
    legends = {"before": _minute_legend(threshold), "after": _minute_legend(threshold), "increase": _increase_legend()}
    feats = []
    for i, d in enumerate(demand):
        b, a = _minutes(ch.before.minutes[i]), _minutes(ch.after.minutes[i])
        inc = None if a is None or b is None else round(a - b, 1)
        props = {"id": d.id, "municipality_code": d.municipality_code, "population": d.population,
                 "approximate": d.approximate, "before_minutes": b, "after_minutes": a, "increase_minutes": inc,
                 "nearest_before": ch.before.nearest[i], "nearest_after": ch.after.nearest[i],
                 "colour": {"before": _colour(b, legends["before"]), "after": _colour(a, legends["after"]),
                            "increase": _colour(inc if a is not None else None, legends["increase"])}}
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(d.lon, 5), round(d.lat, 5)]},
                      "properties": props})
    notes = list(dict.fromkeys(ch.before.notes + ch.after.notes))
    return base | {"category": cat, "threshold_minutes": str(threshold), "features": feats, "legend": legends,
                   "table": f"アクセス（{cat}、最寄りの施設までの所要時間・分）", "notes": notes}


def point_label(point_id: str) -> str:
    """How a page names a demand point: a census mesh point (``m60407487``) as 「地域メッシュ 60407487」, a point
    from the user's own file by the id written there."""
    if len(point_id) > 1 and point_id[0] == "m" and point_id[1:].isdigit():
        return f"地域メッシュ {point_id[1:]}"
    return point_id


def worst_points(geo: dict[str, Any], limit: int = 20) -> list[dict[str, Any]]:
    """The demand points whose minutes grew most (the table under the map)."""
    pts = [f["properties"] | {"lat": f["geometry"]["coordinates"][1], "lon": f["geometry"]["coordinates"][0],
                              "label": point_label(str(f["properties"]["id"]))}
           for f in geo.get("features", [])]
    grew = [p for p in pts if p["after_minutes"] is None or (p["increase_minutes"] or 0) > 0]
    grew.sort(key=lambda p: (p["after_minutes"] is not None, -(p["increase_minutes"] or 0), -p["population"]))
    return grew[:limit]


def access_table(geo: dict[str, Any], names: dict[str, str], scenario_name: str) -> ReportTable:
    """Every demand point of the map with its minutes (Excel / CSV download of the map's data)."""
    def dec(v: float | None) -> Decimal | None:
        return None if v is None else Decimal(str(v))

    rows = []
    for f in geo.get("features", []):
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"]
        rows.append([p["id"], names.get(p["municipality_code"] or "", p["municipality_code"] or "不明"), p["population"],
                     "推計" if p["approximate"] else "", dec(lat), dec(lon), dec(p["before_minutes"]),
                     dec(p["after_minutes"]), dec(p["increase_minutes"]), p["nearest_before"], p["nearest_after"]])
    return ReportTable(
        title=f"{scenario_name}: 需要点ごとの所要時間（{geo.get('category') or '—'}、変更前・変更後・増加）",
        columns=[Column("需要点"), Column("団体"), Column("人口", ColumnKind.INT), Column("推計"),
                 Column("緯度", ColumnKind.DECIMAL), Column("経度", ColumnKind.DECIMAL),
                 Column("変更前（分）", ColumnKind.DECIMAL), Column("変更後（分）", ColumnKind.DECIMAL),
                 Column("増加（分）", ColumnKind.DECIMAL), Column("最寄り施設（前）"), Column("最寄り施設（後）")],
        rows=rows,
        source="kouiki 施設再編シナリオの評価（facilities.evaluate.access_points）; 人口は国勢調査（2020年）の概算配分",
        notes=[*geo.get("notes", []), "所要時間が「不明」の需要点は、開いている施設に到達できない点です"],
        sheet_name="需要点",
    )
