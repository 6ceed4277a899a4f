"""財政措置シミュレーション, パラメータ and 中心市チェック: thin pages over the fiscal and formation engines."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kouiki.fiscal import evaluate
from kouiki.formation import check_central_city
from tests.web.conftest import HIROSAKI, KUROISHI, Logged

PLAN = {"items": [{"measure": "consolidation_study", "municipality": HIROSAKI, "fiscal_year": 2025,
                   "cost_yen": 12_000_000, "partner_bodies": [KUROISHI]}]}


def test_evaluate_matches_the_engine_and_explains_each_line(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    r = v.client.post("/api/fiscal/evaluate", json={"plan": PLAN})
    assert r.status_code == 200
    got = r.json()
    assert got["totals"] == evaluate(PLAN).to_dict()["totals"]
    line = got["lines"][0]
    assert line["trace"] and line["citation"] and line["confidence"]
    assert line["fiscal_year_wareki"] == "令和7年度"


def test_what_if_override_changes_the_amount(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    base = v.client.post("/api/fiscal/evaluate", json={"plan": PLAN}).json()["totals"]["support_yen"]
    what_if = v.client.post("/api/fiscal/evaluate", json={"plan": PLAN, "overrides": ["consolidation_study.cap@2025=6000000"]}).json()
    assert what_if["totals"]["support_yen"] == evaluate(PLAN, ["consolidation_study.cap@2025=6000000"]).totals.support_yen
    assert what_if["totals"]["support_yen"] != base
    bad = v.client.post("/api/fiscal/evaluate", json={"plan": PLAN, "overrides": ["no.such.path@2025=1"]})
    assert bad.status_code == 400


def test_malformed_plan_lists_errors_with_item_and_field(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    plan = {"items": [{"measure": "consolidation_study", "municipality": "022022", "fiscal_year": 2025, "cost_yen": 1}]}
    errors = v.client.post("/api/fiscal/evaluate", json={"plan": plan}).json()["errors"]
    assert errors and errors[0]["item"] == 0 and errors[0]["field"] == "municipality"


@pytest.mark.parametrize(("user", "status"), [("region", 200), ("admin", 200), ("body", 403), ("viewer", 403)])
def test_saving_the_region_plan_by_role(login: Callable[[str], Logged], user: str, status: int) -> None:
    u = login(user)
    r = u.client.put("/api/regions/hirosaki/fiscal-plan", json={"items": PLAN["items"]}, headers=u.headers())
    assert r.status_code == status, r.text


def test_plan_conflict_and_dashboard_summary(login: Callable[[str], Logged]) -> None:
    a, b = login("region"), login("admin")
    first = a.client.put("/api/regions/hirosaki/fiscal-plan", json={"items": PLAN["items"]}, headers=a.headers())
    assert first.json()["version"] == 1
    ok = a.client.put("/api/regions/hirosaki/fiscal-plan", json={"items": PLAN["items"], "version": 1}, headers=a.headers())
    assert ok.status_code == 200
    stale = b.client.put("/api/regions/hirosaki/fiscal-plan", json={"items": PLAN["items"], "version": 1}, headers=b.headers())
    assert stale.status_code == 409
    summary = a.client.get("/api/regions/hirosaki").json()["fiscal_summary"]
    assert summary["support_yen"] == evaluate(PLAN).totals.support_yen
    page = a.client.get("/regions/hirosaki").text
    assert "保存された計画の措置額" in page


def test_fiscal_excel_has_wareki_year_columns(login: Callable[[str], Logged]) -> None:
    u = login("region")
    u.client.put("/api/regions/hirosaki/fiscal-plan", json={"items": PLAN["items"]}, headers=u.headers())
    wb = load_workbook(io.BytesIO(u.client.get("/export/fiscal/hirosaki.xlsx").content))
    assert "令和7年度" in [c.value for c in wb["年度別"][3]]
    assert wb["明細"]["A1"].value.endswith("（明細）")


def test_parameters_page_shows_values_citations_and_confidence(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    api = v.client.get("/api/parameters").json()["measures"]
    assert any(m["measure"] == "consolidation_study" for m in api)
    html = v.client.get("/parameters").text
    first = api[0]["parameters"][0]["values"][0]
    assert api[0]["label"] in html and first["citation"]["title"] in html
    assert "確認済" in html


def test_central_check_page_uses_the_formation_engine(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    data = v.client.get("/api/regions/hirosaki/central-check").json()
    expected = check_central_city(HIROSAKI)
    assert data["check"]["eligible"] == expected.eligible
    assert [c["id"] for c in data["check"]["criteria"]] == [c.id for c in expected.criteria]
    assert "判定:" in v.client.get("/regions/hirosaki/central").text


def test_optimizer_job_reports_progress_and_creates_an_evaluable_scenario(login: Callable[[str], Logged]) -> None:
    import time

    from kouiki.store import session
    from kouiki.web.demo import load_demo_data

    with session() as s:
        load_demo_data(s)
    viewer = login("viewer")
    body = {"category": "市民文化系施設", "keep": 2, "fiscal_year": 2028}
    assert viewer.client.post("/api/regions/hirosaki/optimize", json=body, headers=viewer.headers()).status_code == 403
    u = login("region")
    r = u.client.post("/api/regions/hirosaki/optimize", json=body, headers=u.headers())
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    deadline = time.monotonic() + 120
    job = u.client.get(f"/api/jobs/{job_id}").json()
    while job["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
        job = u.client.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "done", job
    assert len(job["result"]["selected"]) == 2 and job["result"]["lower_bound"] <= job["result"]["objective"]
    scenario = u.client.get(f"/api/scenarios/{job['scenario_id']}").json()
    closed = {fid for a in scenario["document"]["actions"] for fid in a["facilities"]}
    assert closed == set(job["result"]["closed"])
    assert scenario["evaluation"]["counts"]
    bad = u.client.post("/api/regions/hirosaki/optimize", json=body | {"keep": 0}, headers=u.headers())
    assert bad.status_code == 400


def test_staffing_page_and_api_match_the_staffing_engine(login: Callable[[str], Logged]) -> None:
    from importlib import resources

    import yaml

    from kouiki.staffing import case_from_dict, evaluate_support

    text = resources.files("kouiki.staffing").joinpath("demo/aomori_hirosaki.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    expected = evaluate_support(case_from_dict(data, "demo")).to_dict()["totals"]
    v = login("viewer")
    import json

    as_json = json.loads(json.dumps(data, default=str))  # YAML dates travel as ISO text in JSON
    got = v.client.post("/api/staffing/support", json={"case": as_json}).json()["totals"]
    assert got["support_yen"] == expected["support_yen"] and got["net_cost_yen"] == expected["net_cost_yen"]
    page = v.client.get("/staffing?region=hirosaki").text  # the packaged demo is 弘前圏域's
    assert f"{round(expected['support_yen'] / 1000):,} 千円" in page
    bad = v.client.post("/staffing", data={"case": "agreements: 3", "csrf_token": v.csrf})
    assert bad.status_code == 400


def test_central_check_page_uses_the_users_formation_parameters(
    login: Callable[[str], Logged], _isolated_data_dir: Path
) -> None:
    import yaml

    from kouiki.formation.params import load_params

    raw = dict(load_params().raw)  # 人口要件 raised to 200,000: 弘前市 (about 168,000) no longer meets it
    raw["central_city"] = dict(raw["central_city"], population_min=dict(raw["central_city"]["population_min"], value=200000))
    (_isolated_data_dir / "parameters").mkdir(parents=True)
    (_isolated_data_dir / "parameters" / "formation.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True),
                                                                       encoding="utf-8")
    data = login("viewer").client.get("/api/regions/hirosaki/central-check").json()
    pop = next(c for c in data["check"]["criteria"] if c["id"] == "population")
    assert pop["result"] == "fail"
