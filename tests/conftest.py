"""Every test runs with its own empty KOUIKI_DATA_DIR, so no test reads or writes a user's data.

Tests marked ``slow`` (the longest end-to-end runs) are left out of ``./dev test`` unless ``KOUIKI_RUN_SLOW=1``
(``.ci/run`` sets it, so CI runs every test); the run says how many were left out.

Speed (issue 16): a new SQLite store is not migrated and seeded per test. Each process (xdist worker) builds
one store with the real :func:`kouiki.store.db.init_db` (Alembic to ``heads`` + the bundled regions) the first
time a test needs one, and every later test that opens a new SQLite store gets a copy of that file — the same
end state as a first start, in a millisecond instead of ~1.5 s. Passwords are hashed with argon2id at its
smallest cost (the production cost is ~0.25 s of CPU per hash, five users per web test). Tests about first use and the migrations
themselves are marked ``fresh_store`` and run the real path. Hypothesis runs the ``dev`` profile (fewer
examples, see ``tests/hypothesis_budget.py``) unless KOUIKI_RUN_SLOW=1 selects ``ci`` (the full counts)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine

from tests.hypothesis_budget import FULL

settings.register_profile("ci", deadline=None)
settings.register_profile("dev", deadline=None, max_examples=25)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if FULL else "dev"))

_RUN_SLOW = FULL
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


_REAL_INIT_DB: list[Callable[..., Engine]] = []  # kouiki.store.db.init_db itself, kept before any test patches it


def _sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL (None for anything else: PostgreSQL, in-memory, query options)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or url == prefix + ":memory:":
        return None
    return Path(url[len(prefix):])


@pytest.fixture(scope="session")
def _store_template() -> Iterator[Callable[[], Path]]:
    """A per-process builder of the migrated and seeded SQLite file that new test stores are copied from."""
    folder = Path(tempfile.mkdtemp(prefix="kouiki-store-template-"))
    built: list[Path] = []

    def template() -> Path:
        if not built:
            from kouiki.store import db

            path = folder / "template.sqlite3"
            url = f"sqlite:///{path}"
            _REAL_INIT_DB[0](url)  # the real first start: Alembic upgrade to heads, then the bundled rows
            eng = db.engine(url)
            with eng.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file
            eng.dispose()
            built.append(path)
        return built[0]

    yield template
    shutil.rmtree(folder, ignore_errors=True)


def _new_epoch(path: Path) -> None:
    """A new database gets its own random epoch (migration 0002), so no page cache entry of another test's copy
    can match it (:mod:`kouiki.store.version`)."""
    import secrets
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute("UPDATE store_version SET epoch = ? WHERE id = 1", (secrets.token_hex(16),))
    finally:
        conn.close()


def _use_store_template(monkeypatch: pytest.MonkeyPatch, template: Callable[[], Path]) -> None:
    """New SQLite stores start as a copy of the template (migrated + seeded) instead of migrating and seeding."""
    import kouiki.store
    from kouiki.settings import database_url
    from kouiki.store import db

    if not _REAL_INIT_DB:
        _REAL_INIT_DB.append(db.init_db)
    real_init_db = _REAL_INIT_DB[0]

    def init_db(url: str | None = None) -> Engine:
        u = url or database_url()
        target = _sqlite_file(u)
        if u not in db._initialised and target is not None and target.parent.is_dir() and not target.exists():
            try:
                shutil.copyfile(template(), target)
                _new_epoch(target)
            except OSError:  # e.g. a read-only folder: the real path reports it
                target.unlink(missing_ok=True)
            else:
                db._initialised.add(u)
        return real_init_db(url)

    monkeypatch.setattr(db, "init_db", init_db)
    monkeypatch.setattr(kouiki.store, "init_db", init_db)


def _use_fast_password_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the smallest cost instead of the production one (~0.25 s of CPU per hash and per login).

    The hashes are still argon2id and still verified; ``tests/store/test_password_hash.py`` (marked
    ``real_password_hash``) checks the production hasher's parameters and a real hash round trip."""
    from argon2 import PasswordHasher

    from kouiki.store import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
                       _store_template: Callable[[], Path]) -> Path:
    data = tmp_path / "kouiki-data"
    monkeypatch.setenv("KOUIKI_DATA_DIR", str(data))
    if not os.environ.get("KOUIKI_TEST_POSTGRES") and request.node.get_closest_marker("fresh_store") is None:
        _use_store_template(monkeypatch, _store_template)
    if request.node.get_closest_marker("real_password_hash") is None:
        _use_fast_password_hash(monkeypatch)
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
