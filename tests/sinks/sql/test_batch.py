"""Folding a batch of events: each key once per table, by the upserts' own rules."""

import pytest

from schemas.enums import ServerStatus
from schemas.events import CommandState, Health
from schemas.pbx import EndReason
from schemas.pbx_topics import Outcome
from schemas.pbx_upstream import ConnectionState
from schemas.topics import CustomerImported
from sinks.sql.batch import Batch, ProfileGone
from sinks.sql.events import Event
from sinks.sql.models import ProfileRow
from tests.sinks.sql import samples as s


def folded(*events: Event) -> Batch:
    batch = Batch()
    for offset, event in enumerate(events):
        batch.add(event, offset)
    return batch


def test_later_config_event_wins_and_older_offset_does_not() -> None:
    batch = Batch()
    batch.add(s.customer(name="new"), offset=5)
    batch.add(s.customer(name="old"), offset=3)
    assert batch.customers["acme"].name == "new"


def test_an_imported_customer_gives_its_row_and_each_profile_row_at_its_offset() -> None:
    profiles = [s.inbound(pid=1).profile, s.outbound(pid=2).profile]
    imported = CustomerImported(client_id="acme", customer=s.customer().customer, profiles=profiles)
    batch = folded(s.inbound(pid=1, name="older"), imported)
    assert batch.customers["acme"].src_offset == 1
    assert set(batch.profiles) == {("acme", 1, 1), ("acme", 2, 2)}
    row = batch.profiles[("acme", 1, 1)]
    assert isinstance(row, ProfileRow)
    assert row.profile_name == "lab results"
    assert len(batch) == 2  # events taken in, not rows


def test_deleting_a_profile_in_the_batch_leaves_a_delete() -> None:
    batch = folded(s.inbound(pid=1), s.deleted(pid=1))
    assert batch.profiles[("acme", 1, 1)] == ProfileGone(("acme", 1, 1), 1)


def test_profile_configured_again_after_deletion_is_kept() -> None:
    batch = folded(s.deleted(pid=1), s.inbound(pid=1, name="again"))
    row = batch.profiles[("acme", 1, 1)]
    assert isinstance(row, ProfileRow)
    assert row.profile_name == "again"


def test_newest_heartbeat_sets_state_and_older_one_is_ignored() -> None:
    batch = folded(
        s.heartbeat(10, s.entry(1, ServerStatus.Stopped)),
        s.heartbeat(0, s.entry(1, ServerStatus.Started, tx="t0")),
    )
    state = batch.reported[("acme", 1, 1)]
    assert (state.server_status, state.last_transaction_id) == (2, None)
    assert len(batch.heartbeats) == 2  # both are history


def test_null_reported_fields_keep_the_batch_s_last_known_value() -> None:
    batch = folded(s.heartbeat(0, s.entry(1, tx="t0")), s.heartbeat(10, s.entry(1)))
    assert batch.reported[("acme", 1, 1)].last_transaction_id == "t0"


def test_duplicate_heartbeat_gives_one_row() -> None:
    batch = folded(s.heartbeat(0), s.heartbeat(0))
    assert len(batch.heartbeats) == 1
    assert batch.rows() == 3  # one heartbeat row, one profile_state row, one minute rollup
    assert len(batch) == 2


def test_heartbeats_past_retention_are_left_out_but_not_their_state() -> None:
    batch = Batch(heartbeats_since=s.at(5))
    batch.add(s.heartbeat(0), offset=0)
    batch.add(s.heartbeat(10), offset=1)
    assert [k[1] for k in batch.heartbeats] == [s.at(10)]


def test_highest_command_seq_wins_and_every_change_is_history() -> None:
    batch = folded(
        s.command(0, CommandState.queued),
        s.command(2, CommandState.acknowledged),
        s.command(1, CommandState.delivered),
    )
    assert batch.commands["cmd-1"].state == "acknowledged"
    assert sorted(batch.history) == [("cmd-1", 0), ("cmd-1", 1), ("cmd-1", 2)]


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [(0, 10, "down"), (10, 0, "late"), (5, 5, "down")],  # equal times: the later record wins
)
def test_newest_health_event_sets_profile_health(first: int, second: int, expected: str) -> None:
    batch = folded(s.health(first, Health.late), s.health(second, Health.down))
    assert batch.health[("acme", 1, 1)].health == expected
    assert len(batch.transitions) == 2


def test_connection_changes_are_history_and_a_repeated_change_gives_one_row() -> None:
    down = s.connection(10, ConnectionState.down)
    back = s.connection(70, ConnectionState.connected, ConnectionState.down)
    batch = folded(down, back, down)
    assert list(batch.connections) == [down.id, back.id]
    assert batch.connections[back.id].to_state == "connected"
    assert (batch.rows(), len(batch)) == (2, 3)
    assert batch.health == {}  # a PBX connection has no profile state


def pbx_events() -> list[Event]:
    """A PBX, a session opened, renewed and logged out, and two attempts to deliver one event."""
    return [
        s.pbx(0), s.session(s.OPENED, 1), s.session(s.RENEWED, 60),
        s.delivery(1, 1, Outcome.failed, seconds=61), s.delivery(1, 2, seconds=63),
        s.session(s.ENDED, 90, ended=EndReason.logged_out), s.pbx(100, "Reception"),
    ]  # fmt: skip


def test_later_pbx_configuration_wins_and_older_offset_does_not() -> None:
    batch = Batch()
    batch.add(s.pbx(10, "new"), offset=5)
    batch.add(s.pbx(0, "old"), offset=3)
    assert batch.pbxes[("acme", "p1")].name == "new"


def test_pbx_deleted_after_its_configuration_keeps_both_to_write_in_order() -> None:
    batch = folded(s.pbx(0), s.pbx_deleted(10))
    assert batch.pbxes[("acme", "p1")].src_offset == 0  # written first, for the name
    deletion = batch.pbxes_deleted[("acme", "p1")]
    assert (deletion.deleted, deletion.src_offset, deletion.updated_at) == (True, 1, s.at(10))
    assert batch.rows() == 2


def test_session_holds_its_latest_change_by_offset() -> None:
    batch = Batch()
    batch.add(s.session(s.OPENED, 0), offset=2)
    batch.add(s.session(s.RENEWED, 60), offset=5)
    assert batch.sessions["s1"].last_seen == s.at(60)
    batch.add(s.session(s.RENEWED, 30), offset=4)  # earlier in the log, read late
    assert (batch.sessions["s1"].last_seen, batch.sessions["s1"].src_offset) == (s.at(60), 5)


def test_ended_session_is_not_revived_by_a_renewal_read_after_its_end() -> None:
    end = s.session(s.ENDED, 90, ended=EndReason.expired)
    batch = folded(s.session(s.OPENED, 0), end, s.session(s.RENEWED, 60))
    row = batch.sessions["s1"]
    assert (row.state, row.end_reason, row.src_offset) == ("expired", "expired", 1)
    batch.add(end, offset=7)  # the end itself, repeated later, is no revival
    assert batch.sessions["s1"].src_offset == 7


def test_delivery_attempts_are_history_and_a_repeated_attempt_gives_one_row() -> None:
    batch = folded(
        s.delivery(1, 1, Outcome.failed), s.delivery(1, 2), s.delivery(1, 2, latency_s=9)
    )
    assert sorted(batch.deliveries) == ["s1:1:1", "s1:1:2"]
    assert batch.deliveries["s1:1:2"].latency_ms == 50  # the first one read is kept
    assert batch.rows() == 2


def test_reading_pbx_records_again_gives_the_same_rows() -> None:
    once = folded(*pbx_events())
    twice = folded(*pbx_events())
    for offset, event in enumerate(pbx_events()):
        twice.add(event, offset)  # a crash before the offsets were committed
    tables = ("pbxes", "pbxes_deleted", "sessions", "deliveries")
    assert {t: getattr(twice, t) for t in tables} == {t: getattr(once, t) for t in tables}
    assert once.pbxes[("acme", "p1")].name == "Reception"
    assert once.sessions["s1"].state == "logged-out"
