"""`python -m sinks.sql [run|migrate]`: run the SQL sink (the default), or only migrate.

`run` upgrades the schema first, then consumes until SIGTERM or SIGINT, writing and
committing what it has read before it exits.
"""

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from sinks.sql.consumer import SqlSink
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


def main(argv: list[str] | None = None) -> int:
    """Parse the command, read the settings, run it; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m sinks.sql", description=__doc__)
    parser.add_argument("command", nargs="?", choices=("run", "migrate"), default="run")
    args = parser.parse_args(argv)
    settings = SqlSinkSettings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    logging.getLogger("kafka").setLevel(logging.WARNING)
    try:
        engine = create_sink_engine(
            settings.url(), sqlite_busy_timeout_s=settings.sqlite_busy_timeout_s
        )
        upgrade(engine)
    except SqlSinkError as e:
        log.error("%s", e)
        return 2
    if args.command == "migrate":
        return 0
    stop = threading.Event()
    _stop_on_signals(stop)
    log.info("SQL sink consuming '%s*' as group %s", settings.topic_prefix, settings.group_id)
    SqlSink(settings, engine).run(stop)
    log.info("SQL sink stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
