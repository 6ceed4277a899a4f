"""Alembic environment: runs on the connection handed over by kouiki.store.db.upgrade (or the URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from kouiki.store.models import metadata

config = context.config


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is not None:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    eng = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with eng.begin() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
