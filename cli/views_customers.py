"""How customers and their profiles read for people (the customer view of the admin API)."""

from typing import Any

from cli.tables import NONE, blocks, fields, table, when
from schemas.enums import ServerStatus

KINDS = ("inbound", "outbound")
PROFILE_HEADERS = ("type", "id", "name", "active", "status", "last heartbeat", "maintenance")


def status_name(value: object) -> str:
    """A reported ServerStatus by name (`Started`), a dash when never reported."""
    if not isinstance(value, int) or value not in ServerStatus._value2member_map_:
        return NONE if value in (None, 0) else str(value)
    return ServerStatus(value).name


def _profile_row(view: dict[str, Any], kind: str, pid: str) -> list[object]:
    profile = view["profiles"][kind][pid]
    state = view["states"][kind].get(pid) or {}
    windows = view["profiles"]["maintenance"].get(f"{kind}/{pid}", [])
    return [
        kind,
        pid,
        profile.get("ProfileName"),
        profile.get("Active"),
        status_name(state.get("ServerStatus")),
        when(state.get("LastHeartbeatDateTime")),
        f"{len(windows)} window(s)" if windows else None,
    ]


def profile_rows(view: dict[str, Any]) -> list[list[object]]:
    """One row per configured profile, inbound then outbound, by id."""
    return [
        _profile_row(view, kind, pid)
        for kind in KINDS
        for pid in sorted(view["profiles"][kind], key=int)
    ]


def customer(view: dict[str, Any]) -> str:
    """The customer's settings, then a table of its profiles."""
    c = view["customer"]
    head = fields(
        [
            ("Customer", view["client_id"]),
            ("Name", c["Name"]),
            ("RelayCustomerID", c["RelayCustomerID"]),
            ("Heartbeat interval", f"{c['HeartbeatIntervalSeconds']} s"),
            ("Grace period", f"{c['GracePeriodSeconds']} s"),
        ]
    )
    return blocks(head, table(PROFILE_HEADERS, profile_rows(view), empty="no profiles"))


def profile_doc(view: dict[str, Any], kind: str, pid: int) -> dict[str, Any] | None:
    """One profile's parts of the customer view, unchanged; None when it has no such profile."""
    key = str(pid)
    if key not in view["profiles"][kind]:
        return None
    return {
        "profile": view["profiles"][kind][key],
        "state": view["states"][kind].get(key),
        "timing": view["profiles"]["timing"].get(f"{kind}/{pid}"),
        "maintenance": view["profiles"]["maintenance"].get(f"{kind}/{pid}", []),
    }


def windows(items: list[dict[str, Any]]) -> str:
    """Maintenance windows as a table."""
    rows = [[when(w["start"]), when(w["end"]), w.get("reason")] for w in items]
    return table(("start", "end", "reason"), rows, empty="no maintenance windows")


def _state_pairs(state: dict[str, Any]) -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = [("ServerStatus", status_name(state.get("ServerStatus")))]
    for name, value in state.items():
        if name != "ServerStatus":
            pairs.append((name, when(value) if name.endswith("DateTime") else value))
    return pairs


def profile(doc: dict[str, Any]) -> str:
    """A profile's configuration, its timing overrides, last reported state and windows."""
    timing = [(k, "customer's" if v is None else v) for k, v in (doc["timing"] or {}).items()]
    config = fields([*doc["profile"].items(), *timing])
    state = fields(_state_pairs(doc["state"])) if doc["state"] else "never reported"
    return blocks(config, state, windows(doc["maintenance"]))


def imported(counts: dict[str, Any]) -> str:
    """The answer of an import."""
    return f"imported {counts['customers']} customer(s), {counts['profiles']} profile(s)"


def deletion(doc: dict[str, Any]) -> str:
    """What deleting a customer removed (the answer of `DELETE /admin/customers/{clientId}`)."""
    return fields(
        [
            ("Deleted customer", doc["ClientId"]),
            ("At", when(doc["DeletedAt"])),
            ("Inbound profiles", doc["InboundProfiles"]),
            ("Outbound profiles", doc["OutboundProfiles"]),
            ("Cancelled commands", doc["CancelledCommands"]),
            ("PBXes", doc["Pbxes"]),
            ("API users released", doc["ApiUsers"]),
            ("Sessions ended", doc["EndedSessions"]),
            ("Upstreams logged out", doc["DisconnectedUpstreams"]),
        ]
    )
