"""Foundation: regions registry and audit log.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = ("foundation",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("framework", sa.String(50), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_region"),
        sa.UniqueConstraint("name", name="uq_region_name"),
    )
    op.create_table(
        "region_member",
        sa.Column("region_id", sa.String(100), nullable=False),
        sa.Column("municipality_code", sa.String(6), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("agreement_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name="fk_region_member_region_id_region", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("region_id", "municipality_code", name="pk_region_member"),
    )
    op.create_index("ix_region_member_municipality_code", "region_member", ["municipality_code"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("entity", sa.String(50), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("region_member")
    op.drop_table("region")
