"""A PBX of the Yeastar S-series API v2.0.0: a real HTTP server for testing the connector.

It answers `login`, `heartbeat` and `logout` as the hub's own PBX API does (the same body
parsing and errnos, from `schemas.pbx_requests`), keeps tokens for 30 minutes from the
login or last heartbeat, and locks a source address for 10 minutes after five failed
logins in a row; time is the hub's `Clock`, so an offset file moves it. `post_event`
sends an event report to every live session as the PBX does. Every call received is
recorded in `calls`. Faults are set at runtime: `refuse`/`resume`, `stall`,
`answer_status` and `restart`. Only a heartbeat renews a token; events sent do not.
"""

import argparse
import hmac
import itertools
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from schemas.clock import Clock, read_offset, write_offset
from schemas.pbx import TOKEN_LIFE_S
from schemas.pbx_errno import SUCCESS, Errno, PbxFailure, failed
from schemas.pbx_events import KEY, V1, NotAnEvent, classify, in_version
from schemas.pbx_requests import (
    Callback,
    complete,
    heartbeat_request,
    login_request,
    merged,
    url_of,
)
from schemas.pbx_secrets import md5_hex

API = "/api/v2.0.0/"
CALLS = ("login", "heartbeat", "logout")
LIFE = timedelta(seconds=TOKEN_LIFE_S)
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=10)
MAX_CALL_BYTES = 65_536
EVENT_HEADERS = {
    "User-Agent": "WebAPI",
    "Content-Type": "application/json",
    "Accept": "application/json",
}
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Call:
    """One request as the PBX received it; `answer` is set once answered.

    `answer` is "Success", the errno of a Failed answer, or "HTTP <status>" when a
    fault status answered it instead.
    """

    name: str
    body: dict[str, Any]
    token: str | None
    at: datetime
    source: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    answer: str | None = None


@dataclass(frozen=True)
class LiveSession:
    """A live session as `sessions()` shows it."""

    token: str
    url: str
    version: str
    expires_at: datetime
    callback: Callback


@dataclass
class _Session:
    callback: Callback
    expires_at: datetime

    def view(self, token: str) -> LiveSession:
        version = self.callback.version or V1
        return LiveSession(token, url_of(self.callback), version, self.expires_at, self.callback)


@dataclass
class _Lock:
    failures: int = 0
    locked_until: datetime | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    simulator: "PbxSimulator"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "Boa/0.94.14rc21"

    def version_string(self) -> str:
        return self.server_version

    def _any(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(min(length, MAX_CALL_BYTES + 1))
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, answer = self.server.simulator.handle(
            self.command, self.path, body, self.client_address[0], headers
        )
        self.send_response(status)
        for name, value in _answer_headers(len(answer)).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer)
        self.close_connection = True

    do_POST = do_GET = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _any

    def log_message(self, format: str, *args: Any) -> None:
        return


def _answer_headers(length: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Content-Length": str(length),
        "Connection": "close",
        "Access-control-allow-origin": "*",
        "Access-control-allow-methods": "GET, POST, OPTIONS, PUT, DELETE",
    }


def _body_dict(body: bytes) -> dict[str, Any]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _token_of(path: str) -> str | None:
    values = parse_qs(urlsplit(path).query, keep_blank_values=True).get("token")
    return values[0].strip() if values else None


@dataclass
class PbxSimulator:
    """A PBX with one API user (`password` in clear; the wire carries its MD5)."""

    username: str
    password: str
    clock_file: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    event_timeout_s: float = 5.0
    on_call: Callable[[Call], None] | None = None
    calls: list[Call] = field(default_factory=list)
    clock: Clock = field(init=False)
    _sessions: dict[str, _Session] = field(default_factory=dict, init=False)
    _locks: dict[str, _Lock] = field(default_factory=dict, init=False)
    _server: _Server | None = field(default=None, init=False)
    _stall_s: float = field(default=0.0, init=False)
    _status: int | None = field(default=None, init=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False)

    def __post_init__(self) -> None:
        self.clock = Clock(self.clock_file)

    # Serving

    def start(self) -> "PbxSimulator":
        """Listen (on a free port when `port` is 0) and serve in a background thread."""
        server = _Server((self.host, self.port), _Handler)
        server.simulator = self
        self.port = int(server.server_address[1])
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening (the port is kept, so `start()` listens on it again)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    @property
    def base_url(self) -> str:
        """`http://host:port`, where the API is at `/api/v2.0.0/`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # Faults

    def refuse(self) -> None:
        """Stop listening: connections are refused until `resume()`."""
        self.stop()

    def resume(self) -> None:
        """Listen again on the same port, with the tokens and locks held before."""
        if self._server is None:
            self.start()

    def stall(self, seconds: float) -> None:
        """Answer every call `seconds` late (0 to answer at once)."""
        self._stall_s = seconds

    def answer_status(self, code: int | None) -> None:
        """Answer every call with HTTP `code` and an empty body, untouched; None to stop."""
        self._status = code

    def restart(self) -> None:
        """Forget every token and lock, as a rebooted PBX does; keep listening."""
        with self._lock:
            self._sessions.clear()
            self._locks.clear()

    def unlock(self, source: str | None = None) -> None:
        """Lift the lock of `source` (of every address when None), as an administrator can."""
        with self._lock:
            if source is None:
                self._locks.clear()
            else:
                self._locks.pop(source, None)

    # Time

    def advance_clock(self, seconds: float) -> None:
        """Move the clock file `seconds` ahead, atomically, so every reader sees it."""
        if self.clock_file is None:
            raise ValueError("the simulator has no clock file")
        path = Path(self.clock_file)
        write_offset(path, read_offset(path) + seconds)

    # Views

    def sessions(self) -> list[LiveSession]:
        """The sessions alive now, oldest expiry first."""
        now = self.clock.now()
        with self._lock:
            live = [s.view(t) for t, s in self._sessions.items() if now < s.expires_at]
        return sorted(live, key=lambda s: s.expires_at)

    def calls_named(self, name: str) -> list[Call]:
        """The calls received of one name (login, heartbeat, logout), oldest first."""
        with self._lock:
            return [c for c in self.calls if c.name == name]

    # Calls

    def handle(
        self, method: str, path: str, body: bytes, source: str, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        """One request: record it, apply the faults, answer it; (HTTP status, body)."""
        name = urlsplit(path).path.removeprefix(API).strip("/")
        at = self.clock.now()
        token = _token_of(path)
        call = Call(name, _body_dict(body), token, at, source, method, headers)
        with self._lock:
            self.calls.append(call)
        if self._stall_s > 0:
            time.sleep(self._stall_s)
        status, answer = self._fault_or_answer(call, body)
        if self.on_call is not None:
            self.on_call(call)
        return status, answer

    def _fault_or_answer(self, call: Call, body: bytes) -> tuple[int, bytes]:
        status = self._status
        if status is not None:
            call.answer = f"HTTP {status}"
            return status, b""
        answer = self._answer(call, body)
        call.answer = str(orjson.loads(answer).get("errno", "Success"))
        return 200, answer

    def _answer(self, call: Call, body: bytes) -> bytes:
        if call.method != "POST":
            return failed(Errno.NOT_POST)
        if call.name not in CALLS:
            return failed(Errno.UNSUPPORTED_REQUEST)
        if len(body) > MAX_CALL_BYTES:
            return failed(Errno.NOT_JSON)
        try:
            with self._lock:
                if call.name == "login":
                    return self._login(body, call.source)
                return self._token_call(call.name, call.token, body)
        except PbxFailure as f:
            return failed(f.errno)

    def _login(self, body: bytes, source: str) -> bytes:
        req = login_request(body)
        now = self.clock.now()
        lock = self._locks.setdefault(source, _Lock())
        if lock.locked_until is not None and now < lock.locked_until:
            raise PbxFailure(Errno.LOCKED)
        if not self._credentials_ok(req.username, req.password):
            self._failed_login(lock, now)
            raise PbxFailure(Errno.BAD_CREDENTIALS)
        self._locks.pop(source, None)
        token = secrets.token_hex(16)
        self._sessions[token] = _Session(complete(req.callback, source), now + LIFE)
        return orjson.dumps({"status": "Success", "token": token, "transport": "HTTP"})

    def _credentials_ok(self, username: str, password: str) -> bool:
        right_user = hmac.compare_digest(username.encode(), self.username.encode())
        right_password = hmac.compare_digest(password.encode(), md5_hex(self.password).encode())
        return right_user and right_password

    @staticmethod
    def _failed_login(lock: _Lock, now: datetime) -> None:
        lock.failures = 0 if lock.locked_until is not None else lock.failures
        lock.locked_until = None
        lock.failures += 1
        if lock.failures >= LOCK_AFTER:
            lock.failures, lock.locked_until = 0, now + LOCK_FOR

    def _token_call(self, name: str, token: str | None, body: bytes) -> bytes:
        if not token:
            raise PbxFailure(Errno.TOKEN_BLANK)
        change = heartbeat_request(body) if name == "heartbeat" else None
        session = self._sessions.get(token)
        if session is None:
            raise PbxFailure(Errno.NO_SUCH_TOKEN)
        now = self.clock.now()
        if now >= session.expires_at:
            raise PbxFailure(Errno.TOKEN_TIMED_OUT)
        if change is None:
            del self._sessions[token]
        else:
            session.callback = merged(session.callback, change)
            session.expires_at = now + LIFE
        return SUCCESS

    # Events

    def post_event(self, event: dict[str, Any], version: str | None = None) -> list[int]:
        """Post an event report to every live session that has a form of it, as the PBX does.

        `event` is in either version's form (an "event" or "action" key); `version` says
        which when given. Returns each post's HTTP status (-1 when it could not connect),
        in the order of `sessions()`. Each report is sent once.
        """
        body = orjson.dumps(event)
        given, name = _event_version(event, body, version)
        statuses = []
        for s in self.sessions():
            report = in_version(body, given, name, s.version)
            if report is not None:
                statuses.append(self._post(s.url, report))
        return statuses

    def _post(self, url: str, report: bytes) -> int:
        req = urllib.request.Request(url, data=report, method="POST", headers=EVENT_HEADERS)
        try:
            with _NO_PROXY.open(req, timeout=self.event_timeout_s) as resp:
                resp.read()
                return int(resp.status)
        except urllib.error.HTTPError as e:
            return int(e.code)
        except (urllib.error.URLError, OSError):
            return -1


def _event_version(event: dict[str, Any], body: bytes, version: str | None) -> tuple[str, str]:
    """The version and name of an event given as a dict; ValueError if it names none."""
    if version is None:
        try:
            return classify(body)
        except NotAnEvent as e:
            raise ValueError(str(e)) from e
    name = event.get(KEY.get(version, ""))
    if not isinstance(name, str) or not name:
        raise ValueError(f"a {version} event needs a {KEY.get(version, '?')!r} key")
    return version, name


# The command line


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m localkafka.pbx_simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8088, help="port to listen on (default 8088)")
    parser.add_argument("--username", required=True, help="the API user's name")
    parser.add_argument("--password", required=True, help="the API user's password in clear")
    parser.add_argument("--clock-file", default=None, help="clock offset file (seconds ahead)")
    parser.add_argument(
        "--event-interval",
        type=float,
        default=0.0,
        help="seconds between demo ExtensionStatus events to live sessions (0: none)",
    )
    return parser.parse_args(argv)


def _redacted(body: dict[str, Any]) -> dict[str, Any]:
    """A call's body as printed: no password, no event URL secret."""
    shown = dict(body)
    if "password" in shown:
        shown["password"] = "***"  # noqa: S105 - a mask, not a password
    url = shown.get("url")
    if isinstance(url, str) and "/events/" in url:
        shown["url"] = url.split("/events/", 1)[0] + "/events/***"
    return shown


def _print_call(call: Call) -> None:
    token = " token=***" if call.token else ""
    body = orjson.dumps(_redacted(call.body)).decode()
    line = f"{call.at:%H:%M:%S} {call.source} {call.method} {call.name}{token} {body}"
    print(f"{line} -> {call.answer}", flush=True)


def demo_event(n: int) -> dict[str, str]:
    """The `n`th demo event: extension 1000 ringing, busy, then registered again."""
    status = ("Ringing", "Busy", "Registered")[n % 3]
    return {"event": "ExtensionStatus", "extension": "1000", "status": status, "sn": "3631A2"}


def _post_demo_events(sim: PbxSimulator, interval: float) -> None:
    for n in itertools.count():
        time.sleep(interval)
        event = demo_event(n)
        statuses = sim.post_event(event)
        print(
            f"event {event['status']} posted to {len(statuses)} session(s): {statuses}", flush=True
        )


def main(argv: list[str] | None = None) -> None:
    """`python -m localkafka.pbx_simulator --username api --password s3cret`: run until Ctrl-C."""
    args = _parse_args(argv)
    sim = PbxSimulator(args.username, args.password, args.clock_file, args.host, args.port)
    sim.on_call = _print_call
    sim.start()
    print(f"PBX API on {sim.base_url}{API} (user {args.username})", flush=True)
    try:
        if args.event_interval > 0:
            _post_demo_events(sim, args.event_interval)
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
