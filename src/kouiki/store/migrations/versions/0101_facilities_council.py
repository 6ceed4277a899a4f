"""Facilities: the wide-area council (広域的な議論の場 / 協議会) record of each region.

Revision ID: 0101_facilities_council
Revises: 0100_facilities_inventory
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0101_facilities_council"
down_revision = "0100_facilities_inventory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facility_council",
        sa.Column("region_id", sa.String(100), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name="fk_facility_council_region_id_region", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("region_id", name="pk_facility_council"),
    )


def downgrade() -> None:
    op.drop_table("facility_council")
