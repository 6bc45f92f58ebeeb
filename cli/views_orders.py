"""How desired states and one-shot commands read for people."""

from typing import Any

from cli.tables import NONE, blocks, fields, table, when
from schemas.enums import ClientAction

COMMAND_HEADERS = ("id", "command", "state", "deliveries", "created", "expires")


def action_name(value: object) -> str:
    """A ClientActionRequest number by name: none, start, stop."""
    if isinstance(value, int) and value in ClientAction._value2member_map_:
        return ClientAction(value).name.lower()
    return str(value)


def desired_state(doc: dict[str, Any]) -> str:
    """The profile's desired state and whether it was reached."""
    return fields(
        [
            ("Desired state", action_name(doc.get("action", 0))),
            ("Set at", when(doc.get("set_at"))),
            ("Reached at", _reached(doc)),
        ]
    )


def _reached(doc: dict[str, Any]) -> str:
    if doc.get("reached_at"):
        return when(doc["reached_at"])
    return "not yet" if doc.get("set_at") else NONE


def command_row(rec: dict[str, Any]) -> list[object]:
    """A command as one table row."""
    return [
        rec["id"],
        rec["command"],
        rec["state"],
        rec["deliveries"],
        when(rec["created_at"]),
        when(rec["expires_at"]),
    ]


def commands(records: list[dict[str, Any]]) -> str:
    """A profile's commands, oldest first as the hub lists them."""
    return table(COMMAND_HEADERS, [command_row(r) for r in records], empty="no commands")


def command(rec: dict[str, Any]) -> str:
    """One command and every change of its state."""
    head = fields(
        [
            ("Command", f"{rec['command']} ({rec['id']})"),
            ("State", rec["state"]),
            ("Deliveries", f"{rec['deliveries']} of at most {rec['max_deliveries']}"),
            ("Created", when(rec["created_at"])),
            ("Expires", when(rec["expires_at"])),
        ]
    )
    steps = [[s["state"], when(s["at"]), s["deliveries"]] for s in rec["history"]]
    return blocks(head, table(("state", "at", "deliveries"), steps))


def change(rec: dict[str, Any]) -> str:
    """One line for a watched command's new state."""
    at = rec["history"][-1]["at"] if rec["history"] else None
    return f"{when(at)}  {rec['state']}  ({rec['deliveries']} deliveries)"
