"""The relay heartbeat round trip through the real broker, worker and ingress."""

import time
import uuid
from pathlib import Path

import orjson
import pytest

from localkafka.hub import HubCluster
from schemas import codec_json, codec_xml
from schemas.enums import ResponseStatus
from schemas.relay import ProfileListResponseData, RelayInboundProfile, RelayOutboundProfile

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

FIXTURES = Path(__file__).parent.parent / "fixtures"
JSON = "application/json"
XML = "application/xml"


def fixture(name: str) -> bytes:
    """One of the API page's samples."""
    return (FIXTURES / name).read_bytes()


def sample_profiles() -> tuple[dict[str, object], dict[str, object]]:
    """The response sample's first inbound and outbound profiles, configuration part only."""
    sample = orjson.loads(fixture("relay-heartbeat-response.json"))
    state = {"ServerStatus", "LastTransactionDateTime", "PendingHeartbeatCommand"}
    state |= {"LastHeartbeatDateTime", "ClientActionRequest"}

    def strip(p: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in p.items() if k not in state}

    return strip(sample["InboundProfileList"][0]), strip(sample["OutboundProfileList"][0])


def ins(answer: ProfileListResponseData) -> list[RelayInboundProfile]:
    """The answer's inbound profiles, which a success always lists."""
    assert answer.InboundProfileList is not None
    return answer.InboundProfileList


def outs(answer: ProfileListResponseData) -> list[RelayOutboundProfile]:
    """The answer's outbound profiles, which a success always lists."""
    assert answer.OutboundProfileList is not None
    return answer.OutboundProfileList


def configure_sample_customer(hub: HubCluster) -> str:
    """A customer with the sample's inbound and outbound profile; returns its clientId."""
    client_id = f"cust-{uuid.uuid4().hex[:8]}"
    inbound, outbound = sample_profiles()
    assert (
        hub.admin("PUT", f"/customers/{client_id}", {"RelayCustomerID": 2, "Name": "Acme"}).status
        == 200
    )
    assert hub.admin("PUT", f"/customers/{client_id}/profiles/inbound/1", inbound).status == 200
    assert hub.admin("PUT", f"/customers/{client_id}/profiles/outbound/1", outbound).status == 200
    return client_id


def test_json_sample_gets_configured_profiles_field_for_field(hub: HubCluster) -> None:
    client_id = configure_sample_customer(hub)
    reply = hub.heartbeat(client_id, fixture("relay-heartbeat-request.json"), JSON)
    assert reply.status == 200, reply.body
    assert reply.content_type.startswith(JSON)
    answer = codec_json.decode_response(reply.body)
    assert answer.ResponseStatus is ResponseStatus.Success
    inbound, outbound = sample_profiles()
    got_in = ins(answer)[0].model_dump(mode="json")
    got_out = outs(answer)[0].model_dump(mode="json")
    assert {k: got_in[k] for k in inbound} == inbound
    assert {k: got_out[k] for k in outbound} == outbound
    assert got_in["ServerStatus"] == 1
    assert got_in["LastTransactionDateTime"] == "2024-11-25T07:51:02.2345912-05:00"
    assert got_in["LastHeartbeatDateTime"] is not None
    assert got_out["ServerStatus"] == 0
    assert got_out["LastHeartbeatDateTime"] is None


def test_json_answer_has_exactly_the_samples_shape(hub: HubCluster) -> None:
    client_id = configure_sample_customer(hub)
    reply = hub.heartbeat(client_id, fixture("relay-heartbeat-request.json"), JSON)
    sample = orjson.loads(fixture("relay-heartbeat-response.json"))
    got = orjson.loads(reply.body)
    assert list(got) == list(sample)
    assert list(got["InboundProfileList"][0]) == list(sample["InboundProfileList"][0])
    assert list(got["OutboundProfileList"][0]) == list(sample["OutboundProfileList"][0])


def _element_names(body: bytes) -> list[str]:
    import xml.etree.ElementTree as ET

    return [el.tag for el in ET.fromstring(body).iter()]  # noqa: S314


def test_xml_sample_gets_an_answer_of_the_samples_shape(hub: HubCluster) -> None:
    client_id = configure_sample_customer(hub)
    reply = hub.heartbeat(client_id, fixture("relay-heartbeat-request.xml"), "text/xml")
    assert reply.status == 200, reply.body
    assert reply.content_type.startswith("text/xml")
    sample_tags = _element_names(fixture("relay-heartbeat-response.xml"))
    # The sample lists two of each profile; the hub lists the one configured of each.
    expected = sample_tags[:3] + sample_tags[3:34] + sample_tags[64:65] + sample_tags[65:86]
    assert _element_names(reply.body) == expected
    answer = codec_xml.decode_response(reply.body)
    assert ins(answer)[0].ProfileName == "sample string 3"
    assert ins(answer)[0].ServerStatus == 1


@pytest.mark.parametrize(
    ("content_type", "accept", "answer_type"),
    [
        (JSON, XML, XML),
        ("text/json", None, "text/json"),
        (XML, "text/json", "text/json"),
        (XML, "text/html, */*", XML),
        (JSON, "application/xml;q=0.5, application/json", JSON),
    ],
)
def test_accept_chooses_the_answer_format(
    hub: HubCluster, content_type: str, accept: str | None, answer_type: str
) -> None:
    client_id = configure_sample_customer(hub)
    name = (
        "relay-heartbeat-request.json" if "json" in content_type else "relay-heartbeat-request.xml"
    )
    reply = hub.heartbeat(client_id, fixture(name), content_type, accept)
    assert reply.status == 200
    assert reply.content_type.startswith(answer_type)
    decode = codec_json.decode_response if "json" in answer_type else codec_xml.decode_response
    assert decode(reply.body).ResponseStatus is ResponseStatus.Success


def test_inactive_profiles_are_listed_and_deleted_ones_are_not(hub: HubCluster) -> None:
    client_id = configure_sample_customer(hub)
    inbound, _ = sample_profiles()
    reply = hub.admin(
        "PUT",
        f"/customers/{client_id}/profiles/inbound/2",
        {**inbound, "RelayInboundProfileID": 2, "Active": False},
    )
    assert reply.status == 200
    assert hub.admin("DELETE", f"/customers/{client_id}/profiles/outbound/1").status == 200
    reply = hub.heartbeat(client_id, b"[]", JSON)
    answer = codec_json.decode_response(reply.body)
    assert [(p.RelayInboundProfileID, p.Active) for p in ins(answer)] == [
        (1, True),
        (2, False),
    ]
    assert answer.OutboundProfileList == []


def test_admin_view_shows_the_last_reported_state(hub: HubCluster) -> None:
    client_id = configure_sample_customer(hub)
    body = orjson.dumps(
        [{"ProfileId": 1, "ProfileType": 2, "ServerStatus": 6, "LastError": "disk full"}]
    )
    assert hub.heartbeat(client_id, body, JSON).status == 200
    view = hub.admin("GET", f"/customers/{client_id}").json()
    assert isinstance(view, dict)
    state = view["states"]["outbound"]["1"]
    assert state["ServerStatus"] == 6
    assert state["LastError"] == "disk full"
    assert view["customer"] == {
        "RelayCustomerID": 2,
        "Name": "Acme",
        "HeartbeatIntervalSeconds": 60,
        "GracePeriodSeconds": 30,
        "Schedule": None,
    }


def test_a_profile_a_heartbeat_leaves_out_is_answered_with_its_last_reported_state(
    hub: HubCluster,
) -> None:
    client_id = configure_sample_customer(hub)
    both = [{"ProfileId": 1, "ProfileType": 1, "ServerStatus": 1},
            {"ProfileId": 1, "ProfileType": 2, "ServerStatus": 2}]  # fmt: skip
    for _ in range(2):  # all carried: their answers show nothing published
        assert hub.heartbeat(client_id, orjson.dumps(both), JSON).status == 200
    # The outbound profile left out: its state comes from what the worker published,
    # within HUB_STATES_FLUSH_S once a heartbeat left it out.
    deadline = time.monotonic() + 30
    while True:
        reply = hub.heartbeat(client_id, orjson.dumps(both[:1]), JSON)
        assert reply.status == 200, reply.body
        out = outs(codec_json.decode_response(reply.body))[0]
        if out.ServerStatus == 2:
            break
        assert time.monotonic() < deadline, out
        time.sleep(0.5)
    assert out.LastHeartbeatDateTime is not None


@pytest.mark.parametrize(
    ("content_type", "decode"),
    [(JSON, codec_json.decode_response), (XML, codec_xml.decode_response)],
)
def test_unknown_client_gets_404_failure_in_its_format(
    hub: HubCluster, content_type: str, decode: object
) -> None:
    name = "relay-heartbeat-request.json" if content_type == JSON else "relay-heartbeat-request.xml"
    reply = hub.heartbeat("nobody-" + uuid.uuid4().hex, fixture(name), content_type)
    assert reply.status == 404
    answer = decode(reply.body)  # type: ignore[operator]
    assert answer.ResponseStatus is ResponseStatus.Failure
    assert "Unknown clientId" in answer.LogMessage


@pytest.mark.parametrize(
    ("body", "content_type", "field"),
    [
        (b'[{"ProfileId": 1, "ServerStatus": 1}]', JSON, "[0].ProfileType"),
        (b'[{"ProfileId": "abc", "ProfileType": 1, "ServerStatus": 1}]', JSON, "[0].ProfileId"),
        (b'[{"ProfileId": 1, "ProfileType": 1, "ServerStatus": 99}]', JSON, "[0].ServerStatus"),
        (b"{not json", JSON, ""),
        (
            b'<ArrayOfProfileHeartbeatData xmlns="http://schemas.datacontract.org/2004/07/'
            b'Interface.Relay.TransferObjects"><ProfileHeartbeatData><ProfileId>1</ProfileId>'
            b"<ProfileType>Sideways</ProfileType><ServerStatus>Started</ServerStatus>"
            b"</ProfileHeartbeatData></ArrayOfProfileHeartbeatData>",
            XML,
            "[0].ProfileType",
        ),
    ],
)
def test_malformed_body_is_400_naming_the_field_and_changes_nothing(
    hub: HubCluster, body: bytes, content_type: str, field: str
) -> None:
    client_id = configure_sample_customer(hub)
    before = hub.admin("GET", f"/customers/{client_id}").json()
    reply = hub.heartbeat(client_id, body, content_type)
    assert reply.status == 400
    decode = codec_json.decode_response if content_type == JSON else codec_xml.decode_response
    answer = decode(reply.body)
    assert answer.ResponseStatus is ResponseStatus.Failure
    assert f"field '{field}'" in (answer.LogMessage or "")
    after = hub.admin("GET", f"/customers/{client_id}").json()
    assert isinstance(before, dict)
    assert isinstance(after, dict)
    assert before["states"] == after["states"]


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", ""])
def test_other_content_types_are_415(hub: HubCluster, content_type: str) -> None:
    client_id = configure_sample_customer(hub)
    reply = hub.heartbeat(client_id, b"ProfileId=1", content_type)
    assert reply.status == 415
    answer = codec_json.decode_response(reply.body)
    assert "not supported" in (answer.LogMessage or "")


def test_admin_api_refuses_a_wrong_token(hub: HubCluster) -> None:
    from localkafka.http import call

    reply = call("GET", f"{hub.url}/admin/customers/x", None, {"Authorization": "Bearer nope"})
    assert reply.status == 401
    assert call("GET", f"{hub.url}/admin/customers/x").status == 401


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/customers/{c}", {"Name": "no id"}, 400),
        ("/customers/{c}", {"RelayCustomerID": "x", "Name": "A"}, 400),
        ("/customers/{c}/profiles/inbound/1", {"RelayInboundProfileID": 7}, 400),
        ("/customers/{c}/profiles/sideways/1", {}, 404),
        ("/customers/{c}/profiles/inbound/0", {}, 400),
        ("/customers/unknown-{c}/profiles/inbound/1", {}, 404),
    ],
)
def test_bad_admin_writes_are_refused_and_change_nothing(
    hub: HubCluster, path: str, body: object, status: int
) -> None:
    client_id = configure_sample_customer(hub)
    before = hub.admin("GET", f"/customers/{client_id}").json()
    reply = hub.admin("PUT", path.format(c=client_id), body)
    assert reply.status == status, reply.body
    assert "error" in orjson.loads(reply.body)
    assert hub.admin("GET", f"/customers/{client_id}").json()["profiles"] == before["profiles"]
