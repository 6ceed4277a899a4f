"""CLI: CSV in, JSON out, scenario YAML, friendly errors naming file/row/field."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from kouiki.cli import app

runner = CliRunner()

DEMAND = """id,lat,lon,weight,municipality_code
d1,40.60,140.46,100,022021
d2,40.61,140.50,50,022021
d3,40.64,140.59,80,022047
d4,40.58,140.57,30,022101
d5,40.66,140.60,20,022047
"""
CANDS = """id,lat,lon,municipality_code,capacity,fixed,floor_area_m2,fixed_cost_yen
h1,40.603,140.464,022021,200,keep,2000,30000000
h2,40.643,140.594,022047,200,,1500,20000000
h3,40.577,140.570,022101,200,,1200,15000000
h4,40.620,140.520,022021,200,,900,10000000
"""


def _files(tmp_path: Path, demand: str = DEMAND, cands: str = CANDS) -> tuple[str, str]:
    d, c = tmp_path / "d.csv", tmp_path / "c.csv"
    d.write_text(demand, encoding="utf-8")
    c.write_text(cands, encoding="utf-8")
    return str(d), str(c)


INVENTORY = """facility_id,municipality_code,name,category,floor_area_m2,built_year,lat,lon
h1,022021,ホール1,市民文化系施設,2000,1980,40.603,140.464
h2,022047,ホール2,市民文化系施設,1500,1985,40.643,140.594
h3,022101,ホール3,市民文化系施設,1200,1990,40.577,140.570
h4,022021,ホール4,市民文化系施設,900,1975,40.620,140.520
"""


def test_p_median_json_and_scenario(tmp_path: Path) -> None:
    d, c = _files(tmp_path)
    (tmp_path / "inv.csv").write_text(INVENTORY, encoding="utf-8")
    sc = tmp_path / "keep2.yaml"
    r = runner.invoke(app, ["optimize", "p-median", "--demand", d, "--candidates", c, "--p", "2", "--json",
                            "--scenario", str(sc), "--fiscal-year", "R8", "--inventory", "inv.csv"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert set(out) >= {"selected", "objective", "lower_bound", "gap", "status", "seconds", "assignment"}
    assert "h1" in out["selected"] and len(out["selected"]) == 2  # h1 is must-keep
    assert out["lower_bound"] <= out["objective"] + 1e-9
    assert set(out["assignment"]) == {"d1", "d2", "d3", "d4", "d5"}
    scen = yaml.safe_load(sc.read_text(encoding="utf-8"))
    closed = {f for a in scen["actions"] for f in a["facilities"]}
    assert closed == set(out["closed"]) and all(a["type"] == "close" and a["fiscal_year"] == 2026 for a in scen["actions"])
    assert scen["source"]["optimizer"]["model"] == "p-median"
    assert scen["schema_version"] == 1 and scen["inventory"] == "inv.csv" and "category" not in scen
    owner = {"h2": "022047", "h3": "022101", "h4": "022021"}
    assert all(a["lead_body"] == owner[a["facilities"][0]] for a in scen["actions"])


def test_scenario_needs_an_inventory(tmp_path: Path) -> None:
    d, c = _files(tmp_path)
    r = runner.invoke(app, ["optimize", "p-median", "--demand", d, "--candidates", c, "--p", "2",
                            "--scenario", str(tmp_path / "s.yaml")])
    assert r.exit_code == 1 and "--inventory" in r.output and not (tmp_path / "s.yaml").exists()


def test_all_commands_run(tmp_path: Path) -> None:
    d, c = _files(tmp_path)
    base = ["--demand", d, "--candidates", c, "--json"]
    for args in (["cp-median", "--p", "2"], ["mclp", "--p", "1", "--max-km", "5"], ["lscp", "--max-km", "8"],
                 ["consolidate", "--coverage", "0.8", "--max-km", "6", "--min-per-body", "1", "--travel-yen", "100"]):
        r = runner.invoke(app, ["optimize", *args, *base])
        assert r.exit_code == 0, (args, r.output)
        out = json.loads(r.stdout)
        assert out["model"] in {"cp-median", "mclp", "lscp", "consolidate"}
        assert out["lower_bound"] is None or out["lower_bound"] <= out["objective"] + 1e-6


def test_bad_csv_names_file_row_and_field(tmp_path: Path) -> None:
    d, c = _files(tmp_path, demand=DEMAND.replace("d3,40.64,140.59,80", "d3,40.64,140.59,abc"))
    r = runner.invoke(app, ["optimize", "p-median", "--demand", d, "--candidates", c, "--p", "2"])
    assert r.exit_code == 1
    assert "d.csv" in r.output and "4行目" in r.output and "weight" in r.output
    d, c = _files(tmp_path)
    r = runner.invoke(app, ["optimize", "p-median", "--demand", d, "--candidates", c, "--p", "9"])
    assert r.exit_code == 1 and "p > M" in r.output
    r = runner.invoke(app, ["optimize", "lscp", "--demand", d, "--candidates", c, "--max-km", "0.1"])
    assert r.exit_code == 1 and "d2" in r.output  # names the demand points no site can serve


def test_matrix_input_minutes(tmp_path: Path) -> None:
    d, c = _files(tmp_path)
    rows = ["origin_id,destination_id,minutes,km"]
    for i, di in enumerate(["d1", "d2", "d3", "d4", "d5"]):
        for j, cj in enumerate(["h1", "h2", "h3", "h4"]):
            rows.append(f"{di},{cj},{5 + 3 * abs(i - j)},{2 + abs(i - j)}")
    mpath = tmp_path / "m.csv"
    mpath.write_text("\n".join(rows) + "\n", encoding="utf-8")
    r = runner.invoke(app, ["optimize", "mclp", "--demand", d, "--candidates", c, "--matrix", str(mpath),
                            "--p", "2", "--max-minutes", "8", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["unit"] == "minutes"
    r = runner.invoke(app, ["optimize", "mclp", "--demand", d, "--candidates", c, "--matrix", str(mpath),
                            "--p", "2", "--max-km", "8"])
    assert r.exit_code == 1


def test_region_demand_demo(tmp_path: Path) -> None:
    d, c = tmp_path / "d.csv", tmp_path / "c.csv"
    r = runner.invoke(app, ["optimize", "region-demand", "--members", "022021,023434,023671", "--out-demand", str(d),
                            "--out-candidates", str(c), "--cell-km", "3", "--json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert info["candidate_sites"] == 3 and info["demand_points"] > 3
    text = d.read_text(encoding="utf-8")
    assert "imputed" in text
    r = runner.invoke(app, ["optimize", "p-median", "--demand", str(d), "--candidates", str(c), "--p", "2", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert {b["municipality_code"] for b in out["per_body"]} == {"022021", "023434", "023671"}


def test_p_median_text_shows_the_gap_as_a_percent_and_distances_in_km_to_one_decimal(tmp_path: Path) -> None:
    d, c = _files(tmp_path)
    r = runner.invoke(app, ["optimize", "p-median", "--demand", d, "--candidates", c, "--p", "2"])
    assert r.exit_code == 0, r.output
    import re

    assert re.search(r"ギャップ: (\d+\.\d{2}%|不明)", r.output), r.output
    assert "状態: 最適解" in r.output or "状態: 目標ギャップに到達" in r.output
    kms = re.findall(r"(\d[\d,]*\.\d+) km", r.output)
    assert kms and all(re.fullmatch(r"[\d,]+\.\d", k) for k in kms), r.output
    assert "True" not in r.output and "False" not in r.output and "{'" not in r.output
