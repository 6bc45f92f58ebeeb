"""Publish each PBX's event gate (`schemas.pbx_event_gate`) for the ingresses.

A batch's `Work.flush` compares each PBX record it is about to write with the table's
value before the batch: a PBX created (or created again, with a new nonce) publishes its
gate, a PBX removed (deleted, or its customer deleted) a tombstone. The records are
acknowledged before the table writes, as the live tokens' are (`processors.pbx.live_tokens`),
so a crash in between folds the batch again and publishes the same values.

PBXes created before this topic existed have no gate until they are created again: an
ingress that finds no gate hands the event report to the PBX's worker, as before.
"""

import asyncio
from collections.abc import Mapping

from processors.app import Hub
from schemas.pbx import PbxRecord
from schemas.pbx_event_gate import EventGate
from schemas.topics import partition_for

Gates = dict[str, EventGate | None]
"""A batch's gates: `{clientId}/{pbxId}` -> its gate, None for a tombstone."""


def changed(table: Mapping[str, PbxRecord], written: dict[str, PbxRecord | None]) -> Gates:
    """The gates that PBX records about to be written (None: removed) change."""
    gates: Gates = {}
    for key, new in written.items():
        old: PbxRecord | None = table.get(key)
        if new is None:
            if old is not None:
                gates[key] = None
        elif old is None or old.nonce != new.nonce:
            cid, pbx = key.split("/", 1)
            gates[key] = EventGate(client_id=cid, pbx_id=pbx, nonce=new.nonce)
    return gates


async def publish(hub: Hub, gates: Gates) -> None:
    """Send every gate and wait until Kafka acknowledged them all."""
    futures = []
    for key, gate in gates.items():
        value = None if gate is None else gate.model_dump_json().encode()
        part = partition_for(key.split("/", 1)[0], hub.settings.partitions)
        futures.append(
            await hub.pbx_event_gates.send(key=key.encode(), value=value, partition=part)
        )
    await asyncio.gather(*futures)
