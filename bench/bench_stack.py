"""A private broker and a hub for a bench run, stopped whatever happens.

`running_hub` starts the broker, lets the caller start the hub on it, prints the tail
of every hub process's log when the run fails, and stops the hub and the broker on
the way out; `stop_on_signals` turns SIGTERM (and SIGALRM, a run's time limit) into
SystemExit, so that those `finally`s run.
"""

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from localkafka.broker import LocalBroker, free_ports
from localkafka.hub import HubCluster

WALL_CLOCK = {"HUB_CLOCK_OFFSET_FILE": ""}
"""The wall clock, as in production: the tests' shifted clock stats a file at every read
(a few per cent of a busy worker), which a benchmark must not measure."""


@contextmanager
def running_hub(
    workdir: Path, start: Callable[[LocalBroker, Path], HubCluster]
) -> Iterator[tuple[LocalBroker, HubCluster, float]]:
    """The broker, the hub `start` makes on it in `workdir / "hub"`, and when (monotonic)
    the hub's start began, the broker being up."""
    port, controller = free_ports(2)
    with LocalBroker(data_dir=workdir / "kafka", port=port, controller_port=controller) as broker:
        began = time.monotonic()
        hub = start(broker, workdir / "hub")
        try:
            yield broker, hub, began
        except Exception:
            for p in [hub.ingress, *hub.workers]:
                if p is not None:
                    print(f"--- {p.name} log tail ---\n{p.log_tail(20)}", flush=True)
            raise
        finally:
            hub.stop()


def _exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # so that every `finally` stops what it started


def stop_on_signals(*signums: signal.Signals) -> None:
    """Exit through every `finally` on these signals."""
    for signum in signums:
        signal.signal(signum, _exit)
