"""The eligibility gates through the CLI and the Python API: the reason stands on the line in human text and
--json; codes in YAML files are read as text; the registry is a parameter (issue 13)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.fiscal import FiscalContext, evaluate
from kouiki.fiscal.eligibility import Decision, teiju_eligibility
from kouiki.reference.regions import Region, Role, bundled_regions

runner = CliRunner()
WRONG_ROLE = """items:
  - {measure: comprehensive_central, municipality: "282278", fiscal_year: R7, cost_yen: 100000000, has_vision: true}
  - {measure: comprehensive_central, municipality: "282294", fiscal_year: R7, cost_yen: 100000000}
"""
REASON = "宍粟市は播磨科学公園都市圏域定住自立圏の近隣市町村です（この措置は中心市が対象）"


def test_a_body_in_the_wrong_role_gets_zero_and_the_reason_in_cli_text_and_json(tmp_path: Path) -> None:
    p = tmp_path / "plan.yaml"
    p.write_text(WRONG_ROLE, encoding="utf-8")
    res = runner.invoke(app, ["fiscal", "evaluate", str(p), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    first, second = out["lines"]
    assert (first["amount_yen"], first["item"], first["item_no"]) == (0, 0, 1)
    assert first["eligibility"]["decision"] == "no" and first["eligibility"]["reason"] == REASON
    assert first["notes"][0] == REASON and "たつの市" in first["notes"][1]  # the source of the decision
    assert second["amount_yen"] == 85_000_000 and second["eligibility"]["decision"] == "yes"
    human = runner.invoke(app, ["fiscal", "evaluate", str(p)])
    assert human.exit_code == 0
    flat = re.sub(r"[\s│┃║]", "", human.output)  # the table may fold the 備考 cell over several lines
    assert "項目1" in human.output and REASON in flat
    assert "項目0" not in human.output


def test_an_unquoted_code_in_a_yaml_plan_is_read_as_written_not_as_an_octal_number(tmp_path: Path) -> None:
    p = tmp_path / "plan.yaml"
    p.write_text("items:\n  - {measure: remote_medicine, municipality: 010006, fiscal_year: R7, cost_yen: 1000}\n",
                 encoding="utf-8")
    out = json.loads(runner.invoke(app, ["fiscal", "evaluate", str(p), "--json"]).stdout)
    assert out["errors"] == []
    (line,) = out["lines"]
    assert line["municipality"] == "010006"  # 北海道, never 041025 (仙台市宮城野区)
    # in no 定住自立圏: the general へき地 measure may apply, and whether the body is a へき地 is not in the registry
    assert line["amount_yen"] == 0 and line["eligibility"]["decision"] == "unknown"
    assert "へき地に該当するかは登録簿に無いため不明" in line["notes"][0]


def test_the_registry_is_a_parameter_so_regions_stored_by_users_are_checked_the_same_way() -> None:
    tenri = next(r for r in bundled_regions() if r.id == "yamato-mahoroba")
    # a user recorded the 第3次 vision (R7–R11) in the store: the same plan is then paid
    data = tenri.model_dump(mode="json")
    data["visions"].append({"title": "第3次大和まほろば広域定住自立圏共生ビジョン", "start_fiscal_year": 2025,
                            "end_fiscal_year": 2029})
    stored = [Region.model_validate(data)]
    # 川西町 is in 大和まほろば only (山添村 is also in 伊賀・山城南・東大和, whose vision is not recorded)
    plan = [{"measure": "comprehensive_neighbor", "municipality": "293610", "fiscal_year": 2025, "cost_yen": 20_000_000}]
    assert evaluate(plan).lines[0].amount_yen == 0
    assert evaluate(plan, context=FiscalContext(regions=stored)).lines[0].amount_yen == 18_000_000
    e = teiju_eligibility("293610", 2025, Role.NEIGHBOR, stored)
    assert e.decision is Decision.YES and "第3次" in e.reason and "天理市" in e.source


def test_a_plan_with_a_malformed_assumed_region_is_refused_naming_the_field() -> None:
    r = evaluate({"assumed_region": {"name": "x", "central": "田原本町"},
                  "items": [{"measure": "remote_medicine", "municipality": "292044", "fiscal_year": 2025, "cost_yen": 1}]})
    assert r.errors and r.errors[0]["field"] == "assumed_region" and "中心市" in r.errors[0]["message"]


def _mahoroba_with_third_vision() -> Region:
    tenri = next(r for r in bundled_regions() if r.id == "yamato-mahoroba")
    data = tenri.model_dump(mode="json")
    data["visions"].append({"title": "第3次大和まほろば広域定住自立圏共生ビジョン", "start_fiscal_year": 2025,
                            "end_fiscal_year": 2029})
    return Region.model_validate(data)


KAWANISHI_PLAN = "items:\n  - {measure: comprehensive_neighbor, municipality: \"293610\", fiscal_year: R7, cost_yen: 20000000}\n"


def test_the_cli_reads_the_regions_stored_in_the_data_folder_like_the_web(tmp_path: Path) -> None:
    from kouiki.store import session
    from kouiki.store.regions import save_region

    with session() as s:  # a user recorded the 第3次 vision in the store (web form, regions import …)
        save_region(s, _mahoroba_with_third_vision(), user="test")
    p = tmp_path / "plan.yaml"
    p.write_text(KAWANISHI_PLAN, encoding="utf-8")
    out = json.loads(runner.invoke(app, ["fiscal", "evaluate", str(p), "--json"]).stdout)
    assert out["lines"][0]["amount_yen"] == 18_000_000 and out["regions_source"]["source"] == "store"
    human = runner.invoke(app, ["fiscal", "evaluate", str(p)])
    assert human.exit_code == 0 and "データフォルダに保存された" in human.output
    cmp = json.loads(runner.invoke(app, ["fiscal", "compare", str(p), "--set", "comprehensive_neighbor.cap@2025=10000000",
                                         "--json"]).stdout)
    assert cmp["regions_source"]["source"] == "store"
    exp = json.loads(runner.invoke(app, ["fiscal", "explain", str(p), "--item", "1", "--json"]).stdout)
    assert exp["lines"][0]["amount_yen"] == 18_000_000


def test_without_a_store_the_cli_says_it_used_the_bundled_registry(tmp_path: Path) -> None:
    from kouiki.settings import database_url

    p = tmp_path / "plan.yaml"
    p.write_text(KAWANISHI_PLAN, encoding="utf-8")
    out = json.loads(runner.invoke(app, ["fiscal", "evaluate", str(p), "--json"]).stdout)
    assert out["lines"][0]["amount_yen"] == 0 and out["regions_source"]["source"] == "bundled"
    human = runner.invoke(app, ["fiscal", "evaluate", str(p)])
    assert "同梱の圏域一覧" in human.output
    assert not Path(database_url()[len("sqlite:///"):]).exists()  # evaluating creates no database


def test_a_renkei_member_is_told_it_is_in_a_renkei_region_not_a_teiju_one() -> None:
    """八戸市 is in the registry (八戸圏域連携中枢都市圏), so 「属していません」 alone would read as a registry gap."""
    e = teiju_eligibility("022039", 2025, Role.CENTRAL)
    assert e.decision is Decision.NO
    assert "八戸圏域連携中枢都市圏の構成団体ですが、この措置は定住自立圏の措置です" in e.reason
    assert "kouiki regions" not in e.source
