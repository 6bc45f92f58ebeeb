"""Following a command until it finishes: poll, report each new state, stop at a final one."""

import time
from collections.abc import Callable
from typing import Any

from cli.client import Reply
from cli.errors import WatchTimeout
from schemas.events import FINAL_COMMAND_STATES


def watch(
    fetch: Callable[[], Reply],
    timeout_s: float,
    interval_s: float,
    on_change: Callable[[dict[str, Any]], None],
) -> Reply:
    """The command's answer once its state is final; WatchTimeout when `timeout_s` passes first."""
    deadline = time.monotonic() + timeout_s
    seen: str | None = None
    while True:
        reply = fetch()
        doc = reply.json()
        if doc["state"] != seen:
            seen = doc["state"]
            on_change(doc)
        if seen in FINAL_COMMAND_STATES:
            return reply
        left = deadline - time.monotonic()
        if left <= 0:
            raise WatchTimeout(f"command {doc['id']} is still {seen} after {timeout_s:g} s")
        time.sleep(min(interval_s, left))
