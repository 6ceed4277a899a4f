"""`kouiki --help` and the light commands load no engine, store or web stack: each command imports its engine
inside itself (issue 17). Checked by the modules a fresh process has loaded, not by timing (timings: bench/)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# What a start-up must not pay for: the web stack, the store, numeric and report libraries, and the engines.
HEAVY = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "numpy", "scipy", "numba", "pandas",
         "matplotlib", "openpyxl", "reportlab", "highspy", "shapely", "networkx", "jinja2")
ENGINES = ("kouiki.fiscal", "kouiki.formation", "kouiki.facilities", "kouiki.optimize", "kouiki.staffing",
           "kouiki.store", "kouiki.web", "kouiki.reports")

PROBE = """
import json, sys
from kouiki.cli import main
sys.argv = ["kouiki", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def _loaded(*args: str) -> set[str]:
    run = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))], capture_output=True, text=True,
                         timeout=120)
    line = next(ln for ln in run.stderr.splitlines() if ln.startswith("MODULES "))
    return set(json.loads(line[len("MODULES "):]))


GROUPS = ["municipalities", "regions", "db", "serve", "fiscal", "formation", "optimize", "staffing", "facilities"]


@pytest.mark.parametrize("args", [("--help",), ("municipalities", "show", "293636"), ("version",),
                                  *((g, "--help") for g in GROUPS)], ids=" ".join)
def test_a_light_command_loads_no_engine_store_or_web_stack(args: tuple[str, ...]) -> None:
    loaded = _loaded(*args)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    engines = sorted(m for m in loaded if m.startswith(ENGINES))
    assert not heavy and not engines, f"kouiki {' '.join(args)} loads {heavy[:10]} {engines[:10]}"


@pytest.mark.parametrize("args", [("--help",), ("municipalities", "show", "293636"), ("municipalities", "--help")],
                         ids=" ".join)
def test_the_goal_commands_do_not_load_pydantic_or_markdown(args: tuple[str, ...]) -> None:
    """typer coerces values through pydantic (60–100 ms to import): not for a string argument, nor for an option
    that was not given; nor markdown-it, pygments, attrs for a help page (kouiki.cli._typer_speed)."""
    loaded = _loaded(*args)
    assert not [m for m in loaded if m.split(".")[0] in ("pydantic", "pydantic_core")]
    # typer.rich_utils without rich.markdown / rich.traceback (kouiki.cli._typer_speed)
    assert not [m for m in loaded if m.split(".")[0] in ("markdown_it", "pygments", "attr")
                or m in ("rich.markdown", "rich.traceback")]


def test_a_group_command_imports_no_other_group() -> None:
    """The root builds a group when it is used (kouiki.cli._LazyGroups): `municipalities show` imports no other
    group's CLI module."""
    loaded = _loaded("municipalities", "show", "293636")
    others = sorted(m for m in loaded if m.startswith("kouiki.cli.") and m.split(".")[2] in GROUPS)
    assert others == ["kouiki.cli.municipalities"], others
    assert "yaml" not in loaded  # the registry is read from registry.json, not rebuilt from the YAML/CSV sources


def test_a_command_loads_its_engine_when_it_runs() -> None:
    loaded = _loaded("fiscal", "schema")
    assert "kouiki.fiscal.plan" in loaded  # the probe sees lazy imports, so the test above can fail
    assert "kouiki.facilities" not in loaded and "sqlalchemy" not in loaded


def test_the_import_formats_of_the_cli_are_the_importers_formats() -> None:
    from kouiki.cli.facilities import FORMATS as CLI_FORMATS
    from kouiki.facilities.importers import FORMATS

    assert CLI_FORMATS == FORMATS
