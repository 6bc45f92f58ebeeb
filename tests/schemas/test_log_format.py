"""The JSON log format: one object per record, with the context a record carries."""

import logging

import orjson

from schemas.log_format import JsonFormatter, logging_config


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
