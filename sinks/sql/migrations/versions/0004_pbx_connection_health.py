"""PBX upstream connection state changes: pbx_connection_health.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Frozen once released: a revision repeats its tables' columns (those of models.py and
# of the other revisions) on purpose and imports neither, so that it creates the same
# tables whatever the code becomes.

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "pbx_connection_health",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("pbx_id", sa.String(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("pbx_name", sa.String(), nullable=True),
        sa.Column("from_state", sa.String(), nullable=True),
        sa.Column("to_state", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_pbx_connection_health_pbx_at", "pbx_connection_health", ["client_id", "pbx_id", "at_ms"]
    )
    op.create_index("ix_pbx_connection_health_day", "pbx_connection_health", ["day"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_pbx_connection_health_day", table_name="pbx_connection_health")
    op.drop_index("ix_pbx_connection_health_pbx_at", table_name="pbx_connection_health")
    op.drop_table("pbx_connection_health")
