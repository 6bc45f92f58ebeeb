"""Mapping the hub's messages to SQL rows."""

from datetime import UTC, date, datetime, timedelta, timezone

from schemas.enums import ServerStatus
from schemas.events import CommandState, Health
from sinks.sql.rows import (
    command_rows,
    customer_row,
    epoch_ms,
    health_rows,
    heartbeat_rows,
    profile_row,
    reported_state,
    utc,
)
from tests.sinks.sql import samples as s

EST = timezone(timedelta(hours=-5))


def test_times_are_stored_as_plain_utc() -> None:
    local = datetime(2026, 11, 20, 21, 0, 0, 123456, tzinfo=EST)
    assert utc(local) == datetime(2026, 11, 21, 2, 0, 0, 123456, tzinfo=UTC)
    assert type(utc(local)) is datetime
    assert utc(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)  # naive means UTC


def test_heartbeat_gives_one_row_per_entry_with_utc_day_and_minute() -> None:
    message = s.heartbeat(45, s.entry(1), s.entry(2, ServerStatus.Error, error="down"))
    rows = heartbeat_rows(message)
    assert [(r.profile_id, r.server_status) for r in rows] == [(1, 1), (2, 6)]
    assert rows[0].received_at == s.at(45)
    assert rows[0].day == date(2026, 11, 21)  # 23:59:30 + 45 s is past midnight
    assert rows[0].minute == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    assert rows[1].last_error == "down"


def test_heartbeat_keeps_entries_of_profiles_nobody_configured() -> None:
    rows = heartbeat_rows(s.heartbeat(0, s.entry(99)))
    assert [r.profile_id for r in rows] == [99]


def test_reported_fields_sent_as_null_keep_their_last_value() -> None:
    old = reported_state(heartbeat_rows(s.heartbeat(0, s.entry(1, tx="t1", tx_at=s.at(-1))))[0])
    now = heartbeat_rows(s.heartbeat(10, s.entry(1, ServerStatus.Stopped)))[0]
    merged = reported_state(now, old)
    assert (merged.server_status, merged.last_heartbeat_at) == (2, s.at(10))
    assert (merged.last_transaction_id, merged.last_transaction_at) == ("t1", s.at(-1))
    assert reported_state(now).last_transaction_id is None


def test_customer_and_profile_rows_carry_the_config_event_offset() -> None:
    assert customer_row(s.customer(name="Acme"), offset=7).model_dump() == {
        "client_id": "acme", "relay_customer_id": 2, "name": "Acme", "src_offset": 7,
    }  # fmt: skip
    row = profile_row(s.inbound(pid=3, name="lab"), offset=9)
    assert (row.profile_type, row.profile_id, row.profile_name, row.src_offset) == (1, 3, "lab", 9)
    assert row.config["ReceivePort"] == 2575  # the whole wire configuration is kept


def test_health_event_gives_a_transition_keyed_by_event_id_and_profile_health() -> None:
    event = s.health(90, Health.late, Health.up)
    transition, state = health_rows(event)
    assert transition.id == event.id
    assert (transition.from_health, transition.to_health) == ("up", "late")
    assert transition.at_ms == epoch_ms(s.at(90)) == int(s.at(90).timestamp() * 1000)
    assert (state.health, state.health_since, state.health_reason) == ("late", s.at(90), "now late")


def test_first_health_event_has_no_previous_health() -> None:
    transition, _ = health_rows(s.health(0, Health.new))
    assert transition.from_health is None


def test_command_rows_mark_final_states() -> None:
    current, change = command_rows(s.command(1, CommandState.delivered, deliveries=1))
    assert (current.state, current.final, current.seq) == ("delivered", False, 1)
    assert (change.command_id, change.seq, change.state) == ("cmd-1", 1, "delivered")
    done, _ = command_rows(s.command(2, CommandState.expired))
    assert done.final
    assert done.created_day == date(2026, 11, 20)
