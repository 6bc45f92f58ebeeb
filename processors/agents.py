"""Agents that materialize the input topics into the tables."""

import logging
from typing import Any

from pydantic import ValidationError

from processors import config, orders, reported
from processors.app import Hub
from schemas.profiles import CustomerProfiles, CustomerStates
from schemas.topics import (
    CONFIG_EVENT,
    CustomerUpserted,
    HeartbeatMessage,
    ProfileDeleted,
    ProfileUpserted,
)

log = logging.getLogger(__name__)


def apply_config(hub: Hub, event: CustomerUpserted | ProfileUpserted | ProfileDeleted) -> None:
    """Write one configuration event into the tables."""
    cid = event.client_id
    if isinstance(event, CustomerUpserted):
        hub.customers[cid] = event.customer
        return
    profiles: CustomerProfiles = hub.profiles.get(cid) or CustomerProfiles()
    if isinstance(event, ProfileUpserted):
        hub.profiles[cid] = config.upsert_profile(profiles, event)
        return
    updated = config.delete_profile(profiles, event)
    hub.profiles[cid] = updated
    states: CustomerStates | None = hub.states.get(cid)
    if states is not None:
        hub.states[cid] = reported.prune(states, updated)


def apply_heartbeat(hub: Hub, msg: HeartbeatMessage) -> None:
    """Write one heartbeat's reported states into the tables."""
    profiles: CustomerProfiles | None = hub.profiles.get(msg.client_id)
    if profiles is None:
        return
    states: CustomerStates = hub.states.get(msg.client_id) or CustomerStates()
    hub.states[msg.client_id] = reported.apply_heartbeat(
        states, profiles, msg.profiles, msg.received_at
    )


def _mark(hub: Hub, event: Any) -> None:
    tp = event.message.tp
    hub.applied[(tp.topic, tp.partition)] = event.message.offset


def register_agents(hub: Hub) -> None:
    """Attach the config and heartbeat agents to the app."""

    @hub.app.agent(hub.config, name="apply-config")
    async def config_agent(stream: Any) -> None:
        async for event in stream.events():
            try:
                apply_config(hub, CONFIG_EVENT.validate_json(event.value))
            except ValidationError:
                # A record no writer of this version produces: skip it, never block the partition.
                log.exception("skipping unreadable config record at %s", event.message.tp)
            _mark(hub, event)

    @hub.app.agent(hub.heartbeats, name="apply-heartbeats")
    async def heartbeat_agent(stream: Any) -> None:
        async for event in stream.events():
            try:
                msg = HeartbeatMessage.model_validate_json(event.value)
                apply_heartbeat(hub, msg)
                await orders.on_heartbeat(hub, msg, event.message.offset)
            except ValidationError:
                log.exception("skipping unreadable heartbeat record at %s", event.message.tp)
            _mark(hub, event)
