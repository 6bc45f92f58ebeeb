"""Relay clients: client_health_transitions, every health change of every relay client.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Frozen once released: a revision repeats its tables' columns (those of models.py and
# of the other revisions) on purpose and imports neither, so that it creates the same
# tables whatever the code becomes.

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
TABLE = "client_health_transitions"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("from_health", sa.String(), nullable=True),
        sa.Column("to_health", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("profiles", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_client_health_transitions_client_at", TABLE, ["client_id", "at_ms"])
    op.create_index("ix_client_health_transitions_day", TABLE, ["day"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_client_health_transitions_day", table_name=TABLE)
    op.drop_index("ix_client_health_transitions_client_at", table_name=TABLE)
    op.drop_table(TABLE)
