"""Alembic environment: runs on the connection `sinks.sql.migrate` passes in."""

from alembic import context
from sqlalchemy import Connection, text
from sqlmodel import SQLModel

import sinks.sql.models  # noqa: F401  (registers the tables on SQLModel.metadata)

# Any 64-bit number that no other program of the database's users picks.
_ADVISORY_LOCK = 0x48554253514C  # "HUBSQL"


def run_migrations(connection: Connection) -> None:
    """Upgrade on `connection`; on PostgreSQL, one replica at a time."""
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Sink replicas that start together would otherwise race to create the tables.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        context.run_migrations()


connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run the migrations with `python -m sinks.sql migrate`")
run_migrations(connection)
