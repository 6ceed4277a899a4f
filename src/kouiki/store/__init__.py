"""The store: the ONE place kouiki keeps data (SQLAlchemy 2 + Alembic; SQLite by default, PostgreSQL by URL).

Engines never import this package; the CLI and the web app do. See ``README.md`` here for how a
capability adds its tables and migrations.
"""

from kouiki.store.db import engine, init_db, session, upgrade

__all__ = ["engine", "init_db", "session", "upgrade"]
