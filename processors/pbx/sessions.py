"""Pure changes of one PBX's record: sessions opened, renewed and ended, events queued.

Each function takes the record and returns what else must change: the events whose
reference count drops (`released`, event numbers) and the `pbx-changes` to publish.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas.pbx import TOKEN_LIFE_S, EndReason, PbxRecord, Session
from schemas.pbx_events import V1, VERSIONS, in_version
from schemas.pbx_topics import ChangeKind, PbxChange, SessionSnapshot

LIFE = timedelta(seconds=TOKEN_LIFE_S)


@dataclass
class Effects:
    """What a change of a PBX record implies elsewhere."""

    released: list[int] = field(default_factory=list)
    changes: list[PbxChange] = field(default_factory=list)
    forget_tokens: list[str] = field(default_factory=list)
    ended: list[Session] = field(default_factory=list)

    def add(self, other: "Effects") -> None:
        """Take in another change's effects (a session's end among several)."""
        self.released += other.released
        self.changes += other.changes
        self.forget_tokens += other.forget_tokens
        self.ended += other.ended


def snapshot(s: Session, at: datetime) -> SessionSnapshot:
    """A session as `pbx-changes` carries it."""
    return SessionSnapshot(
        session_id=s.session_id,
        user=s.user,
        callback_url=s.url(),
        version=s.callback.version or "1.0.0",
        created=s.created,
        last_seen=s.last_seen,
        expires_at=s.expires_at,
        state=s.state(at),
        end_reason=s.end_reason,
        ended_at=s.ended_at,
    )


def change(kind: ChangeKind, cid: str, pbx: str, s: Session, at: datetime, tag: str) -> PbxChange:
    """A session's change record; `tag` makes its id the same when a replay repeats it."""
    return PbxChange(
        id=f"{s.session_id}:{kind.value}:{tag}",
        kind=kind,
        client_id=cid,
        pbx_id=pbx,
        at=at,
        session=snapshot(s, at),
    )


def end(rec: PbxRecord, cid: str, pbx: str, s: Session, reason: EndReason, at: datetime) -> Effects:
    """End a session: its queue is dropped; its token answers 20006/20004 until pruned."""
    fx = Effects(released=list(s.queue))
    s.queue = []
    s.end_reason, s.ended_at = reason, at
    s.next_attempt_at = None
    fx.changes.append(change(ChangeKind.session_ended, cid, pbx, s, at, "end"))
    fx.ended.append(s)
    return fx


def end_where(
    rec: PbxRecord, cid: str, pbx: str, reason: EndReason, at: datetime, user: str | None = None
) -> Effects:
    """End every live session (of `user`, when given)."""
    fx = Effects()
    for s in rec.sessions.values():
        if s.end_reason is None and (user is None or s.user == user):
            # A session whose 30 minutes passed before the sweep noticed ended by expiry.
            why = EndReason.expired if s.expires_at <= at else reason
            fx.add(end(rec, cid, pbx, s, why, min(at, s.expires_at)))
    return fx


def expire(rec: PbxRecord, cid: str, pbx: str, now: datetime, forget_before: datetime) -> Effects:
    """End sessions whose 30 minutes passed; forget those ended before `forget_before`."""
    fx = Effects()
    for s in rec.sessions.values():
        if s.end_reason is None and s.expires_at <= now:
            fx.add(end(rec, cid, pbx, s, EndReason.expired, s.expires_at))
    for sid, s in list(rec.sessions.items()):
        if s.ended_at is not None and s.ended_at < forget_before:
            fx.forget_tokens.append(s.token_hash)
            del rec.sessions[sid]
    return fx


SHOW_EVERY = timedelta(seconds=60)
"""How far a session's heartbeats move on before a renewal is published to pbx-changes."""


def renewal_shown(s: Session, callback_changed: bool) -> bool:
    """Whether a renewal is published to `pbx-changes`: when it changes the callback, or
    moved the last heartbeat SHOW_EVERY past the one last published (the SQL sink's
    `last_seen` is thus at most a minute behind; an app server heartbeating every 30 s
    costs a record a minute, not two). Remembers what it published."""
    shown = s.seen_until
    if callback_changed or shown is None or s.last_seen - shown >= SHOW_EVERY:
        s.seen_until = s.last_seen
        return True
    return False


def renew(s: Session, at: datetime) -> None:
    """A heartbeat: alive for 30 minutes from `at`; never shortened by an earlier renewal
    folded later (ingresses' clocks differ a little)."""
    s.last_seen = max(s.last_seen, at)
    s.expires_at = max(s.expires_at, at + LIFE)


def enqueue(
    rec: PbxRecord, version: str, name: str, body: bytes, at: datetime, limit: int
) -> tuple[int, int, list[int]]:
    """Queue an event for every session alive at `at` that has a form of it.

    Returns its number, how many sessions wait for it, and the numbers of events
    dropped from full queues (oldest first).
    """
    seq = rec.next_seq
    rec.next_seq += 1
    waiting, dropped = 0, []
    has_form = {v: in_version(body, version, name, v) is not None for v in VERSIONS}
    for s in rec.sessions.values():
        alive = s.end_reason is None and at < s.expires_at
        if alive and has_form.get(s.callback.version or V1, False):
            s.queue.append(seq)
            waiting += 1
            while len(s.queue) > limit:
                dropped.append(s.queue.pop(0))
                s.dropped += 1
                s.failures, s.next_attempt_at = 0, None
    return seq, waiting, dropped


def backoff_s(failures: int, max_s: float) -> float:
    """Wait before the next try after `failures` failed attempts: 1, 2, 4 ... `max_s` seconds."""
    return float(min(max_s, 2 ** min(failures - 1, 20)))
