"""The answers topic held in memory: what each client's heartbeat answer needs.

The workers publish each client's `AnswerState` (`processors.relay.answer_state`); this
replica (`ingest.replica`: every partition, read from the start, then followed) keeps
the raw bytes of each, about 1 KB a client of two profiles. A value is decoded on use
and the decoded object kept for the most recent `cache_size` clients: a hub of a
million profiles is held in memory as bytes, and the clients heartbeating now are
answered without decoding.

Most new values of a client differ from its last only in the reported states, which
the workers write as the value's last member (`processors.relay.answer_state._encoded`):
when everything before that member is unchanged, only the states are decoded and the
rest of the decoded object is kept.
"""

from pydantic import ValidationError

from ingest.replica import Replica
from schemas.answer_state import STATES_MEMBER, AnswerState
from schemas.profiles import CustomerStates
from schemas.topics import partition_for

CACHE_SIZE = 50_000


def decode(raw: bytes, previous: tuple[bytes, AnswerState] | None = None) -> AnswerState:
    """The state `raw` holds; `previous` (a value and its state) spares decoding again
    what did not change before the states member."""
    if previous is not None:
        old_raw, old = previous
        cut = raw.rfind(STATES_MEMBER)
        same_rest = cut == old_raw.rfind(STATES_MEMBER) and raw[:cut] == old_raw[:cut]
        if cut > 0 and same_rest and raw.endswith(b"}"):
            try:
                states = CustomerStates.model_validate_json(raw[cut + len(STATES_MEMBER) : -1])
            except ValidationError:
                pass  # not the workers' layout: the whole value is decoded below
            else:
                return old.model_copy(update={"states": states})
    return AnswerState.model_validate_json(raw)


def _raw(value: bytes) -> bytes:
    return value


class Answers:
    """Each client's latest AnswerState, from the compacted answers topic."""

    def __init__(
        self, bootstrap: str, topic: str, partitions: int, cache_size: int = CACHE_SIZE
    ) -> None:
        self.replica: Replica[bytes] = Replica(bootstrap, topic, _raw)
        self.partitions = partitions
        self._cache_size = cache_size
        self._decoded: dict[str, tuple[bytes, AnswerState]] = {}

    @property
    def ready(self) -> bool:
        """Whether the replica has read the topic up to where it ended at the start."""
        return self.replica.ready.is_set()

    def get(self, client_id: str) -> AnswerState | None:
        """The client's state; None for a client with none (an unknown customer)."""
        raw = self.replica.get(client_id)
        if raw is None:
            return None
        hit = self._decoded.get(client_id)
        if hit is not None and hit[0] is raw:
            return hit[1]
        state = decode(raw, hit)
        if hit is None and len(self._decoded) >= self._cache_size:
            self._decoded.pop(next(iter(self._decoded)))
        self._decoded[client_id] = (raw, state)
        return state

    async def caught_up(self, client_id: str, timeout_s: float) -> bool:
        """Wait until this replica holds every state now published for the client's partition.

        An admin write calls it once the owning worker has folded the write (and so
        published the client's state): the next heartbeat answered here shows it.
        """
        return await self.replica.catch_up(partition_for(client_id, self.partitions), timeout_s)
