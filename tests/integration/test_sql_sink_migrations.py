"""The sink's schema comes from its alembic migrations, and they match the models."""

import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import sinks.sql.models  # noqa: F401  (registers the tables)
from localkafka import postgres
from sinks.sql.migrate import current_revision, head_revision, upgrade
from tests.integration.sql_fixtures import SqlDatabase

pytestmark = pytest.mark.integration

TABLES = {
    "customers", "profiles", "profile_state", "heartbeats", "health_transitions",
    "commands", "command_history", "heartbeat_minutes", "sink_progress",
    "pbxes", "pbx_sessions", "pbx_deliveries", "pbx_connection_health", "alert_deliveries",
    "client_health_transitions",
}  # fmt: skip


def test_migrated_schema_matches_the_models(sql_database: SqlDatabase) -> None:
    upgrade(sql_database.engine)
    with sql_database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_migrating_again_changes_nothing(sql_database: SqlDatabase) -> None:
    upgrade(sql_database.engine)
    upgrade(sql_database.engine)
    assert current_revision(sql_database.engine) == head_revision() is not None
    assert set(inspect(sql_database.engine).get_table_names()) >= TABLES


def test_migrate_command_creates_the_tables(sql_database: SqlDatabase) -> None:
    env = {**os.environ, "HUB_DATABASE_URL": sql_database.url}
    done = subprocess.run(
        [sys.executable, "-m", "sinks.sql", "migrate"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert set(inspect(sql_database.engine).get_table_names()) >= TABLES
    assert current_revision(sql_database.engine) == head_revision()


def test_replicas_migrating_at_once_all_succeed_on_postgresql(postgres_server: str) -> None:
    url = postgres.create_database()
    try:
        env = {**os.environ, "HUB_DATABASE_URL": url}
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "sinks.sql", "migrate"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        errors = [run.communicate(timeout=60)[1] for run in runs]
        assert [run.returncode for run in runs] == [0, 0, 0, 0], errors
    finally:
        postgres.drop_database(url)
