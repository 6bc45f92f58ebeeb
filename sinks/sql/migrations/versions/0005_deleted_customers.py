"""Deleted customers: `deleted_at` on customers and profiles.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Frozen once released: a revision repeats its tables' columns (those of models.py and
# of the other revisions) on purpose and imports neither, so that it creates the same
# tables whatever the code becomes.

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("customers", "profiles")


def upgrade() -> None:
    """Apply this revision."""
    for table in TABLES:
        op.add_column(table, sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    for table in TABLES:
        # SQLite drops a column only by copying the table.
        with op.batch_alter_table(table) as batch:
            batch.drop_column("deleted_at")
