"""PBX event reports: how to recognize one, and its form in each event version.

A v2.0.0 report names itself with an `"event"` key, a v1.0.0 report with `"action"`.
`ExtensionStatus`, `NewCdr` and `BootUp` exist in both and convert by renaming that
key alone; every other field (Yeastar's own spellings included) is passed on untouched.
Events without a counterpart go only to sessions of their own version.
"""

from typing import Any

import orjson

V1 = "1.0.0"
V2 = "2.0.0"
VERSIONS = (V1, V2)
KEY = {V1: "action", V2: "event"}
CONVERTIBLE = frozenset({"ExtensionStatus", "NewCdr", "BootUp"})
MAX_EVENT_BYTES = 65_536


class NotAnEvent(ValueError):
    """The body is not a JSON object with a string `event` or `action` key."""


def classify(body: bytes) -> tuple[str, str]:
    """The report's version and its name; raises NotAnEvent."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise NotAnEvent(f"not JSON: {e}") from e
    if not isinstance(doc, dict):
        raise NotAnEvent("not a JSON object")
    for version, key in ((V2, "event"), (V1, "action")):
        name = doc.get(key)
        if isinstance(name, str) and name:
            return version, name
    raise NotAnEvent("no 'event' (v2.0.0) or 'action' (v1.0.0) key with a name")


def in_version(body: bytes, version: str, name: str, target: str) -> bytes | None:
    """The report as a session of `target` version receives it; None if it has no form there."""
    if version == target:
        return body
    if name not in CONVERTIBLE:
        return None
    doc: dict[str, Any] = orjson.loads(body)
    rest = {k: v for k, v in doc.items() if k != KEY[version]}
    return orjson.dumps({KEY[target]: name, **rest})
