"""Web app: the fiscal plan of each region.

Revision ID: 0801_web_fiscal_plan
Revises: 0800_web
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0801_web_fiscal_plan"
down_revision = "0800_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fiscal_plan",
        sa.Column("region_id", sa.String(100), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name="fk_fiscal_plan_region_id_region", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("region_id", name="pk_fiscal_plan"),
    )


def downgrade() -> None:
    op.drop_table("fiscal_plan")
