"""A PBX record's sessions as pure functions: queueing events, expiry, ending, backoff."""

from datetime import UTC, datetime, timedelta

import pytest

from processors.pbx.sessions import (
    LIFE,
    backoff_s,
    end,
    end_where,
    enqueue,
    expire,
    renew,
)
from schemas.pbx import EndReason, PbxConfig, PbxRecord, Session, SessionState
from schemas.pbx_events import V1, V2
from schemas.pbx_requests import Callback
from schemas.pbx_topics import ChangeKind

T0 = datetime(2026, 1, 1, tzinfo=UTC)
C, P = "acme", "pbx1"
TICK = timedelta(microseconds=1)
EXT_V2 = b'{"event":"ExtensionStatus","extension":"1006","status":"Registered","sn":"s"}'
EXT_V1 = b'{"action":"ExtensionStatus","extension":"1006","status":"Registered","sn":"s"}'
CALL_V2 = b'{"event":"CallStatus","callid":"1","members":[]}'
RING_V1 = b'{"action":"RING","callid":"1","call":[]}'


def at(seconds: float) -> datetime:
    """T0 plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def session(sid: str, version: str | None = V2, opened: datetime = T0, user: str = "u1") -> Session:
    """A session opened at `opened`, alive for 30 minutes."""
    return Session(
        session_id=sid,
        user=user,
        token_hash=f"hash-{sid}",
        callback=Callback(ipaddr="192.168.6.24", port=8260, urltag=0, version=version),
        created=opened,
        last_seen=opened,
        expires_at=opened + LIFE,
    )


def record(*sessions: Session) -> PbxRecord:
    """A PBX holding these sessions."""
    return PbxRecord(
        config=PbxConfig(Name="Office"),
        nonce="n",
        created=T0,
        users=sorted({s.user for s in sessions}),
        sessions={s.session_id: s for s in sessions},
    )


# --- enqueue ------------------------------------------------------------------------------------


def test_the_token_life_is_30_minutes() -> None:
    assert timedelta(minutes=30) == LIFE


def test_a_convertible_event_is_queued_for_sessions_of_both_versions() -> None:
    rec = record(session("a", V1), session("b", V2))
    seq, waiting, dropped = enqueue(rec, V2, "ExtensionStatus", EXT_V2, at(1), limit=10)
    assert (seq, waiting, dropped) == (1, 2, [])
    assert rec.sessions["a"].queue == [1]
    assert rec.sessions["b"].queue == [1]
    assert rec.next_seq == 2


def test_an_event_without_a_counterpart_is_queued_only_for_its_version() -> None:
    rec = record(session("v1", V1), session("v2", V2), session("none", None))
    assert enqueue(rec, V2, "CallStatus", CALL_V2, at(1), limit=10) == (1, 1, [])
    assert enqueue(rec, V1, "RING", RING_V1, at(2), limit=10) == (2, 2, [])
    assert rec.sessions["v2"].queue == [1]
    assert rec.sessions["v1"].queue == [2]
    # A session that named no version gets 1.0.0 events.
    assert rec.sessions["none"].queue == [2]


def test_numbers_go_up_even_when_no_session_waits() -> None:
    rec = record()
    assert enqueue(rec, V1, "ExtensionStatus", EXT_V1, at(1), limit=10) == (1, 0, [])
    assert enqueue(rec, V1, "ExtensionStatus", EXT_V1, at(2), limit=10) == (2, 0, [])
    assert rec.next_seq == 3


def test_only_sessions_alive_at_the_events_time_get_it() -> None:
    rec = record(session("a"))
    last = T0 + LIFE - TICK
    assert enqueue(rec, V2, "ExtensionStatus", EXT_V2, last, limit=10)[1] == 1
    assert enqueue(rec, V2, "ExtensionStatus", EXT_V2, T0 + LIFE, limit=10)[1] == 0
    assert enqueue(rec, V2, "ExtensionStatus", EXT_V2, at(3600), limit=10)[1] == 0
    assert rec.sessions["a"].queue == [1]


def test_an_ended_session_gets_no_events() -> None:
    ended = session("a")
    ended.end_reason, ended.ended_at = EndReason.logged_out, at(5)
    rec = record(ended, session("b"))
    seq, waiting, _ = enqueue(rec, V2, "ExtensionStatus", EXT_V2, at(10), limit=10)
    assert waiting == 1
    assert rec.sessions["a"].queue == []
    assert rec.sessions["b"].queue == [seq]


def test_a_full_queue_drops_its_oldest_and_counts_it() -> None:
    s = session("a")
    s.failures, s.next_attempt_at, s.last_error = 3, at(100), "HTTP 500"
    rec = record(s, session("b"))
    rec.sessions["b"].callback.version = V1
    for i in (1, 2):
        assert enqueue(rec, V2, "ExtensionStatus", EXT_V2, at(i), limit=2)[2] == []
    seq, waiting, dropped = enqueue(rec, V2, "ExtensionStatus", EXT_V2, at(3), limit=2)
    assert (seq, waiting) == (3, 2)
    assert dropped == [1, 1]  # once for each session whose queue was full
    for sid in ("a", "b"):
        assert rec.sessions[sid].queue == [2, 3]
        assert rec.sessions[sid].dropped == 1
    # The head changed, so its failed attempts no longer count.
    assert s.failures == 0
    assert rec.sessions["a"].next_attempt_at is None


def test_queue_limit_of_one_keeps_only_the_newest() -> None:
    rec = record(session("a"))
    for i in (1, 2, 3):
        enqueue(rec, V2, "ExtensionStatus", EXT_V2, at(i), limit=1)
    assert rec.sessions["a"].queue == [3]
    assert rec.sessions["a"].dropped == 2


# --- state and expiry -----------------------------------------------------------------------------


def test_a_session_is_alive_while_less_than_30_minutes_passed() -> None:
    s = session("a")
    assert s.state(T0 + LIFE - TICK) is SessionState.alive
    assert s.state(T0 + LIFE) is SessionState.expired


def test_expire_keeps_a_session_until_its_30_minutes_passed() -> None:
    rec = record(session("a"))
    rec.sessions["a"].queue = [4, 5]
    fx = expire(rec, C, P, T0 + LIFE - TICK, forget_before=T0)
    assert (fx.released, fx.changes, fx.forget_tokens) == ([], [], [])
    assert rec.sessions["a"].end_reason is None


def test_expire_ends_a_session_at_the_boundary_releasing_its_queue() -> None:
    rec = record(session("a"), session("b", opened=at(60)))
    rec.sessions["a"].queue = [4, 5]
    fx = expire(rec, C, P, T0 + LIFE, forget_before=T0)
    a, b = rec.sessions["a"], rec.sessions["b"]
    assert (a.end_reason, a.ended_at, a.queue) == (EndReason.expired, T0 + LIFE, [])
    assert b.end_reason is None
    assert fx.released == [4, 5]
    assert [c.kind for c in fx.changes] == [ChangeKind.session_ended]
    snap = fx.changes[0].session
    assert snap is not None
    assert (snap.session_id, snap.state) == ("a", SessionState.expired)
    assert fx.changes[0].id == "a:session-ended:end"
    assert a.state(T0 + LIFE + timedelta(hours=1)) is SessionState.expired


def test_a_late_expire_dates_the_end_at_the_sessions_expiry() -> None:
    rec = record(session("a"))
    expire(rec, C, P, at(7200), forget_before=T0)
    assert rec.sessions["a"].ended_at == T0 + LIFE


def test_expire_forgets_sessions_ended_before_the_cutoff_and_their_tokens() -> None:
    old, recent = session("old"), session("recent")
    old.end_reason, old.ended_at = EndReason.logged_out, at(10)
    recent.end_reason, recent.ended_at = EndReason.logged_out, at(100)
    rec = record(old, recent, session("live", opened=at(200)))
    fx = expire(rec, C, P, at(300), forget_before=at(50))
    assert sorted(rec.sessions) == ["live", "recent"]
    assert fx.forget_tokens == ["hash-old"]
    assert fx.changes == []


def test_ending_and_forgetting_in_one_pass() -> None:
    rec = record(session("a"))
    fx = expire(rec, C, P, at(7200), forget_before=at(7200))
    assert rec.sessions == {}
    assert fx.forget_tokens == ["hash-a"]
    assert [c.kind for c in fx.changes] == [ChangeKind.session_ended]


# --- end, end_where, renew ------------------------------------------------------------------------


def test_end_releases_the_queue_and_records_why() -> None:
    s = session("a")
    s.queue, s.next_attempt_at = [7, 8, 9], at(30)
    rec = record(s)
    fx = end(rec, C, P, s, EndReason.logged_out, at(20))
    assert fx.released == [7, 8, 9]
    assert s.queue == []
    assert (s.end_reason, s.ended_at) == (EndReason.logged_out, at(20))
    assert rec.sessions["a"].next_attempt_at is None
    assert s.state(at(21)) is SessionState.logged_out
    (chg,) = fx.changes
    assert (chg.kind, chg.client_id, chg.pbx_id, chg.at) == (ChangeKind.session_ended, C, P, at(20))
    assert chg.session is not None
    assert chg.session.end_reason is EndReason.logged_out
    assert chg.session.callback_url == "http://192.168.6.24:8260/"


def test_end_where_ends_only_the_live_sessions_of_the_user() -> None:
    done = session("done", user="u1")
    done.end_reason, done.ended_at = EndReason.logged_out, at(5)
    mine, other = session("mine", user="u1"), session("other", user="u2")
    mine.queue, other.queue = [1], [2]
    rec = record(done, mine, other)
    fx = end_where(rec, C, P, EndReason.user_removed, at(60), user="u1")
    assert fx.released == [1]
    assert [c.session.session_id for c in fx.changes if c.session] == ["mine"]
    assert mine.end_reason is EndReason.user_removed
    assert (done.end_reason, done.ended_at) == (EndReason.logged_out, at(5))
    assert other.end_reason is None
    assert other.queue == [2]


def test_end_where_without_a_user_ends_every_live_session() -> None:
    rec = record(session("a", user="u1"), session("b", user="u2"))
    fx = end_where(rec, C, P, EndReason.pbx_deleted, at(60))
    assert len(fx.changes) == 2
    assert all(s.end_reason is EndReason.pbx_deleted for s in rec.sessions.values())


def test_end_where_dates_a_session_that_already_timed_out_at_its_expiry() -> None:
    rec = record(session("a"))
    end_where(rec, C, P, EndReason.pbx_deleted, at(7200))
    assert rec.sessions["a"].ended_at == T0 + LIFE


def test_renew_gives_30_minutes_from_the_heartbeat() -> None:
    s = session("a")
    renew(s, at(600))
    assert (s.last_seen, s.expires_at) == (at(600), at(600) + LIFE)
    assert s.created == T0
    assert s.state(at(600) + LIFE - TICK) is SessionState.alive


# --- backoff -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failures", "expected"), [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (6, 32.0), (7, 60.0)]
)
def test_backoff_doubles_up_to_the_max(failures: int, expected: float) -> None:
    assert backoff_s(failures, 60.0) == expected


def test_backoff_stays_at_the_max_for_many_failures() -> None:
    assert backoff_s(10_000, 300.0) == 300.0
    assert backoff_s(3, 2.5) == 2.5
    assert isinstance(backoff_s(1, 60.0), float)
