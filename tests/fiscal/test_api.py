"""The Python API other capabilities rely on: injectable look-ups, plans as objects, stable result shape."""

from __future__ import annotations

import dataclasses

from kouiki.fiscal import FiscalContext, PlanError, evaluate, load_plan
from kouiki.fiscal.api import default_body_lookup
from kouiki.fiscal.params import packaged
from kouiki.reference.municipalities import Kind


def test_vision_lookup_is_injectable() -> None:
    calls: list[tuple[str, int]] = []

    def lookup(code: str, year: int) -> bool | None:
        calls.append((code, year))
        return year >= 2020

    ctx = FiscalContext(vision_lookup=lookup)
    plan = [{"measure": "comprehensive_neighbor", "municipality": "293229", "fiscal_year": y, "cost_yen": 20_000_000}
            for y in (2019, 2020)]
    r = evaluate(plan, context=ctx)
    assert calls == [("293229", 2019), ("293229", 2020)]
    assert [ln.amount_yen for ln in r.lines] == [0, 15_000_000]


def test_body_lookup_is_injectable_for_a_designation_scenario() -> None:
    """What if 田舎館村 were a 中核市: the specialist measure then excludes it."""

    def bodies(code: str, year: int):  # type: ignore[no-untyped-def]
        b = default_body_lookup(code, year)
        return dataclasses.replace(b, kind=Kind.CORE_CITY) if code == "023671" else b

    item = {"measure": "specialist_salary", "municipality": "020001", "fiscal_year": 2025, "cost_yen": 9_000_000,
            "receiver": "023671", "secondment": "agreement"}
    assert evaluate([item]).lines[0].amount_yen == 4_500_000
    assert evaluate([item], context=FiscalContext(body_lookup=bodies)).lines[0].amount_yen == 0


def test_plans_can_be_passed_as_validated_objects_and_params_pinned() -> None:
    plan = load_plan([{"measure": "remote_medicine", "municipality": "285013", "fiscal_year": 2025, "cost_yen": 1000}])
    r = evaluate(plan, context=FiscalContext(params=packaged()))
    assert r.ok and r.lines[0].amount_yen == 800
    d = r.to_dict()
    assert set(d) == {"lines", "totals", "warnings", "errors", "scenario", "summary"}
    assert set(d["lines"][0]) == {"item", "item_no", "measure", "measure_label", "municipality", "fiscal_year", "kind", "base_yen", "rate",
                                  "cap_yen", "amount_yen", "parameters", "citation", "confidence", "notes",
                                  "eligibility", "warnings", "tags"}


def test_load_plan_raises_plan_error_listing_every_issue() -> None:
    try:
        load_plan({"items": [{"measure": "remote_medicine"}, {"measure": "nope"}]})
    except PlanError as exc:
        fields = {(i.item, i.field) for i in exc.issues}
        assert {(0, "municipality"), (0, "fiscal_year"), (0, "cost_yen"), (1, "measure")} <= fields
    else:
        raise AssertionError("no PlanError")


def test_a_share_of_one_person_gets_that_share_of_the_per_person_cap() -> None:
    item = {"measure": "specialist_salary", "municipality": "020001", "fiscal_year": 2025, "cost_yen": 30_000_000,
            "receiver": "023434", "secondment": "agreement"}
    whole = evaluate([item]).lines[0]
    assert (whole.cap_yen, whole.amount_yen) == (6_000_000, 6_000_000)
    third = evaluate([item | {"persons": "0.3333"}]).lines[0]
    assert (third.cap_yen, third.amount_yen) == (1_999_800, 1_999_800)  # 6,000,000 × 0.3333, 円未満切捨て
    two = evaluate([item | {"persons": 2}]).lines[0]
    assert (two.cap_yen, two.amount_yen) == (12_000_000, 12_000_000)
    bad = evaluate([item | {"persons": "-1"}])
    assert not bad.ok and "persons" in str(bad.errors[0])
