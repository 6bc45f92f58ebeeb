"""The README's dashboard queries run on both engines and give the expected answers."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from schemas.enums import ServerStatus
from schemas.events import CommandState, Health
from schemas.pbx_topics import Outcome
from sinks.sql.events import Event
from sinks.sql.migrate import upgrade
from sinks.sql.rows import epoch_ms
from sinks.sql.writer import SqlWriter
from tests.integration.sql_fixtures import SqlDatabase
from tests.sinks.sql import samples as s

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "sinks" / "sql" / "README.md"
PARAMS: dict[str, Any] = {"since_day": date(2026, 11, 1), "now_ms": epoch_ms(s.at(120))}
Q = CommandState


def readme_queries() -> dict[str, str]:
    """The README's queries by their heading: `### N. Title` followed by a sql block."""
    found = re.findall(r"^### (\d\. [^\n]+)\n(?:[^\n]*\n)*?```sql\n(.*?)```", README.read_text(),
                       flags=re.M | re.S)  # fmt: skip
    return {title: sql for title, sql in found}


def events() -> list[Event]:
    """Heartbeats across midnight, health changes, three commands, and PBX deliveries."""
    started, stopped = ServerStatus.Started, ServerStatus.Stopped
    return [
        s.customer(), s.inbound(pid=1), s.inbound(pid=2, name="adt"), s.outbound(pid=1),
        s.heartbeat(0, s.entry(1, started), s.entry(2, started)),  # 23:59:30
        s.heartbeat(20, s.entry(1, started)),
        s.heartbeat(40, s.entry(1, stopped)),  # 00:00:10, the next day
        s.heartbeat(45, s.entry(1, started)),
        s.health(0, Health.up, Health.new), s.health(10, Health.error, Health.new, pid=2),
        s.health(60, Health.late, Health.up), s.health(90, Health.up, Health.late),
        s.command(0, Q.queued), s.command(1, Q.delivered, deliveries=1),
        s.command(2, Q.acknowledged, deliveries=1),
        s.command(0, Q.queued, command_id="c2"), s.command(1, Q.delivered, command_id="c2"),
        s.command(2, Q.expired, command_id="c2", deliveries=2),
        s.command(0, Q.queued, command_id="c3", name="stop"),
        *deliveries(),
        # A deleted customer's profile, never reported: not one that needs attention now.
        s.customer("gone", "Gone"), s.inbound("gone", pid=1), s.customer_deleted(50, "gone"),
    ]  # fmt: skip


def deliveries() -> list[Event]:
    """Two PBXes' delivery attempts of the last 24 hours, and one older."""
    delivered, failed, denied = Outcome.delivered, Outcome.failed, Outcome.denied
    return [
        s.pbx(0), s.pbx(0, "Lab", pbx_id="p2"),
        s.delivery(1, 1, failed, seconds=10, latency_s=5.0),  # no answer in time
        s.delivery(1, 2, delivered, seconds=20, latency_s=0.3),
        s.delivery(2, 1, delivered, seconds=30, latency_s=0.05),
        s.delivery(3, 1, delivered, seconds=40, latency_s=0.15),
        s.delivery(1, 1, denied, seconds=50, latency_s=0, session_id="s2"),
        s.delivery(7, 1, delivered, seconds=60, latency_s=0.12, session_id="s3", pbx_id="p2"),
        s.delivery(8, 1, delivered, seconds=70, latency_s=0.08, session_id="s3", pbx_id="p2"),
        s.delivery(6, 1, failed, seconds=-86400, session_id="s3", pbx_id="p2"),  # 24 h before
    ]  # fmt: skip


def run(db: SqlDatabase, sql: str) -> list[tuple[Any, ...]]:
    params = {k: v for k, v in PARAMS.items() if f":{k}" in sql}
    with db.engine.connect() as conn:
        return [tuple(_plain(v) for v in row) for row in conn.execute(text(sql), params)]


def _plain(value: Any) -> Any:
    # PostgreSQL answers numeric as Decimal and times as objects; SQLite floats and text.
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", value):
        return value[:19]  # a time from SQLite
    return value


@pytest.fixture
def db(sql_database: SqlDatabase) -> SqlDatabase:
    upgrade(sql_database.engine)
    writer = SqlWriter(sql_database.engine, retention_days=3650, clock=lambda: s.at(0))
    for offset, event in enumerate(events()):
        writer.add(event, offset)
    writer.flush()
    return sql_database


def test_readme_has_six_queries() -> None:
    assert len(readme_queries()) == 6


def test_uptime_per_profile_per_day(db: SqlDatabase) -> None:
    rows = run(db, readme_queries()["1. Uptime per profile per day"])
    assert rows == [
        ("acme", 1, 1, "2026-11-20", 2, 2, 100.0),
        ("acme", 1, 1, "2026-11-21", 2, 1, 50.0),
        ("acme", 1, 2, "2026-11-20", 1, 1, 100.0),
    ]


def test_heartbeats_per_minute_per_customer(db: SqlDatabase) -> None:
    rows = run(db, readme_queries()["2. Heartbeats per minute per customer"])
    assert [(r[0], r[2]) for r in rows] == [("acme", 2), ("acme", 2)]
    assert [r[1] for r in rows] == ["2026-11-20 23:59:00", "2026-11-21 00:00:00"]


def test_time_in_each_health_state(db: SqlDatabase) -> None:
    rows = run(db, readme_queries()["3. Time in each health state"])
    assert rows == [
        ("acme", 1, 1, "late", 30.0),
        ("acme", 1, 1, "up", 90.0),
        ("acme", 1, 2, "error", 110.0),
    ]


def test_commands_by_outcome(db: SqlDatabase) -> None:
    rows = run(db, readme_queries()["4. Commands by outcome"])
    assert rows == [
        ("2026-11-20", "restart", "acknowledged", 1, 1.0),
        ("2026-11-20", "restart", "expired", 1, 2.0),
    ]


def test_profiles_that_need_attention(db: SqlDatabase) -> None:
    rows = run(db, readme_queries()["5. Profiles that need attention now"])
    assert [(r[0], r[2], r[3], r[4], r[6]) for r in rows] == [("Acme", 1, 2, "adt", "error")]
    assert rows[0][7] == "2026-11-20 23:59:40"  # health_since, the same text on both engines


def test_delivery_success_and_latency_per_pbx(db: SqlDatabase) -> None:
    rows = run(db, readme_queries()["6. Delivery success and latency per PBX"])
    assert rows == [
        # attempts, delivered, failed, denied, success %, mean and median latency (delivered)
        ("acme", "p1", "Front desk", 5, 3, 1, 1, 60.0, 166.7, 150),
        ("acme", "p2", "Lab", 2, 2, 0, 0, 100.0, 100.0, 80),  # the older failure is left out
    ]
