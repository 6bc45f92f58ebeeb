"""A real HTTP server on loopback that answers what a test scripts, for the client's tests."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

from localkafka.stopping import Stopping


@dataclass
class Answer:
    """One scripted answer."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer(Stopping):
    """Answers requests in order from `answers` (the last one repeats); records `requests`."""

    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.requests: list[Seen] = []
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self._http.serve_forever(poll_interval=0.02)

    @property
    def url(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def script(self, *answers: Answer) -> None:
        """The answers to give, in order."""
        self.answers = list(answers)

    def _next(self) -> Answer:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                server.requests.append(
                    Seen(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
                answer = server._next()
                time.sleep(answer.delay_s)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_PUT = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        return Handler

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(5)
