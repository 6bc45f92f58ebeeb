"""The event-gates topic held in memory: which event URLs an ingress may take itself.

The workers publish each PBX's `EventGate` (its nonce; `processors.pbx.event_gates`); this
replica (`ingest.replica`: every partition, read from the start, then followed) holds
them decoded, about a hundred bytes a PBX. An event URL's secret is checked here against
the HMAC of the hub's key over the PBX's address and nonce, as the worker checks it.

`takes` answers True when the secret is the PBX's (the ingress publishes the report
itself); False when this replica cannot tell: no gate (a PBX created moments ago at
another ingress, one created before the topic existed, one removed, an address never
made), a secret that does not match it (the gate may be older than the PBX), or no key
at this ingress. The report then goes to the PBX's worker, which decides with its
tables (404 for an unknown URL), so no answer here is staler than the worker's.
"""

from ingest.replica import Replica
from schemas.pbx_event_gate import EventGate, gate_key
from schemas.pbx_secrets import event_secret, same_secret


class EventGates:
    """Each PBX's event gate, from the compacted event-gates topic."""

    def __init__(self, bootstrap: str, topic: str, key: bytes | None) -> None:
        self.replica: Replica[EventGate] = Replica(bootstrap, topic, EventGate.model_validate_json)
        self._key = key

    def takes(self, client_id: str, pbx_id: str, secret: str) -> bool:
        """Whether `secret` is the PBX's event secret by its gate (else the worker decides)."""
        gate = self.replica.get(gate_key(client_id, pbx_id))
        if gate is None or self._key is None:  # no key here: only the workers have it
            return False
        return same_secret(secret, event_secret(self._key, client_id, pbx_id, gate.nonce))
