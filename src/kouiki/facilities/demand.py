"""Demand points (需要点): where residents live, with how many of them.

Three sources, best first:

1. **地域メッシュ population** from an e-Stat 国勢調査 地域メッシュ統計 text file (:func:`read_estat_mesh`); each
   mesh becomes a point at its centre (JIS X 0410 codes via :mod:`kouiki.facilities.mesh`).
2. **Future population** (:func:`read_ksj_mesh_future`, :func:`read_ipss_projection`): the 国土数値情報
   500 m / 1 km メッシュ別将来推計人口, or 社人研 市区町村別将来推計人口 applied to current points by body
   (:func:`project_by_body`), so a 40-year plan can use projected rather than current population.
3. **Approximation** when no mesh data is given (:func:`approximate_demand`): each body's census population
   spread evenly over the 1 km mesh cells whose centre lies inside its N03 boundary (or over given anchor
   points, e.g. its schools as settlement proxies). Every such point has ``approximate=True`` and the rule.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from kouiki.facilities import mesh as meshmod
from kouiki.facilities.travel import Site
from kouiki.reference import codes as codesmod
from kouiki.reference.errors import KouikiError
from kouiki.reference.money import allocate
from kouiki.reference.municipalities import LATEST_CENSUS_YEAR
from kouiki.reference.municipalities import get as get_body


class DemandError(KouikiError, ValueError):
    """A population file that cannot be read; the message names the file, line and column."""


APPROX_RULE_GRID = (
    "概算: 団体の国勢調査人口（{year}年）を、N03行政区域界の内側に中心がある1kmメッシュへ均等に配分"
    "（人口分布の実データではない）"
)
APPROX_RULE_ANCHORS = "概算: 団体の国勢調査人口（{year}年）を、指定した集落代表点（{what}）へ均等に配分"
APPROX_RULE_OFFICE = "概算: 団体の国勢調査人口（{year}年）を役場位置の1点に集約（境界データなし）"


@dataclass(frozen=True)
class DemandPoint:
    """Residents at one point. ``population`` is persons (int)."""

    id: str
    lat: float
    lon: float
    population: int
    municipality_code: str | None = None
    approximate: bool = False
    rule: str | None = None  # how the point was made when approximate
    source: str | None = None

    def site(self) -> Site:
        return Site(self.id, self.lat, self.lon)


# ---- file helpers ---------------------------------------------------------------------------------


def read_text_detect(path: Path) -> tuple[str, str]:
    """Decode a file trying UTF-8-BOM, UTF-8, UTF-16 (BOM) and CP932; returns (text, encoding)."""
    raw = Path(path).read_bytes()
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        return raw.decode("utf-16"), "utf-16"
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    for enc in ("utf-8", "cp932"):
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise DemandError(f"{path}: 文字コードを判定できません（UTF-8 / CP932 / UTF-16 を想定）")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _int_cell(value: str, path: Path, line: int, column: str) -> int | None:
    """Population cell: digits (full-width allowed, commas allowed); '-', '*', '' (秘匿・該当なし) → None."""
    v = _norm(value).replace(",", "")
    if v in {"", "-", "*", "X", "x", "…", "***"}:
        return None
    if not re.fullmatch(r"\d+", v):
        raise DemandError(f"{path} {line}行目 列「{column}」: 人口が整数ではありません: {value!r}")
    return int(v)


# ---- e-Stat 国勢調査 地域メッシュ統計 -----------------------------------------------------------------


def read_estat_mesh(path: Path, column: str | None = None, municipality_code: str | None = None) -> list[DemandPoint]:
    """Read an e-Stat 国勢調査 地域メッシュ統計 text file (tblT00xxxxSyyyy.txt).

    Layout: CSV in CP932; line 1 holds column codes (``KEY_CODE, HTKSYORI, HTKSAKI, GASSAN, T001100001, …``),
    line 2 their Japanese labels (``人口（総数）`` …), data from line 3. ``column`` picks the population column by
    code or label; default: the first column whose label is 人口（総数） (or 人口総数). Meshes with a hidden value
    (秘匿 ``*``) or no residents are skipped; a 秘匿 mesh's residents are in its 合算先 mesh (HTKSAKI) as e-Stat
    publishes them.
    """
    path = Path(path)
    text, encoding = read_text_detect(path)
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) < 2:
        raise DemandError(f"{path}: 見出し行（2行）がありません")
    codes_row = [_norm(c) for c in rows[0]]
    labels_row = [_norm(c) for c in rows[1]]
    raw_labels = [c.strip() for c in rows[1]]
    if not codes_row or codes_row[0].upper() != "KEY_CODE":
        raise DemandError(f"{path} 1行目 列1: 「KEY_CODE」がありません（e-Stat 地域メッシュ統計の形式ではありません）")
    col = _pick_population_column(codes_row, labels_row, column, path)
    out: list[DemandPoint] = []
    for line, row in enumerate(rows[2:], start=3):
        if not row or not row[0].strip():
            continue
        code = _norm(row[0])
        try:
            meshmod.level_of(code)
        except meshmod.MeshError as exc:
            raise DemandError(f"{path} {line}行目 列「KEY_CODE」: {exc}") from None
        if col >= len(row):
            raise DemandError(f"{path} {line}行目: 列「{codes_row[col]}」がありません")
        pop = _int_cell(row[col], path, line, raw_labels[col] or codes_row[col])
        if not pop:
            continue
        lat, lon = meshmod.center(code)
        out.append(
            DemandPoint(
                id=f"m{code}", lat=lat, lon=lon, population=pop, municipality_code=municipality_code,
                source=f"{path.name} ({encoding}, 列 {raw_labels[col] or codes_row[col]})",
            )
        )
    if not out:
        raise DemandError(f"{path}: 人口のあるメッシュが1件もありません")
    return out


def _pick_population_column(codes_row: list[str], labels_row: list[str], column: str | None, path: Path) -> int:
    if column is not None:
        want = _norm(column)
        for i, (c, lab) in enumerate(zip(codes_row, labels_row, strict=False)):
            if want in (c, lab):
                return i
        raise DemandError(f"{path}: 指定した人口の列「{column}」が見出しにありません")
    for i, lab in enumerate(labels_row):
        if lab.replace(" ", "").replace("　", "") in {"人口(総数)", "人口総数", "総人口"}:
            return i
    raise DemandError(f"{path} 2行目: 「人口（総数）」の列が見つかりません（--column で指定してください）")


# ---- 国土数値情報 メッシュ別将来推計人口 ------------------------------------------------------------


def read_ksj_mesh_future(path: Path, year: int) -> list[DemandPoint]:
    """国土数値情報 500m/1km メッシュ別将来推計人口 (CSV or GeoJSON attributes).

    Columns: ``MESH_ID`` (9-digit 2分の1地域メッシュ or 8-digit 3次メッシュ), ``SHICODE`` (5-digit 行政区域コード),
    and ``PTN_<year>`` (総人口, e.g. PTN_2050). Points are the mesh centres.
    """
    path = Path(path)
    records: list[dict[str, Any]]
    if path.suffix.lower() in {".geojson", ".json"}:
        data = json.loads(read_text_detect(path)[0])
        records = [dict(f.get("properties") or {}) for f in data.get("features", [])]
        first_line = 1
    else:
        text, _ = read_text_detect(path)
        records = list(csv.DictReader(io.StringIO(text)))
        first_line = 2
    key = f"PTN_{year}"
    if not records:
        raise DemandError(f"{path}: データがありません")
    if key not in records[0]:
        years = sorted(k for k in records[0] if str(k).startswith("PTN_"))
        raise DemandError(f"{path}: 列「{key}」がありません（あるのは {', '.join(years) or 'なし'}）")
    for need in ("MESH_ID", "SHICODE"):
        if need not in records[0]:
            raise DemandError(f"{path}: 列「{need}」がありません")
    out: list[DemandPoint] = []
    for line, rec in enumerate(records, start=first_line):
        mesh_code = _norm(str(rec["MESH_ID"]))
        raw = rec[key]
        pop_d = _dec_cell(raw, path, line, key)
        if pop_d is None or pop_d <= 0:
            continue
        try:
            lat, lon = meshmod.center(mesh_code)
        except meshmod.MeshError as exc:
            raise DemandError(f"{path} {line}行目 列「MESH_ID」: {exc}") from None
        shi = _norm(str(rec["SHICODE"] or ""))
        code = codesmod.normalize(shi) if shi else None
        # The projection gives fractional persons; a point carries whole persons (half-up).
        pop = int(pop_d.quantize(Decimal(1), rounding="ROUND_HALF_UP"))
        out.append(DemandPoint(f"m{mesh_code}", lat, lon, pop, code, source=f"{path.name} {key}"))
    return out


def _dec_cell(raw: Any, path: Path, line: int, column: str) -> Decimal | None:
    if raw is None:
        return None
    text = _norm(str(raw)).replace(",", "")
    if text in {"", "-", "*"}:
        return None
    try:
        return Decimal(text)
    except ArithmeticError:
        raise DemandError(f"{path} {line}行目 列「{column}」: 数値ではありません: {raw!r}") from None


# ---- 社人研 市区町村別将来推計人口 ----------------------------------------------------------------------


def read_ipss_projection(path: Path) -> dict[str, dict[int, int]]:
    """社人研「日本の地域別将来推計人口」市区町村別 総人口 (CSV or the .xlsx sheet), → {code: {year: persons}}.

    The header row is found by its code column (「コード」「団体コード」「市区町村コード」) and year columns
    (「2020」「2020年」「令和2(2020)年」…); rows above it (titles, notes) are skipped.
    """
    path = Path(path)
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        rows = [["" if c is None else str(c) for c in r] for r in ws.iter_rows(values_only=True)]
    else:
        text, _ = read_text_detect(path)
        rows = list(csv.reader(io.StringIO(text)))
    header_at = None
    for i, row in enumerate(rows[:30]):
        cells = [_norm(c) for c in row]
        if any(c in {"コード", "団体コード", "市区町村コード", "code"} for c in cells) and any(_year_of(c) for c in cells):
            header_at = i
            break
    if header_at is None:
        raise DemandError(f"{path}: 見出し行（コード列と年の列）が見つかりません")
    header = [_norm(c) for c in rows[header_at]]
    code_col = next(i for i, c in enumerate(header) if c in {"コード", "団体コード", "市区町村コード", "code"})
    year_cols = {i: y for i, c in enumerate(header) if (y := _year_of(c))}
    out: dict[str, dict[int, int]] = {}
    for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if code_col >= len(row) or not _norm(row[code_col]):
            continue
        raw_code = _norm(row[code_col])
        try:
            code = codesmod.normalize(raw_code)
        except KouikiError as exc:
            raise DemandError(f"{path} {line}行目 列「{header[code_col]}」: {exc}") from None
        series: dict[int, int] = {}
        for i, y in year_cols.items():
            if i < len(row):
                v = _int_cell(row[i], path, line, header[i])
                if v is not None:
                    series[y] = v
        out[code] = series
    if not out:
        raise DemandError(f"{path}: データ行がありません")
    return out


def _year_of(label: str) -> int | None:
    m = re.search(r"(19|20)\d\d", label)
    return int(m.group(0)) if m else None


def project_by_body(points: Sequence[DemandPoint], projection: dict[str, dict[int, int]], year: int) -> list[DemandPoint]:
    """Scale each body's points so their total equals the projected population of ``year``.

    The body's points keep their relative weights (exact integer split, largest remainder). Points of a body
    without a projection for ``year`` raise an error: a plan must not silently mix current and future figures.
    """
    by_body: dict[str | None, list[int]] = defaultdict(list)
    for i, p in enumerate(points):
        by_body[p.municipality_code].append(i)
    out = list(points)
    for code, idx in by_body.items():
        if code is None:
            raise DemandError("需要点に団体コードがないため、市区町村別推計を適用できません")
        series = projection.get(code)
        if not series or year not in series:
            raise DemandError(f"団体 {code} の {year}年 推計人口がありません")
        weights = [points[i].population for i in idx]
        if sum(weights) == 0:
            continue
        parts = allocate(series[year], weights)
        for i, v in zip(idx, parts, strict=True):
            note = f"社人研 市区町村別将来推計人口 {year}年 に比例縮尺"
            out[i] = replace(points[i], population=v, rule=f"{points[i].rule}; {note}" if points[i].rule else note)
    return out


# ---- approximation --------------------------------------------------------------------------------


@cache
def _boundaries(prefecture_code2: str) -> dict[str, Any]:
    """{5-digit code: shapely geometry} from the packaged N03 file of a prefecture (if bundled)."""
    from shapely.geometry import shape
    from shapely.ops import unary_union

    name = f"N03-21_{prefecture_code2}_210101.geojson"
    res = resources.files("kouiki.reference").joinpath(f"data/boundaries/{name}")
    if not res.is_file():
        return {}
    data = json.loads(res.read_text(encoding="utf-8"))
    parts: dict[str, list[Any]] = defaultdict(list)
    for f in data["features"]:
        c5 = f["properties"].get("N03_007")
        if c5:
            parts[str(c5)].append(shape(f["geometry"]))
    return {c: unary_union(g) for c, g in parts.items()}


def boundary(code: str) -> Any | None:
    """The N03 boundary polygon of a body, or None when not bundled."""
    c6 = codesmod.normalize(code)
    return _boundaries(c6[:2]).get(c6[:5])


def approximate_demand(
    codes: Iterable[str],
    census_year: int = LATEST_CENSUS_YEAR,
    anchors: dict[str, Sequence[Site]] | None = None,
    anchors_label: str = "指定点",
    mesh_level: int = 3,
) -> list[DemandPoint]:
    """Each body's census population spread evenly over points inside it (documented approximation).

    With ``anchors`` for a body, its population is split evenly over them; otherwise over the centres of the
    地域メッシュ (level 3 = 1 km) inside its N03 boundary; without a bundled boundary, at its office point.
    The split is exact in persons (remainder to the last point).
    """
    import numpy as np
    from shapely import contains_xy

    out: list[DemandPoint] = []
    for raw in codes:
        body = get_body(raw)
        pop = body.population(census_year)
        if pop is None:
            raise DemandError(f"{body.name}（{body.code}）の{census_year}年国勢調査人口がありません")
        pts: list[tuple[float, float]]
        if anchors and anchors.get(body.code):
            pts = [(s.lat, s.lon) for s in anchors[body.code]]
            rule = APPROX_RULE_ANCHORS.format(year=census_year, what=anchors_label)
        elif (geom := boundary(body.code)) is not None:
            minx, miny, maxx, maxy = geom.bounds
            lat_step, lon_step = meshmod.cell_size(mesh_level)
            lats = np.arange(miny - lat_step, maxy + lat_step, lat_step)
            lons = np.arange(minx - lon_step, maxx + lon_step, lon_step)
            centres = {meshmod.center(meshmod.code_of(float(la), float(lo), mesh_level)) for la in lats for lo in lons}
            clat = np.array([c[0] for c in centres])
            clon = np.array([c[1] for c in centres])
            inside = contains_xy(geom, clon, clat)
            pts = sorted(zip(clat[inside].tolist(), clon[inside].tolist(), strict=True))
            if not pts:  # a body smaller than one cell: its representative point
                rp = geom.representative_point()
                pts = [(rp.y, rp.x)]
            rule = APPROX_RULE_GRID.format(year=census_year)
        elif body.lat is not None and body.lon is not None:
            pts = [(body.lat, body.lon)]
            rule = APPROX_RULE_OFFICE.format(year=census_year)
        else:
            raise DemandError(f"{body.name}（{body.code}）の位置も境界もありません")
        parts = allocate(pop, [1] * len(pts))
        for k, ((lat, lon), n) in enumerate(zip(pts, parts, strict=True)):
            if mesh_level and not (anchors and anchors.get(body.code)):
                pid = f"m{meshmod.code_of(lat, lon, mesh_level)}"
            else:
                pid = f"{body.code}-{k + 1:04d}"
            out.append(DemandPoint(pid, lat, lon, n, body.code, approximate=True, rule=rule,
                                   source=f"国勢調査{census_year}年 人口（同梱 municipality master）"))
    return out


def write_demand_csv(points: Sequence[DemandPoint], path: Path) -> Path:
    """Demand CSV of the optimiser contract: ``id, lat, lon, weight, municipality_code`` (+ approximate, rule)."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "lat", "lon", "weight", "municipality_code", "approximate", "rule"])
        for p in points:
            w.writerow([p.id, f"{p.lat:.6f}", f"{p.lon:.6f}", p.population, p.municipality_code or "",
                        "true" if p.approximate else "false", p.rule or ""])
    return Path(path)


def read_demand_csv(path: Path) -> list[DemandPoint]:
    """Read the demand CSV (``id, lat, lon, weight`` required; ``municipality_code`` optional)."""
    path = Path(path)
    text, _ = read_text_detect(path)
    reader = csv.DictReader(io.StringIO(text))
    fields = [(_norm(f) if f else "") for f in (reader.fieldnames or [])]
    for need in ("id", "lat", "lon", "weight"):
        if need not in fields:
            raise DemandError(f"{path} 1行目: 列「{need}」がありません（必要: id, lat, lon, weight）")
    out = []
    for line, raw_row in enumerate(reader, start=2):
        row = {_norm(k or ""): (v or "") for k, v in raw_row.items()}
        try:
            lat, lon = float(_norm(row["lat"])), float(_norm(row["lon"]))
        except ValueError:
            raise DemandError(f"{path} {line}行目 列「lat/lon」: 数値ではありません") from None
        w = _int_cell(row["weight"], path, line, "weight")
        code = _norm(row.get("municipality_code", ""))
        out.append(DemandPoint(
            _norm(row["id"]), lat, lon, w or 0, codesmod.normalize(code) if code else None,
            approximate=_norm(row.get("approximate", "")).lower() == "true", rule=row.get("rule") or None,
            source=path.name,
        ))
    return out


def assign_bodies(points: Sequence[DemandPoint], bodies: Sequence[str]) -> list[DemandPoint]:
    """Set each point's body from the bundled N03 boundaries (points outside every given body are dropped)."""
    from shapely import contains_xy

    out = []
    geoms = [(codesmod.normalize(b), boundary(b)) for b in bodies]
    missing = [b for b, g in geoms if g is None]
    if missing:
        raise DemandError(f"境界データが同梱されていない団体があります: {', '.join(missing)}（需要点CSVに municipality_code を書いてください）")
    for p in points:
        if p.municipality_code:
            out.append(p)
            continue
        for code, g in geoms:
            if bool(contains_xy(g, p.lon, p.lat)):
                out.append(replace(p, municipality_code=code))
                break
    return out
