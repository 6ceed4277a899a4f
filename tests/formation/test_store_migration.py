"""The formation migration creates exactly what the SQLAlchemy model describes."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kouiki.store import engine, session
from kouiki.store.models import metadata


@pytest.mark.fresh_store  # the real first start, not the per-worker template copy
def test_census_figure_migration_matches_the_model() -> None:
    with session():
        pass
    with engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    mine = [d for d in diff if "census_figure" in repr(d)]
    assert mine == []
