"""The alert channel routes in process (no Kafka, no worker): each status they answer alone.

Every refusal here comes before the owning worker is asked and before anything is
published; a body that passes every check is 503 here, the worker being unreachable."""

import orjson
from starlette.testclient import TestClient

from tests.ingest.test_routes import TOKEN, client

KEY = "k" * 32
AUTH = {"Authorization": f"Bearer {TOKEN}"}
HOOK = {"Kind": "webhook", "Url": "https://ops.example/hook", "Secret": "s3cret-signing-key"}


def put(http: TestClient, body: object, name: str = "ops") -> tuple[int, str]:
    reply = http.put(
        f"/admin/customers/acme/channels/{name}", content=orjson.dumps(body), headers=AUTH
    )
    return reply.status_code, reply.text


def test_a_channel_route_without_the_token_is_401() -> None:
    assert client(secret_key=KEY).get("/admin/customers/acme/channels").status_code == 401


def test_a_body_wrong_for_its_kind_is_400_naming_the_field() -> None:
    status, text = put(client(secret_key=KEY), {"Kind": "pagerduty", "Secret": "short"})
    assert status == 400
    assert "Secret" in orjson.loads(text)["error"]


def test_an_unknown_kind_is_400_naming_kind() -> None:
    status, text = put(client(secret_key=KEY), {"Kind": "carrier-pigeon"})
    assert status == 400
    assert "Kind" in orjson.loads(text)["error"]


def test_a_url_into_a_denied_network_is_400() -> None:
    body = {**HOOK, "Url": "http://169.254.169.254/latest"}
    status, text = put(client(secret_key=KEY), body)
    assert status == 400
    assert "denied network" in orjson.loads(text)["error"]


def test_a_bad_channel_name_is_400_naming_it() -> None:
    status, text = put(client(secret_key=KEY), HOOK, name="a%20b")
    assert status == 400
    assert "name" in orjson.loads(text)["error"]


def test_without_a_secret_key_a_channel_with_a_secret_is_503_and_never_echoes_it() -> None:
    status, text = put(client(), HOOK)
    assert status == 503
    assert "HUB_SECRET_KEY" in orjson.loads(text)["error"]
    assert HOOK["Secret"] not in text


def test_a_valid_channel_while_no_worker_answers_is_503_with_retry_after() -> None:
    reply = client(secret_key=KEY).put(
        "/admin/customers/acme/channels/ops", content=orjson.dumps(HOOK), headers=AUTH
    )
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"
    assert HOOK["Secret"] not in reply.text


def test_a_test_message_without_the_token_is_401() -> None:
    assert client().post("/admin/customers/acme/channels/ops/test").status_code == 401


def test_a_test_message_while_no_worker_answers_is_503() -> None:
    reply = client().post("/admin/customers/acme/channels/ops/test", headers=AUTH)
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"
