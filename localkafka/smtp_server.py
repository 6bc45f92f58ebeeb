"""A real SMTP server for tests and the fault suite: aiosmtpd on a loopback port.

It keeps every message it accepted, refuses `bounce@` recipients for good (as for an
unknown user), and can be stopped and started again on the same port, so a client
sees a server that went away and came back.
"""

import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from localkafka.broker import free_port


@dataclass(frozen=True)
class Received:
    """One message as the SMTP server took it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    at: float = field(default_factory=time.monotonic)
    """When it arrived (monotonic)."""

    @property
    def subject(self) -> str:
        """The decoded Subject."""
        return str(self.message["Subject"])

    @property
    def body(self) -> list[str]:
        """The plain-text body's lines."""
        content = self.message.get_content()
        assert isinstance(content, str)
        return content.splitlines()


class SmtpServer:
    """aiosmtpd on a fixed loopback port; it can be stopped and started again there."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> None:
        """Listen (again) on the same port."""
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening; connections are refused until start()."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        """aiosmtpd's hook: refuse `bounce@` addresses for good, as for an unknown user."""
        if address.startswith("bounce@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """aiosmtpd's hook: keep the message, accept it."""
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 OK"

    def mail(self, to: str | None = None) -> list[Received]:
        """What has arrived so far (for recipient `to`, when given), in order."""
        with self._lock:
            return [m for m in self.received if to is None or to in m.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 90.0, to: str | None = None) -> list[Received]:
        """Poll until `count` messages (for recipient `to`, when given) have arrived; all of
        them."""
        deadline = time.monotonic() + timeout
        while len(self.mail(to)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {count} messages for {to or 'anyone'} within {timeout} s")
            time.sleep(0.1)
        return self.mail(to)
