"""Fold upstream connection records into the `pbx-upstreams` table's working copy.

Each state change is also a `PbxConnectionEvent` on the health-events topic, which the
SQL and e-mail sinks consume as they do profiles' health events.
"""

from datetime import datetime, timedelta
from typing import Final

from processors.pbx.work import Work
from schemas.events import PbxConnectionEvent
from schemas.pbx import PbxRecord
from schemas.pbx_errno import Errno
from schemas.pbx_upstream import (
    Action,
    ConnectionState,
    ReplacedSession,
    Upstream,
    UpstreamRemoved,
    UpstreamResult,
    UpstreamSet,
    same_login,
)

TOKEN_LIFE = timedelta(minutes=30)
LOCK_WAIT = timedelta(minutes=10)
RETRY_MAX_S = 300.0
RELOGIN = {Errno.NO_SUCH_TOKEN.value, Errno.TOKEN_BLANK.value, Errno.TOKEN_TIMED_OUT.value}
TABLE: Final = "pbx-upstreams"


def _key(client_id: str, pbx_id: str) -> str:
    return f"{client_id}/{pbx_id}"


def _move(
    w: Work, key: str, up: Upstream, state: ConnectionState, reason: str, at: datetime
) -> None:
    """Set the state; a change of state is published as a connection health event."""
    if up.state is not state:
        cid, pbx = key.split("/", 1)
        rec: PbxRecord | None = w.get("pbxes", key)
        w.events.append(
            PbxConnectionEvent(
                client_id=cid,
                pbx_id=pbx,
                pbx_name=rec.config.Name if rec else None,
                from_state=up.state.value,
                to_state=state.value,
                reason=reason,
                at=at,
                alert_email_list=",".join(rec.config.AlertEmailList) if rec else None,
            )
        )
        up.since = at
    up.state, up.reason = state, reason


def on_set(w: Work, msg: UpstreamSet) -> None:
    """A new or changed connection; a known token is kept only when the login would repeat."""
    key = _key(msg.client_id, msg.pbx_id)
    cur: Upstream | None = w.get(TABLE, key)
    up = Upstream(config=msg.config, since=msg.at) if cur is None else cur.model_copy(deep=True)
    changed = cur is not None and not same_login(cur.config, msg.config)
    if changed:
        _set_aside(up, msg.at)
    up.config, up.removed = msg.config, False
    up.failures, up.next_attempt_at, up.locked_until = 0, None, None
    if up.sealed_token is None:
        why = "login settings changed; logging in with them" if changed else "configured"
        _move(w, key, up, ConnectionState.connecting, f"{why}; logging in", msg.at)
    w.put(TABLE, key, up)
    w.connect.add(key)


def _set_aside(up: Upstream, at: datetime) -> None:
    """Drop the token for a new login, keeping its session to log out once that login ends.

    The session stays open meanwhile, so the PBX's events keep coming; it is not
    heartbeated, and a PBX that never hears the logout ends it within 30 minutes.
    """
    alive = up.token_expires_at is not None and at < up.token_expires_at
    if up.sealed_token is not None and alive:
        old = ReplacedSession(
            base_url=up.config.base_url,
            verify_tls=up.config.verify_tls,
            sealed_token=up.sealed_token,
        )
        up.replaced.append(old)
    up.sealed_token, up.token_expires_at = None, None


def on_removed(w: Work, msg: UpstreamRemoved) -> None:
    """Disconnect: log out if there is a token, else forget at once."""
    key = _key(msg.client_id, msg.pbx_id)
    cur: Upstream | None = w.get(TABLE, key)
    if cur is None:
        return
    if cur.sealed_token is None and not cur.replaced:
        w.put(TABLE, key, None)
        return
    up = cur.model_copy(deep=True)
    up.removed = True
    _move(w, key, up, ConnectionState.disconnecting, "disconnected by the operator", msg.at)
    w.put(TABLE, key, up)
    w.connect.add(key)


def on_result(w: Work, msg: UpstreamResult) -> None:
    """A call to the PBX ended: the connection's next state and its next call."""
    key = _key(msg.client_id, msg.pbx_id)
    w.connect.add(key)
    w.answered.add(key)
    cur: Upstream | None = w.get(TABLE, key)
    if cur is None:
        return
    if msg.action is Action.logout:
        w.put(TABLE, key, None)
        return
    if msg.action is Action.logout_replaced:
        _replaced_ended(w, key, cur, msg)
        return
    if cur.removed:
        if msg.ok and msg.sealed_token:  # logged in just before the removal: log that out
            w.put(TABLE, key, cur.model_copy(update={"sealed_token": msg.sealed_token}))
        return
    if cur.config.generation != msg.generation:
        return  # a result of a connection since changed
    up = cur.model_copy(deep=True)
    if msg.ok:
        _succeeded(w, key, up, msg)
    else:
        _failed(w, key, up, msg)
    w.put(TABLE, key, up)


def _replaced_ended(w: Work, key: str, cur: Upstream, msg: UpstreamResult) -> None:
    """A replaced session's logout ended; a failure is not tried again (best effort)."""
    up = cur.model_copy(deep=True)
    up.replaced = [s for s in up.replaced if s.sealed_token != msg.sealed_token]
    done = up.removed and up.sealed_token is None and not up.replaced
    w.put(TABLE, key, None if done else up)


def _succeeded(w: Work, key: str, up: Upstream, msg: UpstreamResult) -> None:
    if msg.action is Action.login:
        up.sealed_token, up.last_login_at = msg.sealed_token, msg.at
    else:
        up.last_heartbeat_at = msg.at
    up.token_expires_at = msg.at + TOKEN_LIFE
    up.last_success_at = msg.at
    up.failures, up.next_attempt_at, up.locked_until = 0, None, None
    _move(w, key, up, ConnectionState.connected, f"{msg.action.value} succeeded", msg.at)


def _failed(w: Work, key: str, up: Upstream, msg: UpstreamResult) -> None:
    if msg.errno in RELOGIN:
        up.sealed_token, up.token_expires_at = None, None
        up.next_attempt_at = None
        _move(
            w,
            key,
            up,
            ConnectionState.connecting,
            f"token refused ({msg.errno}); logging in",
            msg.at,
        )
    elif msg.errno == Errno.LOCKED.value:
        up.sealed_token, up.token_expires_at = None, None
        up.locked_until = msg.at + LOCK_WAIT
        _move(
            w, key, up, ConnectionState.locked, "the PBX locked the hub's address (20002)", msg.at
        )
    elif msg.errno == Errno.BAD_CREDENTIALS.value:
        up.sealed_token, up.token_expires_at = None, None
        reason = "the PBX refused the username or password (20003); fix them to retry"
        _move(w, key, up, ConnectionState.credentials_rejected, reason, msg.at)
    else:
        _retry(w, key, up, msg)


def _retry(w: Work, key: str, up: Upstream, msg: UpstreamResult) -> None:
    up.failures += 1
    up.next_attempt_at = msg.at + timedelta(seconds=min(RETRY_MAX_S, 2.0 ** min(up.failures, 12)))
    what = f"errno {msg.errno}" if msg.errno else (msg.error or f"HTTP {msg.status}")
    alive = up.token_expires_at is not None and msg.at < up.token_expires_at
    state = ConnectionState.degraded if alive else ConnectionState.down
    _move(w, key, up, state, f"{msg.action.value} failed: {what}", msg.at)
