"""Scenarios end to end: format and schema, floor area, costs, financing aggregation, sharing, demo region."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kouiki.facilities import evaluate as ev
from kouiki.facilities import scenario as sc
from kouiki.facilities.model import Facility, Inventory, MajorCategory
from tests.hypothesis_budget import examples

C = MajorCategory.CIVIC_CULTURE


def inventory() -> Inventory:
    return Inventory([
        Facility("H1", "292044", "天理ホール", C, "文化施設", Decimal("3000"), 1980, 34.5965, 135.8372, annual_operating_cost_yen=60_000_000),
        Facility("H2", "293610", "川西ホール", C, "文化施設", Decimal("1500"), 1985, 34.5846, 135.7740, annual_operating_cost_yen=20_000_000),
        Facility("H3", "293628", "三宅ホール", C, "文化施設", Decimal("800"), 1990, 34.5731, 135.7762),
        Facility("K1", "293636", "田原本公民館", C, "集会施設", Decimal("1000"), 2000, 34.5553, 135.7946, annual_operating_cost_yen=10_000_000),
        Facility("X1", "293229", "山添村施設", C, "集会施設", None, None, 34.6836, 136.0420),
    ])


def base_scenario(**action: Any) -> dict[str, Any]:
    a = {"id": "merge", "type": "consolidate", "fiscal_year": "R10", "lead_body": "292044", "sources": ["H2", "H3"],
         "target": "H1", "construction_cost_yen": 300_000_000, "smoothing_costs": [{"fiscal_year": 2028, "cost_yen": 1_000_000}],
         "sharing": {"method": "mix", "weights": {"equal": "0.1", "population": "0.9"}}}
    a.update(action)
    return {"name": "test", "inventory": "x.csv", "horizon_years": 10, "actions": [a]}


def test_published_schema_is_the_generated_one_and_validates_the_demo() -> None:
    assert sc.published_schema() == json.loads(json.dumps(sc.json_schema()))
    demo = yaml.safe_load(ev.demo_scenario_path("yamato").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(demo, default=str)), sc.published_schema())


def test_validation_errors_are_japanese_with_paths() -> None:
    with pytest.raises(sc.ScenarioError, match=r"actions\[0\]: .*target（既存施設）か new_site"):
        sc.parse(base_scenario(target=None))
    with pytest.raises(sc.ScenarioError, match=r"actions\[0\]\.sourcez: 未知の項目"):
        sc.parse(base_scenario(sourcez=["H1"]))
    with pytest.raises(sc.ScenarioError, match="検査数字"):
        sc.parse(base_scenario(lead_body="292045"))


def test_dump_and_parse_roundtrip() -> None:
    s = sc.parse(base_scenario())
    assert sc.parse(yaml.safe_load(sc.dump(s))) == s


def test_unknown_facility_is_named() -> None:
    s = sc.parse(base_scenario(sources=["H2", "NOPE"]))
    with pytest.raises(sc.ScenarioError, match="NOPE は台帳にありません"):
        ev.evaluate(s, inventory(), engine=lambda plan: {"lines": [], "totals": {}})


def test_floor_area_costs_and_exclusions_without_engine() -> None:
    s = sc.parse(base_scenario())
    r = ev.evaluate(s, inventory()).to_dict()
    f = r["floor_area"]
    assert (f["before_m2"], f["after_m2"]) == ("6300", "4000")
    assert f["cases"][0]["before_m2"] == "5300" and f["cases"][0]["after_m2"] == "3000" and f["reduced"] is True
    assert [e["facility_id"] for e in f["excluded"]] == ["X1"]
    c = r["costs"]
    # operating: H2 (20M) saved from R10 (2028) = 7 of the 10 年度; H3 has no operating cost → excluded
    assert [e["facility_id"] for e in c["excluded_operating"]] == ["H3", "X1"]
    op_saved = sum(b - s_ for b, s_ in zip(c["baseline"]["operating_yen"], c["scenario"]["operating_yen"], strict=True))
    assert op_saved == 20_000_000 * 7
    assert sum(c["scenario"]["capital_yen"]) == 301_000_000
    more = ev.evaluate(sc.parse(base_scenario(target_operating_cost_change_yen=5_000_000)), inventory()).to_dict()["costs"]
    assert more["nominal"]["scenario_yen"] - c["nominal"]["scenario_yen"] == 5_000_000 * 7
    assert c["nominal"]["savings_yen"] == c["nominal"]["baseline_yen"] - c["nominal"]["scenario_yen"]
    assert r["financing"]["notes"] or r["financing"]["engine"] is not None


def stub_engine(plan: dict[str, Any]) -> dict[str, Any]:
    """A contract-shaped stand-in for kouiki.fiscal: subsidy 50% of cost, bond 90% of the rest, 特交 80%.

    Amounts are arbitrary; the tests check how evaluate aggregates them, not the fiscal rules.
    """
    lines = []
    for i, it in enumerate(plan["items"]):
        base = {"item": i, "municipality": it["municipality"], "fiscal_year": it["fiscal_year"]}
        cost = int(it["cost_yen"])
        if it["measure"] == "facility_bond":
            sub = int(it.get("national_subsidy_yen", cost // 2))
            lines.append({**base, "kind": "national_subsidy", "amount_yen": sub})
            lines.append({**base, "kind": "bond", "amount_yen": (cost - sub) * 9 // 10})
        elif it["measure"] == "urban_restructuring_subsidy":
            lines.append({**base, "kind": "national_subsidy", "amount_yen": cost // 2})
        else:
            lines.append({**base, "kind": "special_allocation_tax", "amount_yen": cost * 8 // 10})
    return {"lines": lines, "totals": {"support_yen": sum(x["amount_yen"] for x in lines if x["kind"] != "bond")},
            "warnings": [], "errors": []}


def test_net_burden_and_sharing_with_an_engine() -> None:
    s = sc.parse(base_scenario())
    r = ev.evaluate(s, inventory(), engine=stub_engine).to_dict()
    fin = r["financing"]
    items = fin["plan_items"]
    assert [i["measure"] for i in items] == ["facility_bond", "facility_bond", "consolidation_smoothing"]
    assert items[0]["floor_area_before_m2"] == "5300" and items[0]["floor_area_after_m2"] == "3000"
    assert items[0]["consolidation_type"] == "function_only"
    # construction 300M over R8, R9 (2 年度 before R10): 150M each
    assert [(i["fiscal_year"], i["cost_yen"]) for i in items[:2]] == [(2026, 150_000_000), (2027, 150_000_000)]
    net = r["sharing"]["net_burden_by_municipality"]
    total_net = sum(v for ys in net.values() for v in ys.values())
    # sharing moves burden between bodies but never creates or loses a yen
    comp = fin["net_burden_by_action"]["merge"]
    assert total_net == sum(v for ys in comp.values() for v in ys.values())
    share = r["sharing"]["by_action"]["merge"]
    assert share["bodies"] == ["292044", "293610", "293628"]
    for y in {y for ys in share["by_municipality"].values() for y in ys}:
        assert sum(ys.get(y, 0) for ys in share["by_municipality"].values()) == sum(
            v.get(y, 0) for v in comp.values())


def test_urban_restructuring_feeds_the_bond_subsidy() -> None:
    s = sc.parse(base_scenario(urban_restructuring=True))
    r = ev.evaluate(s, inventory(), engine=stub_engine).to_dict()
    urban = r["financing"]["urban_restructuring"]
    assert urban["plan_items"][0]["measure"] == "urban_restructuring_subsidy" and urban["plan_items"][0]["partner_count"] == 3
    items = r["financing"]["plan_items"]
    assert "urban_restructuring_subsidy" not in {i["measure"] for i in items}  # counted once, on the bond items
    bonds = [i for i in items if i["measure"] == "facility_bond"]
    assert sum(i["national_subsidy_yen"] for i in bonds) == 150_000_000


@settings(max_examples=examples(25), deadline=None)
@given(st.lists(st.sampled_from(["H1", "H2", "H3", "K1", "X1"]), min_size=1, max_size=5, unique=True))
def test_only_closing_never_increases_floor_area(closed: list[str]) -> None:
    s = sc.parse({"name": "close", "inventory": "x", "horizon_years": 3,
                  "actions": [{"id": "c", "type": "close", "fiscal_year": 2026, "lead_body": "292044", "facilities": closed}]})
    r = ev.evaluate(s, inventory(), demand=[], engine=stub_engine).to_dict()
    assert Decimal(r["floor_area"]["after_m2"]) <= Decimal(r["floor_area"]["before_m2"])
    assert sum(r["costs"]["scenario"]["total_yen"]) <= sum(r["costs"]["baseline"]["total_yen"])


def test_demo_scenario_end_to_end() -> None:
    r = ev.evaluate_file("demo:yamato", engine=stub_engine).to_dict()
    f = r["floor_area"]
    case = f["cases"][0]
    assert case["before_m2"] == "3600" and case["after_m2"] == "3000" and case["reduced"] is True
    assert case["includes_imputed"] is True and f["imputed_note"]
    acc = r["access"]["by_subcategory"]["文化施設"]
    assert acc["after"]["overall"]["population"] == acc["before"]["overall"]["population"] > 100_000
    assert r["access"]["demand"]["approximate"] is True
    fee = r["fees"][0]
    assert fee["unified_fee_yen"] == 1100
    assert any(c["kind"] == "fee_smoothing" for c in r["cost_lines"])
    measures = {i["measure"] for i in r["financing"]["plan_items"]}
    assert measures == {"facility_bond", "consolidation_smoothing", "consolidation_study"}
    assert r["financing"]["urban_restructuring"]["lines"]
    assert set(r["sharing"]["net_burden_by_municipality"]) >= {"292044", "293610", "293628"}
    assert r["costs"]["operating_cost_from_scenario"]


def test_discount_by_hand() -> None:
    assert ev.discount([100, 104, 10816], Decimal("0.04")) == 100 + 100 + 10000


def test_scenario_file_errors_name_the_file(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("name: x\nactions: [\n", encoding="utf-8")
    with pytest.raises(sc.ScenarioError, match=r"s\.yaml .*YAML"):
        sc.load(p)


def test_demo_with_the_fiscal_engine_balances_to_the_yen() -> None:
    """Σ net burden = Σ costs − support − bonds + 元利償還金, and sharing neither creates nor loses a yen."""
    r = ev.evaluate_file("demo:yamato").to_dict()
    fin = r["financing"]
    assert not fin["engine"]["errors"]
    totals = fin["engine"]["totals"]["by_kind"]
    parts = fin["net_burden_parts"]
    debt = sum(p.get("debt_service_yen", 0) for bs in parts.values() for ys in bs.values() for p in ys.values())
    bonds = sum(p.get("bond_yen", 0) for bs in parts.values() for ys in bs.values() for p in ys.values())
    assert bonds == totals["bond"] > 0 and debt > bonds  # interest at 1%
    cost = sum(c["cost_yen"] for c in r["cost_lines"])
    support = fin["engine"]["totals"]["support_yen"]
    net = sum(r["sharing"]["net_burden_total_by_municipality"].values())
    assert net == cost - support - bonds + debt
    # the 集約化 is reduced, so the bond lines carry 交付税 (50% of 元利償還金) and the 円滑化 lines 特交
    assert totals["ordinary_allocation_tax"] > 0 and totals["special_allocation_tax"] > 0
    # the cash view (不交付団体) differs from the net burden by exactly the 普通交付税算入
    cash = sum(r["sharing"]["cash_burden_total_by_municipality"].values())
    assert cash - net == totals["ordinary_allocation_tax"]
    shares = r["sharing"]["by_action"]["three-halls"]
    assert sum(shares["total_by_municipality"].values()) == sum(
        v for ys in fin["net_burden_by_action"]["three-halls"].values() for v in ys.values())


def test_mutual_use_matters_when_access_starts_from_own_facilities() -> None:
    from kouiki.facilities.demand import DemandPoint

    inv = Inventory([
        Facility("A", "293610", "川西の館", C, "集会施設", Decimal("500"), 1990, 34.5846, 135.7740),
        Facility("B", "293628", "三宅の館", C, "集会施設", Decimal("500"), 1990, 34.5731, 135.7762),
        Facility("T", "292044", "天理の館", C, "集会施設", Decimal("500"), 1990, 34.5965, 135.8372),
    ])
    # residents of 三宅町 living next to 川西町's hall, far from their own
    demand = [DemandPoint("p", 34.5850, 135.7745, 1000, "293628"), DemandPoint("q", 34.5960, 135.8370, 500, "292044")]
    doc = {"name": "m", "inventory": "x", "horizon_years": 2, "access_scope": "own_body",
           "actions": [{"id": "mu", "type": "mutual_use", "fiscal_year": 2026, "lead_body": "293610",
                        "facilities": ["A", "B"], "bodies": ["293610", "293628"]}]}
    r = ev.evaluate(sc.parse(doc), inv, demand=demand, engine=stub_engine).to_dict()
    acc = r["access"]["by_category"]["市民文化系施設"]
    before = acc["before"]["by_municipality"]["293628"]["mean_minutes"]
    after = acc["after"]["by_municipality"]["293628"]["mean_minutes"]
    assert after < before and after < 1.0  # 川西's hall is ~50 m away
    assert acc["after"]["by_municipality"]["292044"] == acc["before"]["by_municipality"]["292044"]  # 天理 not in it
    region = ev.evaluate(sc.parse({**doc, "access_scope": "region"}), inv, demand=demand, engine=stub_engine).to_dict()
    r_acc = region["access"]["by_category"]["市民文化系施設"]
    assert r_acc["before"]["overall"] == r_acc["after"]["overall"]  # region-wide use: mutual use changes nothing


def test_projected_population_from_a_scenario_file(tmp_path: Path) -> None:
    proj = tmp_path / "ipss.csv"
    proj.write_text("コード,市区町村,2020年,2050年\n29204,天理市,63889,40000\n29322,山添村,3226,1500\n29361,川西町,8167,5000\n"
                    "29362,三宅町,6439,4000\n29363,田原本町,31177,22000\n", encoding="utf-8")
    doc = yaml.safe_load(ev.demo_scenario_path("yamato").read_text(encoding="utf-8"))
    doc["demand"] = {"source": "approximate", "projection": "ipss.csv", "projection_year": 2050}
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = ev.evaluate_file(p, engine=stub_engine).to_dict()
    assert r["access"]["demand"]["population"] == 40000 + 1500 + 5000 + 4000 + 22000
    assert "社人研" in r["access"]["demand"]["rule"]


def test_demolish_and_convert_actions() -> None:
    doc = {"name": "dc", "inventory": "x", "horizon_years": 5, "start_fiscal_year": 2025, "actions": [
        {"id": "d", "type": "demolish", "fiscal_year": 2026, "lead_body": "293636", "facilities": ["K1"], "cost_yen": 30_000_000},
        {"id": "c", "type": "convert", "fiscal_year": 2027, "lead_body": "292044", "facilities": ["H1"],
         "to_category": "子育て支援施設", "cost_yen": 50_000_000, "sharing": "own"},
    ]}
    r = ev.evaluate(sc.parse(doc), inventory(), demand=[], engine=stub_engine).to_dict()
    items = {i["action"]: i for i in r["financing"]["plan_items"]}
    assert items["d"]["category"] == "demolition" and items["c"]["category"] == "conversion"
    f = r["floor_area"]
    assert Decimal(f["before_m2"]) - Decimal(f["after_m2"]) == 1000  # K1 demolished; conversion keeps the area
    assert f["by_category"]["子育て支援施設"]["after_m2"] == "3000"
    # own: the conversion's net burden stays with 天理市 only
    assert set(r["sharing"]["by_action"]["c"]["by_municipality"]) == {"292044"}


def test_scenario_on_a_road_graph_uses_network_access(tmp_path: Path) -> None:
    import networkx as nx

    g = nx.Graph()
    pts = [(34.5731, 135.7762), (34.5846, 135.7740), (34.6010, 135.8340), (34.5965, 135.8372), (34.5553, 135.7946)]
    for i, (la, lo) in enumerate(pts):
        g.add_node(i, x=lo, y=la)
    for a, b in ((0, 1), (1, 2), (2, 3), (0, 4), (4, 3)):
        g.add_edge(a, b, length=5000.0, speed_kph=40)
    nx.write_graphml(g, tmp_path / "roads.graphml")
    doc = yaml.safe_load(ev.demo_scenario_path("yamato").read_text(encoding="utf-8"))
    doc["travel"] = {"road_graph": "roads.graphml", "threshold_minutes": 30}
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = ev.evaluate_file(p, engine=stub_engine).to_dict()
    assert r["access"]["travel"]["method"] == "road_graph" and r["access"]["travel"]["nodes"] == 5
    after = r["access"]["by_subcategory"]["文化施設"]["after"]["overall"]
    assert after["mean_minutes"] is not None and after["population"] > 100_000


def test_costs_trace_to_facilities() -> None:
    r = ev.evaluate(sc.parse(base_scenario()), inventory(), engine=stub_engine).to_dict()
    c = r["costs"]
    per = c["by_facility"]
    assert sum(v["renewal_baseline_yen"] for v in per.values()) == sum(c["baseline"]["renewal_yen"])
    assert sum(v["operating_scenario_yen"] for v in per.values()) == sum(c["scenario"]["operating_yen"])
    assert per["H2"]["out_of_service_from"] == 2028 and per["H2"]["by_action"] == "merge"
    assert per["H2"]["operating_scenario_yen"] == 20_000_000 * 3  # R7–R9 only


def test_optimiser_style_close_actions() -> None:
    """What `kouiki optimize … --scenario` writes (close actions with facility_id, provenance under source)."""
    doc = {"name": "p-median", "inventory": "x", "horizon_years": 3,
           "source": {"optimizer": {"model": "p-median", "objective": 123.4, "gap": 0.0}},
           "actions": [{"type": "close", "facility_id": "H2", "fiscal_year": 2026},
                       {"type": "close", "facility_id": "H3", "fiscal_year": 2026}]}
    s = sc.parse(doc)
    assert [a.id for a in s.actions] == ["close-1", "close-2"] and s.actions[0].facilities == ["H2"]
    r = ev.evaluate(s, inventory(), demand=[], engine=stub_engine).to_dict()
    assert r["scenario"]["source"]["optimizer"]["model"] == "p-median"
    assert [a["lead_body"] for a in r["scenario"]["actions"]] == ["293610", "293628"]  # the owners
    assert Decimal(r["floor_area"]["before_m2"]) - Decimal(r["floor_area"]["after_m2"]) == 2300
    with pytest.raises(sc.ScenarioError, match="lead_body"):
        sc.parse(base_scenario(lead_body=None))


def test_scenario_naming_a_template_inventory_file(tmp_path: Path) -> None:
    (tmp_path / "inv.csv").write_text(
        "facility_id,municipality_code,name,category,floor_area_m2,built_year,lat,lon,annual_operating_cost_yen\n"
        "H1,292044,天理ホール,市民文化系施設,3000,1980,34.5965,135.8372,60000000\n"
        "H2,293610,川西ホール,市民文化系施設,1500,1985,34.5846,135.7740,20000000\n", encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        "name: file\ninventory: inv.csv\nhorizon_years: 5\nactions:\n"
        "  - {type: consolidate, fiscal_year: R9, lead_body: '292044', sources: [H2], target: H1}\n", encoding="utf-8")
    r = ev.evaluate_file(tmp_path / "s.yaml", engine=stub_engine).to_dict()
    assert r["floor_area"]["cases"][0] == {**r["floor_area"]["cases"][0], "before_m2": "4500", "after_m2": "3000", "reduced": True}
    assert r["scenario"]["actions"][0]["id"] == "consolidate-1"
