"""kouiki.cli._typer_speed: typer's parameters without pydantic until a value needs it — and the same results.

The start-up gain itself is measured in bench/bench_cli.py; here: the shortcut is installed with the typer we ship,
and every coercion (values, None, errors) equals typer's own."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

import pytest
from typer import _coercion
from typer.models import ArgumentInfo, OptionInfo

from kouiki.cli import _typer_speed


class _Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class _Param:
    """What RuntimeParam.coerce reads of a click parameter."""

    multiple = False
    nargs = 1
    name = "p"
    param_type_name = "option"

    def get_error_hint(self, ctx: Any) -> str:
        return "'--p'"


def _outcome(runtime: Any, value: Any) -> tuple[str, Any]:
    try:
        return "ok", runtime.coerce(value, param=_Param(), ctx=None)
    except Exception as exc:
        return type(exc).__name__, str(exc)


def test_installed_with_the_shipped_typer() -> None:
    import typer.core

    import kouiki.cli  # noqa: F401 - installs at import

    assert _typer_speed.install()
    assert typer.core.build_runtime_param is not _coercion.build_runtime_param  # ours, not typer's


@pytest.mark.parametrize("value", ["abc", "２９３６３６", "", " 川西 ", "川西".encode(), "川西".encode("cp932"),
                                   b"\xff\xfe", 5])
def test_parse_cli_str_is_typers(value: Any) -> None:
    from typer._adapters import _parse_cli_str

    assert _typer_speed._parse_cli_str(value) == _parse_cli_str(value)


ANNOTATIONS: list[tuple[Any, Any]] = [
    (str, ArgumentInfo()), (str, OptionInfo()), (int, OptionInfo()), (int, OptionInfo(min=1, max=9)),
    (float, OptionInfo()), (float, OptionInfo(min=0.0)), (int, OptionInfo(min=0, max=9, clamp=True)),
    (bool, OptionInfo()), (Path, OptionInfo()), (_Colour, OptionInfo()),
    (list[str], OptionInfo()), (str, OptionInfo(parser=str.upper)),
]
VALUES = [None, "abc", "12", "0", "1.5", "red", "true", "", ["a", "b"], b"bytes", 50, 0, -3, 10**30, True, 1.5,
          float("inf"), 2.0]


# ids from the annotation's name and the row's position: never an object's address, which differs between
# pytest-xdist workers and makes them collect different tests.
@pytest.mark.parametrize(("annotation", "info"), ANNOTATIONS,
                         ids=[f"{i}-{getattr(a, '__name__', type(a).__name__)}" for i, (a, _x) in enumerate(ANNOTATIONS, 1)])
def test_every_coercion_equals_typers(annotation: Any, info: Any) -> None:
    import typer.core

    import kouiki.cli  # noqa: F401 - installs at import

    descriptor = _coercion.resolve_type_descriptor(annotation, info)
    ours = typer.core.build_runtime_param(descriptor)
    theirs = _coercion.build_runtime_param(descriptor)
    for value in VALUES:
        assert _outcome(ours, value) == _outcome(theirs, value), (annotation, value)


def test_a_bad_value_still_reports_typers_message() -> None:
    from typer.testing import CliRunner

    from kouiki.cli import app

    result = CliRunner().invoke(app, ["municipalities", "search", "川西", "--limit", "x"])
    assert result.exit_code == 2
    # typer's error (pydantic's int_parsing behind it), in Japanese (kouiki.cli._typer_ja)
    assert "'--limit' の値が正しくありません: 整数で指定してください（'x'）" in result.output


DEFERRED_PROBE = """
import sys
import kouiki.cli
import typer.rich_utils as r
assert "rich.markdown" not in sys.modules and "rich.traceback" not in sys.modules, "stand-ins left behind"
md = r.Markdown("# 見出し", style="none")
import rich.markdown
assert type(md) is rich.markdown.Markdown and isinstance(md, r.Markdown)
try:
    1 / 0
except ZeroDivisionError as exc:
    tb = r.Traceback.from_exception(type(exc), exc, exc.__traceback__)
import rich.traceback
assert type(tb) is rich.traceback.Traceback
print("OK")
"""


def test_rich_utils_stand_ins_give_the_real_classes() -> None:
    """typer.rich_utils is loaded without rich.markdown/rich.traceback; its Markdown and Traceback still build the
    real objects, and a later import of either module is the real one (a fresh process: this one may have loaded
    typer.rich_utils already)."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", DEFERRED_PROBE], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "OK", run.stderr
