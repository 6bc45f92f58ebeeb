"""`python -m sinks.sql [run|migrate]`: run the SQL sink (the default), or only migrate.

`run` upgrades the schema first (waiting for the database if it is down), then
consumes until SIGTERM or SIGINT, writing and committing what it has read before it
exits. `migrate` upgrades the schema once and exits (1 if the database is down).
"""

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from schemas.gc_tuning import tune_gc
from schemas.log_format import configure
from sinks.sql import metrics
from sinks.sql.consumer import Backoff, SqlSink
from sinks.sql.database import create_sink_engine
from sinks.sql.errors import SqlSinkError
from sinks.sql.migrate import upgrade
from sinks.sql.settings import SqlSinkSettings

log = logging.getLogger("sinks.sql")


def _stop_on_signals(stop: threading.Event) -> None:
    def handle(signum: int, frame: FrameType | None) -> None:
        log.info("%s received; stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def migrate_when_up(engine: Engine, stop: threading.Event, backoff: Backoff) -> bool:
    """Upgrade the schema, retrying while the database is down; False if stopped first."""
    while not stop.is_set():
        try:
            upgrade(engine)
        except SQLAlchemyError as e:
            # Exiting would only make the orchestrator restart us into the same outage.
            log.warning("cannot migrate, database unavailable (%s); retrying", e.__class__.__name__)
            stop.wait(backoff.next_delay())
            continue
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    """Parse the command, read the settings, run it; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m sinks.sql", description=__doc__)
    parser.add_argument("command", nargs="?", choices=("run", "migrate"), default="run")
    args = parser.parse_args(argv)
    settings = SqlSinkSettings()
    configure(settings.log_format, settings.log_level)
    try:
        engine = create_sink_engine(
            settings.url(), sqlite_busy_timeout_s=settings.sqlite_busy_timeout_s
        )
        if args.command == "migrate":
            upgrade(engine)
            return 0
    except (SqlSinkError, SQLAlchemyError) as e:
        log.error("%s", e)
        return 1
    stop = threading.Event()
    _stop_on_signals(stop)
    sink = SqlSink(settings, engine)
    server = metrics.serve(settings, sink.stats)
    if migrate_when_up(engine, stop, Backoff(settings.retry_backoff_max_s)):
        log.info("SQL sink consuming '%s*' as group %s", settings.topic_prefix, settings.group_id)
        tune_gc()
        sink.run(stop)
    if server is not None:
        server.shutdown()
    log.info("SQL sink stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
