"""CPU the SQL sink spends per record: the sink alone, in a process of its own.

`measure()` runs `python -m bench.sql_sink_cpu` as a child: the sink as `python -m
sinks.sql` runs it (settings from `HUB_*` variables), which also notes the process's
CPU time (`time.process_time()`, every thread, Kafka's I/O thread included) when the
group first gives it partitions and when it is told to stop. The parent stops it once
the group has committed every record, so the difference is the CPU of consuming,
decoding, writing and committing the topics, without imports, migration or the group
join. The child's pid is printed while it runs, for `py-spy record -p PID`.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from schemas.gc_tuning import tune_gc
from sinks.sql.consumer import SqlSink
from sinks.sql.database import create_sink_engine
from sinks.sql.settings import SqlSinkSettings

STOP_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class CpuRun:
    """What a child sink spent: CPU seconds after it was given its partitions, wall seconds."""

    cpu_s: float
    wall_s: float


class _TimedSink(SqlSink):
    """A sink that notes the process's CPU time at its first assignment."""

    assigned_cpu_s: float | None = None
    assigned_at: float | None = None

    def on_assigned(self, partitions: int) -> None:
        if self.assigned_cpu_s is None and partitions:
            self.assigned_cpu_s, self.assigned_at = time.process_time(), time.monotonic()
        super().on_assigned(partitions)


def child() -> None:
    """Run the sink until SIGTERM; print the CPU and wall times as one JSON line."""
    settings = SqlSinkSettings()
    engine = create_sink_engine(
        settings.url(), sqlite_busy_timeout_s=settings.sqlite_busy_timeout_s
    )
    sink = _TimedSink(settings, engine)
    stop = threading.Event()
    stopped: list[float] = []

    def handle(signum: int, frame: FrameType | None) -> None:
        stopped.extend((time.process_time(), time.monotonic()))
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    tune_gc()  # as `python -m sinks.sql` does
    sink.run(stop)
    assigned_cpu, assigned_at = sink.assigned_cpu_s or 0.0, sink.assigned_at or 0.0
    result = {"cpu_s": stopped[0] - assigned_cpu, "wall_s": stopped[1] - assigned_at}
    print(json.dumps(result), flush=True)


def measure(settings: SqlSinkSettings, done: Callable[[], bool], timeout_s: float) -> CpuRun:
    """Run a child sink with `settings` until `done()`; what it spent after its join."""
    env = {**os.environ, **_environment(settings)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.sql_sink_cpu"], env=env, stdout=subprocess.PIPE, text=True
    )
    print(f"{'':<32} sink child pid {proc.pid}", flush=True)
    try:
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline or proc.poll() is not None:
                raise TimeoutError("the child sink did not finish")
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=STOP_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    result = json.loads(out.strip().splitlines()[-1])
    return CpuRun(cpu_s=float(result["cpu_s"]), wall_s=float(result["wall_s"]))


def _environment(settings: SqlSinkSettings) -> dict[str, str]:
    values: dict[str, Any] = {
        "kafka_bootstrap": settings.kafka_bootstrap,
        "topic_prefix": settings.topic_prefix,
        "partitions": settings.partitions,
        "database_url": settings.url(),
        "consumer_group": settings.group_id,
        "batch_size": settings.batch_size,
        "batch_linger_s": settings.batch_linger_s,
        "raw_heartbeats": settings.raw_heartbeats,
        "sql_metrics_port": 0,
        "log_level": "warning",
    }
    return {f"HUB_{k.upper()}": str(v) for k, v in values.items()}


if __name__ == "__main__":
    child()
