"""The fiscal plan table (web/fiscal/form.py): typed entries, the document ↔ rows round trip, cell errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kouiki.fiscal import evaluate
from kouiki.fiscal.plan import MEASURE_FIELDS, fields_of
from kouiki.web.fiscal import form as ff
from tests.hypothesis_budget import examples

TATSUNO, SHISO, KAMIGORI, SAYO = "282294", "282278", "284815", "285013"

PLAN: dict[str, Any] = {"items": [
    {"measure": "comprehensive_central", "municipality": TATSUNO, "fiscal_year": 2026, "cost_yen": 100_000_000,
     "has_vision": True},
    {"measure": "consolidation_study", "municipality": TATSUNO, "fiscal_year": 2026, "cost_yen": 10_000_000,
     "partner_bodies": [TATSUNO, SHISO], "name": "公共施設の広域配置の調査"},
    {"measure": "facility_bond", "municipality": SAYO, "fiscal_year": 2027, "cost_yen": 500_000_000,
     "category": "consolidation", "floor_area_before_m2": 12000, "floor_area_after_m2": "8000.5",
     "national_subsidy_rate": "0.5", "term_years": 20, "grace_years": 3, "repayment": "annuity"},
    {"measure": "training", "municipality": KAMIGORI, "fiscal_year": 2026, "cost_yen": 800_000,
     "conditions": {"priority_in_plan": True, "systematic_program": True, "numeric_target": False}},
]}


@pytest.mark.parametrize(("typed", "yen"), [
    ("12,000,000", 12_000_000), ("1,000万", 10_000_000), ("1000万円", 10_000_000), ("１，２００万", 12_000_000),
    ("1億2,000万", 120_000_000), ("1.5億", 150_000_000), ("0", 0), (" 800,000円 ", 800_000), ("12万3456", 123_456),
])
def test_amounts_are_read_as_officers_type_them(typed: str, yen: int) -> None:
    assert ff.parse_amount(typed) == yen


@pytest.mark.parametrize("typed", ["", "abc", "1,000万x", "-5", "1.5", "万", "1億億"])
def test_a_bad_amount_is_refused_with_a_japanese_reason(typed: str) -> None:
    with pytest.raises(ValueError, match=r"金額|端数|負"):
        ff.parse_amount(typed)


def test_the_table_rows_of_a_plan_show_japanese_years_and_amounts() -> None:
    rows = ff.rows_from_document(PLAN)
    assert rows[0].measure == "comprehensive_central"
    assert rows[0].cells["fiscal_year"] == "令和8年度" and rows[0].cells["cost_yen"] == "100,000,000"
    assert rows[0].cells["has_vision"] == "true"
    assert rows[1].cells["partner_bodies"] == [TATSUNO, SHISO]
    assert rows[3].cells["conditions"] == ["priority_in_plan", "systematic_program"]


def test_a_plan_goes_through_the_table_unchanged() -> None:
    items, errors, where = ff.document_from_rows(ff.rows_from_document(PLAN))
    assert errors == {} and where == [0, 1, 2, 3]
    assert items == PLAN["items"]
    assert evaluate({"items": items}).to_dict() == evaluate(PLAN).to_dict()


def test_keys_the_table_does_not_show_are_kept_and_left_to_the_engine() -> None:
    doc = {"items": [{"measure": "consolidation_study", "municipality": TATSUNO, "fiscal_year": 2026,
                      "cost_yen": 1, "partner_bodies": [TATSUNO, SHISO], "no_such_field": 3}]}
    rows = ff.rows_from_document(doc)
    assert rows[0].extra == {"no_such_field": 3}
    items, _errors, where = ff.document_from_rows(rows)
    assert items == doc["items"]
    result = evaluate({"items": items}).to_dict()
    cells, row_errors, loose = ff.engine_errors(result["errors"], where)
    assert (0, "no_such_field") in cells and "no_such_field" not in "".join(row_errors.get(0, []) + loose)


def test_a_bad_cell_is_named_in_its_cell_and_nothing_else_is_lost() -> None:
    rows = ff.rows_from_document(PLAN)
    rows[0].cells["cost_yen"] = "百万"
    rows[1].cells["fiscal_year"] = "来年"
    items, errors, where = ff.document_from_rows(rows)
    assert set(errors) == {(0, "cost_yen"), (1, "fiscal_year")}
    assert "金額として読めません" in errors[(0, "cost_yen")] and "令和8年度" in errors[(1, "fiscal_year")]
    assert "cost_yen" not in items[0] and where == [0, 1, 2, 3]


def test_engine_errors_land_in_the_cell_in_japanese() -> None:
    doc = {"items": [{"measure": "comprehensive_central", "municipality": TATSUNO, "fiscal_year": 2026,
                      "cost_yen": 1, "has_vision": True},
                     {"measure": "facility_bond", "municipality": SAYO, "fiscal_year": 2027, "cost_yen": 5,
                      "category": "consolidation"}]}
    result = evaluate(doc).to_dict()
    cells, _rows, _loose = ff.engine_errors(result["errors"], [0, 3])
    assert (3, "floor_area_before_m2") in cells
    message = cells[(3, "floor_area_before_m2")]
    assert "floor_area" not in message and "集約化前の延床面積" in message


def test_row_operations_add_copy_and_delete() -> None:
    rows = ff.rows_from_document(PLAN)
    blank = ff.blank_row(TATSUNO, 2026)
    assert len(ff.apply_op(rows, "add", blank)) == 5
    copied = ff.apply_op(rows, "copy:1", blank)
    assert len(copied) == 5 and copied[2] == rows[1] and copied[2] is not rows[1]
    deleted = ff.apply_op(rows, "delete:0", blank)
    assert [r.measure for r in deleted] == ["consolidation_study", "facility_bond", "training"]
    assert ff.apply_op(rows, "delete:99", blank) == rows
    assert blank.blank() and ff.document_from_rows([blank]) == ([], {}, [])


def test_every_measure_appears_once_in_the_four_groups_and_renkei() -> None:
    groups = dict(ff.measure_groups())
    assert list(groups)[:4] == ["定住自立圏", "集約化", "公適債", "人材"]
    ids = [m for ms in groups.values() for m, _label in ms]
    assert sorted(ids) == sorted(MEASURE_FIELDS)
    assert groups["公適債"] == (("facility_bond", "公共施設等適正管理推進事業債（公適債）"),)
    assert all(label and not label.isascii() for ms in groups.values() for _m, label in ms)


def test_every_field_has_a_japanese_label_without_code_notes() -> None:
    for m in MEASURE_FIELDS:
        for spec in fields_of(m).values():
            label = ff.field_label(spec)
            assert label and not label.isascii() and "コード" not in label.replace("団体コード", ""), (m, spec.name)


class _Form:
    """A posted form (a mapping of lists, like Starlette's FormData)."""

    def __init__(self, pairs: list[tuple[str, str]]):
        self.pairs = pairs

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]

    def get(self, key: str, default: Any = None) -> Any:
        vals = self.getlist(key)
        return vals[-1] if vals else default

    def keys(self) -> list[str]:
        return list(dict.fromkeys(k for k, _ in self.pairs))

    def __iter__(self) -> Any:
        return iter(self.keys())


def form_of(rows: list[ff.PlanRow]) -> _Form:
    """What the browser posts for ``rows`` (every shown cell; lists as repeated fields)."""
    pairs = [("rows", str(len(rows)))]
    for i, r in enumerate(rows):
        pairs.append((f"r{i}.measure", r.measure))
        for name, spec in ff.specs_of(r.measure).items():
            if name == "measure":
                continue
            value = r.cells.get(name, [] if spec.type in ("codes", "conditions") else "")
            if isinstance(value, list):
                pairs.append((f"r{i}.{name}.shown", "1"))
                pairs.extend((f"r{i}.{name}", v) for v in value)
            else:
                pairs.append((f"r{i}.{name}", value))
    return _Form(pairs)


def test_the_posted_form_gives_back_the_same_rows() -> None:
    rows = ff.rows_from_document(PLAN)
    again = ff.rows_from_form(form_of(rows))
    items, errors, _where = ff.document_from_rows(again)
    assert errors == {} and items == PLAN["items"]


def test_changing_the_measure_drops_the_old_measures_columns() -> None:
    rows = ff.rows_from_document(PLAN)
    form = form_of(rows[:1])
    form.pairs = [(k, "consolidation_study" if k == "r0.measure" else v) for k, v in form.pairs]
    row = ff.rows_from_form(form)[0]
    assert row.measure == "consolidation_study" and "has_vision" not in row.cells
    assert row.cells["cost_yen"] == "100,000,000" and row.cells["fiscal_year"] == "令和8年度"


# ----- property: document → rows → document and rows → document → rows ------------------------------------------

_CODES = st.sampled_from([TATSUNO, SHISO, KAMIGORI, SAYO])


def _value(spec_type: str, choices: Any) -> st.SearchStrategy[Any]:
    if spec_type == "code":
        return _CODES
    if spec_type == "codes":
        return st.lists(_CODES, min_size=1, max_size=4, unique=True)
    if spec_type in ("yen", "int"):
        return st.integers(0, 10**12)
    if spec_type == "year":
        return st.integers(1990, 2060)
    if spec_type == "bool":
        return st.booleans()
    if spec_type == "rate":
        return st.decimals(0, 1, places=3).map(lambda d: str(d) if d != d.to_integral_value() else int(d))
    if spec_type == "decimal":
        return st.one_of(st.integers(0, 10**6), st.decimals(0, 10**4, places=2).filter(
            lambda d: d != d.to_integral_value()).map(str))
    if spec_type == "choice":
        return st.sampled_from(sorted(set(choices.values())))
    if spec_type == "conditions":
        return st.fixed_dictionaries({c: st.booleans() for c in ("priority_in_plan", "systematic_program",
                                                                  "numeric_target")})
    return st.text(alphabet="施設調査広域化ABC123", min_size=1, max_size=12)


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    measure = draw(st.sampled_from(sorted(MEASURE_FIELDS)))
    item: dict[str, Any] = {"measure": measure}
    for name, spec in fields_of(measure).items():
        if name == "measure":
            continue
        if spec.required or name in ("municipality", "fiscal_year") or draw(st.booleans()):
            item[name] = draw(_value(spec.type, spec.choices))
    return item


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(items(), min_size=1, max_size=5))
def test_property_canonical_documents_survive_the_table(plan_items: list[dict[str, Any]]) -> None:
    rows = ff.rows_from_document({"items": plan_items})
    back, errors, _where = ff.document_from_rows(rows)
    assert errors == {}
    assert back == plan_items
    assert ff.rows_from_document({"items": back}) == rows
    assert ff.document_from_rows(ff.rows_from_form(form_of(rows)))[0] == plan_items


def test_overrides_form_writes_path_year_lines_and_keeps_what_it_cannot_show() -> None:
    stored = ["consolidation_study.cap@2025=6000000", "no.such@2025=1"]
    form = _Form([("ov.consolidation_study.cap@2025", "700万"), ("ov.consolidation_study.rate@2025", "60%"),
                  ("ov.comprehensive_central.in_force@2009", "")])
    lines, typed, errors = ff.overrides_from_form(form, stored)
    assert errors == {} and typed["consolidation_study.cap@2025"] == "700万"
    assert lines == ["consolidation_study.cap@2025=7000000", 'consolidation_study.rate@2025="0.6"', "no.such@2025=1"]
    bad = ff.overrides_from_form(_Form([("ov.consolidation_study.rate@2025", "2")]), [])
    assert "率は0から1" in bad[2]["consolidation_study.rate@2025"] and bad[0] == []


def test_override_summary_is_japanese() -> None:
    text = ff.override_summary(["consolidation_study.cap@2025=6000000"])
    assert text == ["複数団体による公共施設の集約化・複合化等に向けた調査検討経費（特別交付税） 措置上限額（1団体当たり）"
                    "（令和7年度から）: 6,000,000円（既定 5,000,000円）"]


def test_whatif_rows_list_the_parameters_a_plan_uses() -> None:
    result = evaluate(PLAN["items"][:2]).to_dict()
    used = ff.used_parameters(result)
    assert "consolidation_study.cap@2025" in used
    rows = {w["ref"]: w for w in ff.whatif_rows(used, [])}
    cap = rows["consolidation_study.cap@2025"]
    assert cap["label"] == "措置上限額（1団体当たり）" and cap["current"] == "5,000,000円"
    assert cap["year"] == "令和7年度" and cap["confidence"] == "確認済" and "総務省" in cap["source"] and cap["editable"]
