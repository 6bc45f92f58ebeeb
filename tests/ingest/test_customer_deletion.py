"""`DELETE /admin/customers/{clientId}` in process: its statuses, against a real HTTP server
standing in for the worker's views, and (for the deletions that happen) the real broker."""

import json
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ingest.app import ROUTES, build_services
from ingest.settings import IngestSettings
from localkafka.broker import LocalBroker, free_port
from schemas.admin_tokens import AdminToken
from schemas.customer_deletion import CustomerContents, CustomerDeleted
from schemas.secret_hash import secret_hash
from schemas.topics import TopicNames, partition_for
from tests.integration.kafka_fixtures import create_topic

OPERATOR = secrets.token_hex(16)
PARTITIONS = 4
CONTENTS = CustomerContents(
    InboundProfiles=[7], OutboundProfiles=[], CancelledCommands=["c1"], Pbxes=["hq"],
    ApiUsers=["api"], EndedSessions=1, DisconnectedUpstreams=["hq"],
)  # fmt: skip
Answer = tuple[int, bytes]


class WorkerViews:
    """A real HTTP server answering the worker's internal views by path; records the paths."""

    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = {}
        self.seen: list[str] = []
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def script(self, path: str, *answers: Answer) -> None:
        """What `path` answers, in order; the last one repeats."""
        self.answers[path] = list(answers)

    def _next(self, path: str) -> Answer:
        queue = self.answers.get(path.split("?")[0], [(404, b'{"error":"nothing here"}')])
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        views = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                views.seen.append(self.path)
                status, body = views._next(self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        return Handler

    def start(self) -> "WorkerViews":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def worker() -> Iterator[WorkerViews]:
    views = WorkerViews().start()
    try:
        yield views
    finally:
        views.stop()


def settings(worker: WorkerViews, **given: Any) -> IngestSettings:
    """Asking `worker`, with a short apply wait; a broker on a closed port unless given."""
    base = {
        "admin_token": OPERATOR, "responder_url": worker.url, "apply_wait_s": 0.5,
        "partitions": PARTITIONS, "kafka_bootstrap": f"127.0.0.1:{free_port()}",
    }  # fmt: skip
    return IngestSettings(**{**base, **given})


def delete(config: IngestSettings, cid: str, token: str | None = OPERATOR) -> Any:
    """One DELETE through the routes in process (fresh clients: one event loop each)."""
    app = Starlette(routes=ROUTES)
    app.state.services = build_services(config)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return TestClient(app).delete(f"/admin/customers/{cid}", headers=headers)


def scoped(worker: WorkerViews, client_ids: list[str], access: str) -> str:
    """A scoped token the worker double knows."""
    tid = secrets.token_hex(8)
    token = f"hub_{tid}_{secrets.token_urlsafe(32)}"
    stored = AdminToken(
        id=tid, name="t", client_ids=client_ids, access=access,  # type: ignore[arg-type]
        created=datetime.now(UTC), token_hash=secret_hash(token),
    )  # fmt: skip
    worker.script(f"/hub/admin-tokens/{tid}", (200, stored.model_dump_json().encode()))
    return token


def contents_path(cid: str) -> str:
    return f"/hub/customer-contents/{cid}"


def test_without_a_token_it_is_401_and_no_worker_is_asked(worker: WorkerViews) -> None:
    assert delete(settings(worker), "acme", token=None).status_code == 401
    assert delete(settings(worker), "acme", token="not-the-token").status_code == 401  # noqa: S106
    assert not any(p.startswith("/hub/customer-contents") for p in worker.seen)


def test_a_read_token_and_another_customer_s_token_are_403(worker: WorkerViews) -> None:
    for token in (scoped(worker, ["acme"], "read"), scoped(worker, ["beta"], "write")):
        reply = delete(settings(worker), "acme", token)
        assert reply.status_code == 403
        assert reply.json() == {"error": "outside this token's scope"}
    assert not any(p.startswith("/hub/customer-contents") for p in worker.seen)


def test_an_unknown_customer_is_404_and_nothing_is_published(worker: WorkerViews) -> None:
    worker.script(contents_path("ghost"), (404, b'{"error":"unknown client"}'))
    # The broker's address is a closed port: a publish would have been a 503.
    reply = delete(settings(worker), "ghost")
    assert reply.status_code == 404
    assert reply.json() == {"error": "unknown customer 'ghost'"}


def test_a_worker_that_cannot_answer_is_503(worker: WorkerViews) -> None:
    worker.script(contents_path("acme"), (503, b'{"error":"tables are recovering"}'))
    reply = delete(settings(worker), "acme")
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"


@pytest.fixture
def on_broker(worker: WorkerViews, kafka_broker: LocalBroker) -> IngestSettings:
    """Publishing to the real broker, on a fresh config topic."""
    prefix = f"del-{secrets.token_hex(5)}."
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    try:
        create_topic(admin, TopicNames(prefix).config, partitions=PARTITIONS, compacted=True)
    finally:
        admin.close()
    return settings(worker, kafka_bootstrap=kafka_broker.bootstrap, topic_prefix=prefix)


def published(config: IngestSettings, cid: str) -> list[tuple[bytes, CustomerDeleted]]:
    """The records on the config topic's partition of `cid`."""
    topic = TopicNames(config.topic_prefix).config
    tp = TopicPartition(topic, partition_for(cid, PARTITIONS))
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap, consumer_timeout_ms=2000)
    try:
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        return [(r.key, CustomerDeleted.model_validate_json(r.value)) for r in consumer]
    finally:
        consumer.close()


@pytest.mark.integration
def test_a_deletion_is_published_and_answered_200_once_done(
    worker: WorkerViews, on_broker: IngestSettings
) -> None:
    done = (404, b'{"error":"unknown client"}')
    worker.script(contents_path("acme"), (200, CONTENTS.model_dump_json().encode()), done)
    reply = delete(on_broker, "acme", scoped(worker, ["acme"], "write"))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["ClientId"] == "acme"
    assert {k: body[k] for k in CustomerContents.model_fields} == CONTENTS.model_dump()
    ((key, record),) = published(on_broker, "acme")
    assert key == b"customer/acme"
    assert record.client_id == "acme"
    assert record.at.isoformat().replace("+00:00", "Z") == body["DeletedAt"]


@pytest.mark.integration
@pytest.mark.parametrize(
    "afterwards",
    [(202, CONTENTS.model_dump_json().encode()), (503, b'{"error":"tables are recovering"}')],
    ids=["not-done-in-time", "worker-cannot-say"],
)
def test_a_deletion_not_seen_done_is_202(
    worker: WorkerViews, on_broker: IngestSettings, afterwards: Answer
) -> None:
    worker.script(contents_path("acme"), (200, CONTENTS.model_dump_json().encode()), afterwards)
    reply = delete(on_broker, "acme")
    assert reply.status_code == 202
    assert json.loads(reply.content)["CancelledCommands"] == ["c1"]
    assert len(published(on_broker, "acme")) == 1  # durable all the same
