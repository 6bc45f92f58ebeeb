"""A .NET or JavaScript client's JSON, as Json.NET reads it, through a real hub."""

from pathlib import Path

import orjson
import pytest

from localkafka.hub import HubCluster
from schemas import codec_json
from schemas.enums import ResponseStatus

from .relay_helpers import JSON, configure

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

FIXTURES = Path(__file__).parent.parent / "fixtures"


def reported(hub: HubCluster, client_id: str) -> dict[str, object]:
    """The admin view's last reported state of inbound profile 7."""
    view = hub.admin("GET", f"/customers/{client_id}").json()
    assert isinstance(view, dict)
    state = view["states"]["inbound"]["7"]
    assert isinstance(state, dict)
    return state


def test_datacontractjsonserializer_dates_are_accepted_and_kept(hub: HubCluster) -> None:
    client_id = configure(hub)
    body = (FIXTURES / "relay-heartbeat-request-datacontractjson.json").read_bytes()
    body = body.replace(b'"ProfileId":1,"ProfileType":1', b'"ProfileId":7,"ProfileType":1')
    reply = hub.heartbeat(client_id, body, JSON)
    assert reply.status == 200, reply.body
    assert codec_json.decode_response(reply.body).ResponseStatus is ResponseStatus.Success
    state = reported(hub, client_id)
    assert state["LastTransactionDateTime"] == "2024-11-25T07:51:02.234-05:00"
    assert state["LastErrorDateTime"] == "2024-11-25T12:51:02.234Z"


def test_camel_case_names_and_enum_names_are_served(hub: HubCluster) -> None:
    client_id = configure(hub)
    body = orjson.dumps(
        [{"profileId": 7, "profileType": "inbound", "serverStatus": 1, "lastTransactionId": 99}]
    )
    reply = hub.heartbeat(client_id, body, JSON)
    assert reply.status == 200, reply.body
    assert reported(hub, client_id)["LastTransactionId"] == "99"


@pytest.mark.parametrize(
    "date", ["/Date(abc)/", "/Date(999999999999999999)/", "/Date(1732539062234-0599)/"]
)
def test_bad_microsoft_dates_are_400_naming_the_field_and_change_nothing(
    hub: HubCluster, date: str
) -> None:
    client_id = configure(hub)
    body = orjson.dumps(
        [{"profileId": 7, "profileType": 1, "serverStatus": 1, "lastErrorDateTime": date}]
    )
    reply = hub.heartbeat(client_id, body, JSON)
    assert reply.status == 400
    answer = codec_json.decode_response(reply.body)
    assert answer.ResponseStatus is ResponseStatus.Failure
    assert "field '[0].LastErrorDateTime'" in (answer.LogMessage or "")
    view = hub.admin("GET", f"/customers/{client_id}").json()
    assert isinstance(view, dict)
    assert "7" not in view["states"].get("inbound", {})
