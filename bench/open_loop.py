"""An open-loop load: each request sent at the time a schedule sets, whatever the answers.

A closed loop (wrk, or N clients each waiting for its answer) sends the next request
only once an answer came back, so a slow server is offered less and never sees more
than it takes. Here a plan of steps (a rate for so many seconds, back to back) sets
when every request is due, and it is sent then, however many are still unanswered, up
to a cap on requests in flight (one due past the cap is counted, not sent). Latency
runs from the time a request was due, so a client that falls behind shows it (`late`,
from due to sent) instead of hiding it.

Every time here is `time.monotonic()`.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

Send = Callable[[int], Awaitable[tuple[int, bool]]]
"""Send request number i; its HTTP status and whether it carried Retry-After."""
Snapshot = Callable[[], dict[str, float]]
NO_ANSWER = 0
"""The status of a request that got no answer (timeout, connection refused or reset)."""


@dataclass(frozen=True, slots=True)
class Step:
    """`rate` requests per second for `seconds`."""

    name: str
    rate: float
    seconds: float

    @property
    def count(self) -> int:
        """Requests due in this step."""
        return round(self.rate * self.seconds)


@dataclass(frozen=True, slots=True)
class Answer:
    """One request: its step, when it was due, sent and answered, and how."""

    step: int
    due: float
    sent: float
    done: float
    status: int
    retry_after: bool


@dataclass
class Run:
    """Everything one plan gave: the answers, and per step its start and what it capped.

    `starts` has one more entry than the plan (the end of the last step); `snapshots`
    holds what the snapshot function returned when the scheduler got to each of those
    times, and `taken` when that was.
    """

    plan: list[Step]
    answers: list[Answer] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    snapshots: list[dict[str, float]] = field(default_factory=list)
    taken: list[float] = field(default_factory=list)
    capped: list[int] = field(default_factory=list)

    def mark(self, start: float, snapshot: Snapshot) -> None:
        """Record a step's start and the snapshot of it."""
        self.starts.append(start)
        self.snapshots.append(snapshot())
        self.taken.append(time.monotonic())

    def of(self, step: int) -> list[Answer]:
        """The answers to the requests due in `step`."""
        return [a for a in self.answers if a.step == step]


class _Driver:
    """The scheduler of one run: launches each request at its time, keeps the tasks."""

    def __init__(self, send: Send, cap: int, plan: list[Step]) -> None:
        self.send, self.cap = send, cap
        self.run = Run(plan)
        self.pending: set[asyncio.Task[None]] = set()
        self.number = 0

    async def one(self, step: int, due: float, number: int) -> None:
        """Send one request and record its answer."""
        sent = time.monotonic()
        try:
            status, retry_after = await self.send(number)
        except (aiohttp.ClientError, TimeoutError, OSError):
            status, retry_after = NO_ANSWER, False
        self.run.answers.append(Answer(step, due, sent, time.monotonic(), status, retry_after))

    def launch(self, step: int, due: float) -> None:
        """Start the request due now, or count it as capped."""
        if len(self.pending) >= self.cap:
            self.run.capped[step] += 1
            return
        task = asyncio.create_task(self.one(step, due, self.number))
        self.number += 1
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def step(self, index: int, start: float) -> None:
        """Every request of step `index`, each at its time (late ones at once)."""
        step = self.run.plan[index]
        self.run.capped.append(0)
        for j in range(step.count):
            due = start + (j + 1) / step.rate  # the first one interval after the start
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self.launch(index, due)


async def offer(plan: list[Step], send: Send, cap: int, snapshot: Snapshot) -> Run:
    """Run the plan's steps back to back, then wait for the last answers.

    Every request ends by itself (`send` is bounded in time), so the wait is too.
    """
    driver = _Driver(send, cap, plan)
    start = time.monotonic()
    for index, step in enumerate(plan):
        driver.run.mark(start, snapshot)
        await driver.step(index, start)
        start += step.seconds
    driver.run.mark(start, snapshot)
    if driver.pending:
        await asyncio.wait(set(driver.pending))
    return driver.run


async def sample(
    read: Callable[[], float], interval_s: float, into: list[tuple[float, float]]
) -> None:
    """Append `(time, read())` to `into` every `interval_s` until cancelled."""
    while True:
        into.append((time.monotonic(), read()))
        await asyncio.sleep(interval_s)
