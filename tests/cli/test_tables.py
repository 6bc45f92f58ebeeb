"""How answers read for people: cells, times, tables, and the views built on them."""

from typing import Any

from cli import views_customers, views_health, views_orders, views_pbx
from cli.tables import cell, fields, table, when

VIEW: dict[str, Any] = {
    "client_id": "acme",
    "customer": {
        "RelayCustomerID": 2,
        "Name": "Acme",
        "HeartbeatIntervalSeconds": 60,
        "GracePeriodSeconds": 30,
    },
    "profiles": {
        "inbound": {"7": {"ProfileName": "lab", "Active": True}},
        "outbound": {"2": {"ProfileName": "orders", "Active": False}},
        "timing": {"inbound/7": {"HeartbeatIntervalSeconds": 120, "GracePeriodSeconds": None}},
        "maintenance": {
            "outbound/2": [{"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T01:00:00Z"}]
        },
    },
    "states": {
        "inbound": {"7": {"ServerStatus": 1, "LastHeartbeatDateTime": "2026-01-02T03:04:05.12Z"}},
        "outbound": {},
    },
    "as_of": "2026-01-02T03:04:06Z",
}


def test_cells_write_yes_no_dashes_and_lists() -> None:
    assert [cell(True), cell(False), cell(None), cell(""), cell([]), cell(["a", "b"])] == [
        "yes",
        "no",
        "-",
        "-",
        "-",
        "a, b",
    ]


def test_times_are_shown_to_the_second_in_utc_with_z() -> None:
    assert when("2026-01-02T03:04:05.1234567Z") == "2026-01-02 03:04:05Z"
    assert when("2026-01-02T03:04:05.5+00:00") == "2026-01-02 03:04:05Z"
    assert when("2026-01-02T03:04:05+01:00") == "2026-01-02 03:04:05+01:00"
    assert when(None) == "-"


def test_a_table_aligns_its_columns_and_says_when_it_is_empty() -> None:
    text = table(("id", "name"), [[1, "lab"], [10, None]])
    assert text.splitlines() == ["ID  NAME", "1   lab", "10  -"]
    assert table(("id",), [], empty="nothing") == "nothing"
    assert fields([("Name", "Acme"), ("RelayCustomerID", 2)]).splitlines() == [
        "Name             Acme",
        "RelayCustomerID  2",
    ]


def test_the_customer_view_lists_its_profiles_with_their_state() -> None:
    text = views_customers.customer(VIEW)
    assert "Name                Acme" in text
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("TYPE"))
    assert lines[header + 1].split()[:5] == ["inbound", "7", "lab", "yes", "Started"]
    assert "2026-01-02 03:04:05Z" in lines[header + 1]
    assert lines[header + 2].split() == [
        "outbound",
        "2",
        "orders",
        "no",
        "-",
        "-",
        "1",
        "window(s)",
    ]


def test_one_profile_is_taken_from_the_customer_view_unchanged() -> None:
    doc = views_customers.profile_doc(VIEW, "inbound", 7)
    assert doc == {
        "profile": VIEW["profiles"]["inbound"]["7"],
        "state": VIEW["states"]["inbound"]["7"],
        "timing": VIEW["profiles"]["timing"]["inbound/7"],
        "maintenance": [],
    }
    assert views_customers.profile_doc(VIEW, "outbound", 7) is None
    text = views_customers.profile(doc)
    assert "HeartbeatIntervalSeconds  120" in text
    assert "ServerStatus" in text
    assert "Started" in text
    assert "no maintenance windows" in text


def _profile(kind: str, pid: int, health: str, reason: str) -> dict[str, object]:
    return {"type": kind, "id": pid, "health": health, "since": "2026-01-01T00:00:00Z",
            "reason": reason}  # fmt: skip


def test_health_puts_the_customer_on_top_and_the_worst_first() -> None:
    doc = {
        "customer": "down",
        "profiles": [
            _profile("inbound", 1, "up", "ok"),
            _profile("inbound", 2, "late", "r"),
            _profile("outbound", 1, "paused", "m"),
        ],
        "pbxes": [
            {
                "id": "hq",
                "health": "down",
                "reason": "no live session",
                "live_sessions": 0,
                "pending_events": 3,
                "upstream": "down",
            }
        ],
    }
    lines = views_health.health("acme", doc).splitlines()
    assert lines[0] == "Customer acme: down"
    order = [line.split()[:3] for line in lines[3:]]
    assert order == [
        ["pbx", "hq", "down"],
        ["inbound", "2", "late"],
        ["outbound", "1", "paused"],
        ["inbound", "1", "up"],
    ]
    assert "3 pending event(s), upstream down" in lines[3]


def test_health_names_the_relay_client_under_the_customer() -> None:
    client = {"health": "late", "since": "2026-03-01T12:00:00Z", "reason": "overdue"}
    doc = {"customer": "late", "client": client, "profiles": [_profile("inbound", 1, "late", "r")]}
    lines = views_health.health("acme", doc).splitlines()
    assert lines[:2] == [
        "Customer acme: late",
        "Relay client: late since 2026-03-01 12:00:00Z (overdue)",
    ]


def test_an_unknown_health_sorts_as_the_worst() -> None:
    assert views_health.severity("mystery") > views_health.severity("down")


def test_commands_and_desired_states_read_by_name() -> None:
    record = {
        "id": "c1",
        "command": "restart",
        "state": "delivered",
        "deliveries": 1,
        "max_deliveries": 3,
        "created_at": "2026-01-01T00:00:00Z",
        "expires_at": "2026-01-01T01:00:00Z",
        "history": [
            {"state": "queued", "at": "2026-01-01T00:00:00Z", "deliveries": 0},
            {"state": "delivered", "at": "2026-01-01T00:00:05Z", "deliveries": 1},
        ],
    }
    assert views_orders.commands([record]).splitlines()[1].split()[:4] == [
        "c1",
        "restart",
        "delivered",
        "1",
    ]
    assert "1 of at most 3" in views_orders.command(record)
    assert views_orders.change(record) == "2026-01-01 00:00:05Z  delivered  (1 deliveries)"
    desired = views_orders.desired_state({"action": 2, "set_at": "2026-01-01T00:00:00Z"})
    assert "stop" in desired
    assert "not yet" in desired


def test_sessions_and_upstream_views() -> None:
    session = {
        "Id": "s1",
        "User": "api",
        "CallbackUrl": "http://127.0.0.1:9000/events",
        "Version": "2.0.0",
        "Created": "2026-01-01T00:00:00Z",
        "LastSeen": "2026-01-01T00:10:00Z",
        "ExpiresAt": "2026-01-01T00:40:00Z",
        "State": "alive",
        "PendingEvents": 0,
        "FailedAttempts": 0,
        "LastError": None,
    }
    lines = views_pbx.sessions([session]).splitlines()
    assert lines[0].split()[:4] == ["ID", "USER", "STATE", "CALLBACK"]
    assert lines[1].split()[:3] == ["s1", "api", "alive"]
    assert views_pbx.sessions([]) == "no sessions"
    text = views_pbx.upstream({"State": "connected", "LastLoginAt": "2026-01-01T00:00:00.5Z"})
    assert text.splitlines() == ["State        connected", "LastLoginAt  2026-01-01 00:00:00Z"]
