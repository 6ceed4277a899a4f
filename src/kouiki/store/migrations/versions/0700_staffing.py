"""Staffing: the staffing plan (専門人材の共同活用計画) of each region.

Revision ID: 0700_staffing
Revises: 0001_foundation
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0700_staffing"
down_revision = "0001_foundation"
branch_labels = ("staffing",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staffing_plan",
        sa.Column("region_id", sa.String(100), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name="fk_staffing_plan_region_id_region",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("region_id", name="pk_staffing_plan"),
    )


def downgrade() -> None:
    op.drop_table("staffing_plan")
