from __future__ import annotations

from typing import Any

import pytest

from kouiki.staffing import support as support_mod
from kouiki.staffing.io import case_from_dict, load_case
from kouiki.staffing.support import FiscalEngineUnavailable, evaluate_support
from tests.staffing.helpers import NISHIMEYA, OWANI, PREF, case_dict


def fake_engine(plan: dict[str, Any]) -> dict[str, Any]:
    """A stand-in for kouiki.fiscal.evaluate: one line per item, amount = cost // 2 (aggregation only)."""
    lines = []
    for i, item in enumerate(plan["items"]):
        base = item["cost_yen"] - item.get("contribution_yen", 0) if item["measure"] == "specialist_salary" else item["cost_yen"]
        lines.append({"item": i, "measure": item["measure"], "municipality": item["municipality"],
                      "fiscal_year": item["fiscal_year"], "kind": "special_allocation_tax",
                      "base_yen": base, "amount_yen": base // 2, "notes": []})
    return {"lines": lines, "warnings": [{"item": 0, "message": "test warning"}], "errors": []}


def test_net_cost_per_body_and_year() -> None:
    case = case_from_dict(case_dict(), "t.yaml")
    res = evaluate_support(case, evaluator=fake_engine)
    by = {(b["municipality"], b["fiscal_year"]): b for b in res.bodies}
    pref = by[(PREF, 2025)]
    # salary parts 3,600,001 + 1,800,000 (0.3), recruiting 1,000,001, 負担金 received 1,800,000
    assert pref["salary_yen"] == 5_400_001
    assert pref["gross_cost_yen"] == 6_400_002
    expected_support = sum(ln["amount_yen"] for ln in res.lines if ln["municipality"] == PREF and ln["fiscal_year"] == 2025)
    assert pref["support_yen"] == expected_support
    assert pref["net_cost_yen"] == 6_400_002 - 1_800_000 - expected_support
    owani = by[(OWANI, 2025)]
    assert owani["contribution_paid_yen"] == 1_800_000
    assert owani["net_cost_yen"] == 1_800_000 - 900_000
    assert (NISHIMEYA, 2025) in by
    d = res.to_dict()
    assert d["totals"]["net_cost_yen"] == sum(b["net_cost_yen"] for b in res.bodies)
    assert set(d["totals"]["by_fiscal_year"]) == {"2025", "2026"}
    assert "test warning（項目 1）" in res.warnings  # items from 1, as people read them


def test_lines_carry_origin_and_staffing_refusals() -> None:
    data = case_dict()
    data["posts"][0].update(employment="常勤", main_duty_municipal_support=False, hired_as_specialist=True)
    res = evaluate_support(case_from_dict(data), evaluator=fake_engine)
    staffing = [ln for ln in res.lines if ln["source"] == "staffing"]
    assert staffing and all(ln["amount_yen"] == 0 and ln["notes"] for ln in staffing)
    assert {ln["measure"] for ln in staffing} == {"specialist_salary", "specialist_contribution"}
    fiscal = [ln for ln in res.lines if ln["source"] == "fiscal"]
    assert fiscal and all(ln["origin"]["post"] == "P1" for ln in fiscal)


def test_without_engine_support_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(overrides: Any = None) -> Any:
        raise FiscalEngineUnavailable("no engine")

    monkeypatch.setattr(support_mod, "fiscal_evaluator", unavailable)
    res = evaluate_support(load_case("demo"))
    assert all(b["support_yen"] is None and b["net_cost_yen"] is None for b in res.bodies)
    assert res.to_dict()["totals"]["support_yen"] is None
    assert res.warnings[0] == "no engine"
    assert any(ln["source"] == "staffing" for ln in res.lines)  # TX-1 refusal still explained


def test_engine_errors_are_reported() -> None:
    def broken(plan: dict[str, Any]) -> dict[str, Any]:
        return {"lines": [], "errors": [{"item": 0, "field": "receiver", "message": "bad"}]}

    from kouiki.reference.errors import KouikiError

    with pytest.raises(KouikiError, match="項目1 receiver: bad"):  # items from 1
        evaluate_support(case_from_dict(case_dict()), evaluator=broken)


def test_with_the_real_fiscal_engine() -> None:
    pytest.importorskip("kouiki.fiscal")
    res = evaluate_support(load_case("demo"))
    assert res.fiscal.get("errors") == []
    by = {(b["municipality"], b["fiscal_year"]): b for b in res.bodies}
    # 青森県 claims on salary/recruitment; 大鰐町 claims on its 自治法派遣 負担金 (CE-1, 300万 → 150万)
    assert by[("020001", 2025)]["support_yen"] > 0
    owani_con = [ln for ln in res.lines if ln["municipality"] == "023621" and ln["measure"] == "specialist_contribution"
                 and ln["fiscal_year"] == 2025 and ln["origin"]["post"] == "CE-1"]
    assert owani_con and owani_con[0]["amount_yen"] == 1_500_000
    # the 自治法派遣 salary claim of the sender is refused by the engine with a reason
    ce_sal = [ln for ln in res.lines if ln["measure"] == "specialist_salary" and ln["origin"]["post"] == "CE-1"]
    assert ce_sal and all(ln["amount_yen"] == 0 and ln["notes"] for ln in ce_sal)


def test_a_shared_person_gets_one_persons_cap_split_over_the_receivers() -> None:
    pytest.importorskip("kouiki.fiscal")
    data = case_dict()
    # 0.6 → 18M and 0.3 → 9M of salary; × 0.5 = 9M and 4.5M. One person's cap (6M) is split 2:1 by the
    # shares (persons 0.6667 / 0.3333 → caps 4,000,200 / 1,999,800), so the two items add up to 6M, not 6M + 4.5M.
    data["posts"][0]["salary_yen"] = 30_000_000
    data["secondments"][0].pop("contribution_rate")
    res = evaluate_support(case_from_dict(data))
    sal = [ln for ln in res.lines if ln["measure"] == "specialist_salary" and ln["fiscal_year"] == 2025]
    assert sorted(ln["amount_yen"] for ln in sal) == [1_999_800, 4_000_200]
    assert sum(ln["amount_yen"] for ln in sal) == 6_000_000


def test_totals_by_municipality_over_the_period() -> None:
    res = evaluate_support(case_from_dict(case_dict()), evaluator=fake_engine)
    totals = res.to_dict()["totals"]
    pref = totals["by_municipality"][PREF]
    assert pref["net_cost_yen"] == sum(b["net_cost_yen"] for b in res.bodies if b["municipality"] == PREF)
    assert sum(v["support_yen"] for v in totals["by_municipality"].values()) == totals["support_yen"]
