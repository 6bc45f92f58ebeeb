"""Enumerations of the relay heartbeat contract.

Member names of the wire enums are the spellings the DataContract XML writes
(`Inbound`, `Started`, `Success`); JSON writes their numbers. The byte fields
`ClientActionRequest` and `PendingHeartbeatCommand` travel as plain numbers, so
the models keep them as ints and these enums name the values the hub assigns.
"""

from enum import IntEnum


class ProfileType(IntEnum):
    """Direction of a relay profile."""

    Inbound = 1
    Outbound = 2


class ServerStatus(IntEnum):
    """State a relay client reports for one profile."""

    Started = 1
    Stopped = 2
    Starting = 3
    Stopping = 4
    Paused = 5
    Error = 6


class ResponseStatus(IntEnum):
    """Outcome of a heartbeat call."""

    Success = 1
    Failure = 2


class ClientAction(IntEnum):
    """Operator's desired state of a profile (`ClientActionRequest`)."""

    NONE = 0
    START = 1
    STOP = 2


class HeartbeatCommand(IntEnum):
    """One-shot command delivered with a heartbeat answer (`PendingHeartbeatCommand`)."""

    NONE = 0
    START = 1
    STOP = 2
    RESTART = 3
    RELOAD_CONFIGURATION = 4
    UPLOAD_LOGS = 5
