"""The PBX API's error codes: every failure is HTTP 200 with `{"status":"Failed","errno":…}`.

The codes and meanings are those of the Yeastar S-series API v2.0.0 (see the README's
table); the hub answers only the ones its login, heartbeat and logout can produce.
"""

from enum import StrEnum

import orjson


class Errno(StrEnum):
    """An errno as the wire carries it: a string of digits."""

    XML_NOT_SUPPORTED = "10002"
    UNSUPPORTED_REQUEST = "10003"
    REQUIRED_BLANK = "10004"
    NOT_JSON = "20000"
    NOT_POST = "20001"
    LOCKED = "20002"
    BAD_CREDENTIALS = "20003"
    NO_SUCH_TOKEN = "20004"  # noqa: S105
    TOKEN_BLANK = "20005"  # noqa: S105
    TOKEN_TIMED_OUT = "20006"  # noqa: S105
    BLANK_DATA = "20007"
    WRONG_PORT = "20008"
    BLANK_REQUEST = "20009"
    API_ERROR = "30001"


MEANING = {
    Errno.XML_NOT_SUPPORTED: "the body is XML; only JSON is supported",
    Errno.UNSUPPORTED_REQUEST: "no such call, or a field (version, urltag, url) has a value "
    "the hub does not support",
    Errno.REQUIRED_BLANK: "a required field is missing or blank (username, password; ipaddr "
    "on heartbeat)",
    Errno.NOT_JSON: "the body is not a JSON object",
    Errno.NOT_POST: "the method is not POST",
    Errno.LOCKED: "the caller's address is locked after five failed logins (10 minutes)",
    Errno.BAD_CREDENTIALS: "unknown username, or wrong password (its MD5)",
    Errno.NO_SUCH_TOKEN: "the token was never issued, was logged out, or is forgotten",
    Errno.TOKEN_BLANK: "no token in the query string",
    Errno.TOKEN_TIMED_OUT: "the token's 30 minutes passed without a heartbeat",
    Errno.BLANK_DATA: 'the body is JSON without data ({}, null, [] or "")',
    Errno.WRONG_PORT: "the port is not 1-65535, or the callback it forms is in a denied network",
    Errno.BLANK_REQUEST: "the body is empty",
    Errno.API_ERROR: "the hub could not record the call; try again",
}


class PbxFailure(Exception):
    """A call the PBX API answers with `Failed` and this errno."""

    def __init__(self, errno: Errno, detail: str = "") -> None:
        super().__init__(f"{errno.value}: {detail or MEANING[errno]}")
        self.errno = errno


SUCCESS = b'{"status":"Success"}'


def failed(errno: Errno) -> bytes:
    """The body of a failure answer."""
    return orjson.dumps({"status": "Failed", "errno": errno.value})
