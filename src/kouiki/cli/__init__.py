"""The `kouiki` command: one Typer app; each capability's sub-command group is one line of GROUPS, built when used."""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup
from typer.main import get_group_from_info, solve_typer_info_defaults
from typer.models import TyperInfo

from kouiki import __version__
from kouiki.cli import _typer_ja, _typer_speed
from kouiki.cli.common import friendly_errors, register_user_parameters

if TYPE_CHECKING:
    from typer import _click as click  # typer ≥ 0.29 vendors click; only the annotations use it

_typer_speed.install()  # parameters without pydantic until a value needs it (start-up, issue 17)
_typer_speed.defer_rich_markdown_and_traceback()  # help pages without markdown-it, pygments, attrs (issue 17)
_typer_ja.install()  # typer's and click's own words (panel titles, --help, usage errors) in Japanese

# The command groups, in the order `kouiki --help` lists them: name → the module whose ``app`` is the group.
GROUPS: dict[str, str] = {
    "municipalities": "kouiki.cli.municipalities",
    "regions": "kouiki.cli.regions",
    "db": "kouiki.cli.db",
    "serve": "kouiki.cli.serve",
    "fiscal": "kouiki.cli.fiscal",
    "formation": "kouiki.cli.formation",
    "optimize": "kouiki.cli.optimize",
    "staffing": "kouiki.cli.staffing",
    "facilities": "kouiki.cli.facilities",
}


def group_app(name: str) -> typer.Typer:
    """The Typer app of the command group ``name`` (imports its thin CLI module)."""
    app_: typer.Typer = importlib.import_module(GROUPS[name]).app
    return app_


class _LazyGroups(TyperGroup):
    """The root group: a command group is built (typer reads every command's signature) only when it is used.

    `kouiki municipalities show …` builds the municipalities group only. `kouiki --help` lists each group by a
    stand-in carrying the group's help, name and flags (all the listing reads), so it builds none. Until built, a
    group's entry in ``commands`` is ``None`` (its name is there, in order, for the listing and for typo
    suggestions). Behaviour is that of ``app.add_typer(group_app(name), name=name)`` for each group
    (tests/architecture/test_cli_lazy_groups.py compares both trees, their help and their errors)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._listing = False
        for name in GROUPS:
            self.commands[name] = None  # type: ignore[assignment]  # built by get_command

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in GROUPS or self.commands.get(cmd_name) is not None:
            return super().get_command(ctx, cmd_name)
        info = TyperInfo(group_app(cmd_name), name=cmd_name)
        if self._listing:
            solved = solve_typer_info_defaults(info)
            return TyperGroup(name=cmd_name, help=solved.help, short_help=solved.short_help, hidden=solved.hidden,
                              deprecated=solved.deprecated, rich_help_panel=solved.rich_help_panel)
        options: dict[str, Any] = {"pretty_exceptions_short": app.pretty_exceptions_short,
                                   "rich_markup_mode": self.rich_markup_mode}
        if hasattr(self, "suggest_commands"):  # as add_typer passes it (the venv: typer 0.29.2)
            options["suggest_commands"] = self.suggest_commands
        group = get_group_from_info(info, **options)
        self.commands[cmd_name] = group
        return group

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="kouiki",
    help="kouiki（広域）: 定住自立圏・広域連携の財政措置、圏域形成、公共施設の広域計画",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # No --install-completion / --show-completion: the officers who use kouiki work in cmd or PowerShell on
    # Windows/LGWAN terminals, rarely with a shell profile of their own, and typer's installer speaks English;
    # without them the root help lists only what they use. A developer who wants completion still gets typer's
    # script: `_KOUIKI_COMPLETE=source_bash kouiki` (source_zsh, source_fish; see main()).
    add_completion=False,
    cls=_LazyGroups,
)
app.callback()(register_user_parameters)  # before any command: where the user's parameter files are


@app.command("version")
def version() -> None:
    """バージョンを表示する"""
    typer.echo(__version__)


@app.command("demo")
@friendly_errors
def demo() -> None:
    """デモ: 同梱の圏域（弘前圏域）を表示する"""
    from kouiki.cli.regions import render_region
    from kouiki.store import session
    from kouiki.store.regions import get_region

    with session() as s:
        region = get_region(s, "弘前圏域")
    render_region(region)


def main() -> None:
    """The ``kouiki`` script."""
    if os.environ.get("_KOUIKI_COMPLETE"):  # shell completion by hand (add_completion=False registers no shells)
        from typer._completion_classes import completion_init

        completion_init()
    app()


if __name__ == "__main__":
    main()
