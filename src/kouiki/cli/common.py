"""Shared helpers of the CLI layer: JSON output, Rich console, one-line errors.

Every module of ``kouiki/cli/`` is thin: at import time only typer, rich, this module and ``kouiki.reference``;
its engine (and the store, the web stack, numba …) only inside the command that runs, so `kouiki --help` loads
none of them (tests/architecture/test_cli_startup.py keeps it so)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kouiki.reference.errors import KouikiError

console = Console()


def table(title: str, *columns: str) -> Table:
    """A Rich table whose cells wrap instead of being cut with "…" (numbers must never be hidden)."""
    t = Table(title=title)
    for col in columns:
        t.add_column(col, overflow="fold")
    return t


class Notes:
    """Numbered notes printed below a table, so a long remark or source never wraps in a narrow column at 80
    columns: the cell shows 「注1」, the text follows the table as 「注1 …」 (the same text keeps one number)."""

    def __init__(self, prefix: str = "注") -> None:
        self.prefix = prefix
        self.texts: list[str] = []

    def ref(self, *texts: str) -> str:
        """The cell text for ``texts`` (empty ones skipped): 「注1,2」."""
        numbers: list[int] = []
        for text in texts:
            if not text:
                continue
            if text not in self.texts:
                self.texts.append(text)
            n = self.texts.index(text) + 1
            if n not in numbers:
                numbers.append(n)
        return f"{self.prefix}{','.join(str(n) for n in sorted(numbers))}" if numbers else ""

    def print(self, target: Console | None = None) -> None:
        """The notes, one per line, wrapped at the terminal's width; then forget them (the next table starts at 1)."""
        if not self.texts:
            return
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, justify="right")
        grid.add_column(overflow="fold")
        for n, text in enumerate(self.texts, start=1):
            grid.add_row(f"  {self.prefix}{n}", Text(text))
        (target or console).print(grid)
        self.texts = []


err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def _default(obj: Any) -> Any:
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def to_json(data: Any) -> str:
    """JSON as kouiki prints it: UTF-8 (Japanese unescaped), ISO dates, Decimals as strings."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)


def print_json(data: Any) -> None:
    sys.stdout.write(to_json(data) + "\n")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one line to stderr and return an Exit to raise."""
    err_console.print(f"[bold red]エラー:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def friendly_errors(func: F) -> F:
    """Turn every KouikiError (and bad files) into one line and exit code 1, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KouikiError as exc:
            raise fail(str(exc)) from None
        except FileNotFoundError as exc:
            raise fail(f"ファイルが見つかりません: {exc.filename} (file not found)") from None
        except IsADirectoryError as exc:
            raise fail(f"ファイルではありません（フォルダです）: {exc.filename} (a folder, not a file)") from None
        except PermissionError as exc:
            raise fail(f"ファイルを開く権限がありません: {exc.filename} (permission denied)") from None
        except UnicodeDecodeError as exc:
            # Safety net: readers decode through kouiki.reference.textfile, which names the file.
            raise fail(f"文字コードを判別できません（UTF-8・CP932・UTF-16 で保存してください）: {exc.reason}") from None

    return wrapper  # type: ignore[return-value]


def fiscal_year_or_current(value: str | None) -> int:
    """A 年度 option: what the user typed (2025, R7, 令和7年度), or — left empty — the current 年度 (today's date),
    so defaults never need a yearly bump."""
    import datetime as dt

    from kouiki.reference.calendar import FiscalYear

    return (FiscalYear.parse(value) if value else FiscalYear.of_date(dt.date.today())).year


def register_user_parameters() -> None:
    """Tell the engines where the user's parameter files are (the root callback: before any command runs).

    Engines never read ``kouiki.settings`` themselves; see :mod:`kouiki.reference.user_parameters`."""
    from kouiki.reference.user_parameters import register_user_parameters as register
    from kouiki.settings import user_parameters_dir

    register(user_parameters_dir)
