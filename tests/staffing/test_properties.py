"""Property tests: money identities hold exactly for any shares, salaries and contribution rates."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kouiki.staffing.io import case_from_dict
from kouiki.staffing.items import build_items, flows_by_body
from kouiki.staffing.support import evaluate_support
from tests.hypothesis_budget import examples
from tests.staffing.helpers import NISHIMEYA, OWANI, case_dict
from tests.staffing.test_support import fake_engine

tenths = st.integers(min_value=1, max_value=10).map(lambda n: Decimal(n) / 10)


@settings(max_examples=examples(60), deadline=None)
@given(
    salary=st.integers(min_value=0, max_value=20_000_000),
    recruiting=st.integers(min_value=0, max_value=3_000_000),
    a=tenths,
    b=tenths,
    rate=st.sampled_from(["0", "0.25", "0.5", "1"]),
)
def test_money_identities(salary: int, recruiting: int, a: Decimal, b: Decimal, rate: str) -> None:
    if a + b > 1:
        b = 1 - a if a < 1 else Decimal(0)
    data = case_dict()
    data["posts"][0].update(salary_yen=salary, recruiting_cost_yen=recruiting)
    secs = [{"post": "P1", "receiver": OWANI, "share": str(a), "contribution_rate": rate}]
    if b > 0:
        secs.append({"post": "P1", "receiver": NISHIMEYA, "share": str(b), "contribution_rate": rate})
    data["secondments"] = secs
    case = case_from_dict(data)
    items = build_items(case)
    for year in case.years:
        parts = sum(i["cost_yen"] for i in items.items if i["measure"] == "specialist_salary" and i["fiscal_year"] == year)
        assert parts + items.own_work[("P1", year)] == salary  # the salary is split to the yen
    rec = sum(i["cost_yen"] for i in items.items if i["measure"] == "specialist_recruitment")
    assert rec == recruiting
    flows = flows_by_body(items)
    paid = sum(f["contribution_paid_yen"] for f in flows.values())
    received = sum(f["contribution_received_yen"] for f in flows.values())
    assert paid == received
    res = evaluate_support(case, evaluator=fake_engine)
    for body in res.bodies:
        assert body["net_cost_yen"] == (
            body["salary_yen"] + body["recruiting_yen"] + body["contribution_paid_yen"]
            - body["contribution_received_yen"] - body["support_yen"]
        )
