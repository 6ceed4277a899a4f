"""The fiscal page's table and what-if form (POST /fiscal/table): the same document as the JSON API, errors in
their cells, nothing saved while any remain, and no YAML or internal identifier outside the text toggle."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from urllib.parse import urlencode

from openpyxl import load_workbook

from kouiki.fiscal import evaluate
from kouiki.store import session
from kouiki.store.fiscal_plans import get_plan
from tests.web.conftest import Logged

REGION = "harima-kagaku-koen"
TATSUNO, SHISO, SAYO = "282294", "282278", "285013"


def _form(u: Logged, **extra: str) -> dict[str, str]:
    base = {"csrf_token": u.csrf, "region": REGION, "version": "", "rows": "3",
            "r0.measure": "comprehensive_central", "r0.municipality": TATSUNO, "r0.fiscal_year": "令和8年度",
            "r0.cost_yen": "1億", "r0.has_vision": "true",
            "r1.measure": "comprehensive_neighbor", "r1.municipality": SHISO, "r1.fiscal_year": "R8",
            "r1.cost_yen": "2,000万", "r1.has_vision": "true",
            "r2.measure": "consolidation_study", "r2.municipality": TATSUNO, "r2.fiscal_year": "令和8年度",
            "r2.cost_yen": "1,000万", "r2.partner_bodies.shown": "1", "r2.name": "公共施設の広域配置の調査"}
    base.update(extra)
    return base


def _post(u: Logged, data: dict[str, str], partners: tuple[str, ...] = (TATSUNO, SAYO)) -> tuple[int, str]:
    body = list(data.items()) + [("r2.partner_bodies", p) for p in partners]
    r = u.client.post("/fiscal/table", content=urlencode(body), follow_redirects=False,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    return r.status_code, r.text


EXPECTED = [
    {"measure": "comprehensive_central", "municipality": TATSUNO, "fiscal_year": 2026, "cost_yen": 100_000_000,
     "has_vision": True},
    {"measure": "comprehensive_neighbor", "municipality": SHISO, "fiscal_year": 2026, "cost_yen": 20_000_000,
     "has_vision": True},
    {"measure": "consolidation_study", "municipality": TATSUNO, "fiscal_year": 2026, "cost_yen": 10_000_000,
     "name": "公共施設の広域配置の調査", "partner_bodies": [TATSUNO, SAYO]},
]


def test_the_table_saves_the_same_document_as_the_json_api(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    status, _ = _post(u, _form(u, op="save"))
    assert status == 303
    got = u.client.get(f"/api/regions/{REGION}/fiscal-plan").json()
    assert got["saved"] is True and got["version"] == 1
    assert got["plan"]["items"] == EXPECTED and got["overrides"] == []
    assert got["result"]["totals"] == evaluate({"items": EXPECTED}).to_dict()["totals"]


def test_a_bad_cell_shows_in_its_cell_and_nothing_is_saved(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    status, page = _post(u, _form(u, op="save", **{"r1.cost_yen": "二千万", "r2.fiscal_year": "来年度"}))
    assert status == 400
    with session() as s:
        assert get_plan(s, REGION) is None
    cost = re.search(r'id="r1-cost-yen"[^>]*>\s*<span class="cell-error" id="r1-cost-yen-err">([^<]*)<', page)
    assert cost and "金額として読めません" in html.unescape(cost.group(1))
    year = re.search(r'id="r2-fiscal-year-err">([^<]*)<', page)
    assert year and "令和8年度" in html.unescape(year.group(1))
    assert 'value="二千万"' in page  # the officer's entry is shown back as typed
    assert "誤りが 2 件" in page


def test_an_engine_error_lands_in_the_cell_of_the_field(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    status, page = _post(u, _form(u, op="save", **{"r2.measure": "facility_bond", "r2.category": "consolidation"}))
    assert status == 400
    err = re.search(r'id="r2-floor-area-before-m2-err">([^<]*)<', page)
    assert err and "集約化前の延床面積" in html.unescape(err.group(1)) and "floor_area" not in err.group(1)
    with session() as s:
        assert get_plan(s, REGION) is None


def test_add_copy_and_delete_rows_redraw_the_table(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    status, page = _post(u, _form(u, op="copy:2"))
    assert status == 200 and 'id="row-4"' in page and page.count('value="公共施設の広域配置の調査"') == 2
    status, page = _post(u, _form(u, op="delete:0"))
    assert status == 200 and 'id="row-3"' not in page and 'id="row-2"' in page
    status, page = _post(u, _form(u, op="add"))
    assert status == 200 and 'id="row-4"' in page and 'name="r3.measure"' in page


def test_choosing_a_measure_shows_its_columns_with_labels_and_units(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    status, page = _post(u, _form(u, op="refresh", **{"r0.measure": "facility_bond"}))
    assert status == 200
    row1 = page[page.index('id="row-1"'):page.index("</tr>", page.index('id="row-1"'))]
    for label in ("公適債の区分", "集約化前の延床面積（㎡、案件全体）", "集約化後の延床面積（㎡、案件全体）", "償還年限（据置含む）"):
        assert label in row1
    assert "共生ビジョン策定済み" not in row1
    assert "集約化・複合化事業" in row1  # the 区分 choices by Japanese name
    status, page = _post(u, _form(u, op="refresh", **{"r0.measure": "consolidation_smoothing"}))
    row1 = page[page.index('id="row-1"'):page.index("</tr>", page.index('id="row-1"'))]
    assert "集約化等の案件ID" in row1 and "集約化等完了年度" in row1


def test_a_whatif_override_is_saved_listed_beside_the_result_and_in_the_exports(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    status, page = _post(u, _form(u, op="evaluate", **{"ov.consolidation_study.cap@2025": "600万"}))
    assert status == 200
    assert "措置上限額（1団体当たり）（令和7年度から）: 6,000,000円（既定 5,000,000円）" in html.unescape(page)
    status, page = _post(u, _form(u, op="evaluate", **{"ov.consolidation_study.cap@2025": "六百万"}))
    assert status == 400 and 'id="ov-consolidation-study-cap-2025-err"' in page
    status, _ = _post(u, _form(u, op="save", **{"ov.consolidation_study.cap@2025": "600万"}))
    assert status == 303
    got = u.client.get(f"/api/regions/{REGION}/fiscal-plan").json()
    assert got["overrides"] == ["consolidation_study.cap@2025=6000000"]
    lines = got["result"]["lines"]
    assert [ln["amount_yen"] for ln in lines if ln["measure"] == "consolidation_study"] == [5_000_000]
    wb = load_workbook(io.BytesIO(u.client.get(f"/export/fiscal/{REGION}.xlsx").content))
    text = "\n".join(str(c.value) for row in wb["明細"].iter_rows() for c in row if c.value is not None)
    assert "仮定値: " in text and "措置上限額（1団体当たり）（令和7年度から）: 6,000,000円" in text
    assert "包括的財政措置（中心市）" in text and "comprehensive_central" not in text
    page = u.client.get(f"/fiscal?region={REGION}").text
    assert 'name="ov.consolidation_study.cap@2025" value="6,000,000"' in page


def _visible_text(page: str) -> str:
    """The page's text outside the text toggle and outside closed 説明 boxes, without markup and attributes."""
    main = page[page.index("<main"):]
    main = re.sub(r'<details id="text-editor".*?</details>', "", main, flags=re.S)
    main = re.sub(r"<details>.*?</details>", "", main, flags=re.S)
    main = re.sub(r"<template.*?</template>", "", main, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


def test_the_page_shows_no_yaml_and_no_internal_identifier_outside_the_text_toggle(
        login: Callable[[str], Logged]) -> None:
    u = login("region")
    for url in (f"/fiscal?region={REGION}", "/fiscal?region=hirosaki"):
        page = u.client.get(url).text
        assert 'id="text-editor"' in page and "詳細（テキストで編集）" in page
        text = _visible_text(page)
        assert "measure:" not in text and "items:" not in text
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)
        for code in re.finditer(r"(?<![0-9A-Za-z_])\d{6}(?![0-9A-Za-z_])", text):  # a code only beside its body's name: 「たつの市（282294）」
            assert text[code.start() - 1] == "（", text[code.start() - 20:code.end() + 5]
    _post(u, _form(u, op="evaluate"))
    status, page = _post(u, _form(u, op="evaluate"))
    text = _visible_text(page)
    assert status == 200 and not re.search(r"\b[a-z]+_[a-z_]+\b", text)


def test_the_text_editor_and_the_table_round_trip(login: Callable[[str], Logged]) -> None:
    u = login("admin")
    _post(u, _form(u, op="save"))
    page = u.client.get(f"/fiscal?region={REGION}").text
    textarea = html.unescape(re.search(r'<textarea id="plan" name="plan"[^>]*>(.*?)</textarea>', page, re.S).group(1))  # type: ignore[union-attr]
    r = u.client.post("/fiscal", data={"csrf_token": u.csrf, "region": REGION, "plan": textarea, "overrides": "",
                                       "action": "save", "version": "1"}, follow_redirects=False)
    assert r.status_code == 303
    got = u.client.get(f"/api/regions/{REGION}/fiscal-plan").json()
    assert got["version"] == 2 and got["plan"]["items"] == EXPECTED
    page = u.client.get(f"/fiscal?region={REGION}").text
    assert 'name="r1.cost_yen" value="20,000,000"' in page and 'value="令和8年度"' in page


def test_a_viewer_cannot_save_from_the_table(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    page = v.client.get(f"/fiscal?region={REGION}").text
    assert 'value="save"' not in page
    status, _ = _post(v, _form(v, op="save"))
    assert status == 403
    u = login("admin")
    assert u.client.post("/fiscal/table", data={"region": REGION, "rows": "0", "op": "save"}).status_code == 403
