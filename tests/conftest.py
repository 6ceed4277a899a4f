"""Every test runs with its own empty KOUIKI_DATA_DIR, so no test reads or writes a user's data.

Tests marked ``slow`` (the longest end-to-end runs) are left out of ``./dev test`` unless ``KOUIKI_RUN_SLOW=1``
(``.ci/run`` sets it, so CI runs every test); the run says how many were left out."""

from __future__ import annotations

from pathlib import Path

import pytest

_RUN_SLOW = __import__("os").environ.get("KOUIKI_RUN_SLOW", "") not in ("", "0")
_left_out: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _RUN_SLOW or config.getoption("markexpr"):  # an explicit -m decides for itself
        return
    slow = [it for it in items if it.get_closest_marker("slow") is not None]
    if slow:
        _left_out.extend(it.nodeid for it in slow)
        config.hook.pytest_deselected(items=slow)
        items[:] = [it for it in items if it.get_closest_marker("slow") is None]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if not _RUN_SLOW and not config.getoption("markexpr"):  # (with -n the workers collect: no count here)
        count = f"{len(_left_out)} " if _left_out else ""
        terminalreporter.write_line(
            f"{count}tests marked slow were left out (KOUIKI_RUN_SLOW=1 or -m slow runs them; .ci/run does)")


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "kouiki-data"
    monkeypatch.setenv("KOUIKI_DATA_DIR", str(data))
    # As the surfaces (CLI, web) do at start-up: engines read the user's parameter files from this folder.
    from kouiki.reference.user_parameters import register_user_parameters
    from kouiki.settings import user_parameters_dir

    register_user_parameters(user_parameters_dir)
    if "DATABASE_URL" in __import__("os").environ and not __import__("os").environ.get("KOUIKI_TEST_POSTGRES"):
        monkeypatch.delenv("DATABASE_URL")
    elif __import__("os").environ.get("KOUIKI_TEST_POSTGRES"):
        _reset_postgres()
    return data


def _reset_postgres() -> None:
    """On PostgreSQL (``KOUIKI_TEST_POSTGRES=1``) every test starts from an empty schema, like SQLite's new file."""
    import os

    from sqlalchemy import text

    from kouiki.store import db

    url = os.environ["DATABASE_URL"]
    eng = db.engine(url)
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()
    db._initialised.discard(url)
