"""The web branch of the migrations, the demo logins, and `kouiki serve --help`."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.settings import data_dir
from kouiki.store import session
from kouiki.store.db import alembic_config, upgrade
from kouiki.store.models import metadata
from kouiki.store.users import authenticate
from kouiki.web.demo import ensure_demo_logins, load_demo_data
from kouiki.web.inventories import facilities_of

WEB_TABLES = {"web_user", "web_session", "scenario", "fiscal_plan", "staffing_plan", "web_job"}


def test_migrations_build_the_web_tables_exactly_and_downgrade_cleanly() -> None:
    url = f"sqlite:///{data_dir() / 'migrate.sqlite3'}"
    upgrade(url)
    eng = create_engine(url)
    with eng.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= WEB_TABLES
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], diff
    cfg = alembic_config(url)
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001_foundation")  # every branch above the foundation
    with eng.connect() as conn:
        left = set(inspect(conn).get_table_names())
    assert not (WEB_TABLES & left)
    assert "region" in left  # the foundation is untouched
    eng.dispose()


def test_demo_creates_logins_for_every_role_and_loads_demo_facilities() -> None:
    with session() as s:
        notes = load_demo_data(s)
        logins = ensure_demo_logins(s)
    assert {login.role.value for login in logins} == {"admin", "region", "body", "viewer"}
    with session() as s:
        for login in logins:
            assert authenticate(s, login.username, login.password).username == login.username
        inv = facilities_of(s, ["022021"])
    assert notes and inv.facilities
    with session() as s:  # a second start resets passwords and does not duplicate the demo data
        again = ensure_demo_logins(s)
        assert load_demo_data(s) == []
    assert {a.username for a in again} == {login.username for login in logins}


def test_serve_command_is_registered() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--demo" in result.output and "--port" in result.output
