"""The web optimiser and the CLI share one time limit (the parameter file), and a run stopped by it shows
its best solution with the certified gap — never a bare failure (issue 16, item 4)."""

from __future__ import annotations

from typing import Any

from kouiki.optimize.models import _solver_defaults
from kouiki.optimize.problem import parameters
from kouiki.web.optimizer_jobs import JobRequest, default_time_limit
from kouiki.web.render import templates


def _job(result: dict[str, Any]) -> dict[str, Any]:
    return {"id": "j1", "status": "done", "started": "2026-12-02 10:00", "finished": "2026-12-02 10:01",
            "created_by": "tanaka", "progress": [], "error": None, "result": result, "scenario_id": 7}


def _result(status: str, gap: float | None) -> dict[str, Any]:
    return {"status": status, "method": "lagrangian+local-search", "seconds": 60.2, "selected": ["a", "b"],
            "closed": ["c"], "objective": 1000.0, "unit": "km", "lower_bound": 992.0, "gap": gap, "details": {}}


def test_web_requests_without_a_limit_use_the_parameter_files_limit_like_the_cli() -> None:
    file_limit = float(parameters()["solver"]["default_time_limit_s"])
    assert default_time_limit() == file_limit
    assert JobRequest(model="p-median", category="市民文化系施設", fiscal_year=2028).limit_s == file_limit
    assert _solver_defaults(None, None)[0] == file_limit  # what `kouiki optimize` uses without --time-limit
    assert JobRequest(model="p-median", category="x", fiscal_year=2028, time_limit=12).limit_s == 12.0


def test_the_form_offers_the_parameter_files_limit() -> None:
    fn = templates().env.globals["optimizer_time_limit_s"]
    assert fn() == f"{default_time_limit():g}"


def test_a_run_stopped_by_the_time_limit_shows_its_solution_and_certified_gap() -> None:
    html = templates().get_template("_job.html").render(job=_job(_result("time_limit", 0.008)))
    assert "時間上限で打ち切り（差 0.8%）" in html
    assert "残す 2 施設" in html and "失敗" not in html
    assert "最適解（証明済み）" in templates().get_template("_job.html").render(job=_job(_result("optimal", 0.0)))
    unknown = templates().get_template("_job.html").render(job=_job(_result("time_limit", None)))
    assert "時間上限で打ち切り（差 不明）" in unknown
