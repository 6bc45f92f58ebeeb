"""PBX API tables: pbxes, pbx_sessions and pbx_deliveries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Frozen once released: a revision repeats its tables' columns (those of models.py and
# of the other revisions) on purpose and imports neither, so that it creates the same
# tables whatever the code becomes.

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "pbxes",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("pbx_id", sa.String(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("src_offset", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("serial_number", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("client_id", "pbx_id"),
    )
    op.create_table(
        "pbx_sessions",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("pbx_id", sa.String(), nullable=False),
        sa.Column("session_id", sa.String(), nullable=False),
        sa.Column("user_name", sa.String(), nullable=False),
        sa.Column("callback_url", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("end_reason", sa.String(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("src_offset", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_index("ix_pbx_sessions_pbx", "pbx_sessions", ["client_id", "pbx_id"])
    op.create_index("ix_pbx_sessions_state", "pbx_sessions", ["state"])

    op.create_table(
        "pbx_deliveries",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("pbx_id", sa.String(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("session_id", sa.String(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("minute", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pbx_deliveries_pbx_at", "pbx_deliveries", ["client_id", "pbx_id", "at_ms"])
    op.create_index("ix_pbx_deliveries_session", "pbx_deliveries", ["session_id", "seq"])
    op.create_index("ix_pbx_deliveries_at", "pbx_deliveries", ["at_ms"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_pbx_deliveries_at", table_name="pbx_deliveries")
    op.drop_index("ix_pbx_deliveries_session", table_name="pbx_deliveries")
    op.drop_index("ix_pbx_deliveries_pbx_at", table_name="pbx_deliveries")
    op.drop_table("pbx_deliveries")
    op.drop_index("ix_pbx_sessions_state", table_name="pbx_sessions")
    op.drop_index("ix_pbx_sessions_pbx", table_name="pbx_sessions")
    op.drop_table("pbx_sessions")
    op.drop_table("pbxes")
