"""What typer and click print themselves — help pages and usage errors — reads as Japanese (kouiki.cli._typer_ja),
and what typer shows of our commands (their docstrings and option help) reads as Japanese too: no final 「.」, no
English sentence beside the Japanese."""

from __future__ import annotations

import enum
import re
import sys
from pathlib import Path
from typing import Literal

import pytest
import typer.main
from typer import _click as click
from typer.testing import CliRunner

from kouiki.cli import app, main

runner = CliRunner()

# typer's and click's own English (typer 0.29.2) that must not reach a help page or a usage error.
ENGLISH = ("Show this message", "Usage:", "─ Options ", "─ Commands ", "─ Arguments ", "─ Error ", "[default:",
           "[required]", "[OPTIONS]", "COMMAND [ARGS]", "install-completion", "show-completion", "for help",
           "Missing ", "No such ", "Invalid value", "Did you mean", "Got unexpected", "requires ", "Input should",
           "Possible options", "Aborted")


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = [(path, command)]
    if isinstance(command, typer.core.TyperGroup):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, (path, name)
            out += _commands(sub, (*path, name))
    return out


COMMANDS = _commands(typer.main.get_command(app))


def test_the_walk_reaches_every_group_and_command() -> None:
    paths = {p for p, _ in COMMANDS}
    assert len(paths) > 50
    assert {("municipalities", "show"), ("facilities", "import"), ("staffing", "types"), ("serve",)} <= paths


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "kouiki")
def test_every_help_page_is_in_japanese(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "使い方: " in result.output and "このヘルプを表示して終了" in result.output
    assert "─ オプション " in result.output
    found = [e for e in ENGLISH if e in result.output]
    assert not found, (path, found, result.output)


def _texts(command: click.Command) -> list[tuple[str, str]]:
    """(what, text) of everything typer shows of a command: its help (each paragraph), short help, option help."""
    out: list[tuple[str, str]] = []
    for i, paragraph in enumerate((command.help or "").split("\n\n")):
        out.append((f"help paragraph {i + 1}", paragraph.strip()))
    if command.short_help:
        out.append(("short help", command.short_help.strip()))
    for param in command.params:
        text = getattr(param, "help", None)
        if text:
            out.append((f"help of {param.name}", text.strip()))
    return [(what, text) for what, text in out if text]


COMMAND_REFERENCE = re.compile(r"kouiki(?: [a-z][a-z-]*)+")  # `kouiki fiscal measures` is a command, not English
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}\b")


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=lambda p: " ".join(p) if isinstance(p, tuple) else "")
def test_help_texts_read_as_japanese(path: tuple[str, ...], command: click.Command) -> None:
    for what, text in _texts(command):
        assert not text.endswith((".", "。")), (path, what, text)  # one rule: no final stop
        assert not re.search(r"[^\x00-\x7f]\.(?:\s|$)", text), (path, what, text)  # 「。」 inside, never 「.」
        english = ENGLISH_SENTENCE.search(COMMAND_REFERENCE.sub("", text))
        assert english is None, (path, what, text)


def test_the_rules_of_the_walk_catch_what_they_are_for() -> None:
    assert re.search(r"[^\x00-\x7f]\.(?:\s|$)", "更新費用の推計. 金額は円")
    assert ENGLISH_SENTENCE.search("団体の検索と表示 / look up local governments")
    assert not ENGLISH_SENTENCE.search(COMMAND_REFERENCE.sub("", "ID は kouiki fiscal measures の注に出ます"))


USAGE_ERRORS = [
    (["municipalities", "show"], "引数 'query' を指定してください。"),
    (["municipalities", "show", "--jsn", "293636"], "オプション '--jsn' はありません。もしかして: --json"),
    (["municipalities", "show", "--frobnicate", "293636"], "オプション '--frobnicate' はありません。"),
    (["municipalitie"], "コマンド 'municipalitie' はありません。もしかして: 'municipalities'"),
    (["municipalities", "shw"], "コマンド 'shw' はありません。もしかして: 'show'"),
    (["municipalities", "search", "川西", "--limit", "x"],
     "'--limit' の値が正しくありません: 整数で指定してください（'x'）"),
    (["municipalities", "show", "293636", "292010"], "余分な引数があります: 292010"),
    (["municipalities", "search", "川西", "--limit"], "オプション '--limit' には値が必要です。"),
    (["facilities", "travel-matrix", "inventory.csv"], "オプション '--out' を指定してください。"),
]


@pytest.mark.parametrize(("args", "expected"), USAGE_ERRORS, ids=lambda a: " ".join(a) if isinstance(a, list) else "")
def test_usage_errors_are_in_japanese(args: list[str], expected: str) -> None:
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert expected in result.output, result.output
    assert "─ エラー " in result.output
    found = [e for e in ENGLISH if e in result.output]
    assert not found, (found, result.output)


def test_a_usage_error_names_the_help_in_japanese() -> None:
    result = runner.invoke(app, ["municipalities", "show"], env={"COLUMNS": "200"})
    assert "使い方: kouiki municipalities show [オプション]" in result.output
    assert "使い方は kouiki municipalities show --help で表示できます" in result.output


def test_an_abort_is_reported_in_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    import typer.rich_utils

    typer.rich_utils.rich_abort_error()
    assert capsys.readouterr().err.strip() == "中止しました"


def test_an_unknown_message_is_left_as_typer_wrote_it() -> None:
    from kouiki.cli._typer_ja import japanese_message

    assert japanese_message(click.exceptions.UsageError("Something new.")) is None
    assert japanese_message(ValueError("not a usage error")) is None


def test_shell_completion_still_answers_without_the_install_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    assert "completion" not in root
    monkeypatch.setattr(sys, "argv", ["kouiki"])  # the script's name, as click detects it
    monkeypatch.setattr(sys.modules["__main__"], "__package__", None, raising=False)
    for name, value in {"_KOUIKI_COMPLETE": "complete_bash", "COMP_WORDS": "kouiki municipali", "COMP_CWORD": "1"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0
    assert capsys.readouterr().out.split() == ["municipalities"]


class _Colour(enum.StrEnum):
    red = "red"
    blue = "blue"


def _kinds_app() -> typer.Typer:
    """Kinds of parameter no kouiki command has yet (choices, ranges, paths that must exist), with their errors."""
    other = typer.Typer()

    @other.command()
    def go(colour: _Colour, n: int = typer.Option(1, min=1, max=5),
           path: Path | None = typer.Option(None, exists=True), rate: float = 1.0) -> None:
        """テスト"""

    @other.command()
    def pick(choice: Literal["a", "b"] = typer.Option(..., "--choice")) -> None:
        """テスト"""

    return other


@pytest.mark.parametrize(("args", "expected"), [
    (["go"], "引数 'colour' を指定してください。選択肢: red, blue"),
    (["go", "green"], "'colour' の値が正しくありません: 'green' は選択肢（'red', 'blue'）にありません"),
    (["go", "red", "--n", "9"], "'--n' の値が正しくありません: 5 以下で指定してください（'9'）"),
    (["go", "red", "--path", "/no/such/file"], "'--path' の値が正しくありません: '/no/such/file' がありません"),
    (["go", "red", "--rate", "x"], "'--rate' の値が正しくありません: 数値で指定してください（'x'）"),
    (["pick"], "オプション '--choice' を指定してください。選択肢: a, b"),
    (["pick", "--choice", "z"], "'--choice' の値が正しくありません: 'z' は選択肢（'a', 'b'）にありません"),
], ids=lambda a: " ".join(a) if isinstance(a, list) else "")
def test_errors_of_other_kinds_of_parameter_are_in_japanese(args: list[str], expected: str) -> None:
    result = runner.invoke(_kinds_app(), args, env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert expected in result.output, result.output
    found = [e for e in ENGLISH if e in result.output]
    assert not found, (found, result.output)
    assert "Value error" not in result.output and "does not exist" not in result.output
