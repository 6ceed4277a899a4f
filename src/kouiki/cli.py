"""The `kouiki` command: one Typer app; each capability adds its sub-command group here."""

from __future__ import annotations

import typer

from kouiki import __version__
from kouiki.fiscal.cli import app as fiscal_app
from kouiki.reference.cli import app as municipalities_app
from kouiki.staffing.cli import app as staffing_app

app = typer.Typer(
    name="kouiki",
    help="kouiki（広域）: 定住自立圏・広域連携の財政措置、圏域形成、公共施設の広域計画",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(municipalities_app, name="municipalities")
app.add_typer(fiscal_app, name="fiscal")
app.add_typer(staffing_app, name="staffing")


@app.command("version")
def version() -> None:
    """バージョンを表示する."""
    typer.echo(__version__)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
