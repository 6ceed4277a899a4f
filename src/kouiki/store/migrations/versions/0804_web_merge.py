"""Web: join the two web migrations written in parallel (jobs 0802 and users 0803) into one head.

A merge revision rather than re-pointing 0803 at 0802: a database already at 0803 stays valid.

Revision ID: 0804_web_merge
Revises: 0802_web_jobs, 0803_web_users_admin
Create Date: 2026-11-26
"""

from __future__ import annotations

revision = "0804_web_merge"
down_revision = ("0802_web_jobs", "0803_web_users_admin")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
