"""The relay route answering from the answers replica, in process, for every status.

The replica is filled in place and the publisher records batches instead of reaching
a broker: the seam between the route and Kafka, tested apart from both.
"""

import secrets
from collections.abc import Sequence

import orjson
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ingest.app import MIDDLEWARE, ROUTES, build_services
from ingest.errors import BrokerUnavailable
from ingest.fast_paths import FastPaths
from ingest.publisher import Record
from ingest.services import Services
from ingest.settings import IngestSettings
from schemas import codec_json, heartbeat_records
from schemas.access import CustomerAccess
from schemas.answer_state import AnswerState
from schemas.commands import CommandRecord, CustomerCommands
from schemas.profiles import CustomerProfiles
from schemas.relay import InboundProfileBase
from schemas.secret_hash import secret_hash

BEAT = b'[{"ProfileId": 7, "ProfileType": 1, "ServerStatus": 1}]'
JSON = {"Content-Type": "application/json"}


class Recorder:
    """A publisher that records each batch, or refuses every one."""

    def __init__(self) -> None:
        self.batches: list[list[Record]] = []
        self.refuse = False

    async def publish_many(self, topic: str, records: Sequence[Record]) -> list[int]:
        if self.refuse:
            raise BrokerUnavailable("no acknowledgement from Kafka")
        first = sum(len(b) for b in self.batches)
        self.batches.append(list(records))
        return list(range(first, first + len(records)))


def state(**extra: object) -> AnswerState:
    wire = InboundProfileBase(
        RelayInboundProfileID=7, RelayCustomerID=3, ProfileName="lab", Active=True
    )
    return AnswerState(profiles=CustomerProfiles(inbound={7: wire}), **extra)  # type: ignore[arg-type]


def client(states: dict[str, AnswerState]) -> tuple[TestClient, Recorder, Services]:
    services = build_services(IngestSettings(admin_token=SecretStr(secrets.token_hex(8))))
    for cid, value in states.items():
        services.answers.replica._values[cid] = value.model_dump_json().encode()
    services.answers.replica.ready.set()
    recorder = Recorder()
    services.heartbeats.publisher = recorder
    app = FastPaths(Starlette(routes=ROUTES, middleware=MIDDLEWARE))
    app.state.services = services
    return TestClient(app), recorder, services


def test_a_known_client_is_answered_from_the_replica_and_its_heartbeat_published() -> None:
    http, recorder, _ = client({"c1": state()})
    reply = http.put("/api/customer/c1/heartbeat", content=BEAT, headers=JSON)
    assert reply.status_code == 200
    answer = codec_json.decode_response(reply.content)
    assert answer.InboundProfileList is not None
    assert answer.InboundProfileList[0].ProfileName == "lab"
    assert answer.InboundProfileList[0].ServerStatus == 1  # from the heartbeat itself
    [[(key, value, partition)]] = recorder.batches
    assert key == b"c1"
    [published] = heartbeat_records.decode(value)
    assert published.profiles[0].ProfileId == 7
    assert partition is not None


def test_the_head_command_is_carried_and_its_id_published() -> None:
    rec = CommandRecord.model_validate(
        {"id": "cmd-1", "command": "restart", "profile_type": 1, "profile_id": 7,
         "ttl_s": 3600, "max_deliveries": 3, "state": "queued",
         "created_at": "2026-01-01T00:00:00Z", "expires_at": "2099-01-01T00:00:00Z",
         "history": []}
    )  # fmt: skip
    orders = CustomerCommands(queues={"inbound/7": ["cmd-1"]}, commands={"cmd-1": rec})
    http, recorder, _ = client({"c1": state(commands=orders)})
    reply = http.put("/api/customer/c1/heartbeat", content=BEAT, headers=JSON)
    answer = codec_json.decode_response(reply.content)
    assert answer.InboundProfileList is not None
    assert answer.InboundProfileList[0].PendingHeartbeatCommand != 0
    [[(_, value, _)]] = recorder.batches
    assert heartbeat_records.decode(value)[0].delivered_commands == ["cmd-1"]


def test_an_unknown_client_is_404_and_nothing_is_published() -> None:
    http, recorder, _ = client({"c1": state()})
    reply = http.put("/api/customer/c2/heartbeat", content=BEAT, headers=JSON)
    assert reply.status_code == 404
    assert "Unknown clientId 'c2'" in reply.json()["LogMessage"]
    assert recorder.batches == []


def test_a_bad_body_is_400_naming_it_and_nothing_is_published() -> None:
    http, recorder, _ = client({"c1": state()})
    reply = http.put("/api/customer/c1/heartbeat", content=b'[{"ProfileId": "x"}]', headers=JSON)
    assert reply.status_code == 400
    assert "ProfileId" in reply.json()["LogMessage"]
    assert recorder.batches == []


@pytest.mark.parametrize(
    ("access", "headers", "status"),
    [
        (CustomerAccess(key_hash=secret_hash("k")), {}, 401),
        (CustomerAccess(key_hash=secret_hash("k")), {"X-Hub-Key": "wrong"}, 401),
        (CustomerAccess(networks=["10.0.0.0/8"]), {}, 403),
        (CustomerAccess(key_hash=secret_hash("k")), {"X-Hub-Key": "k"}, 200),
    ],
)
def test_relay_access_is_checked_from_the_replica(
    access: CustomerAccess, headers: dict[str, str], status: int
) -> None:
    http, recorder, _ = client({"c1": state(access=access)})
    reply = http.put("/api/customer/c1/heartbeat", content=BEAT, headers={**JSON, **headers})
    assert reply.status_code == status
    assert len(recorder.batches) == (1 if status == 200 else 0)
    if status == 401:
        assert reply.headers["www-authenticate"].startswith("Basic")


def test_a_batch_kafka_refuses_is_503_with_retry_after() -> None:
    http, recorder, _ = client({"c1": state()})
    recorder.refuse = True
    reply = http.put("/api/customer/c1/heartbeat", content=BEAT, headers=JSON)
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"
    assert orjson.loads(reply.content)["ResponseStatus"] == 2  # Failure
