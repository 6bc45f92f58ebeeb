"""Handing messages to an SMTP server: the sender, its errors, and the retry loop."""

import asyncio
import contextlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from sinks.email import metrics

log = logging.getLogger(__name__)


class SmtpError(Exception):
    """Root of the e-mail sink's errors."""


class SmtpUnavailable(SmtpError):
    """The server could not take the message now (down, busy, misconfigured); retry later."""


class SmtpRejected(SmtpError):
    """The server refused this message for good (5xx for every recipient, or its content)."""


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where to send and how to log in."""

    host: str
    port: int
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout_s: float = 30.0


class SmtpSender:
    """Sends each message over a connection of its own (alerts are few; no pool to go stale).

    Contract of `send`: raises SmtpUnavailable on a transient error, SmtpRejected when
    the message is refused for good, returns None once the server has accepted it.
    """

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def send(self, msg: EmailMessage) -> None:
        """Deliver `msg` to its To addresses; blocking."""
        try:
            refused = self._transact(msg)
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _ in e.recipients.values()]
            error = SmtpRejected if all(code >= 500 for code in codes) else SmtpUnavailable
            raise error(f"every recipient refused: {e.recipients}") from e
        except smtplib.SMTPDataError as e:
            error = SmtpRejected if e.smtp_code >= 500 else SmtpUnavailable
            raise error(f"message refused: {e.smtp_code} {e.smtp_error!r}") from e
        except (smtplib.SMTPException, OSError) as e:
            raise SmtpUnavailable(f"{type(e).__name__}: {e}") from e
        if refused:
            log.warning("%s: some recipients refused: %s", msg["Message-ID"], refused)

    def _transact(self, msg: EmailMessage) -> dict[str, tuple[int, bytes]]:
        server = self.server
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout_s)
        try:
            if server.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if server.username:
                smtp.login(server.username, server.password or "")
            return smtp.send_message(msg)
        finally:
            _close(smtp)


def _close(smtp: smtplib.SMTP) -> None:
    # The message is either accepted or not by now; a failing QUIT must not make an
    # accepted message look failed (it would be sent again).
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.quit()
    smtp.close()


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential backoff between delivery attempts."""

    initial_s: float = 1.0
    max_s: float = 60.0


async def send_until_accepted(sender: SmtpSender, msg: EmailMessage, backoff: Backoff) -> bool:
    """Retry until the server accepts `msg` (True) or refuses it for good (False)."""
    delay = backoff.initial_s
    while True:
        try:
            await asyncio.to_thread(sender.send, msg)
            metrics.SENT.inc()
            return True
        except SmtpRejected:
            metrics.REJECTED.inc()
            log.exception("%s refused for good; not retried", msg["Message-ID"])
            return False
        except SmtpUnavailable as e:
            metrics.RETRIES.inc()
            log.warning("SMTP unavailable (%s); retrying %s in %.1f s", e, msg["Message-ID"], delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, backoff.max_s)
