"""Schemathesis against a real hub: every operation of `/openapi.json`, each answer checked.

The hub serves the document; schemathesis generates valid (positive) and invalid
(negative) requests for every operation and checks that no answer is a server error
(a documented 503 passes only while the hub's `/readyz` says it cannot write) and that
every answer conforms to the document: its status is documented, its Content-Type is
one documented for that status, its headers and its body match (XML bodies too, read
by the hub's own codec).
Half of the cases address state that exists (a customer with inbound and outbound
profile 1, a PBX with an API user, a command, a scoped token), so that 200s are
exercised as well as 404s; the explicit cases below walk the main successes on purpose.
"""

import contextlib
import hashlib
import os
import time
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import hypothesis
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ingest.routes.relay_examples import HEARTBEAT_REQUEST, request_xml
from localkafka.broker import free_port
from localkafka.http import call
from localkafka.hub import HubCluster
from schemas import codec_xml
from schemas.enums import ResponseStatus

pytestmark = pytest.mark.integration
AnyCase = Case[Any]
Operation = APIOperation[Any, Any, Any, Any]

EXAMPLES = int(os.environ.get("HUB_SCHEMATHESIS_EXAMPLES", "6"))
"""Generated cases per operation and generation mode: 6 keeps the run near a minute; set
`HUB_SCHEMATHESIS_EXAMPLES` higher for a deeper search."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CUSTOMER, PBX, USER, PASSWORD = "st-acme", "hq", "st-api", "st-Pa55"
MD5 = hashlib.md5(PASSWORD.encode()).hexdigest()  # noqa: S324 - the PBX API's wire format
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,  # the same cases every run: a failure here is reproducible
    phases=[Phase.explicit, Phase.generate],  # no shrinking: report the case as found
    suppress_health_check=list(HealthCheck),
)


@schemathesis.deserializer("application/xml", "text/xml")
def relay_xml(_: Any, response: schemathesis.Response) -> Any:
    """A relay answer read by the hub's own codec, in the document's XML form (enums by name)."""
    doc = codec_xml.decode_response(response.content).model_dump(mode="json")
    doc["ResponseStatus"] = ResponseStatus(doc["ResponseStatus"]).name
    return doc


def ndjson_lines() -> st.SearchStrategy[bytes]:
    """Import bodies: a few customer lines, sometimes with a profile."""
    line: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
        {
            "clientId": st.text(min_size=1, max_size=12),
            "customer": st.fixed_dictionaries(
                {"RelayCustomerID": st.integers(0, 2**31 - 1), "Name": st.text(min_size=1)}
            ),
        },
        optional={"inbound": st.dictionaries(st.sampled_from(["1", "2"]), st.just({}))},
    )
    return st.lists(line, max_size=3).map(lambda ls: b"\n".join(map(orjson.dumps, ls)))


schemathesis.openapi.media_type("application/x-ndjson", ndjson_lines())


def admin(hub: HubCluster, method: str, path: str, body: object | None = None) -> Any:
    """An admin call that must succeed (retried while the hub answers 503); its JSON answer."""
    deadline = time.monotonic() + 60
    reply = hub.admin(method, path, body)
    while reply.status == 503 and time.monotonic() < deadline:
        time.sleep(0.5)
        reply = hub.admin(method, path, body)
    assert reply.ok, (method, path, reply.status, reply.body)
    return reply.json() if reply.body else None


def seed(hub: HubCluster) -> dict[str, Any]:
    """The state half of the cases address; the path parameters that name it."""
    customer = f"/customers/{CUSTOMER}"
    admin(hub, "PUT", customer, {"RelayCustomerID": 7, "Name": "Acme"})
    for ptype in ("inbound", "outbound"):
        admin(hub, "PUT", f"{customer}/profiles/{ptype}/1", {"ProfileName": "lab", "Active": True})
    admin(hub, "PUT", f"{customer}/pbxes/{PBX}", {"Name": "HQ"})
    admin(hub, "PUT", f"{customer}/pbxes/{PBX}/api-users/{USER}", {"Password": PASSWORD})
    admin(hub, "DELETE", f"{customer}/access")  # open: heartbeats need no key
    command = admin(hub, "POST", f"{customer}/profiles/inbound/1/commands", {"command": "restart"})
    token = admin(hub, "POST", "/tokens", {"Name": "st", "ClientIds": [CUSTOMER]})
    known = {"clientId": CUSTOMER, "profileId": 1, "pbxId": PBX, "username": USER}
    return {**known, "commandId": command["id"], "tokenId": token["Id"]}


@pytest.fixture(scope="module")
def api(hub: HubCluster) -> schemathesis.BaseSchema:
    """The document as the hub serves it."""
    return schemathesis.openapi.from_url(f"{hub.url}/openapi.json")


def headers(hub: HubCluster) -> dict[str, str]:
    return {"Authorization": f"Bearer {hub.token}"}


def confine(case: AnyCase) -> None:
    """An upstream connection the hub would dial: only ever a closed port on loopback."""
    if case.operation.path.endswith("/upstream") and isinstance(case.body, dict):
        case.body["BaseUrl"] = f"http://127.0.0.1:{free_port()}"


@dataclass
class Run:
    """One schemathesis run against a hub: the state it names, what it found and saw."""

    hub: HubCluster
    known: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    statuses: dict[str, set[int]] = field(default_factory=dict)

    def send(self, case: AnyCase) -> None:
        """Send the case; note its status and what the checks find wrong with the answer."""
        confine(case)
        response = case.call(base_url=self.hub.url, headers=headers(self.hub), timeout=30)
        self.statuses.setdefault(case.operation.label, set()).add(response.status_code)
        checks = CHECKS
        if response.status_code == 503 and self.unready():
            checks = [c for c in CHECKS if c is not not_a_server_error]  # documented, and true
        try:
            case.validate_response(response, checks=checks, headers=headers(self.hub))
        except FailureGroup as group:
            self.failures.append(f"{case.operation.label}: {group}")

    def unready(self) -> bool:
        """Whether the hub says it cannot write to Kafka now: then a 503 is the truth."""
        return call("GET", f"{self.hub.url}/readyz").status == 503

    def name_known_state(self, case: AnyCase) -> None:
        """Point the case's path at the seeded customer, profile, PBX, user, command, token."""
        names = case.path_parameters or {}
        case.path_parameters = {**names, **{k: v for k, v in self.known.items() if k in names}}


def fuzz(run: Run, op: Operation, mode: GenerationMode) -> None:
    """`EXAMPLES` generated cases of one operation, every other one naming the seeded state."""
    turn = count()

    @SETTINGS
    @hypothesis.given(case=op.as_strategy(generation_mode=mode))
    def send(case: AnyCase) -> None:
        if next(turn) % 2 == 0:
            run.name_known_state(case)
        run.send(case)

    # Unsatisfiable: nothing of this operation can be made invalid (no parameters, no body).
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        send()


def operations(api: schemathesis.BaseSchema) -> list[Operation]:
    found = []
    for result in api.get_all_operations():
        assert isinstance(result, Ok), result  # every operation of the document loads
        found.append(result.ok())
    return found


def test_generated_requests_get_documented_answers(
    hub: HubCluster, api: schemathesis.BaseSchema
) -> None:
    run = Run(hub)
    for op in operations(api):
        run.known = seed(hub)  # again: the previous operation may have deleted it
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(run, op, mode)
    assert not run.failures, "\n\n".join(dict.fromkeys(run.failures))
    assert set(run.statuses) == {op.label for op in operations(api)}  # each one was sent


def explicit(
    hub: HubCluster, api: schemathesis.BaseSchema, method: str, path: str, **kw: Any
) -> Any:
    """One chosen case, validated like the generated ones; its answer's JSON (or text)."""
    case = api[path][method].Case(**kw)
    response = case.call(base_url=hub.url, headers=headers(hub), timeout=30)
    case.validate_response(response, checks=CHECKS)
    assert response.status_code < 300, (path, response.status_code, response.text)
    return response.json() if "json" in response.headers.get("content-type", [""])[0] else None


def test_the_main_successes_conform(hub: HubCluster, api: schemathesis.BaseSchema) -> None:
    known = seed(hub)
    beat = {"clientId": CUSTOMER}
    relay = "/api/customer/{clientId}/heartbeat"
    json_sample = {"body": HEARTBEAT_REQUEST, "media_type": "application/json"}
    xml_sample = {"body": request_xml().encode(), "media_type": "text/xml"}
    for sample in (json_sample, xml_sample):
        explicit(hub, api, "PUT", relay, path_parameters=beat, **sample)
    profile = {"clientId": CUSTOMER, "ptype": "inbound", "profileId": 1}
    explicit(hub, api, "GET", "/admin/customers/{clientId}/health", path_parameters=beat)
    command = {**profile, "commandId": known["commandId"]}
    commands = "/admin/customers/{clientId}/profiles/{ptype}/{profileId}/commands"
    explicit(hub, api, "GET", commands, path_parameters=profile)
    explicit(hub, api, "DELETE", commands + "/{commandId}", path_parameters=command)
    pbx_api_round_trip(hub, api)


def pbx_api_round_trip(hub: HubCluster, api: schemathesis.BaseSchema) -> None:
    """Log in, heartbeat, log out, as an application server on loopback would."""
    callback = {"ipaddr": "127.0.0.1", "port": free_port(), "version": "2.0.0"}
    body = {"username": USER, "password": MD5, **callback}
    # Its own source address: the generated logins may have locked loopback's (20002).
    source = {"X-Forwarded-For": f"10.{free_port() % 250}.0.1"}
    login = explicit(hub, api, "POST", "/api/v2.0.0/login", body=body, headers=source)
    assert "token" in login, login
    query = {"token": login["token"]}
    beat = explicit(hub, api, "POST", "/api/v2.0.0/heartbeat", query=query, body=callback)
    assert beat == {"status": "Success"}
    assert explicit(hub, api, "POST", "/api/v2.0.0/logout", query=query) == {"status": "Success"}
