"""Formation: imported census figures (昼夜間人口比率, 通勤通学 OD).

Revision ID: 0200_formation_census
Revises: 0001_foundation
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0200_formation_census"
down_revision = "0001_foundation"
branch_labels = ("formation",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "census_figure",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("to_code", sa.String(6), nullable=False),
        sa.Column("census_year", sa.Integer(), nullable=False),
        sa.Column("ratio_per_100", sa.String(20), nullable=True),
        sa.Column("night_population", sa.Integer(), nullable=True),
        sa.Column("daytime_population", sa.Integer(), nullable=True),
        sa.Column("commuters", sa.Integer(), nullable=True),
        sa.Column("base", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("file", sa.String(500), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_census_figure"),
        sa.UniqueConstraint("kind", "code", "to_code", "census_year", name="uq_census_figure_key"),
    )
    op.create_index("ix_census_figure_code", "census_figure", ["code"])


def downgrade() -> None:
    op.drop_index("ix_census_figure_code", table_name="census_figure")
    op.drop_table("census_figure")
