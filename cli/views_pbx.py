"""How PBXes, their sessions and upstream connections read for people."""

from typing import Any

from cli.tables import fields, table, when

SESSION_HEADERS = (
    "id",
    "user",
    "state",
    "callback",
    "version",
    "last seen",
    "expires",
    "pending",
    "failed",
    "last error",
)
TIME_SUFFIXES = ("At", "Since", "Until")


def pbx(view: dict[str, Any]) -> str:
    """The PBX, its event URL, API users and how many sessions it has."""
    sessions = view["Sessions"]
    alive = sum(s["State"] == "alive" for s in sessions)
    return fields(
        [
            ("PBX", f"{view['ClientId']}/{view['PbxId']}"),
            ("Name", view["Name"]),
            ("Serial number", view["SerialNumber"]),
            ("Alert e-mails", view["AlertEmailList"]),
            ("Event URL", view["EventUrl"]),
            ("API users", view["ApiUsers"]),
            ("Sessions", f"{len(sessions)} ({alive} alive)"),
        ]
    )


def session_row(s: dict[str, Any]) -> list[object]:
    """A session as one table row."""
    return [
        s["Id"],
        s["User"],
        s["State"],
        s["CallbackUrl"],
        s["Version"],
        when(s["LastSeen"]),
        when(s["ExpiresAt"]),
        s["PendingEvents"],
        s["FailedAttempts"],
        s["LastError"],
    ]


def sessions(items: list[dict[str, Any]]) -> str:
    """The PBX's sessions as a table."""
    return table(SESSION_HEADERS, [session_row(s) for s in items], empty="no sessions")


def upstream(view: dict[str, Any]) -> str:
    """The upstream connection's settings and state, in the hub's order."""
    return fields([(k, when(v) if k.endswith(TIME_SUFFIXES) else v) for k, v in view.items()])
