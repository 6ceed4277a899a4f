"""Facilities: inventories and facilities (part A: imports land in the store).

Revision ID: 0100_facilities_inventory
Revises: 0001_foundation
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0100_facilities_inventory"
down_revision = "0001_foundation"
branch_labels = ("facilities",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facility_inventory",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("facility_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_facility_inventory"),
        sa.UniqueConstraint("name", name="uq_facility_inventory_name"),
    )
    op.create_table(
        "facility",
        sa.Column("inventory_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(6), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("category", sa.String(50), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inventory_id"], ["facility_inventory.id"], name="fk_facility_inventory_id_facility_inventory", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("inventory_id", "facility_id", name="pk_facility"),
    )
    op.create_index("ix_facility_municipality_code", "facility", ["municipality_code"])


def downgrade() -> None:
    op.drop_index("ix_facility_municipality_code", table_name="facility")
    op.drop_table("facility")
    op.drop_table("facility_inventory")
