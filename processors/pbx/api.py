"""The PBX API's calls as the owning worker answers them, from its tables.

Each call first waits until the records already in its partition of the `pbx` topic
are applied, so a logout right after a login sees it. Writes are published (acks=all)
before the answer; the agents fold them. Heartbeats are answered by the ingress from
its replica of the live tokens (`ingest.pbx_heartbeat`), never here.
"""

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from aiokafka.errors import KafkaError
from pydantic import BaseModel

from processors.app import Hub
from processors.pbx.fold import pbx_key
from processors.relay.responder import caught_up_on
from schemas import pbx_secrets
from schemas.pbx import (
    Lockout,
    PbxRecord,
    PbxView,
    Session,
    SessionState,
    UserRecord,
    event_path,
    session_view,
)
from schemas.pbx_callback import denied_url
from schemas.pbx_errno import SUCCESS, Errno, failed
from schemas.pbx_events import NotAnEvent
from schemas.pbx_requests import Callback, url_of
from schemas.pbx_topics import EventReceived, SessionLoggedOut, SessionOpened
from schemas.secret_hash import secret_hash
from schemas.topics import partition_for

log = logging.getLogger(__name__)
CATCH_UP_S = 2.0


class NotRecorded(Exception):
    """Kafka did not acknowledge the record in time."""


async def settle(hub: Hub, key: str) -> None:
    """Wait until the `pbx` records of `key`'s partition are applied."""
    await caught_up_on(hub, key, (hub.names.pbx, hub.names.pbx_deliveries), CATCH_UP_S)


async def publish(hub: Hub, route: str, record: BaseModel) -> None:
    """Publish a record on the `pbx` topic in `route`'s partition; NotRecorded if unacknowledged."""
    try:
        fut = await hub.pbx.send(
            key=route.encode(),
            value=record.model_dump_json().encode(),
            partition=partition_for(route, hub.settings.partitions),
        )
        await asyncio.wait_for(fut, hub.settings.heartbeat_publish_timeout_s)
    except (TimeoutError, KafkaError) as e:
        raise NotRecorded(repr(e)) from e


def pbx_view(hub: Hub, client_id: str, pbx_id: str) -> PbxView | None:
    """The admin view of a PBX; None if there is none."""
    rec: PbxRecord | None = hub.pbxes.get(pbx_key(client_id, pbx_id))
    if rec is None:
        return None
    now = hub.clock.now()
    secret = pbx_secrets.event_secret(hub.settings.key(), client_id, pbx_id, rec.nonce)
    return PbxView(
        ClientId=client_id,
        PbxId=pbx_id,
        Name=rec.config.Name,
        SerialNumber=rec.config.SerialNumber,
        AlertEmailList=rec.config.AlertEmailList,
        EventUrl=event_path(client_id, pbx_id, secret),
        ApiUsers=rec.users,
        Sessions=[session_view(s, now) for s in sorted(rec.sessions.values(), key=_created)],
    )


def _created(s: Session) -> datetime:
    return s.created


def lockout(hub: Hub, address: str) -> Lockout | None:
    """The address's lock, if it is locked now."""
    lock: Lockout | None = hub.pbx_lockouts.get(address)
    if lock is None or lock.locked_until is None or lock.locked_until <= hub.clock.now():
        return None
    return lock


def failures(hub: Hub, address: str) -> int:
    """Failed logins in a row from the address."""
    lock: Lockout | None = hub.pbx_lockouts.get(address)
    return 0 if lock is None or lock.locked_until is not None else lock.failures


async def verify(hub: Hub, username: str, wire_password: str) -> UserRecord | None:
    """The user, if the password (its MD5) matches; scrypt runs off the event loop."""
    user: UserRecord | None = hub.pbx_users.get(username)
    if user is None or not pbx_secrets.is_md5_hex(wire_password):
        return None
    ok = await asyncio.to_thread(pbx_secrets.verify_password, wire_password, user.password_hash)
    return user if ok else None


@dataclass(frozen=True, slots=True)
class Opened:
    """A login's outcome at the PBX's owner: the token, or why there is none."""

    token: str | None
    errno: Errno | None = None


async def open_session(hub: Hub, cid: str, pbx: str, user: str, callback: Callback) -> Opened:
    """Open a session for a verified user of an existing PBX."""
    rec: PbxRecord | None = hub.pbxes.get(pbx_key(cid, pbx))
    if rec is None or user not in rec.users:
        return Opened(None, Errno.BAD_CREDENTIALS)
    if denied_url(url_of(callback), hub.settings.denied()):
        return Opened(None, Errno.WRONG_PORT)
    token = pbx_secrets.new_token(cid, hub.settings.partitions)
    record = SessionOpened(
        client_id=cid,
        pbx_id=pbx,
        session_id=secrets.token_hex(8),
        user=user,
        token_hash=secret_hash(token),
        callback=callback,
        at=hub.clock.now(),
    )
    await publish(hub, cid, record)
    return Opened(token)


def session_of(hub: Hub, token: str) -> tuple[str, Session] | None:
    """The session a token opened (alive or not), and its PBX's key."""
    ref: str | None = hub.pbx_tokens.get(secret_hash(token))
    if ref is None:
        return None
    key, _, sid = ref.rpartition("/")
    rec: PbxRecord | None = hub.pbxes.get(key)
    if rec is None or sid not in rec.sessions:
        return None
    return key, rec.sessions[sid]


def _refusal(s: Session, hub: Hub) -> Errno | None:
    state = s.state(hub.clock.now())
    if state is SessionState.expired:
        return Errno.TOKEN_TIMED_OUT
    if state is SessionState.logged_out:
        return Errno.NO_SUCH_TOKEN
    return None


async def logout(hub: Hub, token: str) -> bytes:
    """End a token's session."""
    found = session_of(hub, token)
    if found is None:
        return failed(Errno.NO_SUCH_TOKEN)
    key, s = found
    refused = _refusal(s, hub)
    if refused is not None:
        return failed(refused)
    cid, pbx = key.split("/", 1)
    record = SessionLoggedOut(
        client_id=cid, pbx_id=pbx, session_id=s.session_id, at=hub.clock.now()
    )
    await publish(hub, cid, record)
    return SUCCESS


async def take_event(hub: Hub, cid: str, pbx: str, secret: str, body: bytes) -> int:
    """Publish a PBX's event report: 200, or 404 for a wrong secret, 400 for a non-event."""
    rec: PbxRecord | None = hub.pbxes.get(pbx_key(cid, pbx))
    if rec is None:
        return 404
    expected = pbx_secrets.event_secret(hub.settings.key(), cid, pbx, rec.nonce)
    if not pbx_secrets.same_secret(secret, expected):
        return 404
    try:
        record = EventReceived.of(cid, pbx, body, hub.clock.now())
    except NotAnEvent:
        return 400
    await publish(hub, cid, record)
    return 200
