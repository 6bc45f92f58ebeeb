"""A customer's health for people: the overall health, then profiles and PBXes, worst first."""

from typing import Any

from cli.tables import NONE, blocks, table, when
from schemas.events import Health
from schemas.health import SEVERITY

HEADERS = ("kind", "id", "health", "since", "reason")
UNKNOWN = len(SEVERITY)  # a health this version does not know sorts as the worst


def severity(health: object) -> int:
    """How bad a health is (higher is worse)."""
    try:
        return SEVERITY[Health(str(health))]
    except ValueError:
        return UNKNOWN


def _pbx_reason(pbx: dict[str, Any]) -> str:
    detail = f"{pbx['live_sessions']} live session(s), {pbx['pending_events']} pending event(s)"
    if pbx.get("upstream"):
        detail += f", upstream {pbx['upstream']}"
    return f"{pbx['reason']} ({detail})"


def rows(doc: dict[str, Any]) -> list[list[object]]:
    """Profiles and PBXes, worst first; ties keep the hub's order (by type and id)."""
    items: list[list[object]] = [
        [p["type"], p["id"], p["health"], when(p["since"]), p["reason"]] for p in doc["profiles"]
    ]
    items += [["pbx", x["id"], x["health"], NONE, _pbx_reason(x)] for x in doc.get("pbxes", [])]
    return sorted(items, key=lambda row: -severity(row[2]))


def health(client_id: str, doc: dict[str, Any]) -> str:
    """The customer's overall health and its relay client's on top, then the table."""
    head = f"Customer {client_id}: {doc['customer']}"
    client = doc.get("client")
    if client:
        head += (
            f"\nRelay client: {client['health']} since {when(client['since'])} ({client['reason']})"
        )
    return blocks(head, table(HEADERS, rows(doc), empty="no profiles or PBXes"))
