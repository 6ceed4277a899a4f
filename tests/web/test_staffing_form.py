"""The staffing plan as forms (web/staffing/form.py and POST /staffing/table): the round trip with the document,
cell errors, row operations, and the same document as ``PUT /api/regions/{id}/staffing``."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from kouiki.staffing import case_from_dict, evaluate_support
from kouiki.staffing.io import read_mapping, strip_lines
from kouiki.store import session
from kouiki.store.staffing import get_staffing_plan
from kouiki.web.staffing import form as sf
from tests.hypothesis_budget import examples
from tests.web.conftest import Logged

REGION = "harima-kagaku-koen"


def demo_case() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(strip_lines(read_mapping("demo")[0]), default=str))
    return data


def test_the_demo_case_goes_through_the_forms_unchanged() -> None:
    case = demo_case()
    form = sf.form_from_document(case)
    assert form.years_from == "令和7年度" and form.sections["posts"][0].cells["salary_yen"] == "6400000"
    assert "青森県\t2025-03-14" in form.sections["agreements"][0].cells["council_votes"]  # 議決日: a date per party
    doc, errors, _where = sf.document_from_form(form)
    assert errors == {} and doc == case


def _post_pairs(form: sf.CaseForm) -> list[tuple[str, str]]:
    """What the browser posts for ``form``."""
    pairs = [("title", form.title), ("years_from", form.years_from), ("years_to", form.years_to)]
    if form.top_extra:
        pairs.append(("_top_extra", json.dumps(form.top_extra, ensure_ascii=False)))
    pairs += [("present", p) for p in sorted(form.present)]
    for sec, (_label, cols) in sf.SECTIONS.items():
        pairs.append((f"{sec}_rows", str(len(form.sections[sec]))))
        for i, row in enumerate(form.sections[sec]):
            if row.extra:
                pairs.append((f"{sec}{i}._extra", json.dumps(row.extra, ensure_ascii=False)))
            for col in cols:
                v = row.cells.get(col.key, [] if col.kind in ("bodies", "votes") else "")
                if col.kind == "votes":  # one body and date pair per party, as the page posts them
                    pairs.append((f"{sec}{i}.{col.key}.shown", str(len(v))))
                    for j, entry in enumerate(v):
                        body, _, date = entry.partition(sf.VOTE_SEP)
                        pairs += [(f"{sec}{i}.{col.key}.{j}.body", body), (f"{sec}{i}.{col.key}.{j}.date", date)]
                elif isinstance(v, list):
                    pairs.append((f"{sec}{i}.{col.key}.shown", "1"))
                    pairs += [(f"{sec}{i}.{col.key}", x) for x in v]
                else:
                    pairs.append((f"{sec}{i}.{col.key}", v))
    return pairs


class _Form:
    def __init__(self, pairs: list[tuple[str, str]]):
        self.pairs = pairs

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]

    def keys(self) -> list[str]:
        return list(dict.fromkeys(k for k, _ in self.pairs))


def test_the_posted_forms_give_back_the_demo_case() -> None:
    case = demo_case()
    again = sf.form_from_post(_Form(_post_pairs(sf.form_from_document(case))))
    assert sf.document_from_form(again)[0] == case


def test_bad_cells_are_named_in_their_cells() -> None:
    form = sf.form_from_document(demo_case())
    form.sections["posts"][1].cells["salary_yen"] = "五百万"
    form.sections["secondments"][0].cells["from_year"] = "来年"
    _doc, errors, _where = sf.document_from_form(form)
    assert set(errors) == {("posts", 1, "salary_yen"), ("secondments", 0, "from_year")}
    assert "金額として読めません" in errors[("posts", 1, "salary_yen")]


def test_an_engine_message_lands_in_the_cell_it_names() -> None:
    msg = "入力（posts（ポスト） 2件目） 項目「salary_yen」: 必須項目が空です (required)"
    cells, rows, loose = sf.place_error(msg, {"posts": [0, 3]})
    assert cells == {("posts", 3, "salary_yen"): "必須項目が空です (required)"} and rows == {} and loose == []
    assert sf.place_error("入力: 対象年度（years）を指定してください", {})[2] == ["入力: 対象年度（years）を指定してください"]


def test_row_operations() -> None:
    form = sf.form_from_document(demo_case())
    n = len(form.sections["posts"])
    sf.apply_op(form, "copy:posts:0")
    assert len(form.sections["posts"]) == n + 1 and form.sections["posts"][1] == form.sections["posts"][0]
    sf.apply_op(form, "delete:posts:0")
    sf.apply_op(form, "add:demand")
    assert len(form.sections["posts"]) == n and form.sections["demand"][-1].blank()
    assert sf.document_from_form(form)[0]["demand"] == demo_case()["demand"]  # a blank row is not saved


_BODIES = st.sampled_from(["兵庫県たつの市", "兵庫県宍粟市", "兵庫県上郡町", "兵庫県佐用町"])
_YEARS = st.integers(2020, 2040).map(lambda y: f"R{y - 2018}")


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    posts = [{"id": f"P-{i}", "employer": "兵庫県", "type": draw(st.sampled_from(["保健師", "土木", "DX"])),
              "employment": draw(st.sampled_from(["常勤", "任期付", "非常勤"])),
              "salary_yen": draw(st.integers(0, 10**9)), "start_year": draw(_YEARS)}
             for i in range(draw(st.integers(0, 3)))]
    for p in posts:
        if draw(st.booleans()):
            p["fte"] = draw(st.sampled_from(["0.5", "0.8", 1]))
        if draw(st.booleans()):
            p["hired_as_specialist"] = draw(st.booleans())
    secondments = [{"post": p["id"], "receiver": draw(_BODIES), "days_per_week": draw(st.sampled_from([1, 2, "0.5"])),
                    "type": draw(st.sampled_from(["協約派遣", "自治法派遣"])),
                    "contribution_rate": draw(st.sampled_from(["0.5", "0.25"]))} for p in posts]
    demand = [{"body": draw(_BODIES), "type": "保健師", "fte": draw(st.sampled_from(["0.4", 1]))}
              for _ in range(draw(st.integers(0, 2)))]
    return {"title": draw(st.text(alphabet="圏域人材計画", min_size=1, max_size=8)),
            "years": {"from": "R8", "to": "R10"},
            "agreements": [{"id": "K-1", "parties": ["兵庫県", "兵庫県たつの市"], "sender": "兵庫県",
                            "expertise": ["保健師", "土木"]}],
            "posts": posts, "secondments": secondments, "demand": demand}


@settings(max_examples=examples(40), deadline=None)
@given(cases())
def test_property_canonical_cases_survive_the_forms(case: dict[str, Any]) -> None:
    form = sf.form_from_document(case)
    doc, errors, _where = sf.document_from_form(form)
    assert errors == {} and doc == case
    assert sf.form_from_document(doc) == form
    assert sf.document_from_form(sf.form_from_post(_Form(_post_pairs(form))))[0] == case


# ----- the page ---------------------------------------------------------------------------------------------------

def _post(u: Logged, pairs: list[tuple[str, str]]) -> tuple[int, str]:
    r = u.client.post("/staffing/table", content=urlencode(pairs), follow_redirects=False,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    return r.status_code, r.text


def _with_post(u: Logged, salary: str, op: str) -> list[tuple[str, str]]:
    page = u.client.get(f"/staffing?region={REGION}").text
    assert "詳細（テキストで編集）" in page and 'name="agreements0.id" value="K-1"' in page
    form = sf.form_from_document(case_from_page(page))
    form.sections["agreements"][0].cells.update({
        "basic_policy": "県と圏域市町村が連携して専門人材を確保する", "role_split": "県が採用し、町は負担金を払う",
        "expertise": "保健師", "concluded_on": "2026-03-31"})
    form.sections["posts"].append(sf.Row(cells={
        "id": "HN-1", "name": "保健師（市町村支援）", "employer": "兵庫県", "type": "保健師", "employment": "任期付",
        "salary_yen": salary, "start_year": "令和8年度", "base": "兵庫県たつの市", "main_duty_municipal_support": "true",
        "hired_as_specialist": "true"}))
    form.sections["secondments"].append(sf.Row(cells={
        "post": "HN-1", "receiver": "兵庫県佐用町", "days_per_week": "2", "type": "協約派遣", "contribution_rate": "50%"}))
    return [("csrf_token", u.csrf), ("region", REGION), ("version", ""), ("op", op), *_post_pairs(form)]


def case_from_page(page: str) -> dict[str, Any]:
    import yaml

    text = re.search(r'<textarea id="case" name="case"[^>]*>(.*?)</textarea>', page, re.S)
    assert text is not None
    data: dict[str, Any] = yaml.safe_load(html.unescape(text.group(1)))
    return data


def test_a_post_entered_in_the_forms_is_saved_as_the_api_document(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    status, page = _post(u, _with_post(u, "五百八十万", "save"))
    assert status == 400 and 'id="posts0-salary-yen-err"' in page and "金額として読めません" in html.unescape(page)
    with session() as s:
        assert get_staffing_plan(s, REGION) is None
    status, page = _post(u, _with_post(u, "580万", "evaluate"))
    assert status == 200 and "特別交付税の措置" in page
    status, _ = _post(u, _with_post(u, "580万", "save"))
    assert status == 303
    got = u.client.get(f"/api/regions/{REGION}/staffing").json()
    assert got["saved"] is True and got["version"] == 1
    assert got["case"]["posts"] == [{"id": "HN-1", "name": "保健師（市町村支援）", "employer": "兵庫県", "type": "保健師",
                                     "employment": "任期付", "salary_yen": 5_800_000, "start_year": "R8",
                                     "base": "兵庫県たつの市", "main_duty_municipal_support": True,
                                     "hired_as_specialist": True}]
    assert got["case"]["secondments"] == [{"post": "HN-1", "receiver": "兵庫県佐用町", "days_per_week": 2,
                                           "type": "協約派遣", "contribution_rate": "0.5"}]
    expected = evaluate_support(case_from_dict(got["case"], "x")).to_dict()["totals"]
    assert got["result"]["totals"]["support_yen"] == expected["support_yen"] > 0


def test_amounts_are_yen_number_inputs_and_dates_date_inputs(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    status, page = _post(u, _with_post(u, "5800000", "evaluate"))
    assert status == 200
    salary = re.search(r'<input id="posts0-salary-yen"[^>]*>(<span class="unit">円</span>)?', page)
    assert salary and salary.group(1), page[:200]
    assert all(a in salary.group(0) for a in ('type="number"', 'min="0"', 'step="1"', 'value="5800000"'))
    days = re.search(r'<input id="secondments0-days-per-week"[^>]*>', page)
    assert days and 'type="number"' in days.group(0) and 'step="any"' in days.group(0)
    concluded = re.search(r'<input id="agreements0-concluded-on"[^>]*>', page)
    assert concluded and 'type="date"' in concluded.group(0) and 'value="2026-03-31"' in concluded.group(0)
    # a date that does not exist is refused at its cell, in Japanese; nothing is saved
    pairs = [(k, "2026-02-30" if k == "agreements0.concluded_on" else v) for k, v in _with_post(u, "5800000", "save")]
    status, page = _post(u, pairs)
    err = re.search(r'id="agreements0-concluded-on-err">([^<]*)<', page)
    assert status == 400 and err and "その日付はありません" in html.unescape(err.group(1))
    with session() as s:
        assert get_staffing_plan(s, REGION) is None
    # an entry a number input could not show comes back as text, as typed (a number input would drop it)
    status, page = _post(u, _with_post(u, "五百八十万", "evaluate"))
    salary = re.search(r'<input id="posts0-salary-yen"[^>]*>', page)
    assert status == 400 and salary and 'type="number"' not in salary.group(0) and 'value="五百八十万"' in salary.group(0)


def test_council_vote_dates_are_entered_per_party_without_yaml(login: Callable[[str], Logged]) -> None:
    """議会の議決日 of a 連携協約: one date input per 当事者 in the table, saved as the format's ``council_votes``."""
    u = login("admin")
    pairs = _with_post(u, "5800000", "evaluate")
    parties = [v for k, v in pairs if k == "agreements0.parties"]
    assert parties, pairs
    status, page = _post(u, pairs)
    assert status == 200
    inputs = re.findall(r'<input id="agreements0-council-votes-(\d+)" name="agreements0.council_votes.\1.date" type="date"', page)
    assert len(inputs) == len(parties)
    assert "表にない項目: 議会の議決日" not in page
    votes = [("agreements0.council_votes.shown", str(len(parties)))]
    for j, party in enumerate(parties):
        votes += [(f"agreements0.council_votes.{j}.body", party),
                  (f"agreements0.council_votes.{j}.date", "2026-03-20" if j == 0 else "")]
    base = [(k, v) for k, v in _with_post(u, "5800000", "save") if not k.startswith("agreements0.council_votes")]
    bad = [(k, "2026-02-30" if k == "agreements0.council_votes.0.date" else v) for k, v in base + votes]
    status, page = _post(u, bad)
    err = re.search(r'id="agreements0-council-votes-err">([^<]*)<', page)
    assert status == 400 and err and f"{parties[0]}: その日付はありません" in html.unescape(err.group(1))
    status, _ = _post(u, base + votes)
    assert status == 303
    got = u.client.get(f"/api/regions/{REGION}/staffing").json()
    assert got["case"]["agreements"][0]["council_votes"] == {parties[0]: "2026-03-20"}
    page = u.client.get(f"/staffing?region={REGION}").text
    assert re.search(r'name="agreements0.council_votes.0.date" type="date" value="2026-03-20"', page)


def test_an_engine_error_is_shown_in_the_cell_and_nothing_is_saved(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    pairs = [(k, "兵庫県" if k == "secondments0.receiver" else v) for k, v in _with_post(u, "580万", "save")]
    status, page = _post(u, pairs)  # the receiver is the employer itself
    assert status == 400
    err = re.search(r'id="secondments0-receiver-err">([^<]*)<', page)
    assert err and "派遣先が採用団体と同じです" in html.unescape(err.group(1))
    with session() as s:
        assert get_staffing_plan(s, REGION) is None


def test_staffing_rows_can_be_added_copied_and_deleted(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    pairs = _with_post(u, "580万", "copy:posts:0")
    status, page = _post(u, pairs)
    assert status == 200 and 'id="posts-row-2"' in page
    status, page = _post(u, [(k, "delete:agreements:0" if k == "op" else v) for k, v in pairs])
    assert status == 200 and 'id="agreements-row-1"' not in page
    status, page = _post(u, [(k, "add:demand" if k == "op" else v) for k, v in pairs])
    assert status == 200 and 'id="demand-row-1"' in page


def test_a_what_if_on_the_saved_plan_recomputes_the_burden_without_saving(login: Callable[[str], Logged]) -> None:
    """The plan editor's 「計算する」 (next to save) is the what-if: change 週日数 and 負担率, see the burden and the
    measures again; the stored plan and its version stay as they were."""
    u = login("admin")
    assert _post(u, _with_post(u, "580万", "save"))[0] == 303
    page = u.client.get(f"/staffing?region={REGION}").text
    assert 'name="op" value="evaluate">計算する</button>' in page and 'name="op" value="save"' in page
    form = sf.form_from_document(case_from_page(page))
    (row,) = [r for r in form.sections["secondments"] if r.cells.get("post") == "HN-1"]
    row.cells.update({"days_per_week": "4", "contribution_rate": "25%"})
    pairs = [("csrf_token", u.csrf), ("region", REGION), ("version", "1"), ("op", "evaluate"), *_post_pairs(form)]
    status, whatif = _post(u, pairs)
    assert status == 200
    changed = case_from_page(whatif)
    hn = [x for x in changed["secondments"] if x["post"] == "HN-1"]
    assert hn and hn[0]["days_per_week"] == 4
    totals = evaluate_support(case_from_dict(changed, "x")).to_dict()["totals"]
    saved = u.client.get(f"/api/regions/{REGION}/staffing").json()
    assert totals != saved["result"]["totals"]  # the what-if differs from the stored plan …
    assert f"{round(totals['support_yen'] / 1000):,}" in whatif  # … and the page shows the what-if's figures
    assert saved["version"] == 1  # nothing was saved
    assert [x["days_per_week"] for x in saved["case"]["secondments"] if x["post"] == "HN-1"] == [2]
