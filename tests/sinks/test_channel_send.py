"""The channels' sender against a real HTTP receiver: each outcome of an attempt."""

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from localkafka.receiver import Receiver
from schemas.alert_channels import ChannelRequest, StoredChannel
from schemas.alert_delivery import AttemptOutcome, ChannelAttempt, ChannelQueue
from schemas.enums import ProfileType
from schemas.events import Health, HealthEvent
from schemas.pbx_callback import networks
from sinks.email.channel_queue import alert_of, enqueue
from sinks.email.channel_send import ChannelSender

KEY = Fernet.generate_key()
SECRET = "sign-with-this-secret"  # noqa: S105 - a test value
NOW = datetime.now(UTC)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


async def _nowhere(attempt: ChannelAttempt) -> None:
    """Not published: these tests look at the attempt itself."""


def queue(url: str, queued_at: datetime = NOW) -> ChannelQueue:
    request = ChannelRequest.model_validate({"Kind": "webhook", "Url": url, "Secret": SECRET})
    event = HealthEvent(
        client_id="acme", profile_type=ProfileType.Inbound, profile_id=7, from_health=Health.up,
        to_health=Health.down, reason="no heartbeat", at=NOW,
    )  # fmt: skip
    found = alert_of(event)
    assert found is not None
    return enqueue(None, StoredChannel.from_request(KEY, "ops", request), found, queued_at)


def sender(denied: str = "169.254.0.0/16") -> ChannelSender:
    return ChannelSender(KEY, networks([denied]), 2.0, _nowhere)


async def test_a_webhook_is_posted_signed_and_delivered(receiver: Receiver) -> None:
    q = queue(f"http://127.0.0.1:{receiver.port}/hook")
    done = await sender().attempt(q, q.alerts[0])
    assert (done.outcome, done.status, done.attempt) == (AttemptOutcome.delivered, 200, 1)
    (got,) = receiver.accepted()
    expected = "sha256=" + hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["x-hub-signature-256"] == expected
    assert got.headers["x-hub-event-id"] == q.alerts[0].alert.id
    assert got.headers["user-agent"] == "heartbeat-hub"
    assert SECRET.encode() not in got.body


async def test_an_error_status_is_a_failed_attempt(receiver: Receiver) -> None:
    receiver.status = 503
    q = queue(f"http://127.0.0.1:{receiver.port}/hook")
    done = await sender().attempt(q, q.alerts[0])
    assert (done.outcome, done.status) == (AttemptOutcome.failed, 503)


async def test_a_url_in_a_denied_network_is_not_posted(receiver: Receiver) -> None:
    q = queue(f"http://127.0.0.1:{receiver.port}/hook")
    done = await sender(denied="127.0.0.0/8").attempt(q, q.alerts[0])
    assert done.outcome is AttemptOutcome.denied
    assert receiver.received == []


async def test_an_alert_queued_over_a_day_ago_is_given_up_unsent(receiver: Receiver) -> None:
    q = queue(f"http://127.0.0.1:{receiver.port}/hook", NOW - timedelta(days=1, seconds=1))
    done = await sender().attempt(q, q.alerts[0])
    assert done.outcome is AttemptOutcome.expired
    assert receiver.received == []


async def test_without_the_key_a_sealed_secret_fails_naming_it(receiver: Receiver) -> None:
    q = queue(f"http://127.0.0.1:{receiver.port}/hook")
    done = await ChannelSender(None, (), 2.0, _nowhere).attempt(q, q.alerts[0])
    assert done.outcome is AttemptOutcome.failed
    assert "HUB_SECRET_KEY" in (done.error or "")
    assert receiver.received == []


async def test_a_host_name_resolving_into_a_denied_network_is_not_posted(
    receiver: Receiver,
) -> None:
    q = queue(f"http://localhost:{receiver.port}/hook")
    done = await sender(denied="127.0.0.0/8").attempt(q, q.alerts[0])
    assert done.outcome is AttemptOutcome.denied
    assert receiver.received == []
