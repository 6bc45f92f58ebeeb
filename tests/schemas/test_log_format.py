"""The JSON log format: one object per record, with the context a record carries."""

import logging
import logging.config
from collections.abc import Iterator

import orjson
import pytest

from processors.runtime.logs import pin_library_levels
from schemas.log_format import LIBRARY_LOGGERS, JsonFormatter, library_level, logging_config


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord("hub.test", logging.WARNING, __file__, 1, "to %s", ("x",), None)
    record.__dict__.update(extra)
    return record


def test_a_record_is_one_json_object() -> None:
    line = JsonFormatter().format(_record(client_id="acme", pbx_id="hq"))
    doc = orjson.loads(line)
    assert "\n" not in line
    assert doc["level"] == "WARNING"
    assert doc["logger"] == "hub.test"
    assert doc["message"] == "to x"
    assert (doc["client_id"], doc["pbx_id"]) == ("acme", "hq")
    assert doc["time"].endswith("+00:00")


def test_without_context_no_ids_are_written() -> None:
    doc = orjson.loads(JsonFormatter().format(_record()))
    assert "client_id" not in doc
    assert "pbx_id" not in doc


def test_an_exception_stays_on_the_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("hub", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in orjson.loads(line)["exception"]


def test_the_config_picks_the_formatter() -> None:
    assert logging_config("json", "info")["formatters"]["hub"] == {"()": JsonFormatter}
    assert "format" in logging_config("text", "debug")["formatters"]["hub"]
    assert logging_config("text", "debug")["root"]["level"] == "DEBUG"


LIBRARY_NAMES = (
    "faust.tables.recovery",
    "mode.supervisors",
    "aiokafka.consumer.group_coordinator",
    "kafka.conn",
    "uvicorn.error",
    "alembic.runtime.migration",
    "processors.runtime.indexed_table",
)


@pytest.fixture
def restored() -> Iterator[None]:
    """The logging set-up as it was: a test here applies configurations for real."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {n: logging.getLogger(n).level for n in (*LIBRARY_NAMES, *LIBRARY_LOGGERS)}
    yield
    root.handlers[:], root.level = handlers, level
    for name, was in named.items():
        logging.getLogger(name).setLevel(was)


def levels_after(level: str) -> tuple[int, set[int]]:
    """The hub's and the libraries' effective levels once a process is configured at `level`."""
    logging.config.dictConfig(logging_config("text", level))
    libraries = {logging.getLogger(name).getEffectiveLevel() for name in LIBRARY_NAMES}
    return logging.getLogger("sinks.email.app").getEffectiveLevel(), libraries


@pytest.mark.usefixtures("restored")
def test_libraries_log_only_warnings_by_default() -> None:
    assert levels_after("info") == (logging.INFO, {logging.WARNING})


@pytest.mark.usefixtures("restored")
def test_debug_shows_the_libraries_too() -> None:
    assert levels_after("debug") == (logging.DEBUG, {logging.DEBUG})


@pytest.mark.usefixtures("restored")
def test_a_level_above_warning_holds_for_the_libraries() -> None:
    assert levels_after("error") == (logging.ERROR, {logging.ERROR})


@pytest.mark.usefixtures("restored")
def test_the_stack_and_the_workers_pin_the_libraries_alike() -> None:
    pin_library_levels("info")
    assert {logging.getLogger(n).level for n in LIBRARY_LOGGERS} == {logging.WARNING}
    pin_library_levels("DEBUG")
    assert {logging.getLogger(n).level for n in LIBRARY_LOGGERS} == {logging.DEBUG}


@pytest.mark.usefixtures("restored")
def test_a_level_logging_does_not_know_fails_the_start() -> None:
    assert library_level("verbose") == "VERBOSE"
    with pytest.raises(ValueError, match="Unable to configure"):
        logging.config.dictConfig(logging_config("text", "verbose"))
