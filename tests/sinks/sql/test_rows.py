"""Mapping the hub's messages to SQL rows."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from schemas.alert_delivery import AttemptOutcome
from schemas.events import CommandState, Health
from schemas.pbx import EndReason
from schemas.pbx_topics import ChangeKind, Outcome
from schemas.pbx_upstream import ConnectionState
from sinks.sql.rows import (
    channel_attempt_row,
    client_transition_row,
    command_rows,
    connection_row,
    customer_row,
    delivery_row,
    epoch_ms,
    health_rows,
    pbx_deleted_row,
    pbx_row,
    profile_row,
    session_row,
    utc,
)
from tests.sinks.sql import samples as s

EST = timezone(timedelta(hours=-5))


def test_times_are_stored_as_plain_utc() -> None:
    local = datetime(2026, 11, 20, 21, 0, 0, 123456, tzinfo=EST)
    assert utc(local) == datetime(2026, 11, 21, 2, 0, 0, 123456, tzinfo=UTC)
    assert type(utc(local)) is datetime
    assert utc(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)  # naive means UTC


def test_customer_and_profile_rows_carry_the_config_event_offset() -> None:
    assert customer_row(s.customer(name="Acme"), offset=7).model_dump() == {
        "client_id": "acme", "relay_customer_id": 2, "name": "Acme", "src_offset": 7,
        "deleted_at": None,  # an upsert is live, also when it creates a deleted one again
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


def test_pbx_upsert_sets_the_configuration_and_deletion_only_marks_it() -> None:
    assert pbx_row(s.pbx(5, "Front desk"), offset=3).model_dump() == {
        "client_id": "acme", "pbx_id": "p1", "name": "Front desk", "serial_number": "SN-p1",
        "deleted": False, "updated_at": s.at(5), "src_offset": 3,
    }  # fmt: skip
    assert pbx_deleted_row(s.pbx_deleted(9), offset=4).model_dump() == {
        "client_id": "acme", "pbx_id": "p1", "deleted": True, "updated_at": s.at(9),
        "src_offset": 4,
    }  # fmt: skip


def test_session_row_is_the_change_s_snapshot_with_its_offset() -> None:
    opened = session_row(s.session(ChangeKind.session_opened, 0), offset=2)
    assert (opened.session_id, opened.user_name, opened.state) == ("s1", "api", "alive")
    assert (opened.end_reason, opened.ended_at, opened.src_offset) == (None, None, 2)
    assert opened.expires_at == s.at(30 * 60)
    ended = session_row(s.session(ChangeKind.session_ended, 90, ended=EndReason.logged_out), 7)
    assert (ended.state, ended.end_reason, ended.ended_at) == ("logged-out", "logged-out", s.at(90))
    assert (ended.last_seen, ended.updated_at) == (s.at(0), s.at(90))


@pytest.mark.parametrize("kind", [ChangeKind.session_renewed, ChangeKind.pbx_upserted])
def test_change_without_what_its_kind_needs_is_refused(kind: ChangeKind) -> None:
    change = s.pbx_deleted(0).model_copy(update={"kind": kind})
    with pytest.raises(ValueError, match="carries no"):
        (pbx_row if kind is ChangeKind.pbx_upserted else session_row)(change, 0)


def test_delivery_row_has_latency_in_ms_and_the_utc_day_and_minute_of_its_end() -> None:
    row = delivery_row(s.delivery(4, 2, Outcome.failed, seconds=31, latency_s=0.2506))
    assert (row.id, row.seq, row.attempt, row.outcome, row.status) == (
        "s1:4:2",
        4,
        2,
        "failed",
        503,
    )
    assert row.latency_ms == 251
    assert (row.at_ms, row.day) == (epoch_ms(s.at(31)), date(2026, 11, 21))  # past midnight
    assert row.minute == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    assert row.received_at == s.at(31 - 0.2506 - 1)


def test_connection_change_gives_a_row_keyed_by_event_id_with_its_utc_day() -> None:
    event = s.connection(45, ConnectionState.down)
    assert connection_row(event).model_dump() == {
        "id": event.id, "client_id": "acme", "pbx_id": "p1", "pbx_name": "Front desk",
        "from_state": "connected", "to_state": "down", "reason": "now down", "at": s.at(45),
        "at_ms": epoch_ms(s.at(45)), "day": date(2026, 11, 21),
    }  # fmt: skip
    first = connection_row(s.connection(0, ConnectionState.connecting, None))
    assert (first.from_state, first.day) == (None, date(2026, 11, 20))


def test_an_alert_delivery_row_has_its_attempt_latency_in_ms_and_utc_day() -> None:
    row = channel_attempt_row(s.channel_attempt(2, AttemptOutcome.failed, seconds=31))
    assert (row.channel, row.kind, row.event, row.attempt, row.outcome, row.status) == (
        "ops", "webhook", "down", 2, "failed", 503,
    )  # fmt: skip
    assert row.id.endswith("@ops#2")
    assert row.latency_ms == 30
    assert (row.at_ms, row.day) == (epoch_ms(s.at(31)), date(2026, 11, 21))


def test_a_client_transition_row_names_its_profiles() -> None:
    row = client_transition_row(s.client_health(31, Health.down))
    assert (row.client_id, row.from_health, row.to_health) == ("acme", "up", "down")
    assert row.profiles == "inbound/1,outbound/1"
    assert (row.at_ms, row.day) == (epoch_ms(s.at(31)), date(2026, 11, 21))
