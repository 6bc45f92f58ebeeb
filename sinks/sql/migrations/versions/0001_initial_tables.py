"""Initial tables: customers, profiles, profile_state, heartbeats, health_transitions,
commands and command_history.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Frozen once released: a revision repeats its tables' columns (those of models.py and
# of the other revisions) on purpose and imports neither, so that it creates the same
# tables whatever the code becomes.

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "command_history",
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("command_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("command_id", "seq"),
    )
    op.create_table(
        "commands",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("profile_type", sa.SmallInteger(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("command_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("command", sa.String(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("ttl_s", sa.Integer(), nullable=False),
        sa.Column("max_deliveries", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("command_id"),
    )
    op.create_index("ix_commands_day_state", "commands", ["created_day", "state"])
    op.create_index("ix_commands_profile", "commands", ["client_id", "profile_type", "profile_id"])

    op.create_table(
        "customers",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("relay_customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("src_offset", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("client_id"),
    )
    op.create_table(
        "health_transitions",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("profile_type", sa.SmallInteger(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("from_health", sa.String(), nullable=True),
        sa.Column("to_health", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("profile_name", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_health_transitions_day", "health_transitions", ["day"])
    op.create_index(
        "ix_health_transitions_profile_at",
        "health_transitions",
        ["client_id", "profile_type", "profile_id", "at_ms"],
    )

    op.create_table(
        "heartbeats",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("profile_type", sa.SmallInteger(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("server_status", sa.SmallInteger(), nullable=True),
        sa.Column("last_transaction_id", sa.String(), nullable=True),
        sa.Column("last_transaction_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("minute", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "profile_type", "profile_id", "received_at"),
    )
    op.create_index("ix_heartbeats_client_minute", "heartbeats", ["client_id", "minute"])
    op.create_index("ix_heartbeats_day", "heartbeats", ["day"])
    op.create_index("ix_heartbeats_received_at", "heartbeats", ["received_at"])

    op.create_table(
        "profile_state",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("profile_type", sa.SmallInteger(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("health", sa.String(), nullable=True),
        sa.Column("health_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("health_reason", sa.String(), nullable=True),
        sa.Column("server_status", sa.SmallInteger(), nullable=True),
        sa.Column("last_transaction_id", sa.String(), nullable=True),
        sa.Column("last_transaction_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("client_id", "profile_type", "profile_id"),
    )
    op.create_index("ix_profile_state_health", "profile_state", ["health"])

    op.create_table(
        "profiles",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("profile_type", sa.SmallInteger(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("relay_customer_id", sa.Integer(), nullable=False),
        sa.Column("profile_name", sa.String(), nullable=True),
        sa.Column("application_name", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("client_action_request", sa.SmallInteger(), nullable=False),
        sa.Column("log_level", sa.String(), nullable=True),
        sa.Column("alert_email_list", sa.String(), nullable=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("src_offset", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "profile_type", "profile_id"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("profiles")
    op.drop_index("ix_profile_state_health", table_name="profile_state")

    op.drop_table("profile_state")
    op.drop_index("ix_heartbeats_received_at", table_name="heartbeats")
    op.drop_index("ix_heartbeats_day", table_name="heartbeats")
    op.drop_index("ix_heartbeats_client_minute", table_name="heartbeats")

    op.drop_table("heartbeats")
    op.drop_index("ix_health_transitions_profile_at", table_name="health_transitions")
    op.drop_index("ix_health_transitions_day", table_name="health_transitions")

    op.drop_table("health_transitions")
    op.drop_table("customers")
    op.drop_index("ix_commands_profile", table_name="commands")
    op.drop_index("ix_commands_day_state", table_name="commands")

    op.drop_table("commands")
    op.drop_table("command_history")
