"""Engine, sessions and migrations.

SQLite in ``KOUIKI_DATA_DIR`` by default (WAL mode, foreign keys on), PostgreSQL by ``DATABASE_URL`` —
the same code and the same Alembic migrations. :func:`init_db` migrates to the newest schema and loads
the bundled reference rows (the seed regions) on first use, so a user never has to run a setup step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kouiki.reference.errors import KouikiError
from kouiki.settings import database_url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer (web app, several users)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


@cache
def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(eng, "connect", _sqlite_pragmas)
        return eng
    return create_engine(url, pool_pre_ping=True)


def engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: :func:`kouiki.settings.database_url`)."""
    return _engine(url or database_url())


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("kouiki.store").joinpath("migrations")))
    cfg.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    """Migrate the database to the newest schema (every capability's branch: ``heads``)."""
    cfg = alembic_config(url)
    with engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


_initialised: set[str] = set()


class StoreUnavailableError(KouikiError):
    """The database cannot be reached or the URL is not one SQLAlchemy knows (DATABASE_URL, KOUIKI_DATA_DIR)."""


def _shown(url: str) -> str:
    """The URL for a message, password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "（解釈できない URL）"


def init_db(url: str | None = None) -> Engine:
    """Migrate (once per process and URL) and load the bundled rows; return the engine.

    A database that cannot be reached is one line naming it (password hidden), not a driver traceback."""
    u = url or database_url()
    if u not in _initialised:
        try:
            upgrade(u)
        except (OperationalError, ArgumentError, NoSuchModuleError) as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
            raise StoreUnavailableError(
                f"データベースに接続できません: {_shown(u)}（DATABASE_URL / KOUIKI_DATA_DIR を確認してください）: {reason}"
            ) from None
        from kouiki.store.seed import seed_bundled  # late import: seed imports the table modules

        with Session(engine(u)) as s, s.begin():
            seed_bundled(s)
        _initialised.add(u)
    return engine(u)


@cache
def _factory(eng: Engine) -> sessionmaker[Session]:
    return sessionmaker(eng, expire_on_commit=False)  # one per engine: every web request opens a session


@contextmanager
def session(url: str | None = None) -> Iterator[Session]:
    """A transaction: commits when the block ends, rolls back everything on error (imports are all-or-nothing)."""
    with _factory(init_db(url))() as s, s.begin():
        yield s
