"""Foundation: the store's data version counter (raised by every audited write; keys page caches).

Revision ID: 0002_foundation_store_version
Revises: 0001_foundation
Create Date: 2026-11-26
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002_foundation_store_version"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "store_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_store_version"),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0, "epoch": secrets.token_hex(16)}])


def downgrade() -> None:
    op.drop_table("store_version")
