"""Fold the PBX API's records into the working copy of its tables (see processors.pbx.work)."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from processors.pbx import live_tokens, sessions
from processors.pbx.work import Work
from schemas.pbx import (
    LOCK_AFTER,
    LOCK_FOR,
    EndReason,
    Lockout,
    PbxRecord,
    Session,
    StoredEvent,
    UserRecord,
)
from schemas.pbx_topics import (
    ChangeKind,
    DeliveryAttempt,
    EventReceived,
    LoginAttempt,
    Outcome,
    PbxChange,
    PbxDeleted,
    PbxUpserted,
    PbxUserSet,
    SessionLoggedOut,
    SessionOpened,
    SessionRenewed,
    UserClaimed,
    UserReleased,
)

log = logging.getLogger(__name__)


def customer_pbx_ids(keys: Iterable[str], client_id: str) -> list[str]:
    """The ids of the customer's PBXes among `pbxes` keys (`<clientId>/<pbxId>`), sorted."""
    prefix = f"{client_id}/"
    return sorted(k[len(prefix) :] for k in keys if k.startswith(prefix))


def pbx_key(client_id: str, pbx_id: str) -> str:
    """The `pbxes` table's key."""
    return f"{client_id}/{pbx_id}"


def skip_replayed(w: Work, key: str, offset: int) -> bool:
    """Whether the PBX already folded the record at `offset` (a replay after a crash)."""
    rec: PbxRecord | None = w.get("pbxes", key)
    return rec is not None and offset <= rec.applied_offset


def note_applied(w: Work, key: str, offset: int) -> None:
    """Record that the PBX has folded the record at `offset`."""
    rec: PbxRecord | None = w.get("pbxes", key)
    if rec is not None and rec.applied_offset < offset:
        w.record(key).applied_offset = offset  # a field of its own: no session copied


def _release(w: Work, key: str, seqs: list[int]) -> None:
    """One session no longer waits for these events; forget those no session waits for."""
    for seq in seqs:
        ekey = f"{key}/{seq}"
        stored: StoredEvent | None = w.get("pbx-events", ekey)
        if stored is None:
            continue
        left = stored.waiting - 1
        w.put("pbx-events", ekey, stored.model_copy(update={"waiting": left}) if left > 0 else None)


def _apply(w: Work, key: str, rec: PbxRecord | None, fx: sessions.Effects) -> None:
    w.put("pbxes", key, rec)
    _release(w, key, fx.released)
    w.changes.extend(fx.changes)
    for s in fx.ended:
        live_tokens.note(w.tokens, key, s)
    for token in fx.forget_tokens:
        w.put("pbx-tokens", token, None)
        live_tokens.forget(w.tokens, key, token)


def on_pbx(w: Work, msg: PbxUpserted, offset: int) -> None:
    """Create or change a PBX; a new one takes the record's nonce."""
    key = pbx_key(msg.client_id, msg.pbx_id)
    rec: PbxRecord | None = w.get("pbxes", key)
    if rec is None:
        w.put("pbxes", key, PbxRecord(config=msg.config, nonce=msg.nonce, created=msg.at))
    else:
        w.own(key).config = msg.config
    w.changes.append(
        PbxChange(
            id=f"pbx:{key}:{offset}",
            kind=ChangeKind.pbx_upserted,
            client_id=msg.client_id,
            pbx_id=msg.pbx_id,
            at=msg.at,
            pbx=msg.config,
        )
    )


def on_pbx_deleted(w: Work, msg: PbxDeleted, offset: int) -> None:
    """Remove a PBX: its sessions end, its tokens and events are forgotten."""
    key = pbx_key(msg.client_id, msg.pbx_id)
    rec: PbxRecord | None = w.mutable("pbxes", key)
    if rec is None:
        return
    fx = sessions.end_where(rec, msg.client_id, msg.pbx_id, EndReason.pbx_deleted, msg.at)
    fx.forget_tokens = [s.token_hash for s in rec.sessions.values()]
    _apply(w, key, None, fx)
    w.changes.append(
        PbxChange(
            id=f"pbx:{key}:{offset}",
            kind=ChangeKind.pbx_deleted,
            client_id=msg.client_id,
            pbx_id=msg.pbx_id,
            at=msg.at,
        )
    )


def on_pbx_user(w: Work, msg: PbxUserSet) -> None:
    """Add a user's name to its PBX, or remove it and end its sessions."""
    key = pbx_key(msg.client_id, msg.pbx_id)
    rec: PbxRecord | None = w.mutable("pbxes", key)
    if rec is None:
        return
    users = set(rec.users)
    fx = sessions.Effects()
    if msg.present:
        users.add(msg.username)
    else:
        users.discard(msg.username)
        fx = sessions.end_where(
            rec, msg.client_id, msg.pbx_id, EndReason.user_removed, msg.at, msg.username
        )
    rec.users = sorted(users)
    _apply(w, key, rec, fx)


def on_user_claimed(w: Work, msg: UserClaimed) -> None:
    """The first PBX to claim a username keeps it; its later claims change the hash."""
    cur: UserRecord | None = w.get("pbx-users", msg.username)
    if cur is not None and (cur.client_id, cur.pbx_id) != (msg.client_id, msg.pbx_id):
        return
    user = UserRecord(client_id=msg.client_id, pbx_id=msg.pbx_id, password_hash=msg.password_hash)
    w.put("pbx-users", msg.username, user)


def on_user_released(w: Work, msg: UserReleased) -> None:
    """The PBX holding a username gives it up."""
    cur: UserRecord | None = w.get("pbx-users", msg.username)
    if cur is not None and (cur.client_id, cur.pbx_id) == (msg.client_id, msg.pbx_id):
        w.put("pbx-users", msg.username, None)


def on_login(w: Work, msg: LoginAttempt, offset: int) -> None:
    """Count failed logins in a row from an address; lock it at the fifth."""
    cur: Lockout = w.get("pbx-lockouts", msg.address) or Lockout()
    if offset <= cur.applied_offset:
        return  # a replay after a crash: counted already
    if msg.ok:
        w.put("pbx-lockouts", msg.address, None)
        return
    if cur.locked_until is not None and msg.at < cur.locked_until:
        return
    failures = cur.failures + 1 if cur.locked_until is None else 1
    until = msg.at + LOCK_FOR if failures >= LOCK_AFTER else None
    lock = Lockout(
        failures=failures, last_failure=msg.at, locked_until=until, applied_offset=offset
    )
    w.put("pbx-lockouts", msg.address, lock)


def on_session_opened(w: Work, msg: SessionOpened) -> None:
    """A login's session, if its PBX and user still exist."""
    key = pbx_key(msg.client_id, msg.pbx_id)
    rec: PbxRecord | None = w.get("pbxes", key)
    if rec is None or msg.user not in rec.users or msg.session_id in rec.sessions:
        log.info("session %s not opened: PBX or user gone, or opened before", msg.session_id)
        return
    rec = w.own(key)
    s = Session(
        session_id=msg.session_id,
        user=msg.user,
        token_hash=msg.token_hash,
        callback=msg.callback,
        created=msg.at,
        last_seen=msg.at,
        expires_at=msg.at + sessions.LIFE,
    )
    rec.sessions[s.session_id] = s
    w.put("pbxes", key, rec)
    w.put("pbx-tokens", msg.token_hash, f"{key}/{s.session_id}")
    live_tokens.note(w.tokens, key, s)
    w.changes.append(
        sessions.change(ChangeKind.session_opened, msg.client_id, msg.pbx_id, s, msg.at, "open")
    )


def _live_session(
    w: Work, cid: str, pbx: str, sid: str, at: datetime
) -> tuple[PbxRecord, Session] | None:
    rec: PbxRecord | None = w.get("pbxes", pbx_key(cid, pbx))
    if rec is None or sid not in rec.sessions:
        return None
    s = rec.sessions[sid]
    if s.end_reason is not None or at >= s.expires_at:
        return None
    return w.session(pbx_key(cid, pbx), sid)


def on_renewed(w: Work, msg: SessionRenewed, tag: str) -> None:
    """A heartbeat: 30 more minutes, and the callback as it now is; `tag` (the record's
    offset, and its place when a record holds several) names its change."""
    live = _live_session(w, msg.client_id, msg.pbx_id, msg.session_id, msg.at)
    if live is None:
        return
    rec, s = live
    sessions.renew(s, msg.at)
    changed = s.callback != msg.callback
    s.callback = msg.callback
    key = pbx_key(msg.client_id, msg.pbx_id)
    w.put("pbxes", key, rec)
    live_tokens.note_renewal(w.tokens, key, s, changed)
    if sessions.renewal_shown(s, changed):
        kind = ChangeKind.session_renewed
        w.changes.append(sessions.change(kind, msg.client_id, msg.pbx_id, s, msg.at, tag))
    w.kicks.add(key)


def on_logged_out(w: Work, msg: SessionLoggedOut) -> None:
    """A logout ends the session at once."""
    live = _live_session(w, msg.client_id, msg.pbx_id, msg.session_id, msg.at)
    if live is None:
        return
    rec, s = live
    key = pbx_key(msg.client_id, msg.pbx_id)
    _apply(
        w, key, rec, sessions.end(rec, msg.client_id, msg.pbx_id, s, EndReason.logged_out, msg.at)
    )


def on_event(w: Work, msg: EventReceived, limit: int) -> None:
    """Queue an event report for every session alive when it arrived."""
    key = pbx_key(msg.client_id, msg.pbx_id)
    rec: PbxRecord | None = w.mutable("pbxes", key)
    if rec is None:
        return
    body = msg.body.encode()
    seq, waiting, dropped = sessions.enqueue(rec, msg.version, msg.name, body, msg.at, limit)
    w.put("pbxes", key, rec)
    if waiting:
        stored = StoredEvent(
            version=msg.version, name=msg.name, body=msg.body, received_at=msg.at, waiting=waiting
        )
        w.put("pbx-events", f"{key}/{seq}", stored)
    _release(w, key, dropped)
    w.kicks.add(key)


def on_attempt(w: Work, msg: DeliveryAttempt, retry_max_s: float) -> None:
    """A delivery attempt ended: the head of the queue leaves it, or waits to be tried again."""
    key = pbx_key(msg.client_id, msg.pbx_id)
    w.kicks.add(key)
    live = _live_session(w, msg.client_id, msg.pbx_id, msg.session_id, msg.at)
    if live is None:
        return
    rec, s = live
    if not s.queue or s.queue[0] != msg.seq:
        return
    if msg.outcome is Outcome.delivered:
        s.queue.pop(0)
        s.delivered += 1
        s.failures, s.next_attempt_at, s.last_error = 0, None, None
        _release(w, key, [msg.seq])
    else:
        s.failures += 1
        s.last_error = msg.error or f"HTTP {msg.status}"
        s.next_attempt_at = msg.at + timedelta(seconds=sessions.backoff_s(s.failures, retry_max_s))
    w.put("pbxes", key, rec)
