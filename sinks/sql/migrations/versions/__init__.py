"""Alembic revisions of the SQL sink, oldest first."""
