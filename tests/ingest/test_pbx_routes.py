"""The PBX API's routes in process (no Kafka, no worker): what the ingress answers alone.

Also `ingest.source`: which address a call came from, behind trusted proxies.
"""

import secrets
from typing import Any

import orjson
import pytest
from starlette.requests import Request
from starlette.testclient import TestClient

from ingest.app import build_services, create_app
from ingest.settings import IngestSettings
from ingest.source import source_address
from localkafka.broker import free_port
from schemas.pbx_callback import networks

ADMIN = secrets.token_hex(16)
AUTH = {"Authorization": f"Bearer {ADMIN}"}
WELL_FORMED = "277ac400357b509b4a587ff2157f7ad5"
LOGIN = {"username": "api", "password": "0" * 32, "version": "2.0.0"}
BEAT = {"ipaddr": "192.168.6.24", "port": 8260}
EVENTS = "/api/pbx/acme/pbx1/events/" + "a" * 40
EXT = b'{"event":"ExtensionStatus","extension":"1006","status":"Registered","sn":"s"}'
PBX = "/admin/customers/acme/pbxes"


def client(**settings: Any) -> TestClient:
    """The app with Kafka and a responder that nothing listens on, and no lifespan.

    A fresh one for each call: the responder's connection pool belongs to the event loop
    of the first request, and each request outside `with TestClient(...)` has its own.
    """
    base = {
        "admin_token": ADMIN,
        "responder_url": f"http://127.0.0.1:{free_port()}",
        "kafka_bootstrap": f"127.0.0.1:{free_port()}",
        "trusted_proxies": "",
    }
    config = IngestSettings(**{**base, **settings})
    app = create_app(config)
    app.state.services = build_services(config)
    return TestClient(app)


def call(
    method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> Any:
    """One request to a fresh app."""
    return client().request(method, path, content=body, headers=headers)


def failed_with(reply: Any, errno: str) -> None:
    """A PBX API failure as the page has it: HTTP 200, the errno as a string, CORS."""
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.headers["access-control-allow-origin"] == "*"
    assert orjson.loads(reply.content) == {"status": "Failed", "errno": errno}


def unavailable(reply: Any) -> None:
    """The call needed a worker: 503, errno 30001, try again in a second."""
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"
    assert reply.headers["access-control-allow-origin"] == "*"
    assert orjson.loads(reply.content) == {"status": "Failed", "errno": "30001"}


# --- the call itself ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("name", ["login", "heartbeat", "logout", "unknown"])
def test_any_method_but_post_is_20001(method: str, name: str) -> None:
    failed_with(call(method, f"/api/v2.0.0/{name}"), "20001")


@pytest.mark.parametrize("name", ["unknown", "Login", "extensionlist", "login.json"])
def test_an_unknown_call_is_10003(name: str) -> None:
    failed_with(call("POST", f"/api/v2.0.0/{name}", orjson.dumps(LOGIN)), "10003")


def test_the_cors_headers_are_the_pbxs() -> None:
    reply = call("GET", "/api/v2.0.0/login")
    assert reply.headers["access-control-allow-methods"] == "GET, POST, OPTIONS, PUT, DELETE"


# --- login ----------------------------------------------------------------------------------------


BODY_FAULTS = [
    (b"", "20009"),
    (b"  \n ", "20009"),
    (b"username=api&password=x", "20000"),
    (b"[1]", "20000"),
    (b"5", "20000"),
    (b"{}", "20007"),
    (b"null", "20007"),
    (b"[]", "20007"),
    (b'""', "20007"),
    (b"<request><username>api</username></request>", "10002"),
]


@pytest.mark.parametrize(("body", "errno"), BODY_FAULTS)
def test_a_login_body_fault_is_answered_without_a_worker(body: bytes, errno: str) -> None:
    failed_with(call("POST", "/api/v2.0.0/login", body), errno)


@pytest.mark.parametrize(
    ("doc", "errno"),
    [
        ({"password": "0" * 32}, "10004"),
        ({"username": "api", "password": ""}, "10004"),
        ({**LOGIN, "port": 0}, "20008"),
        ({**LOGIN, "port": 70000}, "20008"),
        ({**LOGIN, "port": "abc"}, "20008"),
        ({**LOGIN, "urltag": "2"}, "10003"),
        ({**LOGIN, "version": "3.0"}, "10003"),
    ],
)
def test_a_login_field_fault_is_answered_without_a_worker(doc: dict[str, Any], errno: str) -> None:
    failed_with(call("POST", "/api/v2.0.0/login", orjson.dumps(doc)), errno)


def test_a_port_of_non_decimal_digits_is_20008_not_500() -> None:
    failed_with(call("POST", "/api/v2.0.0/login", orjson.dumps({**LOGIN, "port": "²"})), "20008")


def test_a_login_body_past_64_kib_is_20000() -> None:
    body = orjson.dumps({**LOGIN, "pad": "x" * 70_000})
    failed_with(call("POST", "/api/v2.0.0/login", body), "20000")


def test_a_valid_login_needs_a_worker_503_30001() -> None:
    unavailable(call("POST", "/api/v2.0.0/login", orjson.dumps(LOGIN)))


def test_a_login_without_content_type_is_read() -> None:
    # Yeastar's own sample sends a raw string with no Content-Type: it reaches the worker.
    raw = b'{"username":"api","password":"' + b"0" * 32 + b'","port":"8260","version":"2.0.0"}'
    unavailable(call("POST", "/api/v2.0.0/login", raw, {"Content-Type": ""}))


# --- heartbeat and logout ------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "errno"), BODY_FAULTS)
def test_a_heartbeat_body_fault_is_answered_without_a_worker(body: bytes, errno: str) -> None:
    failed_with(call("POST", f"/api/v2.0.0/heartbeat?token={WELL_FORMED}", body), errno)


@pytest.mark.parametrize(
    ("doc", "errno"),
    [
        ({"port": 8260}, "10004"),
        ({"ipaddr": " "}, "10004"),
        ({**BEAT, "port": 0}, "20008"),
        ({**BEAT, "port": "70000"}, "20008"),
        ({**BEAT, "urltag": 2}, "10003"),
        ({**BEAT, "version": "3.0"}, "10003"),
    ],
)
def test_a_heartbeat_field_fault_is_answered_without_a_worker(
    doc: dict[str, Any], errno: str
) -> None:
    path = f"/api/v2.0.0/heartbeat?token={WELL_FORMED}"
    failed_with(call("POST", path, orjson.dumps(doc)), errno)


@pytest.mark.parametrize("name", ["heartbeat", "logout"])
@pytest.mark.parametrize("query", ["", "?token=", "?token=%20%20", "?other=1"])
def test_a_missing_token_is_20005(name: str, query: str) -> None:
    failed_with(call("POST", f"/api/v2.0.0/{name}{query}", orjson.dumps(BEAT)), "20005")


@pytest.mark.parametrize("name", ["heartbeat", "logout"])
@pytest.mark.parametrize(
    "token", ["abc", WELL_FORMED.upper(), WELL_FORMED + "0", WELL_FORMED[:-1], "z" * 32]
)
def test_a_malformed_token_is_20004(name: str, token: str) -> None:
    path = f"/api/v2.0.0/{name}?token={token}"
    failed_with(call("POST", path, orjson.dumps(BEAT)), "20004")


def test_the_token_is_checked_before_the_heartbeat_body() -> None:
    failed_with(call("POST", "/api/v2.0.0/heartbeat", b""), "20005")
    failed_with(call("POST", "/api/v2.0.0/heartbeat?token=abc", b"{}"), "20004")


def test_a_valid_heartbeat_before_the_live_tokens_are_read_is_503_30001() -> None:
    path = f"/api/v2.0.0/heartbeat?token={WELL_FORMED}"
    unavailable(call("POST", path, orjson.dumps(BEAT)))


@pytest.mark.parametrize("body", [b"", b"{}", b"anything"])
def test_a_logout_ignores_its_body_and_needs_a_worker(body: bytes) -> None:
    unavailable(call("POST", f"/api/v2.0.0/logout?token={WELL_FORMED}", body))


# --- event reports -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[1]", b'"ExtensionStatus"', b'{"sn":"1"}', b'{"event":7}']
)
def test_an_event_report_that_is_not_an_object_with_a_name_is_400(body: bytes) -> None:
    reply = call("POST", EVENTS, body)
    assert reply.status_code == 400
    assert reply.json()["error"].startswith("not an event report")


def test_an_event_report_past_64_kib_is_413() -> None:
    body = orjson.dumps({"event": "NewCdr", "pad": "x" * 65_536})
    assert call("POST", EVENTS, body).status_code == 413


def test_an_event_report_of_exactly_64_kib_is_checked_not_refused() -> None:
    head = b'{"event":"NewCdr","pad":"'
    body = head + b"x" * (65_536 - len(head) - 2) + b'"}'
    assert len(body) == 65_536
    assert call("POST", EVENTS, body).status_code == 503


@pytest.mark.parametrize("body", [EXT, b'{"action":"RING","callid":"1"}'])
def test_a_valid_event_report_needs_a_worker_503(body: bytes) -> None:
    reply = call("POST", EVENTS, body)
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"
    assert "retry" in reply.json()["error"]


def test_event_reports_are_posts_only() -> None:
    assert call("GET", EVENTS).status_code == 405


# --- admin: PBXes and their API users ------------------------------------------------------------


def admin_calls(user: str) -> list[tuple[str, str, bytes | None]]:
    """Every admin call on a PBX and its API users; the PUT of an API user names `user`."""
    return [
        ("PUT", f"{PBX}/pbx1", b'{"Name":"Office"}'),
        ("GET", f"{PBX}/pbx1", None),
        ("DELETE", f"{PBX}/pbx1", None),
        ("PUT", f"{PBX}/pbx1/api-users/{user}", b'{"Password":"x"}'),
        ("DELETE", f"{PBX}/pbx1/api-users/api", None),
    ]


@pytest.mark.parametrize(("method", "path", "body"), admin_calls("api"))
@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN}]
)
def test_admin_pbx_routes_without_the_token_are_401(
    method: str, path: str, body: bytes | None, headers: dict[str, str]
) -> None:
    reply = call(method, path, body, headers)
    assert reply.status_code == 401


@pytest.mark.parametrize("pbx", ["a%20b", "x" * 65, "a%2Cb", "%C3%A9", "a%3Ab"])
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PUT", "", b'{"Name":"Office"}'),
        ("GET", "", None),
        ("DELETE", "", None),
        ("PUT", "/api-users/api", b'{"Password":"x"}'),
        ("DELETE", "/api-users/api", None),
    ],
)
def test_a_bad_pbx_id_is_400_without_a_worker(
    pbx: str, method: str, suffix: str, body: bytes | None
) -> None:
    reply = call(method, f"{PBX}/{pbx}{suffix}", body, AUTH)
    assert reply.status_code == 400
    assert reply.json()["error"].startswith("pbxId must be")


def test_a_pbx_id_of_64_characters_reaches_the_worker() -> None:
    reply = call("PUT", f"{PBX}/{'x' * 64}", b'{"Name":"Office"}', AUTH)
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"


@pytest.mark.parametrize("user", ["b%20b", "u" * 65, "a%2Bb", "a%3Ab"])
@pytest.mark.parametrize(("method", "body"), [("PUT", b'{"Password":"x"}'), ("DELETE", None)])
def test_a_bad_username_is_400_without_a_worker(user: str, method: str, body: bytes | None) -> None:
    reply = call(method, f"{PBX}/pbx1/api-users/{user}", body, AUTH)
    assert reply.status_code == 400
    assert reply.json()["error"].startswith("username must be")


BAD_PBX_BODIES = [
    b"",
    b"not json",
    b"{}",
    b'{"Name":""}',
    b'{"SerialNumber":"SN1"}',
    b'{"Name":"Office","Extra":1}',
    b'{"Name":"Office","AlertEmailList":"a@b.example"}',
]
BAD_API_USER_BODIES = [b"{}", b'{"Password":""}', b'{"Password":"x","Name":"y"}']


@pytest.mark.parametrize(
    ("path", "body"),
    [(f"{PBX}/pbx1", body) for body in BAD_PBX_BODIES]
    + [(f"{PBX}/pbx1/api-users/api", body) for body in BAD_API_USER_BODIES],
)
def test_a_bad_pbx_or_api_user_body_is_400_without_a_worker(path: str, body: bytes) -> None:
    reply = call("PUT", path, body, AUTH)
    assert reply.status_code == 400
    assert reply.json()["error"].startswith("invalid body")


@pytest.mark.parametrize(
    ("path", "error"),
    [(f"{PBX}/a%20b", "pbxId must be"), (f"{PBX}/pbx1/api-users/b%20b", "username must be")],
    ids=["pbx-id", "username"],
)
def test_the_path_is_checked_before_the_body(path: str, error: str) -> None:
    reply = call("PUT", path, b"{}", AUTH)
    assert reply.json()["error"].startswith(error)


def test_an_admin_body_past_its_bound_is_413() -> None:
    body = orjson.dumps({"Name": "x" * 2048})
    reply = client(max_body_bytes=1024).put(f"{PBX}/pbx1", content=body, headers=AUTH)
    assert reply.status_code == 413


@pytest.mark.parametrize(("method", "path", "body"), admin_calls("api@example.com"))
def test_valid_admin_calls_need_a_worker_503(method: str, path: str, body: bytes | None) -> None:
    reply = call(method, path, body, AUTH)
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"


@pytest.mark.parametrize(
    "path", [f"{PBX}/abc%0A", f"{PBX}/pbx1/api-users/bob%0A", f"{PBX}/{'x' * 64}%0A"]
)
def test_an_id_with_a_trailing_newline_is_400(path: str) -> None:
    body = b'{"Password":"x"}' if "api-users" in path else b'{"Name":"Office"}'
    assert call("PUT", path, body, AUTH).status_code == 400


# --- ingest.source: the caller's address ---------------------------------------------------------


def request_from(peer: str, forwarded: str | None = None) -> Request:
    """A request from `peer`, with an X-Forwarded-For header when given."""
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v2.0.0/login",
        "query_string": b"",
        "headers": headers,
        "client": (peer, 50000),
    }
    return Request(scope)


PROXIES = networks(["10.0.0.0/8", "fd00::/8"])


def test_without_trusted_proxies_the_peer_is_the_source() -> None:
    assert source_address(request_from("203.0.113.9", "198.51.100.1"), ()) == "203.0.113.9"


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    got = source_address(request_from("203.0.113.9", "198.51.100.1"), PROXIES)
    assert got == "203.0.113.9"


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_source() -> None:
    got = source_address(request_from("10.0.0.2", "198.51.100.1"), PROXIES)
    assert got == "198.51.100.1"


def test_the_last_hop_not_added_by_a_trusted_proxy_wins() -> None:
    # The client may put anything first; the proxies append what they saw.
    forwarded = "6.6.6.6, 198.51.100.1, 10.0.0.7 ,10.0.0.3"
    assert source_address(request_from("10.0.0.2", forwarded), PROXIES) == "198.51.100.1"


def test_when_every_hop_is_trusted_the_peer_is_the_source() -> None:
    assert source_address(request_from("10.0.0.2", "10.0.0.9, 10.1.1.1"), PROXIES) == "10.0.0.2"
    assert source_address(request_from("10.0.0.2", ""), PROXIES) == "10.0.0.2"
    assert source_address(request_from("10.0.0.2", None), PROXIES) == "10.0.0.2"
    assert source_address(request_from("10.0.0.2", " , ,"), PROXIES) == "10.0.0.2"


def test_addresses_are_canonical() -> None:
    assert source_address(request_from("::ffff:203.0.113.9"), ()) == "203.0.113.9"
    # A mapped trusted peer is trusted.
    got = source_address(request_from("::ffff:10.0.0.2", "[2001:DB8::0:1]"), PROXIES)
    assert got == "2001:db8::1"
    got = source_address(request_from("fd00::2", "::ffff:198.51.100.1"), PROXIES)
    assert got == "198.51.100.1"


def test_trusted_proxies_come_from_the_setting() -> None:
    assert IngestSettings(trusted_proxies="").proxies() == ()
    nets = IngestSettings(trusted_proxies="10.0.0.0/8, 192.168.0.0/16").proxies()
    assert [str(n) for n in nets] == ["10.0.0.0/8", "192.168.0.0/16"]
    got = source_address(request_from("192.168.1.1", "198.51.100.1"), nets)
    assert got == "198.51.100.1"


def test_trusted_proxies_are_read_from_hub_trusted_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TRUSTED_PROXIES", "172.16.0.0/12")
    nets = IngestSettings().proxies()
    assert [str(n) for n in nets] == ["172.16.0.0/12"]
    assert source_address(request_from("172.20.0.5", "198.51.100.1"), nets) == "198.51.100.1"
    assert source_address(request_from("10.0.0.2", "198.51.100.1"), nets) == "10.0.0.2"
