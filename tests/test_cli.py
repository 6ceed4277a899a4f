"""The CLI end to end, as a user runs it (typer's runner; one process per call would be slower)."""

import json

from typer.testing import CliRunner, Result

from kouiki.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_municipality_by_6_and_5_digits() -> None:
    for code in ("293636", "29363"):
        rc, out, _ = run("municipalities", "show", code, "--json")
        assert rc == 0
        data = json.loads(out)
        assert data["name"] == "田原本町" and data["population_2020"] == 31177


def test_wrong_check_digit_fails_with_one_line() -> None:
    rc, out, err = run("municipalities", "show", "293637")
    assert rc == 1
    assert "正: 293636" in err and "Traceback" not in err + out
    assert len(err.strip().splitlines()) <= 2


def test_ambiguous_name() -> None:
    rc, _, err = run("municipalities", "show", "川西町")
    assert rc == 1 and "奈良県川西町" in err


def test_search() -> None:
    rc, out, _ = run("municipalities", "search", "ひろさき", "--json")
    assert rc == 0 and any(m["name"] == "弘前市" for m in json.loads(out))


def test_regions_show_json_lists_the_8_members_with_2020_population() -> None:
    rc, out, _ = run("regions", "show", "弘前圏域", "--json")
    assert rc == 0
    data = json.loads(out)
    assert len(data["members"]) == 8
    pops = {m["name"]: m["population_2020"] for m in data["members"]}
    assert pops["弘前市"] == 168466 and pops["西目屋村"] == 1265
    assert data["declaration_date"] == "2011-03-23"


def test_regions_list_and_human_output() -> None:
    rc, out, _ = run("regions", "list", "--json")
    from kouiki.reference.regions import bundled_regions

    assert rc == 0 and len(json.loads(out)) == len(bundled_regions())
    rc, out, _ = run("regions", "show", "まほろば")
    assert rc == 0 and "田原本町" in out


def test_unknown_region_is_an_error() -> None:
    rc, _, err = run("regions", "show", "存在しない")
    assert rc == 1 and "圏域" in err


def test_db_upgrade_and_demo() -> None:
    rc, out, _ = run("db", "upgrade")
    assert rc == 0 and "最新" in out
    rc, out, _ = run("demo")
    assert rc == 0 and "弘前市" in out


def test_human_tables_never_hide_text_behind_an_ellipsis() -> None:
    """Rich crops a long Japanese run with "…" unless the column folds; a reason cut short helps nobody."""
    from pathlib import Path

    fixture = Path(__file__).parent / "facilities" / "fixtures" / "293628_public_facility_broken.csv"
    rc, out, _ = run("facilities", "import", str(fixture), "--no-store")
    assert rc == 1, out  # bad rows: nothing is imported
    assert "誤りのある行" in out  # the table of rejected rows with long Japanese reasons
    assert "…" not in out


def test_missing_files_and_folders_are_one_japanese_line_for_every_import() -> None:
    for command in (["regions", "import"], ["formation", "import-census"]):
        for target, expected in (("/nonexistent/x.csv", "ファイルが見つかりません"), ("/", "フォルダです")):
            rc, out, err = run(*command, target)
            assert rc == 1, (command, target, out, err)
            assert expected in err and "Usage" not in err + out


def _wide(*args: str) -> Result:
    """A run with a console wide enough that no cell wraps (the console is made once, so COLUMNS is too late)."""
    from kouiki.cli.common import console

    width = console.width
    console.width = 250
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        console.width = width


def test_regions_show_gives_the_sourced_latest_agreement_date_when_the_date_is_unknown() -> None:
    result = _wide("regions", "show", "東胆振定住自立圏")
    assert result.exit_code == 0
    assert "不明（遅くとも平成27年12月10日までに締結）" in result.stdout  # 白老町: a bound, not the bare note


def test_regions_show_names_roles_in_the_words_of_the_regions_framework() -> None:
    result = _wide("regions", "show", "renkei-hachinohe")
    assert result.exit_code == 0
    assert "連携中枢都市" in result.stdout and "連携市町村" in result.stdout and "連携協約の締結日" in result.stdout
    assert "近隣市町村" not in result.stdout and "中心市宣言" not in result.stdout
