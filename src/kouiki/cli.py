"""The `kouiki` command: one Typer app; each capability adds its sub-command group here."""

from __future__ import annotations

import typer

from kouiki import __version__
from kouiki.optimize.cli import app as optimize_app
from kouiki.reference.cli import app as municipalities_app

app = typer.Typer(
    name="kouiki",
    help="kouiki（広域）: 定住自立圏・広域連携の財政措置、圏域形成、公共施設の広域計画",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(municipalities_app, name="municipalities")
app.add_typer(optimize_app, name="optimize")


@app.command("version")
def version() -> None:
    """バージョンを表示する."""
    typer.echo(__version__)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
