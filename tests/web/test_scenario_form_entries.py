"""The scenario form edits every 除却 and 円滑化経費 of a consolidation (not only the first), round-trips a document
saved through the YAML/API unchanged, and places each error beside its field."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest

from kouiki.store import session
from kouiki.web.demo import load_demo_data
from tests.web.conftest import HIROSAKI, KUROISHI, Logged


class _Form(HTMLParser):
    """What a browser submits from the page's ``#scenario-form`` (no button pressed): inputs, checked boxes,
    selected options, textareas. Enough of HTML forms for these pages (no <template> content)."""

    def __init__(self, form_id: str = "scenario-form") -> None:
        super().__init__()
        self.form_id = form_id
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._in_template = 0
        self._select: str | None = None
        self._selected: list[str] = []
        self._first: str | None = None
        self._multiple = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "template":
            self._in_template += 1
        if self._in_template:
            return
        if tag == "form" and a.get("id") == self.form_id:
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._selected, self._first, self._multiple = a.get("name"), [], None, "multiple" in a
        elif tag == "option" and self._select is not None:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self._selected.append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._in_template -= 1
        if self._in_template or not self._in_form:
            return
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select is not None:
            chosen = self._selected or ([] if self._multiple or self._first is None else [self._first])
            self.fields += [(self._select, v) for v in (chosen if self._multiple else chosen[-1:])]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data


def submitted(page: str, form_id: str = "scenario-form", **changes: Any) -> dict[str, Any]:
    """The form data of the page's form ``form_id`` as a browser sends it, with ``changes`` applied."""
    p = _Form(form_id)
    p.feed(page)
    data: dict[str, Any] = {}
    for k, v in p.fields:
        data.setdefault(k, []).append(v)
    out = {k: v[0] if len(v) == 1 else v for k, v in data.items()}
    out.update(changes)
    return out


@pytest.fixture
def halls() -> dict[str, Any]:
    from kouiki.web import service

    with session() as s:
        load_demo_data(s)
        inv = service.region_inventory(s, service.region_or_404(s, "hirosaki"))
    hs = [f for f in inv.facilities if f.category.value == "市民文化系施設"]
    h = next(f for f in hs if f.municipality_code == HIROSAKI)
    k = [f.facility_id for f in hs if f.municipality_code == KUROISHI]
    return {"hall": h.facility_id, "kuroishi": k, "others": [f.facility_id for f in hs if f.facility_id != h.facility_id]}


def _three_demolitions(h: dict[str, Any]) -> dict[str, Any]:
    o = h["others"]
    return {"start_fiscal_year": 2026, "description": "三棟を除却", "actions": [
        {"id": "c1", "type": "consolidate", "fiscal_year": 2028, "lead_body": HIROSAKI, "label": "弘前に集約",
         "sources": o[:3], "target": h["hall"], "construction_cost_yen": 300_000_000, "sharing": "equal",
         "demolitions": [{"facility": o[0], "fiscal_year": 2029, "cost_yen": 40_000_000},
                         {"facility": o[1], "fiscal_year": 2029, "cost_yen": 25_000_000, "land_value_yen": 0},
                         {"facility": o[2], "fiscal_year": 2030, "cost_yen": 18_000_000, "land_value_yen": 9_000_000}],
         "smoothing_costs": [{"fiscal_year": 2027, "cost_yen": 2_000_000, "what": "住民説明会"},
                             {"fiscal_year": 2028, "cost_yen": 5_000_000, "what": "移転", "municipality": KUROISHI}]},
        {"id": "close-2", "type": "close", "fiscal_year": 2030, "facilities": [o[3]]}]}


def _make(u: Logged, doc: dict[str, Any]) -> tuple[int, int]:
    made = u.client.post("/api/regions/hirosaki/scenarios", json={"name": "除却三件", "document": doc}, headers=u.headers())
    assert made.status_code == 201, made.text
    return made.json()["id"], made.json()["version"]


def test_a_yaml_scenario_with_three_demolitions_opens_in_the_form_and_saves_back_unchanged(
    login: Callable[[str], Logged], halls: dict[str, Any]
) -> None:
    u = login("region")
    sid, version = _make(u, _three_demolitions(halls))
    stored = u.client.get(f"/api/scenarios/{sid}").json()["document"]
    page = u.client.get(f"/scenarios/{sid}/edit").text
    assert "YAML で編集）" not in page.replace("YAML で編集（詳細）", "")  # no 「ほかに N 件（YAML で編集）」 left
    for j in range(3):
        assert f'name="a0_demo{j}_cost"' in page
    assert 'name="a0_smooth1_body"' in page and 'value="移転"' in page
    r = u.client.post(f"/scenarios/{sid}/form", data=submitted(page, op="save"), follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    after = u.client.get(f"/api/scenarios/{sid}").json()
    assert after["version"] == version + 1
    assert after["document"]["actions"][0] == stored["actions"][0]
    assert after["document"] == stored


def test_entries_are_added_and_removed_without_javascript(login: Callable[[str], Logged], halls: dict[str, Any]) -> None:
    u = login("region")
    sid, _ = _make(u, _three_demolitions(halls))
    page = u.client.get(f"/scenarios/{sid}/edit").text
    # 除却を追加: the page comes back with a fourth, blank entry and keeps what was typed; nothing is saved
    more = u.client.post(f"/scenarios/{sid}/form", data=submitted(page, op="add-demo-0", name="名前を変えた"))
    assert more.status_code == 200 and 'name="a0_demo3_facility"' in more.text and 'value="名前を変えた"' in more.text
    assert u.client.get(f"/api/scenarios/{sid}").json()["name"] == "除却三件"
    # a blank added entry is not saved; the ticked ones are removed
    data = submitted(more.text, op="save", a0_demo1_remove="1", a0_smooth0_remove="1")
    r = u.client.post(f"/scenarios/{sid}/form", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    a = u.client.get(f"/api/scenarios/{sid}").json()["document"]["actions"][0]
    o = halls["others"]
    assert [d["facility"] for d in a["demolitions"]] == [o[0], o[2]]
    assert a["smoothing_costs"] == [{"fiscal_year": 2028, "cost_yen": 5_000_000, "what": "移転", "municipality": KUROISHI}]
    # 円滑化経費を追加 on a row that has none yet, then a new entry filled in and saved
    page = u.client.get(f"/scenarios/{sid}/edit").text
    more = u.client.post(f"/scenarios/{sid}/form", data=submitted(page, op="add-smooth-0"))
    assert 'name="a0_smooth1_cost"' in more.text
    data = submitted(more.text, op="save", a0_smooth1_cost="1,200,000", a0_smooth1_what="備品")
    assert u.client.post(f"/scenarios/{sid}/form", data=data, follow_redirects=False).status_code == 303
    a = u.client.get(f"/api/scenarios/{sid}").json()["document"]["actions"][0]
    assert a["smoothing_costs"][-1] == {"fiscal_year": 2028, "cost_yen": 1_200_000, "what": "備品"}


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"a0_demo1_cost": "たくさん"}, "a0_demo1_cost", "操作 1 行目の除却 2 件目の「除却費」: 整数で入力してください"),
    ({"a0_demo2_cost": ""}, "a0_demo2_cost", "操作 1 行目の除却 3 件目の「除却費」: 入力してください"),
    ({"a0_demo0_year": ""}, "a0_demo0_year", "操作 1 行目の除却 1 件目の「除却年度」"),
    ({"a0_demo2_land": "-5"}, "a0_demo2_land", "「跡地の土地評価額」: 0 以上にしてください"),
    ({"a0_smooth1_cost": "五百万"}, "a0_smooth1_cost", "操作 1 行目の円滑化経費 2 件目の「経費」"),
    ({"a0_smooth0_body": "131016"}, "a0_smooth0_body", "この圏域の構成団体ではありません"),
    ({"a1_facilities": []}, "a1_facilities", "操作 2 行目の「対象施設」"),
    ({"name": ""}, "name", "「シナリオ名」を入力してください"),
])
def test_each_error_is_shown_at_its_field_in_japanese(
    login: Callable[[str], Logged], halls: dict[str, Any], change: dict[str, Any], field: str, words: str
) -> None:
    u = login("region")
    sid, version = _make(u, _three_demolitions(halls))
    page = u.client.get(f"/scenarios/{sid}/edit").text
    data = submitted(page, op="save", **change)
    if change.get("a1_facilities") == []:
        data.pop("a1_facilities")
    r = u.client.post(f"/scenarios/{sid}/form", data=data)
    assert r.status_code == 400
    assert words in r.text
    # the field is marked and its message sits beside it (after the field, with the id the field points to)
    tag = re.search(rf'<(?:input|select)[^>]*name="{field}"[^>]*>', r.text)
    assert tag and f'aria-describedby="{field}-err"' in tag.group(0) and 'aria-invalid="true"' in tag.group(0)
    assert re.search(rf'<span class="cell-error" id="{field}-err">[^<]*{re.escape(words.split("」: ")[-1][:6])}', r.text)
    assert u.client.get(f"/api/scenarios/{sid}").json()["version"] == version  # nothing saved


def test_schema_errors_of_an_entry_read_as_its_number_and_label() -> None:
    from kouiki.web.regions.scenario_form import explain, place

    msg = "シナリオ「x」: actions[0].demolitions[1].cost_yen: 0 以上"
    assert "操作 2 行目の除却 2 件目の「除却費」" in explain(msg, [2])
    assert place(msg, {"actions[0]": "a1_", "actions[0].demolitions[1]": "a1_demo3_"}) == "a1_demo3_cost"
    assert place("actions[0].sources: x", {"actions[0]": "a1_"}) == "a1_facilities"


def test_the_row_legend_shows_the_number_and_description_not_the_internal_id(
    login: Callable[[str], Logged], halls: dict[str, Any]
) -> None:
    u = login("region")
    sid, _ = _make(u, _three_demolitions(halls))
    page = u.client.get(f"/scenarios/{sid}/edit").text
    legends = re.findall(r'<legend>操作 <span class="row-no">(\d+)</span>([^<]*)</legend>', page)
    assert legends == [("1", ": 弘前に集約"), ("2", "")]
    assert "ID:" not in page
    assert "空欄なら「close-2」" in page  # the id appears only where the results use it: as the action's name


def test_any_list_of_demolitions_and_smoothing_costs_round_trips_through_the_form(
    login: Callable[[str], Logged], halls: dict[str, Any]
) -> None:
    """Property: whatever 除却 and 円滑化経費 a consolidation has (in the form's own way of writing them), opening it
    in the form and saving changes nothing."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.hypothesis_budget import examples

    u = login("region")
    o = halls["others"]
    years = st.integers(2026, 2040)
    yen = st.one_of(st.just(0), st.integers(1, 10**10))  # 0 (the default) as well
    demolition = st.fixed_dictionaries(
        {"facility": st.sampled_from(o[:4]), "fiscal_year": years, "cost_yen": yen},
        optional={"land_value_yen": yen})
    smoothing = st.fixed_dictionaries(
        {"fiscal_year": years, "cost_yen": yen},
        optional={"what": st.text("住民説明移転備品交通支援 ,<&\"'", min_size=1, max_size=12).map(str.strip).filter(bool),
                  "municipality": st.sampled_from([HIROSAKI, KUROISHI])})

    @settings(max_examples=examples(30), deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(demolition, max_size=4), st.lists(smoothing, max_size=4))
    def check(demos: list[dict[str, Any]], smooths: list[dict[str, Any]]) -> None:
        action: dict[str, Any] = {"id": "c1", "type": "consolidate", "fiscal_year": 2028, "lead_body": HIROSAKI,
                                  "sources": o[:2], "target": halls["hall"]}
        if demos:
            action["demolitions"] = demos
        if smooths:
            action["smoothing_costs"] = smooths
        sid, _ = _make(u, {"start_fiscal_year": 2026, "actions": [action]})
        stored = u.client.get(f"/api/scenarios/{sid}").json()["document"]
        page = u.client.get(f"/scenarios/{sid}/edit").text
        r = u.client.post(f"/scenarios/{sid}/form", data=submitted(page, op="save"), follow_redirects=False)
        assert r.status_code == 303, r.text[:2000]
        assert u.client.get(f"/api/scenarios/{sid}").json()["document"] == stored

    check()
