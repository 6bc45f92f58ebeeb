"""The fault suite's load: relay JSON heartbeats, paced, each answer recorded.

Lanes share the customers; a lane sends its customers' heartbeats in turn, one at a
time, so a customer never has two heartbeats in flight and the order of its
heartbeats is the order they were sent. Heartbeat n of customer c carries
`LastTransactionId` "c-n", which the checks find again in Kafka, in the profile's
state and, counted, in the SQL rollups. The load runs in a thread of its own with its
own event loop, while the main thread breaks things.
"""

import asyncio
import threading
import time
from dataclasses import dataclass, field

import aiohttp
import orjson

from bench.hotpath import heartbeat_json

TIMEOUT = 0
"""The status of a request the client gave up on (no answer in time)."""
ERROR = -1
"""The status of a request that failed without an answer (refused, reset)."""
JSON = {"Content-Type": "application/json"}


def transaction_id(client_id: str, n: int) -> str:
    """The LastTransactionId of heartbeat `n` of `client_id`."""
    return f"{client_id}-{n}"


def sequence_of(tx: str) -> int:
    """The n of a transaction id made by `transaction_id`."""
    return int(tx.rsplit("-", 1)[1])


def heartbeat_body(tx: str) -> bytes:
    """The hot-path benchmark's JSON heartbeat, with `tx` as both profiles' transaction."""
    return heartbeat_json().replace(b'"tx-1"', orjson.dumps(tx))


@dataclass(frozen=True, slots=True)
class Answer:
    """One heartbeat: whose, which, when sent and answered (monotonic), and the status."""

    client_id: str
    n: int
    sent: float
    done: float
    status: int

    @property
    def tx(self) -> str:
        """Its LastTransactionId."""
        return transaction_id(self.client_id, self.n)


@dataclass
class Load:
    """`rate` heartbeats a second over `lanes` connections, until stopped."""

    url: str
    client_ids: list[str]
    rate: float
    lanes: int = 32
    timeout_s: float = 15.0
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin sending in the background."""
        self._thread = threading.Thread(target=asyncio.run, args=(self._drive(),), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sending; returns once every request in flight has its answer (or timed out)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout_s + 10)

    @property
    def answered(self) -> int:
        """Heartbeats sent and answered (or given up on) so far."""
        return len(self.answers)

    def recent(self, count: int) -> list[Answer]:
        """The `count` latest answers."""
        return self.answers[-count:]

    async def _drive(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.lanes)
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            await asyncio.gather(*(self._lane(session, i) for i in range(self.lanes)))

    async def _lane(self, session: aiohttp.ClientSession, index: int) -> None:
        mine = self.client_ids[index :: self.lanes]
        interval = self.lanes / self.rate
        due = time.monotonic() + interval * index / self.lanes  # lanes spread over a slot
        n = 0
        while mine and not self._stop.is_set():
            n += 1
            for cid in mine:
                if self._stop.is_set():
                    return
                due = await _pace(due, interval)
                self.answers.append(await send(session, self.url, cid, n))


async def _pace(due: float, interval: float) -> float:
    """Sleep until `due`; the next due time. A lane behind schedule sends at once, without
    making up for lost slots (no burst after an outage)."""
    now = time.monotonic()
    if due > now:
        await asyncio.sleep(due - now)
        return due + interval
    return now + interval


async def send(session: aiohttp.ClientSession, url: str, client_id: str, n: int) -> Answer:
    """PUT heartbeat `n` of `client_id`; its answer, whatever happens."""
    body = heartbeat_body(transaction_id(client_id, n))
    sent = time.monotonic()
    try:
        async with session.put(
            f"{url}/api/customer/{client_id}/heartbeat", data=body, headers=JSON
        ) as resp:
            await resp.read()
            status = resp.status
    except TimeoutError:
        status = TIMEOUT
    except aiohttp.ClientError:
        status = ERROR
    return Answer(client_id, n, sent, time.monotonic(), status)
