"""Demand points: e-Stat mesh files (CP932, two header rows), future population, the approximation."""

from __future__ import annotations

from pathlib import Path

import pytest

from kouiki.facilities import demand, mesh
from kouiki.reference import get

# The layout of e-Stat 国勢調査 地域メッシュ統計 (tblT001100S5235.txt): CP932, codes row, labels row, data.
ESTAT = (
    "KEY_CODE,HTKSYORI,HTKSAKI,GASSAN,T001100001,T001100002,T001100003\r\n"
    ",,,,人口（総数）,人口（総数）　男,人口（総数）　女\r\n"
    "523505711,0,,,1234,600,634\r\n"
    "523505712,1,523505711,,*,*,*\r\n"
    "523505713,0,,,５６,30,26\r\n"
    "523505714,0,,,-,-,-\r\n"
)


def test_estat_mesh_file_cp932(tmp_path: Path) -> None:
    p = tmp_path / "tblT001100S5235.txt"
    p.write_bytes(ESTAT.encode("cp932"))
    pts = demand.read_estat_mesh(p)
    assert [(x.id, x.population) for x in pts] == [("m523505711", 1234), ("m523505713", 56)]
    lat, lon = mesh.center("523505711")
    assert (pts[0].lat, pts[0].lon) == (lat, lon)
    assert "cp932" in (pts[0].source or "")
    assert not pts[0].approximate


def test_estat_mesh_errors_name_line_and_column(tmp_path: Path) -> None:
    p = tmp_path / "bad.txt"
    p.write_bytes(ESTAT.replace("1234", "12a4").encode("cp932"))
    with pytest.raises(demand.DemandError, match=r"bad.txt 3行目 列「人口（総数）」"):
        demand.read_estat_mesh(p)
    q = tmp_path / "nolabel.txt"
    q.write_bytes(ESTAT.replace("人口（総数）,", "人口,", 1).encode("cp932"))
    with pytest.raises(demand.DemandError, match="人口（総数）"):
        demand.read_estat_mesh(q)
    r = tmp_path / "badcode.txt"
    r.write_bytes(ESTAT.replace("523505713", "5235057").encode("cp932"))
    with pytest.raises(demand.DemandError, match="5行目 列「KEY_CODE」"):
        demand.read_estat_mesh(r)


def test_mesh_levels_and_centres() -> None:
    assert mesh.level_of("5339") == 1 and mesh.level_of("53393599") == 3 and mesh.level_of("533935991") == 4
    lat, lon = mesh.center("53393599")
    # 第3次メッシュ 5339-35-99: south-west corner 35°39′30″N 139°44′15″E, cell 30″ × 45″
    assert lat == pytest.approx(35 + 39 / 60 + 45 / 3600)
    assert lon == pytest.approx(139 + 44.25 / 60 + 22.5 / 3600)
    assert mesh.code_of(lat, lon, 3) == "53393599"
    with pytest.raises(mesh.MeshError):
        mesh.level_of("12345")


def test_approximation_spreads_census_population_exactly() -> None:
    codes = ["292044", "293628"]
    pts = demand.approximate_demand(codes)
    for c in codes:
        mine = [p for p in pts if p.municipality_code == c]
        assert sum(p.population for p in mine) == get(c).population_2020
        assert len(mine) > 1
        assert all(p.approximate and "概算" in (p.rule or "") for p in mine)
        assert max(p.population for p in mine) - min(p.population for p in mine) <= 1


def test_ipss_projection_and_scaling(tmp_path: Path) -> None:
    p = tmp_path / "ipss.csv"
    p.write_text(
        "日本の地域別将来推計人口（令和5年推計）\n単位: 人\nコード,都道府県,市区町村,2020年,2035年,2050年\n"
        "29204,奈良県,天理市,63889,55000,45000\n29362,奈良県,三宅町,6439,5000,３９００\n",
        encoding="cp932",
    )
    proj = demand.read_ipss_projection(p)
    assert proj["292044"][2050] == 45000 and proj["293628"][2050] == 3900
    pts = demand.approximate_demand(["292044", "293628"])
    future = demand.project_by_body(pts, proj, 2050)
    assert sum(x.population for x in future if x.municipality_code == "292044") == 45000
    assert sum(x.population for x in future if x.municipality_code == "293628") == 3900
    with pytest.raises(demand.DemandError, match="2040年"):
        demand.project_by_body(pts, proj, 2040)


def test_ksj_mesh_future(tmp_path: Path) -> None:
    p = tmp_path / "1km_mesh_2024_29.csv"
    p.write_text("MESH_ID,SHICODE,PTN_2020,PTN_2050\n52354703,29204,100.4,80.6\n52354704,29204,0,0\n", encoding="utf-8")
    pts = demand.read_ksj_mesh_future(p, 2050)
    assert [(x.id, x.population, x.municipality_code) for x in pts] == [("m52354703", 81, "292044")]
    with pytest.raises(demand.DemandError, match="PTN_2070"):
        demand.read_ksj_mesh_future(p, 2070)


def test_demand_csv_roundtrip(tmp_path: Path) -> None:
    pts = demand.approximate_demand(["293628"])
    p = demand.write_demand_csv(pts, tmp_path / "d.csv")
    back = demand.read_demand_csv(p)
    assert [(b.id, b.population, b.municipality_code, b.approximate) for b in back] == [
        (a.id, a.population, a.municipality_code, True) for a in pts
    ]
