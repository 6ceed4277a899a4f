"""Engines learn where the user's parameter files are only from the surface (issue 17: fiscal/params.py read the
data folder itself). The CLI registers the folder before any command; an engine used alone sees no user file."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.fiscal.params import load_parameters
from kouiki.reference.user_parameters import register_user_parameters

USER_R8 = """measure: consolidation_study
parameters:
  cap:
    values:
      2026: {value: 6000000, confidence: confirmed, citation: {title: 令和8年度 特別交付税通知（仮）, url: "https://example.org/r8"}}
"""


def _user_file(data_dir: Path) -> Path:
    folder = data_dir / "parameters"
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / "r8.yaml"
    f.write_text(USER_R8, encoding="utf-8")
    return f


def test_an_engine_used_alone_reads_no_user_file(_isolated_data_dir: Path) -> None:
    _user_file(_isolated_data_dir)
    register_user_parameters(None)  # no surface
    assert load_parameters().user_files == []


def test_the_cli_tells_the_engines_where_the_user_files_are(_isolated_data_dir: Path) -> None:
    f = _user_file(_isolated_data_dir)
    register_user_parameters(None)  # only the CLI's own start-up registers the folder
    res = CliRunner().invoke(app, ["fiscal", "measures", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["user_files"] == [str(f)]


def test_the_web_app_tells_the_engines_where_the_user_files_are(_isolated_data_dir: Path) -> None:
    f = _user_file(_isolated_data_dir)
    register_user_parameters(None)
    from kouiki.web.app import create_app

    create_app()
    assert load_parameters().user_files == [str(f)]
