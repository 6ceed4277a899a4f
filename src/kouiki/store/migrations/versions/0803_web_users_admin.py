"""Web app: users administration — a version for 管理者 edits and when the password last changed.

Revision ID: 0803_web_users_admin
Revises: 0801_web_fiscal_plan
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0803_web_users_admin"
down_revision = "0801_web_fiscal_plan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_user") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("password_changed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_user") as batch:
        batch.drop_column("password_changed_at")
        batch.drop_column("version")
