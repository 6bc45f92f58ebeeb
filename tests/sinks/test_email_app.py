"""The agent's handling of one record: decoding by kind, the table, what is sent."""

import asyncio
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, cast

import pytest

from schemas.alert_channels import ChannelKind, StoredChannel
from schemas.alert_delivery import ChannelAttempt
from schemas.enums import ProfileType
from schemas.events import ChannelTest, Health, HealthEvent, PbxConnectionEvent
from sinks.email.app import EmailSink, handle
from sinks.email.channel_send import ChannelSender
from sinks.email.settings import EmailSinkSettings
from sinks.email.smtp import Backoff, SmtpSender, SmtpServer

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Outbox(SmtpSender):
    """A sender that keeps what it is given instead of connecting."""

    def __init__(self) -> None:
        super().__init__(SmtpServer(host="127.0.0.1", port=25))
        self.sent: list[EmailMessage] = []

    def send(self, msg: EmailMessage) -> None:
        self.sent.append(msg)


async def _kept(attempt: ChannelAttempt) -> None:
    """Publishing nowhere: the agents' tests look at the queues, not at the topic."""


def sink() -> EmailSink:
    """A sink with in-memory tables and an outbox; no app, no topic."""
    return EmailSink(
        app=cast(Any, None), rules=EmailSinkSettings().rules(), sender=Outbox(),
        sender_address="hub@alerts.example", backoff=Backoff(), events=None, states={},
        attempts=None, queues={}, channels=ChannelSender(None, (), 1.0, _kept),
        channel_retry_max_s=600.0,
    )  # fmt: skip


def connection(before: str, after: str, minutes: float) -> bytes:
    """A state change of PBX p1's upstream connection, as the topic carries it."""
    return PbxConnectionEvent(
        client_id="acme", pbx_id="p1", pbx_name="Front desk", from_state=before, to_state=after,
        reason="test", at=T0 + timedelta(minutes=minutes), alert_email_list="pbx@acme.example",
    ).model_dump_json().encode()  # fmt: skip


def health(before: Health, after: Health, minutes: float) -> bytes:
    """A health change of inbound profile 7, as the topic carries it."""
    return HealthEvent(
        client_id="acme", profile_type=ProfileType.Inbound, profile_id=7, from_health=before,
        to_health=after, reason="test", at=T0 + timedelta(minutes=minutes),
        alert_email_list="ops@acme.example",
    ).model_dump_json().encode()  # fmt: skip


def handled(s: EmailSink, *records: bytes) -> list[tuple[str, str]]:
    """Handle the records in order; the (To, Subject) of each message sent."""
    for raw in records:
        asyncio.run(handle(s, raw))
    outbox = cast(Outbox, s.sender)
    return [(str(m["To"]), str(m["Subject"])) for m in outbox.sent]


def test_profile_and_pbx_connection_events_are_mailed_to_their_own_lists() -> None:
    s = sink()
    sent = handled(
        s, connection("connected", "down", 0), health(Health.up, Health.down, 1),
        connection("connected", "down", 0),  # a replay
        connection("down", "connected", 2),
    )  # fmt: skip
    assert sent == [
        ("pbx@acme.example", '[heartbeat hub] acme PBX p1 "Front desk": connected → down'),
        ("ops@acme.example", "[heartbeat hub] acme inbound 7: up → down"),
        ("pbx@acme.example", '[heartbeat hub] acme PBX p1 "Front desk": down → connected'),
    ]
    assert sorted(s.states) == ["acme/inbound/7", "acme/pbx/p1"]


def test_a_degraded_connection_sends_nothing_and_writes_nothing() -> None:
    s = sink()
    assert handled(s, connection("connected", "degraded", 0)) == []
    assert "acme/pbx/p1" not in s.states


def test_an_alert_is_recorded_and_a_later_quiet_change_leaves_it() -> None:
    s = sink()
    assert len(handled(s, health(Health.up, Health.late, 0))) == 1
    assert len(handled(s, health(Health.new, Health.up, 1))) == 1  # not alertable
    assert s.states["acme/inbound/7"].last_at == T0
    assert len(handled(s, health(Health.up, Health.late, 0))) == 1  # replayed: skipped


def test_a_record_of_an_unknown_kind_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    s = sink()
    unknown = b'{"kind": "something-new", "client_id": "acme"}'
    assert handled(s, unknown, health(Health.up, Health.late, 0)) == [
        ("ops@acme.example", "[heartbeat hub] acme inbound 7: up → late")
    ]
    assert "skipping unreadable health event" in caplog.text


def with_channels(raw: bytes, *channels: StoredChannel) -> bytes:
    """The event as a customer with these channels publishes it."""
    event = HealthEvent.model_validate_json(raw)
    return event.model_copy(update={"channels": list(channels)}).model_dump_json().encode()


HOOK = StoredChannel(
    name="ops", kind=ChannelKind.webhook, url="http://127.0.0.1:9/hook", sealed_secret=None,
    addresses=None,
)  # fmt: skip
DESK = StoredChannel(
    name="desk", kind=ChannelKind.email, url=None, sealed_secret=None,
    addresses=["desk@acme.example"],
)  # fmt: skip


def test_an_alert_is_queued_for_each_posting_channel_in_order() -> None:
    s = sink()
    handled(s, with_channels(health(Health.up, Health.down, 0), HOOK))
    handled(s, with_channels(health(Health.down, Health.up, 5), HOOK))
    queue = s.queues["acme/ops"]
    assert [q.alert.event for q in queue.alerts] == ["down", "up"]
    assert queue.alerts[0].alert.profiles[0].id == 7


def test_an_e_mail_channel_is_mailed_with_the_alert_list() -> None:
    sent = handled(sink(), with_channels(health(Health.up, Health.down, 0), DESK))
    assert sent == [("ops@acme.example, desk@acme.example", sent[0][1])]


def test_a_change_no_channel_is_told_queues_nothing() -> None:
    s = sink()
    handled(s, with_channels(health(Health.down, Health.paused, 0), HOOK))
    assert "acme/ops" not in s.queues


def test_an_e_mail_channel_s_test_is_mailed_to_its_addresses() -> None:
    s = sink()
    test = ChannelTest(client_id="acme", customer_name="Acme", channel=DESK, test_id="t1", at=T0)
    sent = handled(s, test.model_dump_json().encode())
    assert sent == [("desk@acme.example", "[heartbeat hub] acme: test of channel desk")]
    assert s.queues == {}


def test_a_webhook_channel_s_test_is_queued_marked_as_a_test() -> None:
    s = sink()
    test = ChannelTest(client_id="acme", customer_name="Acme", channel=HOOK, test_id="t2", at=T0)
    assert handled(s, test.model_dump_json().encode()) == []
    (queued,) = s.queues["acme/ops"].alerts
    assert (queued.alert.test, queued.alert.id, queued.alert.incident) == (
        True, "acme/test/t2", "test/acme/t2",
    )  # fmt: skip
