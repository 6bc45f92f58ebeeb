"""Alembic environment of the SQL sink (`python -m sinks.sql migrate`)."""
