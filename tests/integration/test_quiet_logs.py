"""What the hub's processes print at the default level, and at debug (real processes).

At `info` the libraries (faust, mode, aiokafka, kafka-python, uvicorn) say only warnings,
so a worker's start and rebalances do not bury the hub's own lines; `debug` shows them.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

from localkafka.broker import LocalBroker
from localkafka.hub import HubCluster
from tests.integration.relay_helpers import JSON, REPORT, configure, until_ok

LIBRARIES = {"faust", "mode", "aiokafka", "kafka", "uvicorn", "aiohttp"}


def chatter(text: str) -> list[str]:
    """The libraries' lines below WARNING (text format: date time LEVEL logger message)."""
    found = []
    for line in text.splitlines():
        parts = line.split(" ", 4)
        quiet = len(parts) > 3 and parts[2] in ("DEBUG", "INFO")
        if quiet and parts[3].split(".")[0] in LIBRARIES:
            found.append(line)
    return found


def test_a_worker_and_an_ingress_at_info_say_nothing_of_the_libraries(
    kafka_broker: LocalBroker, tmp_path: Path
) -> None:
    hub = HubCluster(kafka_broker.bootstrap, tmp_path)
    hub.extra_env = {"HUB_LOG_LEVEL": "info"}
    try:
        hub.create_topics()
        hub.add_worker()
        hub.start_ingress()
        hub.wait_ready()
        cid = configure(hub)
        assert until_ok(lambda: hub.heartbeat(cid, REPORT, JSON), 60).status == 200
    finally:
        hub.stop()
    worker, ingress = ((tmp_path / name).read_text() for name in ("worker0.log", "ingress.log"))
    assert chatter(worker) == []
    assert chatter(ingress) == []
    # Each still says, once, that it started.
    start = f"INFO processors worker of '{hub.prefix}*' starting: responder on http://"
    assert worker.count(start) == 1
    assert ingress.count("INFO ingest ingress serving on http://") == 1
    # and, in a line of its own, what it holds after each rebalance.
    assert "INFO processors.rebalance partitions assigned: [0, 1, 2, 3] (generation " in worker
    assert "INFO processors.rebalance tables recovered: folding again" in worker


def create_topics(bootstrap: str, level: str) -> list[str]:
    """The lines `python -m processors.create_topics` prints at `level`, fresh topics."""
    env = {
        **os.environ,
        "HUB_KAFKA_BOOTSTRAP": bootstrap,
        "HUB_TOPIC_PREFIX": f"ql{uuid.uuid4().hex[:8]}.",
        "HUB_PARTITIONS": "1",
        "HUB_LOG_LEVEL": level,
    }
    command = [sys.executable, "-m", "processors.create_topics"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
    return (done.stdout + done.stderr).splitlines()


def test_topic_creation_is_one_line_and_debug_shows_everything(
    kafka_broker: LocalBroker,
) -> None:
    (line,) = create_topics(kafka_broker.bootstrap, "info")
    assert "topics 'ql" in line
    assert "created), 1 partitions each" in line
    debug = create_topics(kafka_broker.bootstrap, "debug")
    assert sum(" created topic " in d for d in debug) > 1
    assert chatter("\n".join(debug)) != []  # kafka-python's own lines, at DEBUG
