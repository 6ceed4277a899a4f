"""The root group builds a command group only when it is used (kouiki.cli._LazyGroups, start-up: issue 17) —
and the CLI is the one ``app.add_typer(…)`` for every group would give: same commands, options and help."""

from __future__ import annotations

import typer
import typer.main
from typer import _click as click
from typer.testing import CliRunner

from kouiki.cli import GROUPS, app, group_app
from kouiki.cli.common import register_user_parameters


def _eager() -> typer.Typer:
    """The CLI as it was composed before the lazy root: every group added with add_typer."""
    eager = typer.Typer(name="kouiki", help=app.info.help, no_args_is_help=True, pretty_exceptions_enable=False,
                        add_completion=False)
    eager.callback()(register_user_parameters)
    eager.registered_commands.extend(app.registered_commands)
    for name in GROUPS:
        eager.add_typer(group_app(name), name=name)
    return eager


def _paths(command: click.Command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        out += _paths(sub, (*prefix, name))
    return out


def _shape(command: click.Command) -> object:
    """What a user can type and read: name, help, parameters (their flags, defaults, required), sub-commands."""
    ctx = click.Context(command)
    subs = command.list_commands(ctx) if isinstance(command, typer.core.TyperGroup) else []
    return (command.name, command.help, command.short_help, command.hidden, command.no_args_is_help,
            [(p.name, p.opts, p.secondary_opts, repr(p.default), p.required) for p in command.params],
            {n: _shape(command.get_command(ctx, n)) for n in subs})  # type: ignore[arg-type]


def test_the_lazy_tree_is_the_eager_tree() -> None:
    lazy, eager = typer.main.get_command(app), typer.main.get_command(_eager())
    assert _shape(lazy) == _shape(eager)
    assert lazy.list_commands(click.Context(lazy)) == ["version", "demo", *GROUPS]  # type: ignore[attr-defined]


def test_every_help_page_is_the_same() -> None:
    runner, eager = CliRunner(), _eager()
    paths = _paths(typer.main.get_command(eager))
    assert len(paths) > 50  # every command and group of every capability
    for path in paths:
        ours = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
        theirs = runner.invoke(eager, [*path, "--help"], env={"COLUMNS": "100"})
        assert (ours.exit_code, ours.output) == (theirs.exit_code, theirs.output), path


def test_no_arguments_and_an_unknown_group_behave_as_before() -> None:
    runner, eager = CliRunner(), _eager()
    for args in ([], ["municipality"], ["municipalities"], ["municipalities", "shw"]):
        ours, theirs = runner.invoke(app, args), runner.invoke(eager, args)
        assert (ours.exit_code, ours.output) == (theirs.exit_code, theirs.output), args
