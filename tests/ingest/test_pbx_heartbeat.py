"""`heartbeat?token=` answered by the ingress from its live tokens (no worker, Kafka faked)."""

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ingest.app import ROUTES, build_services
from ingest.errors import BrokerUnavailable
from ingest.heartbeat_batches import HeartbeatBatches
from ingest.live_tokens import LiveTokens
from ingest.publisher import Ack, Record
from ingest.services import Services
from ingest.settings import IngestSettings
from schemas.live_token import LiveToken
from schemas.pbx_requests import Callback
from schemas.pbx_topics import SessionRenewed, decode_pbx
from schemas.secret_hash import secret_hash
from schemas.topics import partition_for

TOKEN = secrets.token_hex(16)
BEAT = {"ipaddr": "192.168.6.24", "port": 8260}
CB = Callback(ipaddr="192.168.6.20", port=9000, url="events", urltag=0, version="2.0.0")


class Recorder:
    """A publisher that records each record, or refuses every one."""

    def __init__(self) -> None:
        self.records: list[tuple[str, bytes, bytes, int | None]] = []
        self.refuse = False

    async def publish(
        self, topic: str, key: bytes, value: bytes, partition: int | None = None
    ) -> Ack:
        if self.refuse:
            raise BrokerUnavailable("no acknowledgement from Kafka")
        self.records.append((topic, key, value, partition))
        return Ack(topic, partition or 0, len(self.records) - 1)

    async def publish_many(self, topic: str, records: Sequence[Record]) -> list[int]:
        acks = [await self.publish(topic, key, value, part) for key, value, part in records]
        return [ack.offset for ack in acks]


def live(expires_in_s: float = 600, **extra: Any) -> LiveToken:
    now = datetime.now().astimezone()
    return LiveToken(
        client_id="acme",
        pbx_id="hq",
        session_id="s1",
        callback=CB,
        expires_at=now + timedelta(seconds=expires_in_s),
        **extra,
    )


def client(
    tokens: dict[str, LiveToken], ready: bool = True
) -> tuple[TestClient, Recorder, Services]:
    settings = IngestSettings(admin_token=SecretStr(secrets.token_hex(8)))
    services = build_services(settings)
    for token, value in tokens.items():
        services.live_tokens.replica._values[secret_hash(token)] = value
    if ready:
        services.live_tokens.replica.ready.set()
    recorder = Recorder()
    services.publisher = recorder  # type: ignore[assignment]
    services.renewals = HeartbeatBatches(recorder, services.topics.pbx)
    app = Starlette(routes=ROUTES)
    app.state.services = services
    return TestClient(app), recorder, services


def beat(http: TestClient, body: Any = None, token: str = TOKEN) -> Any:
    path = f"/api/v2.0.0/heartbeat?token={token}"
    return http.post(path, content=orjson.dumps(BEAT if body is None else body))


def errno(reply: Any) -> str | None:
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == "*"
    doc = orjson.loads(reply.content)
    return None if doc == {"status": "Success"} else str(doc["errno"])


def test_a_live_token_is_renewed_and_its_renewal_published_in_the_pbx_partition() -> None:
    http, recorder, services = client({TOKEN: live()})
    assert errno(beat(http)) is None
    [(topic, key, value, partition)] = recorder.records
    assert (topic, key) == (services.topics.pbx, b"acme")
    assert partition == partition_for("acme", services.settings.partitions)
    [record] = decode_pbx(value)  # gathered: an array of the renewals of a few ms
    assert isinstance(record, SessionRenewed)
    assert (record.client_id, record.pbx_id, record.session_id) == ("acme", "hq", "s1")
    # The fields given replace the session's; the others stay.
    assert record.callback == CB.model_copy(update={"ipaddr": "192.168.6.24", "port": 8260})
    assert TOKEN.encode() not in value  # the token itself is never written


def test_an_unknown_token_is_20004_and_nothing_is_published() -> None:
    http, recorder, _ = client({secrets.token_hex(16): live()})
    assert errno(beat(http)) == "20004"
    assert recorder.records == []


@pytest.mark.parametrize(
    "token", [live(expires_in_s=-1), live(expires_in_s=0), live(timed_out=True)]
)
def test_a_timed_out_token_is_20006_and_nothing_is_published(token: LiveToken) -> None:
    http, recorder, _ = client({TOKEN: token})
    assert errno(beat(http)) == "20006"
    assert recorder.records == []


@pytest.mark.parametrize(
    "body", [{"ipaddr": "127.0.0.1"}, {"ipaddr": "169.254.169.254", "port": 80}]
)
def test_a_callback_into_a_denied_network_is_20008_and_nothing_is_published(
    body: dict[str, Any],
) -> None:
    http, recorder, _ = client({TOKEN: live()})
    assert errno(beat(http, body)) == "20008"
    assert recorder.records == []


def test_a_renewal_kafka_does_not_take_is_503_30001() -> None:
    http, recorder, _ = client({TOKEN: live()})
    recorder.refuse = True
    reply = beat(http)
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"
    assert orjson.loads(reply.content) == {"status": "Failed", "errno": "30001"}


def test_before_the_live_tokens_are_read_a_heartbeat_is_503_30001() -> None:
    http, recorder, _ = client({TOKEN: live()}, ready=False)
    assert beat(http).status_code == 503
    assert recorder.records == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [({"port": 8260}, "10004"), (b"", "20009"), ({**BEAT, "port": 0}, "20008")],
)
def test_body_faults_come_before_the_token_is_looked_up(body: Any, expected: str) -> None:
    http, recorder, _ = client({TOKEN: live()})
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    reply = http.post(f"/api/v2.0.0/heartbeat?token={TOKEN}", content=raw)
    assert errno(reply) == expected
    assert recorder.records == []


def test_a_renewal_answered_here_counts_here_before_the_replica_shows_it() -> None:
    tokens = LiveTokens("127.0.0.1:9", "t", 4)
    now = datetime.now().astimezone()
    tokens.replica._values[secret_hash(TOKEN)] = live(expires_in_s=10)
    tokens.renewed(TOKEN, now + timedelta(minutes=30), now)
    got = tokens.get(TOKEN)
    assert got is not None
    assert got.refusal(now + timedelta(minutes=29)) is None
    # Once the replica shows the session ended, the renewal counts no more.
    tokens.replica._values[secret_hash(TOKEN)] = live(expires_in_s=10, timed_out=True)
    ended = tokens.get(TOKEN)
    assert ended is not None
    assert ended.refusal(now) is not None
