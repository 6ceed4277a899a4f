"""Random items for every measure never crash the engine: they give lines or errors, and lines are sane."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kouiki.fiscal import evaluate
from kouiki.fiscal.plan import CONDITIONS, MEASURE_FIELDS, fields_of
from tests.hypothesis_budget import examples

CODES = ["292044", "293229", "293610", "020001", "022039", "023671", "282014", "271004", "352039", "290009"]


def _value(ftype: str, choices: Any) -> st.SearchStrategy[Any]:
    return {
        "code": st.sampled_from(CODES),
        "codes": st.lists(st.sampled_from(CODES), min_size=1, max_size=3),
        "yen": st.integers(0, 10**10),
        "int": st.integers(0, 40),
        "bool": st.booleans(),
        "year": st.integers(2005, 2032),
        "rate": st.sampled_from(["0", "0.005", "0.3", "0.5", "1"]),
        "decimal": st.sampled_from(["0", "0.4", "1.2", "5000", "12000.5"]),
        "text": st.sampled_from(["公共交通", "観光", "市民文化系施設", "公営住宅", "A"]),
        "choice": st.sampled_from(sorted(set(choices.values()))) if choices else st.just("x"),
        "conditions": st.fixed_dictionaries({c: st.booleans() for c in CONDITIONS}),
    }[ftype]


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    measure = draw(st.sampled_from(sorted(MEASURE_FIELDS)))
    item: dict[str, Any] = {"measure": measure}
    for name, spec in fields_of(measure).items():
        if name == "measure":
            continue
        if spec.required or name in ("cost_yen", "municipality", "fiscal_year") or draw(st.booleans()):
            item[name] = draw(_value(spec.type, spec.choices))
    return item


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=st.lists(items(), min_size=1, max_size=4))
def test_random_plans_give_lines_or_errors(plan: list[dict[str, Any]]) -> None:
    r = evaluate(plan)
    if r.errors:
        assert r.lines == []
        assert all(e["item"] is not None or e["field"] for e in r.errors)
        return
    assert {ln.item for ln in r.lines} == set(range(len(plan)))
    for ln in r.lines:
        assert ln.amount_yen >= 0
        assert ln.cap_yen is None or ln.amount_yen <= ln.cap_yen
        assert ln.confidence in ("confirmed", "unverified", "gap")
        if ln.amount_yen == 0 and ln.kind != "info" and ln.base_yen > 0 and ln.rate is None:
            assert ln.notes, ln  # a zero line without a rate is an ineligible item: it must say why
