"""The failures of the `hub` command and their exit codes.

0 success; 1 the hub refused the request (4xx) or a watched command did not succeed;
2 a usage error (click's own); 3 the hub is unreachable or failed (5xx, timeout);
4 a watch timed out before the command finished.
"""

import click

REFUSED = 1
UNAVAILABLE = 3
WATCH_TIMEOUT = 4


class ApiRefused(click.ClickException):
    """The hub answered 4xx: its `error` message, and the status."""

    exit_code = REFUSED

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{message} (HTTP {status})")
        self.status = status
        self.reason = message


class NotFound(click.ClickException):
    """Something the hub's answer does not hold (the hub itself answered 200)."""

    exit_code = REFUSED


class HubUnavailable(click.ClickException):
    """The hub could not be reached, did not answer in time, or answered 5xx."""

    exit_code = UNAVAILABLE


class NotAcknowledged(click.ClickException):
    """A watched command finished in a state other than `acknowledged`."""

    exit_code = REFUSED


class WatchTimeout(click.ClickException):
    """A watched command had not finished when the watch's time ran out."""

    exit_code = WATCH_TIMEOUT
