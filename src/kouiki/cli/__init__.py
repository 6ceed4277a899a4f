"""The `kouiki` command: one Typer app; each capability adds its sub-command group here."""

from __future__ import annotations

import typer

from kouiki import __version__
from kouiki.cli_common import friendly_errors
from kouiki.facilities.cli import app as facilities_app
from kouiki.fiscal.cli import app as fiscal_app
from kouiki.formation.cli import app as formation_app
from kouiki.optimize.cli import app as optimize_app
from kouiki.reference.cli import app as municipalities_app
from kouiki.reference.cli_regions import app as regions_app
from kouiki.staffing.cli import app as staffing_app
from kouiki.store.cli import app as db_app
from kouiki.web.cli import app as web_app

app = typer.Typer(
    name="kouiki",
    help="kouiki（広域）: 定住自立圏・広域連携の財政措置、圏域形成、公共施設の広域計画",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(municipalities_app, name="municipalities")
app.add_typer(regions_app, name="regions")
app.add_typer(db_app, name="db")
app.add_typer(web_app, name="serve")
app.add_typer(fiscal_app, name="fiscal")
app.add_typer(formation_app, name="formation")
app.add_typer(optimize_app, name="optimize")
app.add_typer(staffing_app, name="staffing")
app.add_typer(facilities_app, name="facilities")


@app.command("version")
def version() -> None:
    """バージョンを表示する."""
    typer.echo(__version__)


@app.command("demo")
@friendly_errors
def demo() -> None:
    """デモ: 同梱の圏域（弘前圏域）を表示する（Web アプリができるまでの主な動作）."""
    from kouiki.reference.cli_regions import render_region
    from kouiki.store import session
    from kouiki.store.regions import get_region

    with session() as s:
        region = get_region(s, "弘前圏域")
    render_region(region)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
