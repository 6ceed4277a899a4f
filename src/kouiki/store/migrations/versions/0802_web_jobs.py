"""Web app: optimiser jobs (最適化の処理) kept in the store.

Revision ID: 0802_web_jobs
Revises: 0801_web_fiscal_plan
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0802_web_jobs"
down_revision = "0801_web_fiscal_plan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_job",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("region_id", sa.String(100), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("model", sa.String(40), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("runner", sa.String(100), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("scenario_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name="fk_web_job_region_id_region", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_web_job"),
    )
    op.create_index("ix_web_job_region_id", "web_job", ["region_id"])


def downgrade() -> None:
    op.drop_index("ix_web_job_region_id", table_name="web_job")
    op.drop_table("web_job")
