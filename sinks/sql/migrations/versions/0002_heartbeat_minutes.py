"""Per-minute heartbeat rollups (heartbeat_minutes) and the rollups' progress (sink_progress).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Frozen once released: a revision repeats its tables' columns (those of models.py and
# of the other revisions) on purpose and imports neither, so that it creates the same
# tables whatever the code becomes.

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("heartbeats", "started", "stopped", "starting", "stopping", "paused", "error")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "heartbeat_minutes",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("profile_type", sa.SmallInteger(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in COUNTS),
        sa.Column("last_status", sa.SmallInteger(), nullable=True),
        sa.Column("last_received_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("client_id", "profile_type", "profile_id", "minute"),
    )
    op.create_index("ix_heartbeat_minutes_day", "heartbeat_minutes", ["day"])
    op.create_index(
        "ix_heartbeat_minutes_client_minute", "heartbeat_minutes", ["client_id", "minute"]
    )
    op.create_table(
        "sink_progress",
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("next_offset", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("topic", "partition"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("sink_progress")
    op.drop_index("ix_heartbeat_minutes_client_minute", table_name="heartbeat_minutes")
    op.drop_index("ix_heartbeat_minutes_day", table_name="heartbeat_minutes")
    op.drop_table("heartbeat_minutes")
