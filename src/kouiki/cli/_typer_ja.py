"""typer's and click's own words in Japanese: the help pages and usage errors of ``kouiki`` (the CLI is read by
officers; the Japanese voice rules of docs/CONVENTIONS.md hold for them too).

Where the English comes from (typer 0.29.2, which vendors click as ``typer._click``):

* panel titles, ``[default: …]``, ``[required]``, 「Try '… --help' for help.」, the 「Error」 panel and
  「Aborted.」 are module constants of ``typer.rich_utils``, read when a page is printed;
* 「Show this message and exit.」 is the help of the option ``typer._click.decorators.help_option`` makes;
* 「Usage: 」 is the default prefix of ``typer._click.formatting.HelpFormatter.write_usage``, and
  ``[OPTIONS]`` / ``COMMAND [ARGS]...`` are click's default metavars of a command and a group;
* the error messages (「Missing argument 'QUERY'.」, 「No such option: --x」, 「Invalid value for '--limit': …」,
  「No such command 'x'. Did you mean …」, 「Got unexpected extra argument(s) (…)」…) are built by the vendored
  click and typer with f-strings, the inner text of a bad value by pydantic.

Why not gettext: typer's vendored click does not call gettext at all (its messages are plain f-strings), and
typer.rich_utils calls ``gettext.gettext`` once, at import, in the default ``messages`` domain — a catalogue would
have to be compiled (.mo), bound for the whole process (any library using the default domain would be translated
too) and would still miss every click message. So the hooks are, each the narrowest place that sees the text:

1. the ``typer.rich_utils`` constants are set when that module loads (through the loader in
   :mod:`kouiki.cli._typer_speed`, so start-up still does not import it for a command that prints no help);
2. ``rich_utils.rich_format_error`` (the one place typer prints a usage error, looked up at call time) is wrapped:
   the exception's message is rebuilt in Japanese from its attributes (``param``, ``param_hint``, ``option_name``,
   ``possibilities``, the pydantic error behind a bad value) or, for the messages click passes as plain text
   (``ctx.fail``), from a table of their English shapes (:data:`_MESSAGES`);
3. ``Command.get_help_option`` and ``HelpFormatter.write_usage`` of the vendored click are wrapped to give the help
   option its Japanese help and the usage line its Japanese prefix and metavars.

Anything not recognised is shown as typer shows it (English rather than wrong); ``tests/cli/test_japanese_help.py``
renders every help page and each kind of usage error and fails on typer's English, so a typer whose words changed
is noticed (pyproject.toml pins the typer these hooks were written for). With ``TYPER_USE_RICH=0`` (plain click
output, not used by kouiki) the error lines stay English.
"""

from __future__ import annotations

import re
from typing import Any

HELP_OPTION_HELP = "このヘルプを表示して終了"
USAGE_PREFIX = "使い方: "
_ENGLISH_HELP_OPTION = "Show this message and exit."

# typer.rich_utils constant → Japanese. Format fields as typer's ({} / {command_path} {help_option}).
RICH_UTILS_TEXTS: dict[str, str] = {
    "ARGUMENTS_PANEL_TITLE": "引数",
    "OPTIONS_PANEL_TITLE": "オプション",
    "COMMANDS_PANEL_TITLE": "コマンド",
    "ERRORS_PANEL_TITLE": "エラー",
    "ABORTED_TEXT": "中止しました",
    "RICH_HELP": "使い方は [blue]{command_path} {help_option}[/] で表示できます",
    "DEFAULT_STRING": "[既定: {}]",
    "REQUIRED_LONG_STRING": "[必須]",
    "ENVVAR_STRING": "[環境変数: {}]",
    "DEPRECATED_STRING": "(廃止予定) ",
}

# click's default metavars in a usage line → Japanese (the panels below it are 「オプション」「コマンド」「引数」).
_USAGE_WORDS = (("[OPTIONS]", "[オプション]"), ("COMMAND [ARGS]...", "コマンド [引数]..."))

_KIND = {"argument": "引数", "option": "オプション", "parameter": "パラメータ"}

# Messages click and typer pass as plain text (ctx.fail, BadOptionUsage), by their English shape (regular
# expressions, matched with re.DOTALL; compiled at the first error, not at start-up).
_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"No such command '(?P<name>.*)'\.(?: Did you mean (?P<alt>.+)\?)?", "コマンド '{name}' はありません。"),
    (r"Missing command\.", "コマンドを指定してください。"),
    (r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)", "余分な引数があります: {args}"),
    (r"Option (?P<opt>'.*') requires an argument\.", "オプション {opt} には値が必要です。"),
    (r"Option (?P<opt>'.*') requires (?P<n>\d+) arguments\.", "オプション {opt} には値が {n} 個必要です。"),
    (r"Option (?P<opt>'.*') does not take a value\.", "オプション {opt} は値をとりません。"),
)

# The inner text of a bad value that typer builds itself (not through pydantic).
_VALUE_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"(?P<value>.*) is not one of (?P<choices>.*)\.", "{value} は選択肢（{choices}）にありません"),
    (r"(?i:file|directory|path) (?P<path>'.*') does not exist\.", "{path} がありません"),
    (r"(?i:file|directory|path) (?P<path>'.*') is a file\.", "{path} はファイルです（フォルダを指定）"),
    (r"(?i:file|directory|path) (?P<path>'.*') is a directory\.", "{path} はフォルダです（ファイルを指定）"),
    (r"(?i:file|directory|path) (?P<path>'.*') is not readable\.", "{path} を読めません"),
    (r"(?i:file|directory|path) (?P<path>'.*') is not writable\.", "{path} に書き込めません"),
    (r"Value (?P<value>.*) is not a valid (?P<type>.*)\.", "{value} は {type} ではありません"),
)

# pydantic's error type (of the ValidationError behind a bad value) → Japanese; ctx fields as pydantic names them.
_PYDANTIC: dict[str, str] = {
    "int_parsing": "整数で指定してください",
    "int_from_float": "整数で指定してください",
    "int_type": "整数で指定してください",
    "float_parsing": "数値で指定してください",
    "float_type": "数値で指定してください",
    "decimal_parsing": "数値で指定してください",
    "bool_parsing": "true / false で指定してください",
    "date_parsing": "日付（例: 2025-04-01）で指定してください",
    "date_from_datetime_parsing": "日付（例: 2025-04-01）で指定してください",
    "datetime_parsing": "日時（例: 2025-04-01T09:00）で指定してください",
    "datetime_from_date_parsing": "日時（例: 2025-04-01T09:00）で指定してください",
    "greater_than": "{gt} より大きい値で指定してください",
    "greater_than_equal": "{ge} 以上で指定してください",
    "less_than": "{lt} より小さい値で指定してください",
    "less_than_equal": "{le} 以下で指定してください",
    "literal_error": "{expected} のいずれかで指定してください",
    "enum": "{expected} のいずれかで指定してください",
    "uuid_parsing": "UUID で指定してください",
}


def _sub(table: tuple[tuple[str, str], ...], text: str) -> str | None:
    for pattern, template in table:
        m = re.fullmatch(pattern, text, re.S)
        if m:
            return template.format(**{k: v or "" for k, v in m.groupdict().items()})
    return None


def _value_text(exc: Any) -> str:
    """The Japanese of a bad value's reason: from the pydantic error behind it, typer's own text, or as it is."""
    cause = exc.__cause__
    if cause is not None and type(cause).__module__.startswith("pydantic") and hasattr(cause, "errors"):
        errors = cause.errors()
        if errors:
            first = errors[0]
            template = _PYDANTIC.get(str(first.get("type")))
            if template is not None:
                try:
                    reason = template.format(**(first.get("ctx") or {}))
                except (KeyError, IndexError):
                    reason = None
                if reason is not None:
                    value = first.get("input")
                    return f"{reason}（{value!r}）" if isinstance(value, str) else reason
    message = str(getattr(exc, "message", "") or "").removeprefix("Value error, ")  # pydantic's prefix
    return _sub(_VALUE_MESSAGES, message) or message


def _hint(exc: Any) -> str | None:
    """The parameter a BadParameter names, as click writes it ('--limit' / 'QUERY')."""
    hint = getattr(exc, "param_hint", None)
    if hint is None and getattr(exc, "param", None) is not None:
        hint = exc.param.get_error_hint()
    if hint is not None and not isinstance(hint, str):
        hint = " / ".join(repr(x) for x in hint)
    if hint is not None:  # an option read from the environment too: "'--x' (env var: 'X')"
        hint = re.sub(r" \(env var: ('[^']*')\)", r"（環境変数 \1）", hint)
    return hint


def japanese_message(exc: Any) -> str | None:
    """The Japanese text of a click usage error ``exc`` (None when its English is not one we know)."""
    from typer._click import exceptions as ce

    if isinstance(exc, ce.MissingParameter):
        kind = _KIND.get(str(exc.param_type or getattr(exc.param, "param_type_name", "")), "値")
        hint = _hint(exc)
        text = f"{kind} {hint} を指定してください。" if hint else f"{kind}を指定してください。"
        extra = exc.param.get_missing_message(ctx=exc.ctx) if exc.param is not None else None
        if extra and extra.startswith("Choose from:"):
            choices = ", ".join(c.strip().rstrip(",") for c in extra.removeprefix("Choose from:").split("\n") if c.strip())
            text += f"選択肢: {choices}"
        return text
    if isinstance(exc, ce.NoSuchOption):
        text = f"オプション '{exc.option_name}' はありません。"
        if exc.possibilities:
            text += f"もしかして: {', '.join(sorted(exc.possibilities))}"
        return text
    if isinstance(exc, ce.BadParameter):
        hint = _hint(exc)
        reason = _value_text(exc)
        return f"{hint} の値が正しくありません: {reason}" if hint else f"値が正しくありません: {reason}"
    if isinstance(exc, ce.UsageError):
        message = str(exc.message)
        found = _sub(_MESSAGES, message)
        m = re.search(r" Did you mean (?P<alt>.+)\?$", message, re.S)
        if found is not None and m:
            found += f"もしかして: {m.group('alt')}"
        return found
    return None


def _translate_rich_utils(rich_utils: Any) -> None:
    """Set typer.rich_utils' texts to Japanese and wrap its error printer (called once, when it has loaded)."""
    for name, text in RICH_UTILS_TEXTS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)
    highlighter = getattr(rich_utils, "OptionHighlighter", None)
    if highlighter is not None:  # 「使い方: 」 styled as typer styles 「Usage: 」
        highlighter.highlights = [*highlighter.highlights, r"(?P<usage>使い方: )"]
    original = getattr(rich_utils, "rich_format_error", None)
    if original is None or getattr(original, "_kouiki_ja", False):
        return

    def rich_format_error(self: Any) -> None:
        text = japanese_message(self)
        if text is not None:
            self.format_message = lambda: text  # this exception only; typer's printer is unchanged
        original(self)

    rich_format_error._kouiki_ja = True  # type: ignore[attr-defined]
    rich_utils.rich_format_error = rich_format_error


_installed = False


def install() -> bool:
    """Japanese help and usage errors for every typer app of this process; True when installed (now or before)."""
    global _installed
    if _installed:
        return True
    from kouiki.cli import _typer_speed

    try:
        from typer._click.core import Command
        from typer._click.formatting import HelpFormatter
    except ImportError:  # a typer without the vendored click: its words stay as they are
        return False
    get_help_option = Command.get_help_option
    write_usage = HelpFormatter.write_usage

    def japanese_get_help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None and option.help == _ENGLISH_HELP_OPTION:
            option.help = HELP_OPTION_HELP
        return option

    def japanese_write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, japanese in _USAGE_WORDS:
            args = args.replace(english, japanese)
        write_usage(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    Command.get_help_option = japanese_get_help_option  # type: ignore[method-assign]
    HelpFormatter.write_usage = japanese_write_usage  # type: ignore[method-assign]
    _typer_speed.when_rich_utils_loaded(_translate_rich_utils)
    _installed = True
    return True
