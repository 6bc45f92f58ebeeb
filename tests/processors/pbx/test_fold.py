"""Folding the PBX API's records into a working copy of the tables (a stub hub, no flush)."""

import itertools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from processors.app import Hub
from processors.pbx import fold
from processors.pbx.agents import fold_records
from processors.pbx.sessions import LIFE
from processors.pbx.work import Work
from schemas.pbx import EndReason, Lockout, PbxConfig, PbxRecord, StoredEvent, UserRecord
from schemas.pbx_events import V1, V2
from schemas.pbx_requests import Callback
from schemas.pbx_topics import (
    ChangeKind,
    DeliveryAttempt,
    EventReceived,
    LoginAttempt,
    Outcome,
    PbxDeleted,
    PbxUpserted,
    PbxUserSet,
    SessionLoggedOut,
    SessionOpened,
    SessionRenewed,
    UserClaimed,
    UserReleased,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
C, P = "acme", "pbx1"
KEY = f"{C}/{P}"
ADDR = "203.0.113.9"
CB = Callback(ipaddr="192.168.6.24", port=8260, urltag=0, version=V2)
EXT = '{"event":"ExtensionStatus","extension":"1006","status":"Registered","sn":"s"}'
LIMIT = 100


def at(seconds: float) -> datetime:
    """T0 plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def tables() -> SimpleNamespace:
    """A stub hub: the PBX tables as plain dicts."""
    return SimpleNamespace(pbxes={}, pbx_tokens={}, pbx_events={}, pbx_users={}, pbx_lockouts={})


def work(hub: SimpleNamespace | None = None) -> Work:
    """A working copy over a stub hub."""
    return Work(hub=cast(Hub, hub if hub is not None else tables()))


def pbx_rec(w: Work) -> PbxRecord:
    """The PBX as the batch left it."""
    rec: PbxRecord | None = w.get("pbxes", KEY)
    assert rec is not None
    return rec


def user(w: Work, username: str) -> UserRecord:
    """The API user as the batch left it."""
    found = w.get("pbx-users", username)
    assert found is not None
    return found


def with_pbx(w: Work, *users: str) -> Work:
    """Create the PBX with these API users."""
    cfg = PbxConfig(Name="Office")
    fold.on_pbx(w, PbxUpserted(client_id=C, pbx_id=P, config=cfg, nonce="n1", at=T0), 1)
    for u in users:
        fold.on_pbx_user(w, PbxUserSet(client_id=C, pbx_id=P, username=u, present=True, at=T0))
    return w


def open_session(
    w: Work, sid: str, user: str = "u1", when: datetime = T0, cb: Callback = CB
) -> None:
    """A login's session."""
    fold.on_session_opened(
        w,
        SessionOpened(
            client_id=C, pbx_id=P, session_id=sid, user=user, token_hash=f"hash-{sid}",
            callback=cb, at=when,
        ),
    )  # fmt: skip


def event(w: Work, when: datetime, body: str = EXT, name: str = "ExtensionStatus") -> None:
    """A PBX's event report arrives."""
    msg = EventReceived(client_id=C, pbx_id=P, version=V2, name=name, body=body, at=when)
    fold.on_event(w, msg, LIMIT)


def attempt(
    sid: str,
    seq: int,
    outcome: Outcome,
    when: datetime,
    status: int | None = None,
    error: str | None = None,
) -> DeliveryAttempt:
    """A delivery attempt of event `seq` to session `sid`."""
    return DeliveryAttempt(
        id=f"{sid}:{seq}:1", client_id=C, pbx_id=P, session_id=sid, seq=seq,
        event="ExtensionStatus", version=V2, url="http://192.168.6.24:8260/", attempt=1,
        outcome=outcome, status=status, error=error, received_at=T0, at=when, latency_s=0.1,
    )  # fmt: skip


def stored(w: Work, seq: int) -> StoredEvent | None:
    """The stored event `seq`, as the batch left it."""
    got: StoredEvent | None = w.get("pbx-events", f"{KEY}/{seq}")
    return got


# --- the user directory ------------------------------------------------------------------------


def user_rec(cid: str, pbx: str, digest: str) -> UserRecord:
    """A directory entry."""
    return UserRecord(client_id=cid, pbx_id=pbx, password_hash=digest)


def claim(pbx: str, digest: str) -> UserClaimed:
    """A claim of the username 'api' for a PBX of acme."""
    return UserClaimed(username="api", client_id=C, pbx_id=pbx, password_hash=digest, at=T0)


def test_the_first_claimer_of_a_username_keeps_it() -> None:
    w = work()
    fold.on_user_claimed(w, claim("pbx1", "h1"))
    fold.on_user_claimed(w, claim("pbx2", "h2"))
    assert w.get("pbx-users", "api") == user_rec(C, "pbx1", "h1")


def test_the_holders_later_claim_changes_the_hash() -> None:
    w = work()
    fold.on_user_claimed(w, claim("pbx1", "h1"))
    fold.on_user_claimed(w, claim("pbx1", "h3"))
    assert w.get("pbx-users", "api") == user_rec(C, "pbx1", "h3")


def test_a_claim_held_in_the_table_is_respected() -> None:
    hub = tables()
    hub.pbx_users["api"] = user_rec("other", "p9", "h0")
    w = work(hub)
    fold.on_user_claimed(w, claim("pbx1", "h1"))
    assert user(w, "api").client_id == "other"
    assert w.dirty == {}


def test_only_the_holder_releases_a_username() -> None:
    w = work()
    fold.on_user_claimed(w, claim("pbx1", "h1"))
    fold.on_user_released(w, UserReleased(username="api", client_id=C, pbx_id="pbx2", at=T0))
    assert w.get("pbx-users", "api") is not None
    fold.on_user_released(w, UserReleased(username="api", client_id="x", pbx_id="pbx1", at=T0))
    assert w.get("pbx-users", "api") is not None
    fold.on_user_released(w, UserReleased(username="api", client_id=C, pbx_id="pbx1", at=T0))
    assert w.get("pbx-users", "api") is None
    # Once released, another PBX may claim it.
    fold.on_user_claimed(w, claim("pbx2", "h2"))
    assert user(w, "api").pbx_id == "pbx2"


# --- lockouts ------------------------------------------------------------------------------------


OFFSETS = itertools.count(100)


def login(w: Work, ok: bool, when: datetime) -> Lockout | None:
    """A login from ADDR, at the next offset of the `pbx` topic."""
    fold.on_login(w, LoginAttempt(address=ADDR, ok=ok, at=when), next(OFFSETS))
    lock: Lockout | None = w.get("pbx-lockouts", ADDR)
    return lock


def test_five_failures_in_a_row_lock_the_address_for_10_minutes() -> None:
    w = work()
    for i in range(1, 5):
        lock = login(w, False, at(i))
        assert lock is not None
        assert (lock.failures, lock.locked_until, lock.last_failure) == (i, None, at(i))
    lock = login(w, False, at(5))
    assert lock is not None
    assert (lock.failures, lock.locked_until) == (5, at(5) + timedelta(minutes=10))


def test_a_success_starts_the_count_over() -> None:
    w = work()
    for i in range(4):
        login(w, False, at(i))
    assert login(w, True, at(10)) is None
    for i in range(4):
        lock = login(w, False, at(20 + i))
    assert lock is not None
    assert (lock.failures, lock.locked_until) == (4, None)


def test_failures_during_the_lock_are_not_counted() -> None:
    w = work()
    for i in range(5):
        login(w, False, at(i))
    until = at(4) + timedelta(minutes=10)
    for s in (5, 60, 599):
        lock = login(w, False, at(s))
        assert lock is not None
        assert (lock.failures, lock.locked_until, lock.last_failure) == (5, until, at(4))


def test_after_the_lock_a_new_count_starts() -> None:
    w = work()
    for i in range(5):
        login(w, False, at(i))
    until = at(4) + timedelta(minutes=10)
    lock = login(w, False, until)
    assert lock is not None
    assert (lock.failures, lock.locked_until, lock.last_failure) == (1, None, until)
    for i in range(1, 4):
        lock = login(w, False, until + timedelta(seconds=i))
    assert lock is not None
    assert lock.locked_until is None
    lock = login(w, False, until + timedelta(seconds=10))
    assert lock is not None
    assert (lock.failures, lock.locked_until) == (5, until + timedelta(seconds=10, minutes=10))


def test_lockouts_are_per_address() -> None:
    w = work()
    for i in range(5):
        login(w, False, at(i))
    fold.on_login(w, LoginAttempt(address="198.51.100.1", ok=False, at=at(6)), next(OFFSETS))
    other = w.get("pbx-lockouts", "198.51.100.1")
    assert other is not None
    assert (other.failures, other.locked_until) == (1, None)


def test_a_replayed_login_record_is_not_counted_again() -> None:
    w = work()
    fold.on_login(w, LoginAttempt(address=ADDR, ok=False, at=at(1)), 10)
    fold.on_login(w, LoginAttempt(address=ADDR, ok=False, at=at(2)), 11)
    for offset in (10, 11):
        fold.on_login(w, LoginAttempt(address=ADDR, ok=False, at=at(3)), offset)
    lock = w.get("pbx-lockouts", ADDR)
    assert lock is not None
    assert (lock.failures, lock.last_failure, lock.applied_offset) == (2, at(2), 11)
    fold.on_login(w, LoginAttempt(address=ADDR, ok=True, at=at(4)), 11)
    assert w.get("pbx-lockouts", ADDR) is not None
    fold.on_login(w, LoginAttempt(address=ADDR, ok=True, at=at(4)), 12)
    assert w.get("pbx-lockouts", ADDR) is None


# --- PBXes and their users -----------------------------------------------------------------------


def test_a_new_pbx_takes_the_nonce_and_a_change_keeps_it() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    cfg = PbxConfig(Name="Renamed", SerialNumber="SN1")
    fold.on_pbx(w, PbxUpserted(client_id=C, pbx_id=P, config=cfg, nonce="n2", at=at(5)), 7)
    rec = pbx_rec(w)
    assert (rec.config, rec.nonce, rec.created) == (cfg, "n1", T0)
    assert rec.users == ["u1"]
    assert "s1" in rec.sessions
    upserts = [c for c in w.changes if c.kind is ChangeKind.pbx_upserted]
    assert [c.id for c in upserts] == [f"pbx:{KEY}:1", f"pbx:{KEY}:7"]
    assert upserts[1].pbx == cfg


def test_users_are_added_sorted_and_removing_one_ends_its_sessions() -> None:
    w = with_pbx(work(), "zed", "amy")
    assert pbx_rec(w).users == ["amy", "zed"]
    open_session(w, "s-amy", "amy")
    open_session(w, "s-zed", "zed")
    event(w, at(1))
    fold.on_pbx_user(w, PbxUserSet(client_id=C, pbx_id=P, username="amy", present=False, at=at(2)))
    rec = pbx_rec(w)
    assert rec.users == ["zed"]
    assert rec.sessions["s-amy"].end_reason is EndReason.user_removed
    assert rec.sessions["s-amy"].queue == []
    assert rec.sessions["s-zed"].end_reason is None
    ev = stored(w, 1)
    assert ev is not None
    assert ev.waiting == 1


def test_a_user_for_a_missing_pbx_changes_nothing() -> None:
    w = work()
    fold.on_pbx_user(w, PbxUserSet(client_id=C, pbx_id=P, username="u1", present=True, at=T0))
    assert w.get("pbxes", KEY) is None
    assert w.dirty == {}


# --- sessions ------------------------------------------------------------------------------------


def test_a_session_opens_for_an_existing_pbx_and_one_of_its_users() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1", when=at(10))
    s = pbx_rec(w).sessions["s1"]
    assert (s.user, s.token_hash, s.callback) == ("u1", "hash-s1", CB)
    assert (s.created, s.last_seen, s.expires_at) == (at(10), at(10), at(10) + LIFE)
    assert w.get("pbx-tokens", "hash-s1") == f"{KEY}/s1"
    opened = [c for c in w.changes if c.kind is ChangeKind.session_opened]
    assert [c.id for c in opened] == ["s1:session-opened:open"]


def test_no_session_without_the_pbx() -> None:
    w = work()
    open_session(w, "s1")
    assert w.get("pbxes", KEY) is None
    assert w.get("pbx-tokens", "hash-s1") is None
    assert w.changes == []


def test_no_session_for_a_user_not_in_the_pbxs_list() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1", user="u2")
    assert pbx_rec(w).sessions == {}
    assert w.get("pbx-tokens", "hash-s1") is None


def test_a_replayed_open_does_not_open_it_again() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1", when=at(10))
    open_session(w, "s1", when=at(20))
    assert pbx_rec(w).sessions["s1"].created == at(10)
    assert len([c for c in w.changes if c.kind is ChangeKind.session_opened]) == 1


def test_folding_leaves_the_tables_alone_until_flush() -> None:
    hub = tables()
    w = with_pbx(work(hub), "u1")
    hub.pbxes[KEY] = pbx_rec(w).model_copy(deep=True)
    before = hub.pbxes[KEY].model_copy(deep=True)
    w2 = work(hub)
    open_session(w2, "s1")
    event(w2, at(1))
    assert hub.pbxes[KEY] == before
    assert hub.pbx_tokens == {}
    assert hub.pbx_events == {}
    assert "s1" in pbx_rec(w2).sessions


def test_a_heartbeat_renews_to_30_minutes_from_it_and_changes_the_callback() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    new_cb = Callback(ipaddr="10.0.0.7", port=9000, url="in", urltag=0, version=V1)
    renewed = SessionRenewed(client_id=C, pbx_id=P, session_id="s1", callback=new_cb, at=at(1700))
    fold.on_renewed(w, renewed, "42")
    s = pbx_rec(w).sessions["s1"]
    assert (s.last_seen, s.expires_at, s.callback) == (at(1700), at(1700) + LIFE, new_cb)
    assert s.url() == "http://10.0.0.7:9000/in"
    chg = [c for c in w.changes if c.kind is ChangeKind.session_renewed]
    assert [c.id for c in chg] == ["s1:session-renewed:42"]
    assert KEY in w.kicks


def test_a_heartbeat_after_the_30_minutes_does_not_revive_the_session() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    late = SessionRenewed(client_id=C, pbx_id=P, session_id="s1", callback=CB, at=T0 + LIFE)
    fold.on_renewed(w, late, "1")
    assert pbx_rec(w).sessions["s1"].expires_at == T0 + LIFE
    assert not [c for c in w.changes if c.kind is ChangeKind.session_renewed]


def test_a_logout_ends_the_session_and_releases_its_events() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    open_session(w, "s2")
    event(w, at(1))
    event(w, at(2))
    fold.on_logged_out(w, SessionLoggedOut(client_id=C, pbx_id=P, session_id="s1", at=at(3)))
    s1 = pbx_rec(w).sessions["s1"]
    assert (s1.end_reason, s1.ended_at, s1.queue) == (EndReason.logged_out, at(3), [])
    for seq in (1, 2):
        ev = stored(w, seq)
        assert ev is not None
        assert ev.waiting == 1
    ended = [c for c in w.changes if c.kind is ChangeKind.session_ended]
    assert [c.session.session_id for c in ended if c.session] == ["s1"]
    # A second logout (or a heartbeat) of the ended session does nothing.
    fold.on_logged_out(w, SessionLoggedOut(client_id=C, pbx_id=P, session_id="s1", at=at(4)))
    fold.on_renewed(
        w, SessionRenewed(client_id=C, pbx_id=P, session_id="s1", callback=CB, at=at(4)), "9"
    )
    assert pbx_rec(w).sessions["s1"].ended_at == at(3)
    assert len([c for c in w.changes if c.kind is ChangeKind.session_ended]) == 1


# --- events and deliveries -----------------------------------------------------------------------


def test_an_event_is_stored_with_how_many_sessions_wait_for_it() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    open_session(w, "s2", cb=CB.model_copy(update={"version": V1}))
    event(w, at(1))
    ev = stored(w, 1)
    assert ev is not None
    assert (ev.waiting, ev.name, ev.version, ev.body, ev.received_at) == (
        2, "ExtensionStatus", V2, EXT, at(1),
    )  # fmt: skip
    assert KEY in w.kicks


def test_an_event_no_session_waits_for_is_not_stored() -> None:
    w = with_pbx(work(), "u1")
    event(w, at(1))
    assert stored(w, 1) is None
    assert pbx_rec(w).next_seq == 2


def test_an_event_for_a_missing_pbx_is_dropped() -> None:
    w = work()
    event(w, at(1))
    assert w.dirty == {}


def test_a_dropped_event_is_released() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    for i in (1, 2, 3):
        fold.on_event(
            w,
            EventReceived(
                client_id=C, pbx_id=P, version=V2, name="ExtensionStatus", body=EXT, at=at(i)
            ),
            2,
        )
    assert pbx_rec(w).sessions["s1"].queue == [2, 3]
    assert stored(w, 1) is None
    assert stored(w, 2) is not None


def test_a_delivered_attempt_pops_the_head_and_releases_the_event() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    open_session(w, "s2")
    event(w, at(1))
    event(w, at(2))
    fold.on_attempt(w, attempt("s1", 1, Outcome.delivered, at(3)), 60.0)
    s1 = pbx_rec(w).sessions["s1"]
    assert (s1.queue, s1.delivered, s1.failures) == ([2], 1, 0)
    ev = stored(w, 1)
    assert ev is not None
    assert ev.waiting == 1
    fold.on_attempt(w, attempt("s2", 1, Outcome.delivered, at(4)), 60.0)
    assert stored(w, 1) is None
    assert ("pbx-events", f"{KEY}/1") in w.dirty  # the deletion is written at flush
    ev2 = stored(w, 2)
    assert ev2 is not None
    assert ev2.waiting == 2


def test_a_failed_attempt_waits_by_backoff_and_records_the_error() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    event(w, at(1))
    fold.on_attempt(w, attempt("s1", 1, Outcome.failed, at(10), status=500), 60.0)
    s = pbx_rec(w).sessions["s1"]
    assert (s.failures, s.next_attempt_at, s.last_error) == (1, at(11), "HTTP 500")
    assert s.queue == [1]
    fold.on_attempt(w, attempt("s1", 1, Outcome.failed, at(20), error="timed out"), 60.0)
    s = pbx_rec(w).sessions["s1"]
    assert (s.failures, s.next_attempt_at, s.last_error) == (2, at(22), "timed out")
    ev = stored(w, 1)
    assert ev is not None
    assert ev.waiting == 1
    # Success after failures clears them.
    fold.on_attempt(w, attempt("s1", 1, Outcome.delivered, at(30)), 60.0)
    s = pbx_rec(w).sessions["s1"]
    assert (s.failures, s.next_attempt_at, s.last_error, s.queue) == (0, None, None, [])


def test_backoff_is_capped_by_retry_max() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    event(w, at(1))
    for i in range(10):
        fold.on_attempt(w, attempt("s1", 1, Outcome.failed, at(100 + i), status=502), 5.0)
    s = pbx_rec(w).sessions["s1"]
    assert s.failures == 10
    assert s.next_attempt_at == at(109) + timedelta(seconds=5)


def test_an_attempt_for_an_event_not_at_the_head_is_ignored() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    event(w, at(1))
    event(w, at(2))
    before = pbx_rec(w).model_copy(deep=True)
    fold.on_attempt(w, attempt("s1", 2, Outcome.delivered, at(3)), 60.0)
    fold.on_attempt(w, attempt("s1", 2, Outcome.failed, at(3), status=500), 60.0)
    fold.on_attempt(w, attempt("nope", 1, Outcome.delivered, at(3)), 60.0)
    assert pbx_rec(w) == before
    ev = stored(w, 2)
    assert ev is not None
    assert ev.waiting == 1


def test_an_attempt_after_the_session_timed_out_is_ignored() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    event(w, at(1))
    fold.on_attempt(w, attempt("s1", 1, Outcome.delivered, T0 + LIFE), 60.0)
    assert pbx_rec(w).sessions["s1"].queue == [1]


# --- deleting a PBX ------------------------------------------------------------------------------


def test_deleting_a_pbx_ends_its_sessions_and_forgets_its_tokens() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    open_session(w, "s2")
    fold.on_logged_out(w, SessionLoggedOut(client_id=C, pbx_id=P, session_id="s2", at=at(1)))
    event(w, at(2))
    assert w.get("pbx-tokens", "hash-s1") is not None
    fold.on_pbx_deleted(w, PbxDeleted(client_id=C, pbx_id=P, at=at(3)), 9)
    assert w.get("pbxes", KEY) is None
    assert w.get("pbx-tokens", "hash-s1") is None
    assert w.get("pbx-tokens", "hash-s2") is None
    assert stored(w, 1) is None
    assert w.keys("pbxes") == []
    ended = [c for c in w.changes if c.kind is ChangeKind.session_ended]
    # s2 had ended already; only s1 ends now, as deleted.
    assert [(c.session.session_id, c.session.end_reason) for c in ended if c.session] == [
        ("s2", EndReason.logged_out),
        ("s1", EndReason.pbx_deleted),
    ]
    assert w.changes[-1].kind is ChangeKind.pbx_deleted
    assert w.changes[-1].id == f"pbx:{KEY}:9"


def test_deleting_a_missing_pbx_does_nothing() -> None:
    w = work()
    fold.on_pbx_deleted(w, PbxDeleted(client_id=C, pbx_id=P, at=T0), 1)
    assert (w.dirty, w.changes) == ({}, [])


def test_a_pbxs_records_are_noted_and_a_replay_is_skipped() -> None:
    w = work()
    assert not fold.skip_replayed(w, KEY, 0)
    fold.note_applied(w, KEY, 5)  # no PBX: nothing to note
    assert w.get("pbxes", KEY) is None
    with_pbx(w)
    assert not fold.skip_replayed(w, KEY, 0)
    fold.note_applied(w, KEY, 5)
    assert pbx_rec(w).applied_offset == 5
    assert fold.skip_replayed(w, KEY, 4)
    assert fold.skip_replayed(w, KEY, 5)
    assert not fold.skip_replayed(w, KEY, 6)
    fold.note_applied(w, KEY, 3)  # never goes back
    assert pbx_rec(w).applied_offset == 5


def test_work_reads_the_table_once_and_then_its_copy() -> None:
    hub = tables()
    hub.pbx_users["api"] = user_rec(C, P, "h")
    w = work(hub)
    first: Any = w.get("pbx-users", "api")
    hub.pbx_users["api"] = user_rec(C, P, "changed")
    assert w.get("pbx-users", "api") is first
    assert w.keys("pbx-users") == ["api"]


def test_renewals_gathered_in_one_record_are_each_folded_once() -> None:
    hub = tables()
    w = with_pbx(work(hub), "u1")
    open_session(w, "s1")
    open_session(w, "s2")
    moved = CB.model_copy(update={"port": 9000})
    msgs: list[Any] = [
        SessionRenewed(client_id=C, pbx_id=P, session_id=sid, callback=cb, at=at(t))
        for sid, t, cb in (("s1", 10, CB), ("s2", 11, CB), ("s1", 12, moved))
    ]
    fold_records(cast(Hub, hub), w, msgs, 50)
    renewed = [c.id for c in w.changes if c.kind is ChangeKind.session_renewed]
    assert renewed == [
        "s1:session-renewed:50.0", "s2:session-renewed:50.1", "s1:session-renewed:50.2"
    ]  # fmt: skip
    assert pbx_rec(w).sessions["s1"].last_seen == at(12)
    assert pbx_rec(w).applied_offset == 50
    fold_records(cast(Hub, hub), w, msgs, 50)  # the record read again after a crash
    assert len([c for c in w.changes if c.kind is ChangeKind.session_renewed]) == 3


def test_renewals_reach_pbx_changes_a_minute_apart_unless_the_callback_changes() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    moved = CB.model_copy(update={"port": 9000})
    for t, cb in ((10, CB), (30, CB), (69, CB), (70, CB), (75, moved), (80, moved)):
        renewed = SessionRenewed(client_id=C, pbx_id=P, session_id="s1", callback=cb, at=at(t))
        fold.on_renewed(w, renewed, str(t))
    shown = [c.id for c in w.changes if c.kind is ChangeKind.session_renewed]
    # The first, the first a minute after it, and the one that moved the callback.
    assert shown == [f"s1:session-renewed:{t}" for t in ("10", "70", "75")]
    assert pbx_rec(w).sessions["s1"].last_seen == at(80)  # the table has every one
