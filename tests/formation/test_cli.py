from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kouiki.cli import app

FIX = Path(__file__).parent / "fixtures"
runner = CliRunner()


def _json(args: list[str]) -> dict:  # type: ignore[type-arg]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_check_json_shape() -> None:
    out = _json(["formation", "check", "022021", "--json"])
    assert out["municipality"]["name"] == "弘前市" and out["eligible"] is True
    ids = [c["id"] for c in out["criteria"]]
    assert ids == ["is_city", "population", "daytime_ratio", "location"]
    for c in out["criteria"]:
        assert set(c) >= {"id", "value", "threshold", "result", "source", "year"}


def test_check_human_output_and_unknown() -> None:
    res = runner.invoke(app, ["formation", "check", "天理市"])
    assert res.exit_code == 0 and "不明" in res.output and "判定できない" in res.output


def test_neighbours_json() -> None:
    out = _json(["formation", "neighbours", "弘前市", "--json"])
    names = {n["name"] for n in out["neighbours"]}
    assert {"平川市", "鶴田町", "黒石市"} <= names and out["guideline_is_blocking"] is False


def test_import_census_then_check_uses_the_imported_figure() -> None:
    res = runner.invoke(app, ["formation", "import-census", str(FIX / "estat_daytime_table.csv"), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["written"] == 7
    out = _json(["formation", "check", "天理市", "--json"])
    ratio = next(c for c in out["criteria"] if c["id"] == "daytime_ratio")
    assert ratio["value"] == "1.033" and ratio["year"] == 2020 and ratio["origin"] == "imported"
    assert "estat_daytime_table.csv" in ratio["source"]
    # importing again replaces, not duplicates
    res = runner.invoke(app, ["formation", "import-census", str(FIX / "estat_daytime_table.csv"), "--json"])
    assert res.exit_code == 0


def test_import_error_is_one_line_with_exit_1() -> None:
    res = runner.invoke(app, ["formation", "import-census", str(FIX / "estat_daytime_bad.csv")])
    assert res.exit_code == 1 and "5行目" in res.output and "Traceback" not in res.output


def test_unknown_body_is_a_clear_error() -> None:
    res = runner.invoke(app, ["formation", "check", "存在しない市"])
    assert res.exit_code == 1


def test_candidates_batch_for_a_prefecture() -> None:
    out = _json(["formation", "candidates", "--prefecture", "青森県", "--json"])
    by = {r["name"]: r for r in out["results"]}
    assert by["弘前市"]["eligible"] is True and by["平川市"]["eligible"] is False
    assert by["五所川原市"]["eligible"] is None  # ratio unknown in the bundle
    assert sum(out["counts"].values()) == len(out["results"]) == 10


def test_reimport_replaces_figures_in_the_store() -> None:
    from kouiki.store import session
    from kouiki.store.formation import count_figures

    for _ in range(2):
        assert runner.invoke(app, ["formation", "import-census", str(FIX / "estat_commuting_table.csv")]).exit_code == 0
    with session() as s:
        assert count_figures(s) == {"commuting": 4}
    out = _json(["formation", "neighbours", "弘前市", "--json"])
    nishimeya = next(n for n in out["neighbours"] if n["name"] == "西目屋村")
    assert nishimeya["commuting_share_percent"] == "50.00" and nishimeya["commuting"]["origin"] == "imported"


def test_check_compound_and_single_merged_from_the_cli() -> None:
    out = _json(["formation", "check", "弘前市", "--with", "平川市", "--json"])
    assert out["kind"] == "compound" and out["eligible"] is False  # 平川市's ratio 89 (2015) < 100
    failing = [(c["id"], c.get("municipality")) for c in out["criteria"] if c["result"] == "fail"]
    assert failing == [("daytime_ratio", "022101")]
    out = _json(["formation", "check", "たつの市", "--single-merged", "--merged-source", "合併の出典",
                 "--former-ratio", "101.3", "--former-source", "旧市の表", "--former-year", "2000", "--json"])
    assert out["kind"] == "single_merged" and out["eligible"] is True
    res = runner.invoke(app, ["formation", "check", "たつの市", "--former-ratio", "101.3"])
    assert res.exit_code == 1 and "--former-source" in res.output


def test_census_lists_figures_with_source_year_and_origin() -> None:
    out = _json(["formation", "census", "弘前市", "--json"])
    [d] = out["daytime"]
    assert (d["census_year"], d["ratio_per_100"], d["origin"]) == (2015, "107.2", "bundled") and d["source"]
    assert {(f["from_code"], f["census_year"]) for f in out["commuting"]} >= {("052043", 2015), ("022012", 2015)}
    assert runner.invoke(app, ["formation", "import-census", str(FIX / "estat_daytime_db_two_years.csv")]).exit_code == 0
    out = _json(["formation", "census", "弘前市", "--json"])
    assert [(d["census_year"], d["origin"]) for d in out["daytime"]] == [(2005, "imported"), (2010, "imported"), (2015, "bundled")]
    res = runner.invoke(app, ["formation", "census", "弘前市"])
    assert res.exit_code == 0 and "107.2" in res.output


def test_rules_and_a_user_parameter_file(_isolated_data_dir: Path) -> None:
    res = runner.invoke(app, ["formation", "rules"])
    assert res.exit_code == 0 and "40,000" in res.output
    import yaml

    from kouiki.formation.params import load_params

    raw = dict(load_params().raw)
    raw["central_city"] = dict(raw["central_city"], population_min=dict(raw["central_city"]["population_min"], value=200000))
    (_isolated_data_dir / "parameters").mkdir(parents=True)
    (_isolated_data_dir / "parameters" / "formation.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    out = _json(["formation", "check", "弘前市", "--json"])
    pop = next(c for c in out["criteria"] if c["id"] == "population")
    assert pop["result"] == "fail" and out["parameters"]["file"].endswith("parameters/formation.yaml")
    assert _json(["formation", "rules", "--json"])["central_city"]["population_min"]["value"] == 200000
