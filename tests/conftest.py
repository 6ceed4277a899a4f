"""Every test runs with its own empty KOUIKI_DATA_DIR, so no test reads or writes a user's data."""

from __future__ import annotations

from pathlib import Path

import pytest


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
