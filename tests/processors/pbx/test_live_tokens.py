"""What the worker publishes to the live-tokens topic as sessions open, renew and end."""

import asyncio
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from processors.pbx import fold, live_tokens, sessions
from processors.pbx.sessions import LIFE
from processors.pbx.work import Work
from schemas.live_token import LiveToken
from schemas.pbx_requests import Callback
from schemas.pbx_topics import PbxDeleted, PbxUserSet, SessionLoggedOut, SessionRenewed
from schemas.topics import partition_for
from tests.processors.pbx.test_fold import (
    CB,
    KEY,
    T0,
    C,
    P,
    at,
    open_session,
    pbx_rec,
    with_pbx,
    work,
)


def token(w: Work, sid: str = "s1") -> LiveToken | None:
    """The record the batch would publish for the session's token (its hash's note)."""
    cid, record = w.tokens[f"hash-{sid}"]
    assert cid == C
    return record


def renew(w: Work, when: datetime, cb: Callback = CB, sid: str = "s1") -> None:
    """A heartbeat's renewal, as the ingress publishes it."""
    msg = SessionRenewed(client_id=C, pbx_id=P, session_id=sid, callback=cb, at=when)
    fold.on_renewed(w, msg, "10")


def opened() -> Work:
    """A PBX with a session s1 of user u1, opened at T0; its notes flushed."""
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    w.tokens.clear()
    return w


def test_an_open_session_publishes_its_token_with_the_expiry_and_callback() -> None:
    w = with_pbx(work(), "u1")
    open_session(w, "s1")
    assert token(w) == LiveToken(
        client_id=C, pbx_id=P, session_id="s1", callback=CB, expires_at=T0 + LIFE
    )


def test_a_renewal_that_changes_the_callback_publishes_it_and_the_new_expiry() -> None:
    w = opened()
    moved = CB.model_copy(update={"port": 9000})
    renew(w, at(5), moved)
    record = token(w)
    assert record is not None
    assert (record.expires_at, record.callback, record.timed_out) == (at(5) + LIFE, moved, False)


def test_a_renewal_publishes_the_expiry_once_it_moved_a_minute_past_the_one_published() -> None:
    w = opened()  # published: T0 + LIFE
    renew(w, at(30))
    renew(w, at(59))
    assert w.tokens == {}  # the table moves; the replicas hold an expiry under a minute older
    renew(w, at(60))
    record = token(w)
    assert record is not None
    assert record.expires_at == at(60) + LIFE
    w.tokens.clear()
    renew(w, at(100))
    assert w.tokens == {}  # 40 s past the one published at 60


def test_a_renewal_of_an_ended_session_publishes_nothing_and_does_not_revive_it() -> None:
    w = opened()
    fold.on_logged_out(w, SessionLoggedOut(client_id=C, pbx_id=P, session_id="s1", at=at(5)))
    w.tokens.clear()
    renew(w, at(6))
    assert w.tokens == {}
    assert pbx_rec(w).sessions["s1"].end_reason is not None


def test_an_earlier_renewal_folded_later_does_not_shorten_the_life() -> None:
    w = opened()
    renew(w, at(120))
    renew(w, at(100))
    record = token(w)
    assert record is not None
    assert record.expires_at == at(120) + LIFE


def test_a_logout_publishes_a_tombstone() -> None:
    w = opened()
    fold.on_logged_out(w, SessionLoggedOut(client_id=C, pbx_id=P, session_id="s1", at=at(5)))
    assert token(w) is None


def test_expiry_publishes_timed_out_then_forgetting_a_tombstone() -> None:
    w = opened()
    rec = w.own(KEY)
    fold._apply(w, KEY, rec, sessions.expire(rec, C, P, T0 + LIFE, T0))
    record = token(w)
    assert record is not None
    assert record.timed_out
    w.tokens.clear()
    later = T0 + LIFE * 100
    fold._apply(w, KEY, rec, sessions.expire(rec, C, P, later, later))
    assert token(w) is None


def test_removing_the_user_or_the_pbx_publishes_tombstones() -> None:
    w = opened()
    open_session(w, "s2", user="u1")
    fold.on_pbx_user(w, PbxUserSet(client_id=C, pbx_id=P, username="u1", present=False, at=at(9)))
    assert token(w, "s1") is None
    assert token(w, "s2") is None
    w = opened()
    fold.on_pbx_deleted(w, PbxDeleted(client_id=C, pbx_id=P, at=at(9)), 5)
    assert token(w) is None


class Topic:
    """A topic that records what is sent and acknowledges it at once."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, **record: Any) -> "asyncio.Future[None]":
        self.sent.append(record)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def test_publish_keys_by_hash_in_the_customers_partition_tombstones_as_none() -> None:
    w = opened()
    renew(w, at(60))
    open_session(w, "s2")
    fold.on_logged_out(w, SessionLoggedOut(client_id=C, pbx_id=P, session_id="s2", at=at(61)))
    topic = Topic()
    hub: Any = SimpleNamespace(live_tokens=topic, settings=SimpleNamespace(partitions=12))
    asyncio.run(live_tokens.publish(hub, w.tokens))
    by_key = {r["key"]: r for r in topic.sent}
    assert set(by_key) == {b"hash-s1", b"hash-s2"}
    assert {r["partition"] for r in topic.sent} == {partition_for(C, 12)}
    value = by_key[b"hash-s1"]["value"]
    assert LiveToken.model_validate_json(value).expires_at == at(60) + LIFE
    assert by_key[b"hash-s2"]["value"] is None
