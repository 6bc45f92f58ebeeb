"""What the command line turns into requests: field values, windows, the token, passwords."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest

from cli.bodies import assignments
from cli.config import check_url, read_token
from cli.fields import FieldProblem, profile_value
from cli.passwords import read_password
from cli.windows import duration, window


def test_profile_fields_take_their_types_from_the_hubs_models() -> None:
    assert profile_value("inbound", "ReceivePort", "2575") == 2575
    assert profile_value("inbound", "ReceiveTCP", "yes") is True
    assert profile_value("inbound", "ProfileName", "123") == "123"
    assert profile_value("outbound", "HeartbeatIntervalSeconds", "90") == 90
    with pytest.raises(FieldProblem, match="unknown field 'ReceivePort'"):
        profile_value("outbound", "ReceivePort", "1")
    with pytest.raises(FieldProblem, match="field 'ReceivePort'"):
        profile_value("inbound", "ReceivePort", "many")


def test_assignments_need_field_equals_value() -> None:
    convert = lambda name, text: profile_value("inbound", name, text)  # noqa: E731
    assert assignments(["ReceivePort=2575", "LogLevel=a=b"], convert) == {
        "ReceivePort": 2575,
        "LogLevel": "a=b",
    }
    with pytest.raises(click.BadParameter, match="not FIELD=VALUE"):
        assignments(["ReceivePort"], convert)


def test_durations_and_windows() -> None:
    assert duration("1d12h") == timedelta(days=1, hours=12)
    assert duration("90m") == timedelta(minutes=90)
    assert duration("30") == timedelta(seconds=30)
    with pytest.raises(click.BadParameter):
        duration("2 hours")
    body = window("2026-01-01T10:00:00", None, "2h", "upgrade")
    assert body == {
        "start": "2026-01-01T10:00:00Z",
        "end": "2026-01-01T12:00:00Z",
        "reason": "upgrade",
    }
    body = window(None, "2026-01-01T10:00:00+01:00", None, None)
    assert body["end"] == "2026-01-01T09:00:00Z"
    assert datetime.fromisoformat(str(body["start"])) <= datetime.now(UTC)
    with pytest.raises(click.UsageError):
        window(None, "2026-01-01T10:00:00Z", "2h", None)


def test_the_token_file_wins_over_the_variable(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    assert read_token(token_file, {"HUB_ADMIN_TOKEN": "from-env"}) == "from-file"
    assert read_token(None, {"HUB_ADMIN_TOKEN": "from-env"}) == "from-env"
    with pytest.raises(click.UsageError, match="no admin token"):
        read_token(None, {})
    with pytest.raises(click.UsageError, match="cannot read"):
        read_token(tmp_path / "missing", {})


def test_urls_must_be_http() -> None:
    assert check_url("http://hub:8080/") == "http://hub:8080"
    with pytest.raises(click.BadParameter):
        check_url("hub:8080")


def test_a_password_file_keeps_everything_but_its_line_break(tmp_path: Path) -> None:
    path = tmp_path / "password"
    path.write_text(" pa ss \n")
    assert read_password(path) == " pa ss "
    path.write_text("\n")
    with pytest.raises(click.BadParameter, match="empty"):
        read_password(path)
