"""How every process logs: text (the default) or one JSON object per line.

`HUB_LOG_FORMAT=json` gives `{"time", "level", "logger", "message"}` per line, plus
`client_id`, `pbx_id` (and the exception) where a record has them, for log shippers.
Log calls name a customer with `extra={"client_id": ...}`; no secret is ever logged.

`HUB_LOG_LEVEL` (default `info`) is the level of the hub's own loggers. The libraries
under them log at WARNING or above, unless it is `debug`, which shows everything:
at INFO, faust, aiokafka and uvicorn say hundreds of lines about their own start,
rebalances and recoveries, which bury what the hub says.
"""

import logging
import logging.config
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

LogFormat = Literal["text", "json"]
TEXT = "%(asctime)s %(levelname)s %(name)s %(message)s"
CONTEXT = ("client_id", "pbx_id")
LIBRARY_LOGGERS = (
    "faust",
    "mode",
    "aiokafka",
    "aiohttp",
    "kafka",
    "uvicorn",
    "alembic",
    # A faust table of the hub's: what it logs is faust's start and stop of a table.
    "processors.runtime.indexed_table",
)


def library_level(level: str) -> str:
    """The libraries' level when the hub logs at `level`: WARNING or above, unless debug."""
    number = logging.getLevelNamesMapping().get(level.upper())
    if number is None:
        return level.upper()  # refused by logging, as the root's level is
    if number <= logging.DEBUG:
        return "DEBUG"
    return logging.getLevelName(max(number, logging.WARNING))


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT:
            value = record.__dict__.get(name)
            if value is not None:
                doc[name] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=str).decode()


def logging_config(fmt: LogFormat, level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the format: one stream handler on the root."""
    formatter: dict[str, Any] = {"()": JsonFormatter} if fmt == "json" else {"format": TEXT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"hub": formatter},
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "hub", "level": "NOTSET"}
        },
        "loggers": {name: {"level": library_level(level)} for name in LIBRARY_LOGGERS},
        "root": {"level": level.upper(), "handlers": ["default"]},
    }


def configure(fmt: LogFormat, level: str) -> None:
    """Set up the root logger."""
    logging.config.dictConfig(logging_config(fmt, level))
