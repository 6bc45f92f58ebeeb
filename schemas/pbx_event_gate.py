"""What an ingress needs to take a PBX's event report itself: the PBX's nonce.

The worker owning a PBX publishes one `EventGate` per PBX to the compacted
`pbx-event-gates` topic, keyed `{clientId}/{pbxId}` in its customer's partition, when
the PBX is created, and a tombstone when it is removed (`processors.pbx.event_gates`).
An event URL's secret is an HMAC of the hub's key over the PBX's address and nonce
(`schemas.pbx_secrets.event_secret`), so an ingress holding the key and the nonce
checks a secret without asking the worker (`ingest.event_gates`); the nonce alone
reveals nothing, so the topic holds no secret.
"""

from pydantic import BaseModel


class EventGate(BaseModel):
    """A PBX that takes event reports, and the nonce its event URL's secret is made from."""

    client_id: str
    pbx_id: str
    nonce: str


def gate_key(client_id: str, pbx_id: str) -> str:
    """The gate's key in the topic (the PBX's table key)."""
    return f"{client_id}/{pbx_id}"
