"""Deleting a customer on a real hub: everything of it goes, its history stays in SQL, and the
same clientId created again starts with nothing left over."""

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from localkafka.hub import HubCluster
from localkafka.pbx_simulator import PbxSimulator
from localkafka.receiver import Receiver
from schemas import codec_json, codec_xml
from schemas.customer_deletion import CustomerDeleted
from schemas.enums import ResponseStatus
from schemas.events import CommandEvent
from schemas.pbx_topics import ChangeKind, PbxChange
from schemas.secret_hash import secret_hash
from tests.integration.deletion_helpers import (
    as_token,
    latest,
    new_token,
    rows,
    sql_sink,
    table_key,
    tombstoned,
)
from tests.integration.events import connection_change, read_events
from tests.integration.pbx_helpers import (
    MD5,
    PASSWORD,
    Pbx,
    api,
    errno,
    make_pbx,
    session_login,
)
from tests.integration.pbx_helpers import wait_for as until
from tests.integration.relay_helpers import JSON, REPORT, until_ok
from tests.integration.upstream_helpers import connect, simulator, state

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

pytestmark = pytest.mark.integration
XML_BEAT = Path(__file__).resolve().parents[1] / "fixtures" / "relay-heartbeat-request.xml"
KEY = "k" * 24  # a relay key: access the deletion must forget


@dataclass
class Deleted:
    """A customer with everything, deleted; what the tests look at afterwards."""

    pbx: Pbx
    other: str
    command_id: str
    session_token: str
    write_token: tuple[str, str]
    read_token: tuple[str, str]
    answer: dict[str, object]
    sim: PbxSimulator
    sql: Engine

    @property
    def cid(self) -> str:
        """Its clientId."""
        return self.pbx.client_id


def furnish(hub: HubCluster, pbx: Pbx, receiver: Receiver, sim: PbxSimulator) -> tuple[str, str]:
    """An outbound profile, a heartbeat, a relay key, an alert channel, a command, a live
    session, an upstream.

    Returns the command's id and the session's token.
    """
    cid = pbx.client_id
    outbound = {"ProfileName": "orders", "Active": True}
    profile = f"/customers/{cid}/profiles/outbound/2"
    assert until_ok(lambda: hub.admin("PUT", profile, outbound), 60).ok
    assert until_ok(lambda: hub.heartbeat(cid, REPORT, JSON), 30).status == 200
    assert hub.admin("PUT", f"/customers/{cid}/access", {"Key": KEY}).ok
    hook = {"Kind": "webhook", "Url": "https://ops.example/hook"}
    assert hub.admin("PUT", f"/customers/{cid}/channels/ops", hook).ok
    path = f"/customers/{cid}/profiles/inbound/7/commands"
    command = hub.admin("POST", path, {"command": "restart"})
    assert command.status == 201, command.body
    token = session_login(hub, pbx, receiver.port, "events")
    assert connect(hub, pbx, sim).status == 200
    assert until(lambda: state(hub, pbx) == "connected", 30), state(hub, pbx)
    return str(command.json()["id"]), token


@pytest.fixture(scope="module")
def deleted(hub: HubCluster, postgres_server: str) -> Iterator[Deleted]:
    """A customer with profiles, a command, a PBX with a live session and an upstream
    connection, in two scoped tokens' reach; deleted with its write token.

    The module's last test creates the customer again.
    """
    with contextlib.ExitStack() as stack:
        sql = stack.enter_context(sql_sink(hub))
        sim = stack.enter_context(simulator(hub))
        receiver = Receiver().start()
        stack.callback(receiver.stop)
        pbx, other = make_pbx(hub), make_pbx(hub).client_id
        command_id, session_token = furnish(hub, pbx, receiver, sim)
        write = new_token(hub, [pbx.client_id, other], "write")
        read = new_token(hub, [pbx.client_id], "read")
        reply = as_token(hub, write[1], "DELETE", f"/customers/{pbx.client_id}")
        assert reply.status == 200, reply.body
        yield Deleted(pbx, other, command_id, session_token, write, read, reply.json(), sim, sql)


def test_the_answer_says_what_was_deleted(deleted: Deleted) -> None:
    assert deleted.answer["ClientId"] == deleted.cid
    assert deleted.answer["InboundProfiles"] == [7]
    assert deleted.answer["OutboundProfiles"] == [2]
    assert deleted.answer["CancelledCommands"] == [deleted.command_id]
    assert deleted.answer["Pbxes"] == ["hq"]
    assert deleted.answer["ApiUsers"] == [deleted.pbx.username]
    assert deleted.answer["EndedSessions"] == 1
    assert deleted.answer["DisconnectedUpstreams"] == ["hq"]


def test_its_heartbeats_answer_404_in_json_and_xml(hub: HubCluster, deleted: Deleted) -> None:
    said = f"Unknown clientId '{deleted.cid}': no customer is configured with this id."
    in_json = hub.heartbeat(deleted.cid, REPORT, JSON)
    assert in_json.status == 404
    answer = codec_json.decode_response(in_json.body)
    assert (answer.ResponseStatus, answer.LogMessage) == (ResponseStatus.Failure, said)
    in_xml = hub.heartbeat(deleted.cid, XML_BEAT.read_bytes(), "text/xml")
    assert in_xml.status == 404
    assert in_xml.headers["content-type"].startswith("text/xml")
    answer = codec_xml.decode_response(in_xml.body)
    assert (answer.ResponseStatus, answer.LogMessage) == (ResponseStatus.Failure, said)


def test_its_views_are_gone(hub: HubCluster, deleted: Deleted) -> None:
    cid = deleted.cid
    for path in ("", "/health", "/access", "/pbxes/hq", "/pbxes/hq/upstream"):
        assert hub.admin("GET", f"/customers/{cid}{path}").status == 404, path
    assert hub.admin("DELETE", f"/customers/{cid}").status == 404  # once


def test_its_command_is_recorded_cancelled(hub: HubCluster, deleted: Deleted) -> None:
    topic = f"{hub.prefix}command-events"
    found = read_events(hub.bootstrap, topic, deleted.cid, CommandEvent.model_validate_json, 2)
    # At least once: a cancel both the deletion and a sweep publish is one event by its id.
    mine = list(dict.fromkeys((e.command_id, e.state) for e in found))
    assert mine == [(deleted.command_id, "queued"), (deleted.command_id, "cancelled")]


def test_its_session_ended_and_its_token_is_refused(hub: HubCluster, deleted: Deleted) -> None:
    beat = api(hub, "heartbeat", {"ipaddr": "127.0.0.1"}, token=deleted.session_token)
    assert errno(beat) == "20004"
    login = api(hub, "login", {"username": deleted.pbx.username, "password": MD5})
    assert errno(login) == "20003"  # the API user went with its PBX
    topic = f"{hub.prefix}pbx-changes"
    changes = read_events(hub.bootstrap, topic, deleted.cid, PbxChange.model_validate_json, 4)
    ended = [c.session for c in changes if c.kind is ChangeKind.session_ended and c.session]
    assert [(s.end_reason, s.state) for s in ended] == [("pbx-deleted", "logged-out")]
    assert changes[-1].kind is ChangeKind.pbx_deleted


def test_its_upstream_connection_logged_out(hub: HubCluster, deleted: Deleted) -> None:
    assert until(lambda: len(deleted.sim.calls_named("logout")) == 1, 30)
    assert deleted.sim.sessions() == []
    topic = f"{hub.prefix}health-events"
    moves = read_events(hub.bootstrap, topic, deleted.cid, connection_change, 2)
    assert [m.to_state for m in moves][-1] == "disconnecting"


def changelog(hub: HubCluster, table: str) -> str:
    return f"{hub.prefix}workers-{table}-changelog"


def test_its_table_keys_are_tombstoned(hub: HubCluster, deleted: Deleted) -> None:
    cid, key = deleted.cid, f"{deleted.cid}/hq"
    expected = {
        **dict.fromkeys(
            ("customers", "profiles", "commands", "health", "customer-access", "alert-channels"),
            cid,
        ),
        "pbxes": key,
        "pbx-tokens": secret_hash(deleted.session_token),
        "pbx-users": deleted.pbx.username,
        "pbx-upstreams": key,  # once logged out
    }

    def missing() -> list[str]:
        return [t for t, k in expected.items() if not tombstoned(latest(hub, changelog(hub, t)), k)]

    assert until(lambda: not missing(), 30), missing()


def test_no_reported_state_of_it_is_left_in_its_table(hub: HubCluster, deleted: Deleted) -> None:
    # Reported states wait in memory for their partition's flush (processors.relay.states_buffer):
    # a customer deleted meanwhile may never have been written, and is then never written.
    def left() -> list[bytes]:
        found = latest(hub, changelog(hub, "profile-states"))
        return [k for k in table_key(deleted.cid) if found.get(k) is not None]

    assert until(lambda: not left(), 30), left()
    time.sleep(6)  # past the next flush (5 s): what waited was dropped, not written late
    assert not left()


def test_its_config_records_are_left_to_compaction(hub: HubCluster, deleted: Deleted) -> None:
    found = latest(hub, f"{hub.prefix}config")
    cid = deleted.cid
    keys = ("profile/{}/inbound/7", "profile/{}/outbound/2", "access/{}", "channel/{}/ops")
    for key in (k.format(cid) for k in keys):
        assert key.encode() in found, key
        assert found[key.encode()] is None, key
    last = found[f"customer/{cid}".encode()]
    assert last is not None  # the deletion itself stays, for readers that lag
    assert CustomerDeleted.model_validate_json(last).client_id == cid


def test_scoped_tokens_lose_it(hub: HubCluster, deleted: Deleted) -> None:
    write_id, write = deleted.write_token
    read_id, _ = deleted.read_token
    assert hub.admin("GET", f"/tokens/{write_id}").json()["ClientIds"] == [deleted.other]
    assert hub.admin("GET", f"/tokens/{read_id}").json()["ClientIds"] == []
    assert as_token(hub, write, "GET", f"/customers/{deleted.other}").status == 200


def of(deleted: Deleted, columns: str, table: str, cid: str | None = None) -> list[object]:
    """One column (or a tuple of them) of the rows of a customer (the deleted one's)."""
    sql = f"SELECT {columns} FROM {table} WHERE client_id = :c ORDER BY 1"  # noqa: S608
    return [tuple(r.values()) for r in rows(deleted.sql, sql, c=cid or deleted.cid)]


def test_sql_keeps_its_history_marked_deleted(deleted: Deleted) -> None:
    def settled() -> bool:
        marked = of(deleted, "profile_type, deleted_at IS NOT NULL", "profiles")
        ended = of(deleted, "end_reason", "pbx_sessions")
        return marked == [(1, True), (2, True)] and ended == [("pbx-deleted",)]

    assert until(settled, 60), of(deleted, "*", "profiles")
    assert of(deleted, "deleted_at IS NOT NULL", "customers") == [(True,)]
    assert of(deleted, "state", "commands") == [("cancelled",)]
    history = "SELECT state FROM command_history WHERE command_id = :c ORDER BY seq"
    states = [r["state"] for r in rows(deleted.sql, history, c=deleted.command_id)]
    assert states == ["queued", "cancelled"]
    assert of(deleted, "deleted", "pbxes") == [(True,)]
    assert of(deleted, "SUM(heartbeats)", "heartbeat_minutes") == [(1,)]  # history stays
    assert of(deleted, "deleted_at", "customers", deleted.other) == [(None,)]


def test_created_again_it_starts_with_nothing_left_over(hub: HubCluster, deleted: Deleted) -> None:
    cid, write = deleted.cid, deleted.write_token[1]
    assert hub.admin("PUT", f"/customers/{cid}", {"RelayCustomerID": 3, "Name": "New"}).ok
    view = hub.admin("GET", f"/customers/{cid}").json()
    assert (view["profiles"]["inbound"], view["profiles"]["outbound"]) == ({}, {})
    assert view["states"] == {"inbound": {}, "outbound": {}}
    health = hub.admin("GET", f"/customers/{cid}/health").json()
    assert (health["profiles"], health.get("pbxes", [])) == ([], [])
    assert hub.admin("GET", f"/customers/{cid}/access").json()["KeySet"] is False
    beat = hub.heartbeat(cid, REPORT, JSON)  # no key: the old customer's access is gone
    assert beat.status == 200
    assert codec_json.decode_response(beat.body).InboundProfileList == []
    assert hub.admin("GET", f"/customers/{cid}/pbxes/hq").status == 404
    assert as_token(hub, write, "GET", f"/customers/{cid}").status == 403
    claim_again(hub, cid, deleted.pbx.username)
    live = [("New", None)]
    assert until(lambda: of(deleted, "name, deleted_at", "customers") == live, 60)
    assert of(deleted, "deleted_at IS NOT NULL", "profiles") == [(True,), (True,)]


def claim_again(hub: HubCluster, cid: str, username: str) -> None:
    """The released username is free for the new customer's PBX."""
    assert hub.admin("PUT", f"/customers/{cid}/pbxes/hq", {"Name": "HQ again"}).ok
    path = f"/customers/{cid}/pbxes/hq/api-users/{username}"
    reply = hub.admin("PUT", path, {"Password": PASSWORD})
    assert reply.status == 200, reply.body
    assert reply.json()["Sessions"] == []
