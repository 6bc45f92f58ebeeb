"""A small blocking client of the admin API (standard library only).

Every answer outside 2xx becomes an exception carrying the hub's `error` message:
`ApiRefused` for 4xx, `HubUnavailable` for 5xx, timeouts and refused connections.
A 503 (the hub asks to retry shortly) is sent again, for idempotent requests only,
until `retry_for_s` has passed. The token travels only in the Authorization header.
"""

import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from cli.errors import ApiRefused, HubUnavailable

JSON = "application/json"
RETRY_PAUSE_S = 1.0


@dataclass(frozen=True)
class Reply:
    """Status and body of one answer."""

    status: int
    body: bytes
    retry_after_s: float = RETRY_PAUSE_S

    @property
    def text(self) -> str:
        """The body as text, exactly as the hub sent it."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; HubUnavailable when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise HubUnavailable(f"the answer is not JSON (is HUB_URL the hub?): {e}") from e


def error_message(reply: Reply) -> str:
    """The hub's `error` message, else the start of the body."""
    try:
        doc = json.loads(reply.body)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("error"), str):
        return str(doc["error"])
    return reply.text.strip()[:200] or _phrase(reply.status)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "no message"


def checked(reply: Reply) -> Reply:
    """The reply if it is 2xx; otherwise the matching exception."""
    if 200 <= reply.status < 300:
        return reply
    message = error_message(reply)
    if 400 <= reply.status < 500:
        raise ApiRefused(reply.status, message)
    raise HubUnavailable(f"the hub failed: {message} (HTTP {reply.status})")


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else RETRY_PAUSE_S
    except ValueError:
        return RETRY_PAUSE_S


class Client:
    """Requests to one hub with one token; `call` returns only 2xx answers."""

    def __init__(self, base_url: str, token: str, timeout_s: float, retry_for_s: float) -> None:
        self.base_url = base_url
        self._token = token
        self.timeout_s = timeout_s
        self.retry_for_s = retry_for_s

    def __repr__(self) -> str:
        return f"Client({self.base_url!r})"

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str = JSON,
        retry: bool | None = None,
    ) -> Reply:
        """Send a request; 503s are retried for GET and PUT unless `retry` says otherwise."""
        retry = method in ("GET", "PUT") if retry is None else retry
        deadline = time.monotonic() + self.retry_for_s
        reply = self.once(method, path, body, content_type)
        while reply.status == 503 and retry:
            pause = reply.retry_after_s
            if time.monotonic() + pause > deadline:
                break
            time.sleep(pause)
            reply = self.once(method, path, body, content_type)
        return checked(reply)

    def send_json(self, method: str, path: str, doc: object) -> Reply:
        """Send `doc` as the JSON body."""
        return self.call(method, path, json.dumps(doc).encode())

    def once(self, method: str, path: str, body: bytes | None, content_type: str) -> Reply:
        """One request, whatever its status; HubUnavailable when there is no answer."""
        headers = {"Authorization": f"Bearer {self._token}", "Accept": JSON}
        if body is not None:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                return Reply(answer.status, answer.read())
        except urllib.error.HTTPError as e:
            return Reply(e.code, e.read(), _retry_after(e.headers.get("Retry-After")))
        except TimeoutError as e:
            raise self._unavailable(f"no answer within {self.timeout_s:g} s") from e
        except urllib.error.URLError as e:
            raise self._unavailable(_reason(e.reason)) from e
        except (OSError, http.client.HTTPException) as e:
            raise self._unavailable(_reason(e)) from e

    def _unavailable(self, why: str) -> HubUnavailable:
        return HubUnavailable(
            f"cannot reach the hub at {self.base_url}: {why} (check HUB_URL or --url)"
        )


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return "no answer in time"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason)
