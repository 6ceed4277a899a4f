"""The eligibility gates on the web: a body in the wrong role gets 0 and its Japanese reason on the result
page and in the Excel export (issue 13)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from openpyxl import load_workbook

from tests.web.conftest import Logged

REASON = "宍粟市は播磨科学公園都市圏域定住自立圏の近隣市町村です（この措置は中心市が対象）"
PLAN = {"items": [
    {"measure": "comprehensive_central", "municipality": "282278", "fiscal_year": 2025, "cost_yen": 100_000_000,
     "has_vision": True},
    {"measure": "hospital_clinic_cooperation", "municipality": "022047", "fiscal_year": 2025, "cost_yen": 10_000_000,
     "has_vision": True},
]}


def test_a_body_in_the_wrong_role_shows_zero_and_the_reason_on_the_page_and_in_excel(
    login: Callable[[str], Logged],
) -> None:
    a = login("admin")
    r = a.client.put("/api/regions/harima-kagaku-koen/fiscal-plan", json={"items": PLAN["items"]}, headers=a.headers())
    assert r.status_code == 200, r.text
    page = a.client.get("/fiscal?region=harima-kagaku-koen")
    assert page.status_code == 200
    assert REASON in page.text
    assert "注意: 圏域の登録では確認できません（黒石市の弘前圏域定住自立圏への形成協定の締結日が登録にないため" in page.text
    got = a.client.get("/api/regions/harima-kagaku-koen/fiscal-plan").json()["result"]
    line = got["lines"][0]
    assert line["amount_yen"] == 0 and line["eligibility"]["decision"] == "no" and REASON in line["notes"][0]
    xlsx = a.client.get("/export/fiscal/harima-kagaku-koen.xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    cells = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert any(REASON in c for c in cells)
    assert any("注意: 圏域の登録では確認できません（黒石市" in c for c in cells)


BOUND = "大崎町の大隅定住自立圏への協定締結日は不明。遅くとも平成21年10月7日（出典: 鹿児島県"


def test_a_member_with_a_bounded_agreement_date_shows_the_bound_on_the_page_and_in_excel(
    login: Callable[[str], Logged],
) -> None:
    a = login("admin")
    items = [{"measure": "hospital_clinic_cooperation", "municipality": "464686", "fiscal_year": 2010,
              "cost_yen": 10_000_000}]
    r = a.client.put("/api/regions/harima-kagaku-koen/fiscal-plan", json={"items": items}, headers=a.headers())
    assert r.status_code == 200, r.text
    line = a.client.get("/api/regions/harima-kagaku-koen/fiscal-plan").json()["result"]["lines"][0]
    assert line["amount_yen"] == 8_000_000 and line["eligibility"]["decision"] == "yes"
    page = a.client.get("/fiscal?region=harima-kagaku-koen")
    assert page.status_code == 200 and f"注意: {BOUND}" in page.text
    assert "agreement_by" not in page.text
    ws = load_workbook(io.BytesIO(a.client.get("/export/fiscal/harima-kagaku-koen.xlsx").content)).worksheets[0]
    assert any(BOUND in str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None)


def test_remote_medicine_outside_any_region_is_unknown_not_a_silent_zero_on_the_page_and_in_excel(
    login: Callable[[str], Logged],
) -> None:
    a = login("admin")
    items = [{"measure": "remote_medicine", "municipality": "011002", "fiscal_year": 2025, "cost_yen": 10_000_000}]
    r = a.client.put("/api/regions/harima-kagaku-koen/fiscal-plan", json={"items": items}, headers=a.headers())
    assert r.status_code == 200, r.text
    line = a.client.get("/api/regions/harima-kagaku-koen/fiscal-plan").json()["result"]["lines"][0]
    assert line["amount_yen"] == 0 and line["eligibility"]["decision"] == "unknown"
    page = a.client.get("/fiscal?region=harima-kagaku-koen").text
    assert "へき地に該当するかは登録簿に無いため不明" in page and "注意: へき地に該当するかは登録簿に無いため不明" in page
    shown = re.sub(r"<[^>]+>", "", page)  # what a reader sees (the form's field names are attributes)
    assert "remote_area" not in shown and "へき地に該当" in page
    ws = load_workbook(io.BytesIO(a.client.get("/export/fiscal/harima-kagaku-koen.xlsx").content)).worksheets[0]
    cells = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert any("へき地に該当するかは登録簿に無いため不明" in c for c in cells)
    assert not any(re.search(r"remote_area(?!_points)", c) for c in cells)
