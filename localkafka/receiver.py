"""An application server's event receiver: a real HTTP server recording what it is sent.

Tests, benchmarks and the demo point PBX API sessions at it. `status` sets what it
answers (200 by default); `stall_s` makes it answer late; every request is recorded.
It speaks HTTP/1.1 and keeps connections open between requests, as the web servers of
application servers do (a thread per connection); `stop()` closes them too.
"""

import contextlib
import socket
import ssl
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass
class Received:
    """One request as the receiver got it."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int

    def json(self) -> Any:
        """The body parsed as JSON."""
        return orjson.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A connection closed under its thread (by the peer, or by `stop()`) is no error.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


@dataclass
class Receiver:
    """Listens on 127.0.0.1 at a free port until `stop()`."""

    status: int = 200
    stall_s: float = 0.0
    tls: ssl.SSLContext | None = None
    """Serve https with this server context (a test's own certificate) instead of http."""
    received: list[Received] = field(default_factory=list)
    _server: _Server | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _open: set[socket.socket] = field(default_factory=set)

    def start(self) -> "Receiver":
        """Start serving in a background thread."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with owner._lock:
                    owner._open.add(self.connection)

            def finish(self) -> None:
                with owner._lock:
                    owner._open.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                if owner.stall_s:
                    time.sleep(owner.stall_s)
                status = owner.status
                headers = {k.lower(): v for k, v in self.headers.items()}
                with owner._lock:
                    owner.received.append(
                        Received(self.path, headers, body, time.monotonic(), status)
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = _Server(("127.0.0.1", 0), Handler)
        if self.tls is not None:  # handshakes on accept; a refused one drops the connection
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def port(self) -> int:
        """The port it listens on."""
        assert self._server is not None
        return int(self._server.server_address[1])

    def accepted(self, path: str | None = None) -> list[Received]:
        """The requests it answered 2xx (on `path`, when given), oldest first."""
        with self._lock:
            return [
                r
                for r in self.received
                if 200 <= r.status < 300 and (path is None or r.path == path)
            ]

    def stop(self) -> None:
        """Stop listening, and close the connections kept open."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with self._lock:
            kept, self._open = list(self._open), set()
        for conn in kept:
            with contextlib.suppress(OSError):  # already closed by the peer
                conn.shutdown(socket.SHUT_RDWR)


def main() -> None:
    """`python -m localkafka.receiver [port]`: print every event posted to it, answer 200."""
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8260

    class Printing(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            agent = self.headers.get("user-agent")
            print(f"{self.path} ({agent}): {body.decode(errors='replace')}", flush=True)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    print(f"receiving events on http://127.0.0.1:{port}/", flush=True)
    with ThreadingHTTPServer(("127.0.0.1", port), Printing) as server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            return


if __name__ == "__main__":
    main()
