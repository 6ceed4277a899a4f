"""Optimiser → scenario file → facilities evaluator, and the demo "keep k halls" question on real candidates."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.facilities import evaluate as ev
from kouiki.facilities import scenario as fsc
from kouiki.facilities.demo import demo_inventory, find_region
from kouiki.facilities.importers import import_inventory
from kouiki.facilities.optimize_bridge import InventoryProblem, inventory_problem, keep_k
from kouiki.facilities.optimize_scenario import to_scenario, write_scenario
from kouiki.optimize.problem import OptimizeInputError
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.geo import EARTH_RADIUS_KM

runner = CliRunner()

# 天理市 (3 halls, two of them close together) and 川西町 (1 hall): real bodies so the approximate demand exists.
INVENTORY = """facility_id,municipality_code,name,category,subcategory,floor_area_m2,built_year,lat,lon,annual_operating_cost_yen
T1,292044,天理ホール北,市民文化系施設,文化施設,3000,1980,34.6000,135.8400,60000000
T2,292044,天理ホール中,市民文化系施設,文化施設,2500,1982,34.5960,135.8370,40000000
T3,292044,天理ホール東,市民文化系施設,文化施設,1800,1990,34.5700,135.8900,20000000
K1,293610,川西ホール,市民文化系施設,文化施設,1500,1985,34.5846,135.7740,20000000
G1,292044,天理体育館,スポーツ・レクリエーション系施設,,4000,1979,34.5900,135.8300,30000000
"""


def _haversine(lat1: np.ndarray, lon1: np.ndarray, lat2: float, lon2: float) -> np.ndarray:
    r = EARTH_RADIUS_KM
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(a))


def _brute_force(ip: InventoryProblem, k: int, min_per_body: int) -> float:
    """Best Σ persons × km over every k-subset meeting the per-body minimum (independent of the solvers)."""
    d = ip.problem.demand
    cols = [_haversine(d.xy[:, 0], d.xy[:, 1], f.lat or 0.0, f.lon or 0.0) for f in ip.facilities]
    bodies = {f.municipality_code for f in ip.facilities}
    best = np.inf
    for combo in itertools.combinations(range(len(ip.facilities)), k):
        if any(sum(1 for j in combo if ip.facilities[j].municipality_code == b) < min_per_body for b in bodies):
            continue
        best = min(best, float((d.weight * np.min(np.stack([cols[j] for j in combo]), axis=0)).sum()))
    return best


@pytest.fixture
def inv_file(tmp_path: Path) -> Path:
    p = tmp_path / "inv.csv"
    p.write_text(INVENTORY, encoding="utf-8")
    return p


def test_candidates_and_demand_come_from_the_inventory_and_demand_modules(inv_file: Path) -> None:
    inv, _ = import_inventory(inv_file)
    ip = inventory_problem(inv, "inv.csv", "市民文化系施設")
    assert ip.problem.candidates.ids == ["T1", "T2", "T3", "K1"]  # the gym is another 大分類
    assert ip.problem.candidates.body == ["292044", "292044", "292044", "293610"]
    assert ip.problem.candidates.floor_area_m2 == [Decimal(3000), Decimal(2500), Decimal(1800), Decimal(1500)]
    prov = ip.provenance()
    assert prov["demand_approximate"] and prov["demand_rules"] and prov["candidates_floor_area_imputed"] == 0
    assert set(ip.problem.demand.body) == {"292044", "293610"} and prov["demand_population"] > 60_000
    with pytest.raises(OptimizeInputError, match="大分類"):
        inventory_problem(inv, "inv.csv", "ホール")
    with pytest.raises(OptimizeInputError, match="施設"):
        inventory_problem(inv, "inv.csv", "医療施設")


@pytest.mark.parametrize(("k", "min_per_body"), [(1, 0), (2, 0), (2, 1), (3, 1)])
def test_keep_k_is_the_best_subset(inv_file: Path, k: int, min_per_body: int) -> None:
    inv, _ = import_inventory(inv_file)
    ip = inventory_problem(inv, "inv.csv", "市民文化系施設")
    res = keep_k(ip, k, min_per_body)
    assert len(res.selected) == k
    best = _brute_force(ip, k, min_per_body)
    assert res.objective == pytest.approx(best, rel=1e-6)
    if min_per_body:
        assert {"292044", "293610"} <= {ip.problem.candidates.body[ip.problem.candidates.ids.index(i)] for i in res.selected}
    fl = res.details["floor_area_m2"]
    assert Decimal(fl["today"]) == 8800 and Decimal(fl["today"]) - Decimal(fl["kept"]) == Decimal(fl["closed"])


def test_min_per_body_changes_the_answer_when_it_binds(inv_file: Path) -> None:
    """k = 1 without the minimum picks the one best hall; with 1 per body k = 1 is impossible (2 bodies)."""
    inv, _ = import_inventory(inv_file)
    ip = inventory_problem(inv, "inv.csv", "市民文化系施設")
    with pytest.raises(OptimizeInputError, match="--k"):
        keep_k(ip, 1, 1)
    with pytest.raises(OptimizeInputError, match="--k"):
        keep_k(ip, 5, 0)
    # The free p-median keeps 2 in 天理 (most residents) and none in 川西: the minimum binds, the MILP answers.
    free, bound = keep_k(ip, 2, 0), keep_k(ip, 2, 1)
    assert "K1" not in free.selected and "p-median の解が" not in free.details.get("min_per_body_method", "")
    assert "K1" in bound.selected and "MILP" in bound.details["min_per_body_method"]
    assert bound.objective > free.objective


def test_optimiser_scenario_validates_and_evaluates(inv_file: Path, tmp_path: Path) -> None:
    inv, _ = import_inventory(inv_file)
    ip = inventory_problem(inv, "inv.csv", "市民文化系施設")
    res = keep_k(ip, 2, 1)
    doc = to_scenario(res, "keep2", FiscalYear.parse("R8"), "inv.csv",
                      owners={f.facility_id: f.municipality_code for f in ip.facilities}, bodies=ip.bodies,
                      categories=["市民文化系施設"], start_fiscal_year=FiscalYear.parse("R7"))
    out = tmp_path / "keep2.yaml"
    write_scenario(out, doc)
    text = out.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    import jsonschema

    jsonschema.validate(data, fsc.published_schema())  # the published JSON Schema, not only the parser
    assert data["schema_version"] == 1 and "category" not in data and data["inventory"] == "inv.csv"
    closed = sorted(set(ip.problem.candidates.ids) - set(res.selected))
    assert sorted(f for a in data["actions"] for f in a["facilities"]) == closed
    assert all(a["type"] == "close" and a["fiscal_year"] == 2026 and a["lead_body"] for a in data["actions"])
    r = ev.evaluate_file(out).to_dict()
    areas = {"T1": 3000, "T2": 2500, "T3": 1800, "K1": 1500}
    assert Decimal(r["floor_area"]["before_m2"]) - Decimal(r["floor_area"]["after_m2"]) == sum(areas[c] for c in closed)
    acc = r["access"]["by_category"]["市民文化系施設"]
    assert acc["before"]["overall"]["mean_minutes"] < acc["after"]["overall"]["mean_minutes"]
    assert r["scenario"]["source"]["optimizer"]["kept"] == res.selected
    assert r["financing"]["notes"] and r["financing"]["plan_items"] == []  # close-only: nothing to finance
    saved = sum(r["costs"]["baseline"]["operating_yen"]) - sum(r["costs"]["scenario"]["operating_yen"])
    assert saved > 0  # the closed halls' operating costs stop from R8


def test_to_scenario_refuses_what_the_evaluator_would_reject(inv_file: Path) -> None:
    inv, _ = import_inventory(inv_file)
    res = keep_k(inventory_problem(inv, "inv.csv", "市民文化系施設"), 2, 0)
    with pytest.raises(OptimizeInputError, match="inventory"):
        to_scenario(res, "x", FiscalYear.parse("R8"), "")
    with pytest.raises(fsc.ScenarioError):
        to_scenario(res, "x", FiscalYear.parse("R8"), "inv.csv", categories=["ホール"])


def test_demo_keep_halls_cli_end_to_end(tmp_path: Path) -> None:
    """Issue 6: the CLI solves the demo region's 'keep k halls' and hands the result to the evaluator."""
    sc = tmp_path / "hirosaki.yaml"
    r = runner.invoke(app, ["optimize", "keep-halls", "--demo", "弘前圏域", "--subcategory", "文化施設", "--k", "4",
                            "--scenario", str(sc), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    inv = demo_inventory("弘前圏域")
    halls = {f.facility_id: f for f in inv.facilities if f.subcategory == "文化施設" and f.category.value == "市民文化系施設"
             and not f.extra.get("outdoor")}
    assert {f["facility_id"] for f in out["facilities"]} == set(halls)
    assert len(out["selected"]) == 4 and set(out["selected"]) <= set(halls)
    kept_bodies = {halls[i].municipality_code for i in out["selected"]}
    assert kept_bodies == {f.municipality_code for f in halls.values()}  # ≥ 1 per body that has a hall
    assert all(f["floor_area_imputed"] for f in out["facilities"])  # demo floor areas are imputed: said so
    assert out["details"]["input"]["demand_approximate"] is True
    assert out["details"]["input"]["bodies"] == sorted(find_region("弘前圏域").members)  # 藤崎町 residents count
    data = yaml.safe_load(sc.read_text(encoding="utf-8"))
    assert data["inventory"] == "demo:弘前圏域" and data["categories"] == ["市民文化系施設"]
    assert "- '023817'" in sc.read_text(encoding="utf-8")  # codes stay strings for any YAML reader
    e = runner.invoke(app, ["facilities", "evaluate", str(sc), "--json"])
    assert e.exit_code == 0, e.output
    ev_out = json.loads(e.stdout)
    closed = set(halls) - set(out["selected"])
    cut = sum((halls[c].floor_area_m2 or Decimal(0) for c in closed), Decimal(0))
    assert cut > 0 and Decimal(ev_out["floor_area"]["before_m2"]) - Decimal(ev_out["floor_area"]["after_m2"]) == cut
    sub = ev_out["access"]["by_subcategory"]["文化施設"]
    assert sub["before"]["overall"]["mean_minutes"] <= sub["after"]["overall"]["mean_minutes"]
    assert "financing" in ev_out and ev_out["financing"]["notes"]


def test_keep_halls_cli_errors() -> None:
    r = runner.invoke(app, ["optimize", "keep-halls", "--k", "2"])
    assert r.exit_code == 1 and "--demo" in r.output
    r = runner.invoke(app, ["optimize", "keep-halls", "--demo", "弘前圏域", "--subcategory", "文化施設", "--k", "2"])
    assert r.exit_code == 1 and "--k" in r.output  # 4 bodies have a hall, 1 each needs k ≥ 4
    r = runner.invoke(app, ["optimize", "keep-halls", "--demo", "どこか", "--k", "2"])
    assert r.exit_code == 1 and "圏域" in r.output
