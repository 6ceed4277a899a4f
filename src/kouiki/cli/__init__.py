"""The `kouiki` command: one Typer app; each capability adds its sub-command group here."""

from __future__ import annotations

import typer

from kouiki import __version__
from kouiki.cli import _typer_speed
from kouiki.cli.common import friendly_errors, register_user_parameters
from kouiki.cli.db import app as db_app
from kouiki.cli.facilities import app as facilities_app
from kouiki.cli.fiscal import app as fiscal_app
from kouiki.cli.formation import app as formation_app
from kouiki.cli.municipalities import app as municipalities_app
from kouiki.cli.optimize import app as optimize_app
from kouiki.cli.regions import app as regions_app
from kouiki.cli.serve import app as web_app
from kouiki.cli.staffing import app as staffing_app

_typer_speed.install()  # parameters without pydantic until a value needs it (start-up, issue 17)

app = typer.Typer(
    name="kouiki",
    help="kouiki（広域）: 定住自立圏・広域連携の財政措置、圏域形成、公共施設の広域計画",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.callback()(register_user_parameters)  # before any command: where the user's parameter files are
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
    from kouiki.cli.regions import render_region
    from kouiki.store import session
    from kouiki.store.regions import get_region

    with session() as s:
        region = get_region(s, "弘前圏域")
    render_region(region)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
