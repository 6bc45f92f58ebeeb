"""SQL sink: the hub's output topics folded into SQL tables for dashboards.

SQLite by default, PostgreSQL in production; the schema is managed by the alembic
migrations in `migrations/`. Run with `python -m sinks.sql` (see README.md).
"""
