"""Schema migrations: alembic, with its environment inside this package."""

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An alembic configuration pointing at this package's migrations (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to `revision` (the latest by default); idempotent."""
    config = alembic_config()
    before = current_revision(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    after = current_revision(engine)
    # An upgrade is news; a start at the same revision is not (alembic's own lines are
    # library output, shown with HUB_LOG_LEVEL=debug).
    if after == before:
        log.debug("database schema at %s", after)
    else:
        log.info("database schema upgraded from %s to %s", before or "none", after)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, None before the first migration."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision in this package."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
