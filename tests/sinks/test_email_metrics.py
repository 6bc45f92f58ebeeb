"""The e-mail sink's counters: messages sent, retried and refused by the send loop."""

import asyncio
from email.message import EmailMessage

from schemas import metric_names as names
from sinks.email.metrics import REGISTRY
from sinks.email.smtp import (
    Backoff,
    SmtpRejected,
    SmtpSender,
    SmtpServer,
    SmtpUnavailable,
    send_until_accepted,
)


class Flaky(SmtpSender):
    """Raises the given errors in turn, then accepts."""

    def __init__(self, *errors: Exception) -> None:
        super().__init__(SmtpServer(host="127.0.0.1", port=25))
        self.errors = list(errors)

    def send(self, msg: EmailMessage) -> None:
        if self.errors:
            raise self.errors.pop(0)


def counted() -> tuple[float, float, float]:
    """Sent, retried, refused, so far."""

    def of(name: str) -> float:
        return REGISTRY.get_sample_value(name) or 0.0

    return of(names.EMAILS_SENT), of(names.EMAIL_RETRIES), of(names.EMAILS_REJECTED)


def send(sender: SmtpSender) -> bool:
    """Run the send loop with a backoff short enough for a test."""
    return asyncio.run(send_until_accepted(sender, EmailMessage(), Backoff(0.001, 0.001)))


def test_a_message_sent_after_two_transient_failures_counts_two_retries() -> None:
    sent, retried, refused = counted()
    assert send(Flaky(SmtpUnavailable("busy"), SmtpUnavailable("busy")))
    assert counted() == (sent + 1, retried + 2, refused)


def test_a_message_refused_for_good_is_counted_as_rejected() -> None:
    sent, retried, refused = counted()
    assert not send(Flaky(SmtpRejected("550")))
    assert counted() == (sent, retried, refused + 1)
