"""Settings of the SQL sink."""

from pathlib import Path

import pytest

from sinks.sql.settings import SqlSinkSettings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HUB_TOPIC_PREFIX",
        "HUB_DATABASE_URL",
        "HUB_DATABASE_URL_FILE",
        "HUB_CONSUMER_GROUP",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_a_local_sqlite_file_and_a_group_per_hub() -> None:
    settings = SqlSinkSettings()
    assert settings.url() == "sqlite:///.cache/hub.db"
    assert settings.group_id == "hub.sql-sink"
    assert settings.heartbeat_retention_days == 30


def test_group_follows_the_topic_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TOPIC_PREFIX", "staging.")
    assert SqlSinkSettings().group_id == "staging.sql-sink"
    monkeypatch.setenv("HUB_CONSUMER_GROUP", "dashboards")
    assert SqlSinkSettings().group_id == "dashboards"


def test_url_file_wins_over_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "url"
    secret.write_text("postgresql+psycopg://u:p@db/hub\n")
    monkeypatch.setenv("HUB_DATABASE_URL", "sqlite:///other.db")
    monkeypatch.setenv("HUB_DATABASE_URL_FILE", str(secret))
    settings = SqlSinkSettings()
    assert settings.url() == "postgresql+psycopg://u:p@db/hub"
    assert "u:p" not in repr(settings)  # the URL holds a password
