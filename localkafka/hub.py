"""A whole hub (topics, workers, ingress) run as real processes, for tests and benchmarks."""

import os
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from localkafka.broker import LocalBroker, free_port
from localkafka.http import Reply, call
from localkafka.process import ServiceProcess, wait_http
from localkafka.stopping import Stopping
from processors.create_topics import ensure_topics
from schemas import clock
from schemas.settings import KafkaSettings

READY_TIMEOUT = 90.0
LOCAL_DENY = "169.254.0.0/16,fe80::/10,0.0.0.0/8,::/128,224.0.0.0/4,ff00::/8"
"""The default deny list without loopback, for a hub whose receivers run beside it."""


class HubCluster(Stopping):
    """Fresh topic prefix, token and ports; workers and an ingress as child processes;
    `with` stops them at the block's end."""

    def __init__(self, bootstrap: str, workdir: Path, partitions: int = 4) -> None:
        self.bootstrap = bootstrap
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.partitions = partitions
        self.prefix = f"t{uuid.uuid4().hex[:10]}."
        self.token = secrets.token_hex(16)
        self.secret_key = secrets.token_hex(32)
        self.workers: list[ServiceProcess] = []
        self.worker_ports: list[int] = []
        self.ingress: ServiceProcess | None = None
        self.ingress_port = free_port()
        self.extra_env: dict[str, str] = {}
        self.clock_file = workdir / "clock-offset"
        clock.write_offset(self.clock_file, 0)

    def env(self, **extra: str) -> dict[str, str]:
        """The settings every service of this hub shares."""
        return {
            "HUB_KAFKA_BOOTSTRAP": self.bootstrap,
            "HUB_TOPIC_PREFIX": self.prefix,
            "HUB_PARTITIONS": str(self.partitions),
            "HUB_ADMIN_TOKEN": self.token,
            "HUB_LOG_LEVEL": os.environ.get("HUB_TEST_LOG_LEVEL", "warning"),
            "HUB_CLOCK_OFFSET_FILE": str(self.clock_file),
            "HUB_SECRET_KEY": self.secret_key,
            # Everything runs on this machine: callbacks to loopback receivers are allowed.
            "HUB_PBX_DENY_NETWORKS": LOCAL_DENY,
            # Tests and benchmarks name a PBX API caller's address with X-Forwarded-For.
            "HUB_TRUSTED_PROXIES": "127.0.0.0/8,::1/128",
            "HUB_PUBLIC_URL": self.url,
            **self.extra_env,
            **extra,
        }

    def advance_clock(self, seconds: float) -> None:
        """Move every process's clock `seconds` further ahead."""
        clock.write_offset(self.clock_file, clock.read_offset(self.clock_file) + seconds)

    def now(self) -> datetime:
        """The time by the hub's clock (moved ahead by `advance_clock`)."""
        return datetime.now(UTC) + timedelta(seconds=clock.read_offset(self.clock_file))

    def create_topics(self) -> None:
        """The input topics, as `make run` and the Helm hook create them."""
        settings = KafkaSettings(
            kafka_bootstrap=self.bootstrap, topic_prefix=self.prefix, partitions=self.partitions
        )
        ensure_topics(settings)

    def add_worker(self) -> ServiceProcess:
        """Start one more processor worker with its own web port and data folder."""
        index = len(self.workers)
        port = free_port()
        env = self.env(HUB_WEB_PORT=str(port), HUB_DATA_DIR=str(self.workdir / f"worker{index}"))
        worker = ServiceProcess(
            f"worker{index}", "processors", env, self.workdir / f"worker{index}.log"
        )
        worker.start()
        self.workers.append(worker)
        self.worker_ports.append(port)
        return worker

    def worker_url(self, index: int = 0) -> str:
        """The responder URL of one worker."""
        return f"http://127.0.0.1:{self.worker_ports[index]}"

    def start_ingress(self) -> None:
        """Start the ingress; it asks the first worker, which forwards when not the owner."""
        env = self.env(HUB_PORT=str(self.ingress_port), HUB_RESPONDER_URL=self.worker_url(0))
        self.ingress = ServiceProcess("ingress", "ingest", env, self.workdir / "ingress.log")
        self.ingress.start()

    def wait_ready(self) -> None:
        """Until the ingress serves and every worker owns partitions with tables recovered."""
        wait_http(f"{self.url}/readyz", READY_TIMEOUT)
        for i, worker in enumerate(self.workers):
            if worker.running:
                wait_http(f"{self.worker_url(i)}/hub/ready", READY_TIMEOUT)

    @property
    def url(self) -> str:
        """The ingress base URL."""
        return f"http://127.0.0.1:{self.ingress_port}"

    def admin(self, method: str, path: str, body: object | None = None) -> Reply:
        """An admin API call with the bearer token."""
        data = None if body is None else orjson.dumps(body)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        return call(method, f"{self.url}/admin{path}", data, headers)

    def heartbeat(
        self, client_id: str, body: bytes, content_type: str, accept: str | None = None
    ) -> Reply:
        """A relay heartbeat as a client sends it."""
        headers = {"Content-Type": content_type}
        if accept:
            headers["Accept"] = accept
        return call("PUT", f"{self.url}/api/customer/{client_id}/heartbeat", body, headers)

    def stop(self) -> None:
        """Stop every process this hub started."""
        if self.ingress:
            self.ingress.stop()
        for worker in self.workers:
            worker.stop()


def start_hub(
    broker: LocalBroker, workdir: Path, workers: int = 1, *, env: dict[str, str] | None = None
) -> HubCluster:
    """Topics, `workers` workers and an ingress, ready to serve; `env` adds settings to all."""
    hub = HubCluster(broker.bootstrap, workdir)
    hub.extra_env.update(env or {})
    hub.create_topics()
    for _ in range(workers):
        hub.add_worker()
    hub.start_ingress()
    hub.wait_ready()
    return hub
