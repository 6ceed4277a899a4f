"""The import contracts in ``.importlinter`` (docs/CONVENTIONS.md "Layers") hold for kouiki — and they would
catch each kind of wrong arrow issue 17 found: checked by running the same contracts over a small fixture
package, ``wrongway``, laid out like kouiki with one wrong arrow of each kind."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / ".importlinter"
SRC = REPO / "src" / "kouiki"


def _lint(config: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    code = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run([sys.executable, "-c", code, str(config), "--no-cache"],
                          capture_output=True, text=True, env=env, cwd=config.parent, timeout=300)


def _contracts() -> configparser.ConfigParser:
    cp = configparser.ConfigParser()
    cp.read(CONFIG, encoding="utf-8")
    return cp


def _names(value: str) -> list[str]:
    return [n.strip() for line in value.splitlines() for n in line.split(":") if n.strip()]


def test_kouiki_keeps_its_import_contracts() -> None:
    run = _lint(CONFIG)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BROKEN" not in run.stdout


def test_every_top_level_package_of_kouiki_is_in_a_layer() -> None:
    layered = set(_names(_contracts()["importlinter:contract:layers"]["layers"]))
    top = {f"kouiki.{p.name}" for p in SRC.iterdir() if (p / "__init__.py").exists()}
    top |= {f"kouiki.{p.stem}" for p in SRC.glob("*.py") if p.name != "__init__.py"}
    assert top - layered == set(), "a new top-level package needs its place in the layers of .importlinter"


def _route_modules() -> set[str]:
    """Every module of kouiki/web that makes an APIRouter (web/<capability>/routes.py, web/regions/pages.py …)."""
    found = set()
    for path in (SRC / "web").rglob("*.py"):
        if "APIRouter(" in path.read_text(encoding="utf-8"):
            found.add(".".join(("kouiki", *path.relative_to(SRC).with_suffix("").parts)))
    return found


def test_every_web_route_module_is_in_the_route_independence_contract() -> None:
    listed = set(_names(_contracts()["importlinter:contract:web-routes"]["modules"]))
    routes = _route_modules()
    assert "kouiki.web.fiscal.routes" in routes and "kouiki.web.regions.pages" in routes  # the search finds them
    assert routes - listed == set(), "list the new route module in .importlinter (contract web-routes)"
    assert listed - routes == set(), "a module listed in contract web-routes no longer makes a router"


def test_no_web_exception_is_left_in_the_contracts() -> None:
    """Issue 17 point 4 made the web a tree: no contract may excuse an arrow of kouiki.web any more."""
    cp = _contracts()
    ignored = [line for section in cp.sections() for line in cp[section].get("ignore_imports", "").splitlines()]
    assert [line for line in ignored if "kouiki.web" in line] == []


# ---- the test of the test ----------------------------------------------------------------------------------

# One wrong arrow of each kind (importer, imported, lazy?): every one must be reported.
WRONG_ARROWS = [
    ("reference.regions_cli", "formation.status", False),  # reference → engine (was reference/cli_regions.py)
    ("reference.regions_cli", "store", True),  # reference → store
    ("facilities.charts", "reports.fonts", False),  # engine → report (was facilities/charts.py)
    ("staffing.advisor", "cli.common", True),  # engine → CLI console, inside a function (was advisor.py)
    ("fiscal.params", "settings", True),  # engine → the user's data folder (was fiscal/params.py)
    ("formation.cli", "store.regions", True),  # engine → store (was formation/cli.py)
    ("store.regions", "web.app", False),  # store → surface
    ("reports.excel", "cli.common", False),  # report → CLI
    ("optimize.inventory", "facilities.model", False),  # the solver knows a capability (was optimize/inventory.py)
    ("web.regions.api", "web.regions.pages", False),  # a route imports a route (was routes_api → routes_pages)
    ("web.staffing.routes", "web.exports.routes", True),  # … of another capability, lazily (was routes_* → exports)
]
CYCLES = [("staffing.io", "staffing.xlsx"), ("web.app", "web.admin.routes"),  # a ↔ b (was app.py ↔ every route)
          ("web.regions.views", "web.regions.scenario_form")]  # views ↔ views (was views ↔ views_formation)


def _module(root: Path, dotted: str) -> Path:
    path = root.joinpath(*dotted.split("."))
    path.parent.mkdir(parents=True, exist_ok=True)
    for parent in [path.parent, *path.parent.parents]:
        if parent == root.parent:
            break
        (parent / "__init__.py").touch()
    return path.with_suffix(".py")


def _fixture(tmp: Path) -> Path:
    """``wrongway``: every module the contracts name, plus the wrong arrows; and the same contracts re-rooted."""
    cp = _contracts()
    names: set[str] = set()
    for section in cp.sections():
        for key in ("layers", "modules", "source_modules", "forbidden_modules", "ancestors"):
            if key in cp[section]:
                names.update(_names(cp[section][key]))
        cp[section].pop("ignore_imports", None)  # the exceptions name kouiki's files, not the fixture's
        for key in cp[section]:
            cp[section][key] = cp[section][key].replace("kouiki", "wrongway")
    root = tmp / "wrongway"
    for name in names:
        mod = _module(tmp, name.replace("kouiki", "wrongway"))
        if not mod.exists() and not mod.with_suffix("").is_dir():
            mod.with_suffix("").mkdir(parents=True)
            (mod.with_suffix("") / "__init__.py").touch()
    (root / "__init__.py").touch()
    arrows = [(a, b, lazy) for a, b, lazy in WRONG_ARROWS] + [
        (a, b, False) for x, y in CYCLES for a, b in ((x, y), (y, x))]
    for importer, imported, lazy in arrows:
        path = _module(tmp, f"wrongway.{importer}")
        line = f"import wrongway.{imported}\n"
        text = f"def later() -> None:\n    {line}" if lazy else line
        with path.open("a", encoding="utf-8") as f:
            f.write(text)
        _module(tmp, f"wrongway.{imported}").touch()
    config = tmp / ".importlinter"
    with config.open("w", encoding="utf-8") as f:
        cp.write(f)
    return config


@pytest.fixture(scope="module")
def wrongway(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("contracts")
    run = _lint(_fixture(tmp), pythonpath=tmp)
    assert run.returncode != 0, run.stdout + run.stderr
    return run.stdout


@pytest.mark.parametrize(("importer", "imported"), [(a, b) for a, b, _ in WRONG_ARROWS])
def test_the_contracts_report_a_wrong_arrow(wrongway: str, importer: str, imported: str) -> None:
    assert f"wrongway.{importer} -> wrongway.{imported}" in wrongway, wrongway


@pytest.mark.parametrize("package", sorted({a.rsplit(".", 1)[0] for a, _ in CYCLES}))
def test_the_contracts_report_a_cycle(wrongway: str, package: str) -> None:
    assert f"No cycles are allowed in wrongway.{package}." in wrongway, wrongway
