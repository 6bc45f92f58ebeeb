"""A real .NET relay client against a real hub: DataContract XML and JSON, both ways.

tests/fixtures/dotnet/RelayClient.cs, built with Mono, sends a heartbeat as the API page
describes, written by the framework's DataContractSerializer or
DataContractJsonSerializer, and reads the answer with the same serializer into the page's
response types. What it read must be the configured profiles member for member. A member
the serializer skipped (a wrong name, namespace or order) reads as its default, so every
member has a value other than its default in at least one profile here: the orders
(desired states, commands) make the byte members non-zero.
"""

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from localkafka.hub import HubCluster
from schemas.relay import RelayInboundProfile, RelayOutboundProfile
from tests import dotnet

from .relay_helpers import until_ok

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

CUSTOMER_ID = 41
INBOUND: dict[int, dict[str, Any]] = {
    1: {
        "ProfileName": "lab results", "ApplicationName": "Lab & Imaging <LIS>", "Active": True,
        "LogLevel": "Debug", "AlertEmailList": "ops@example.com;lab@example.com",
        "LogTransactionsToDB": True, "ReceiveTCP": True, "ReceivePort": 2575,
        "ReceiveImmediateAck": True, "ReceiveFile": True,
        "ReceiveFileFolderPath": "C:\\relay\\in", "ReceiveFileExtension": ".hl7",
        "ReceiveFilePollingInterval": 30, "RelayTCP": True, "RelayIPAddress": "10.0.0.7",
        "RelayPortNumber": 6661, "RelayAckTimeout": 15, "RelayFile": True,
        "RelayFileFolderPath": "C:\\relay\\out", "RelayWebService": True,
        "RelayWebServiceURI": "https://lis.example.com/in", "RelayWebServiceTimeout": 45,
    },
    # Inactive and never reported: listed all the same, so that the client stops it.
    2: {"ProfileName": "billing", "Active": False, "ReceivePort": 2576},
}  # fmt: skip
OUTBOUND: dict[int, dict[str, Any]] = {
    1: {
        "ProfileName": "orders", "ApplicationName": "EHR", "Active": True, "LogLevel": "Info",
        "AlertEmailList": "ops@example.com", "WebServicePollingInterval": 20,
        "TransactionLimitPerRequest": 50, "RelayTCP": True, "RelayIPAddress": "10.0.0.8",
        "RelayPortNumber": 6662, "RelayAckTimeout": 25, "RelayFile": True,
        "RelayFileFolderPath": "D:\\orders",
    },
}  # fmt: skip
REPORTED_AT = datetime(2024, 11, 25, 12, 51, 2, 234000, UTC)
"""When RelayClient.cs says inbound 1's last transaction was and outbound 1's last error."""
INBOUND_1_REPORTED = {
    "ServerStatus": 1, "LastTransactionId": "tx-1",
    "LastTransactionDateTime": "2024-11-25T07:51:02.234-05:00",  # a local DateTime: its offset
    "LastError": None, "LastErrorDateTime": None,
}  # fmt: skip
OUTBOUND_1_REPORTED = {
    "ServerStatus": 6, "LastTransactionId": "tx-2",
    "LastTransactionDateTime": "2024-11-25T12:51:02.234Z",  # a UTC DateTime
    "LastError": "disk full", "LastErrorDateTime": "2024-11-25T12:51:02.234Z",
}  # fmt: skip
"""What the hub must record of the heartbeat, but for its time."""
MEDIA_TYPES = {"xml": "application/xml", "json": "application/json"}
"""The client's formats and the media type it sends and accepts in each."""
CLOCKS = timedelta(seconds=1)
"""How far the hub's clock may be from this process's, as the two read them."""
DESIRED = {"inbound/2": 2, "outbound/1": 1}
"""Stop the inactive profile, start the one in error: neither is reached by the heartbeat,
so the answer carries both (`ClientActionRequest`)."""
COMMANDS = {"inbound/1": ("reload-configuration", 4), "outbound/1": ("restart", 3)}
"""A command per reported profile, and the `PendingHeartbeatCommand` it is in the answer."""
WAIT_S = 30.0


@pytest.fixture(scope="module")
def relay_client(mono: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """RelayClient.exe, built once for the module."""
    return dotnet.build("RelayClient.cs", tmp_path_factory.mktemp("dotnet"), "System.Net.Http")


def configure(hub: HubCluster, client_id: str) -> None:
    """The customer, its profiles and their desired states."""
    customer = {"RelayCustomerID": CUSTOMER_ID, "Name": "Acme"}
    assert until_ok(lambda: hub.admin("PUT", f"/customers/{client_id}", customer), WAIT_S).ok
    for kind, profiles in (("inbound", INBOUND), ("outbound", OUTBOUND)):
        for pid, body in profiles.items():
            path = f"/customers/{client_id}/profiles/{kind}/{pid}"
            assert until_ok(lambda: hub.admin("PUT", path, body), WAIT_S).ok  # noqa: B023
    for profile, action in DESIRED.items():
        path = f"/customers/{client_id}/profiles/{profile}/desired-state"
        wanted = {"ClientActionRequest": action}
        assert until_ok(lambda: hub.admin("PUT", path, wanted), WAIT_S).ok  # noqa: B023


def queue(hub: HubCluster, client_id: str, profile: str, name: str) -> str:
    """Queue a command, visible to the next heartbeat; its id."""
    path = f"/customers/{client_id}/profiles/{profile}/commands"
    deadline = time.monotonic() + WAIT_S
    # A 503 queued nothing (partitions moving): retrying is safe.
    while (reply := hub.admin("POST", path, {"command": name})).status == 503:
        assert time.monotonic() < deadline, reply.body
        time.sleep(0.2)
    assert reply.status == 201, reply.body
    assert reply.json()["visible"] is True, reply.body
    command_id: str = reply.json()["id"]
    return command_id


def command(hub: HubCluster, client_id: str, profile: str, command_id: str) -> dict[str, Any]:
    """A command, once the hub has folded every heartbeat before the call."""
    path = f"/customers/{client_id}/profiles/{profile}/commands/{command_id}"
    deadline = time.monotonic() + WAIT_S
    while (reply := hub.admin("GET", path)).status in (202, 503) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert reply.status == 200, reply.body
    found: dict[str, Any] = reply.json()
    return found


def recorded_states(hub: HubCluster, client_id: str) -> dict[str, Any]:
    """The reported states the admin view shows, their heartbeat times as datetimes."""
    reply = hub.admin("GET", f"/customers/{client_id}")
    assert reply.status == 200, reply.body
    states: dict[str, Any] = reply.json()["states"]
    for by_id in states.values():
        for state in by_id.values():
            state["LastHeartbeatDateTime"] = datetime.fromisoformat(state["LastHeartbeatDateTime"])
    return states


def run_client(relay_client: Path, fmt: str, hub: HubCluster, client_id: str) -> dict[str, str]:
    """What the client printed, as a dict of its `Name=value` lines."""
    done = dotnet.run(relay_client, fmt, hub.url, client_id)
    # The exception's first lines say what failed; its stack would fill the screen.
    assert done.returncode == 0, "\n".join(done.stderr.decode(errors="replace").splitlines()[:4])
    lines = done.stdout.decode().splitlines()
    read = dict(line.split("=", 1) for line in lines)
    assert len(read) == len(lines), lines
    return read


def text(value: object) -> str:
    """A value as the client prints it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    return str(value)


def members(prefix: str, profile: BaseModel) -> dict[str, str]:
    """A profile's members as the client prints them, under `prefix`, but for the time of
    its last heartbeat (`heartbeat_times`)."""
    dumped = profile.model_dump(exclude={"LastHeartbeatDateTime"})
    return {f"{prefix}.{name}": text(value) for name, value in dumped.items()}


def expected_answer(content_type: str) -> dict[str, str]:
    """Everything the client must read, but for the times of the heartbeat."""
    in1, in2 = (
        RelayInboundProfile(**INBOUND[pid], RelayInboundProfileID=pid, RelayCustomerID=CUSTOMER_ID)
        for pid in (1, 2)
    )
    in1 = in1.model_copy(
        update={"ServerStatus": 1, "LastTransactionDateTime": REPORTED_AT,
                "PendingHeartbeatCommand": COMMANDS["inbound/1"][1]}
    )  # fmt: skip
    in2 = in2.model_copy(update={"ClientActionRequest": DESIRED["inbound/2"]})
    out1 = RelayOutboundProfile(
        **OUTBOUND[1], RelayOutboundProfileID=1, RelayCustomerID=CUSTOMER_ID,
        ServerStatus=6, LastTransactionDateTime=REPORTED_AT,
        ClientActionRequest=DESIRED["outbound/1"],
        PendingHeartbeatCommand=COMMANDS["outbound/1"][1],
    )  # fmt: skip
    return {
        "Status": "200", "ContentType": content_type,
        "ResponseStatus": "Success", "LogMessage": "Heartbeat accepted.",
        "InboundProfileList.Count": "2", "OutboundProfileList.Count": "1",
        **members("InboundProfileList[0]", in1), **members("InboundProfileList[1]", in2),
        **members("OutboundProfileList[0]", out1),
    }  # fmt: skip


def heartbeat_times(read: dict[str, str]) -> dict[str, datetime | None]:
    """Take the profiles' LastHeartbeatDateTime out of what the client read."""
    keys = [key for key in read if key.endswith(".LastHeartbeatDateTime")]
    texts = {key: read.pop(key) for key in keys}
    return {key: None if t == "null" else datetime.fromisoformat(t) for key, t in texts.items()}


@dataclass(frozen=True, slots=True)
class Exchange:
    """One heartbeat of the client: to whom, what it read, and when it ran."""

    fmt: str
    client_id: str
    commands: dict[str, str]  # profile -> command id
    read: dict[str, str]
    heard: dict[str, datetime | None]
    since: datetime
    until: datetime


@pytest.fixture(scope="module", params=sorted(MEDIA_TYPES))
def exchange(request: pytest.FixtureRequest, hub: HubCluster, relay_client: Path) -> Exchange:
    """A configured customer's client sends one heartbeat in the format of `params`."""
    fmt: str = request.param
    client_id = f"dotnet-{fmt}-{uuid.uuid4().hex[:8]}"
    configure(hub, client_id)
    commands = {
        profile: queue(hub, client_id, profile, name) for profile, (name, _) in COMMANDS.items()
    }
    since = datetime.now(UTC)
    read = run_client(relay_client, fmt, hub, client_id)
    heard = heartbeat_times(read)
    return Exchange(fmt, client_id, commands, read, heard, since, datetime.now(UTC))


def test_the_client_reads_every_configured_member(exchange: Exchange) -> None:
    assert exchange.read == expected_answer(MEDIA_TYPES[exchange.fmt])


def test_the_client_reads_when_each_profile_was_heard(exchange: Exchange) -> None:
    for listed in ("InboundProfileList[0]", "OutboundProfileList[0]"):
        at = exchange.heard[f"{listed}.LastHeartbeatDateTime"]
        assert at is not None
        assert exchange.since - CLOCKS <= at <= exchange.until + CLOCKS
    assert exchange.heard["InboundProfileList[1].LastHeartbeatDateTime"] is None  # never


def test_the_hub_records_what_the_client_reported(hub: HubCluster, exchange: Exchange) -> None:
    heard = exchange.heard
    assert recorded_states(hub, exchange.client_id) == {
        "inbound": {
            "1": {**INBOUND_1_REPORTED,
                  "LastHeartbeatDateTime": heard["InboundProfileList[0].LastHeartbeatDateTime"]},
        },
        "outbound": {
            "1": {**OUTBOUND_1_REPORTED,
                  "LastHeartbeatDateTime": heard["OutboundProfileList[0].LastHeartbeatDateTime"]},
        },
    }  # fmt: skip


def test_the_commands_the_client_read_are_recorded_as_delivered_once(
    hub: HubCluster, exchange: Exchange
) -> None:
    for profile, command_id in exchange.commands.items():
        delivered = command(hub, exchange.client_id, profile, command_id)
        assert (delivered["state"], delivered["deliveries"]) == ("delivered", 1), profile
