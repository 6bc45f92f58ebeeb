"""Answer a relay heartbeat where its customer's state lives, in one pass.

The owning worker decodes the client's body (the only validation of the wire input),
builds the answer from its tables, publishes the heartbeat (acks=all) and answers
once the broker has it. The heartbeat agent later folds the same record into the
tables: each step is done once, and the ingress only forwards bytes.
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from aiokafka.errors import KafkaError

from processors import answer, commands, metrics, reported
from processors.app import Hub
from schemas import access, wire
from schemas.commands import COMMAND_BYTES, CustomerCommands
from schemas.errors import DecodeError
from schemas.profiles import CustomerProfiles, CustomerStates
from schemas.relay import ProfileHeartbeatData, ProfileListResponseData
from schemas.topics import HeartbeatMessage, partition_for

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the view answers the ingress: a status and a body (answer bytes or an error)."""

    status: int
    body: bytes
    error: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer, and the ids of the commands it carries (recorded as delivered)."""

    answer: ProfileListResponseData
    delivered_commands: list[str]


def answer_for(
    hub: Hub, client_id: str, items: list[ProfileHeartbeatData], received_at: datetime
) -> Answer:
    """The answer as it will be once this heartbeat is applied (the client is known)."""
    profiles: CustomerProfiles = hub.profiles.get(client_id) or CustomerProfiles()
    states: CustomerStates = hub.states.get(client_id) or CustomerStates()
    after = reported.apply_heartbeat(states, profiles, items, received_at)
    cc: CustomerCommands | None = hub.commands.get(client_id)
    if cc is None or commands.is_idle(cc):
        return Answer(answer.build(profiles, after, items), [])
    cc = commands.on_heartbeat(cc, client_id, items, received_at)
    orders, carried = _orders(cc, profiles)
    return Answer(answer.build(profiles, after, items, orders), carried)


def _orders(cc: CustomerCommands, profiles: CustomerProfiles) -> tuple[answer.Orders, list[str]]:
    """What each configured profile's answer carries, and the ids of the commands in it."""
    configured = {f"inbound/{p}" for p in profiles.inbound}
    configured |= {f"outbound/{p}" for p in profiles.outbound}
    heads = {k: r for k, r in commands.heads(cc).items() if k in configured}
    pending = {k: int(COMMAND_BYTES[r.command]) for k, r in heads.items()}
    desired = {k: int(d.pending) for k, d in cc.desired.items() if d.pending and k in configured}
    return answer.Orders(pending=pending, desired=desired), [r.id for r in heads.values()]


async def publish(hub: Hub, msg: HeartbeatMessage) -> None:
    """Publish the heartbeat and wait for acks=all; raises TimeoutError or a Kafka error."""
    cid = msg.client_id
    started = time.perf_counter()
    fut = await hub.heartbeats.send(
        key=cid.encode(),
        value=msg.model_dump_json().encode(),
        partition=partition_for(cid, hub.settings.partitions),
    )
    await asyncio.wait_for(fut, hub.settings.heartbeat_publish_timeout_s)
    metrics.PUBLISH.acknowledged(hub.names.heartbeats, time.perf_counter() - started)


REFUSED = {
    401: "A key is required for this customer: HTTP Basic (clientId, key) or X-Hub-Key.",
    403: "Heartbeats of this customer are not accepted from this address.",
}


async def serve(
    hub: Hub,
    client_id: str,
    body: bytes,
    formats: tuple[wire.Format, wire.Format],
    caller: tuple[str, str] = ("", ""),
) -> Outcome:
    """Check the caller, decode, answer, publish, encode: the whole heartbeat on its owner.

    `caller` is the client's source address and the SHA-256 of the key it sent.
    """
    received_at = hub.clock.now()
    if hub.customers.get(client_id) is None:
        return Outcome(404, b"", "unknown client")
    refused = access.refusal(hub.access.get(client_id), *caller)
    if refused is not None:
        return Outcome(refused, b"", REFUSED[refused])
    try:
        items = wire.decode_heartbeats(formats[0], body, hub.settings.max_body_bytes)
    except DecodeError as e:
        return Outcome(400, b"", f"Invalid heartbeat body: {e}.")
    found = answer_for(hub, client_id, items, received_at)
    # Built from parts validated a moment ago: no second validation on the hot path.
    msg = HeartbeatMessage.model_construct(
        client_id=client_id,
        received_at=received_at,
        profiles=items,
        delivered_commands=found.delivered_commands,
    )
    try:
        await publish(hub, msg)
    except (TimeoutError, KafkaError) as e:
        metrics.PUBLISH.unacknowledged(hub.names.heartbeats, e)
        log.warning(
            "heartbeat of %s not acknowledged by Kafka: %r", client_id, e,
            extra={"client_id": client_id},
        )  # fmt: skip
        return Outcome(503, b"", f"no acknowledgement from Kafka: {e!r}")
    return Outcome(200, wire.encode_response(formats[1], found.answer))
