"""The e-mail sink against the real broker and a real SMTP server (aiosmtpd).

Every test ends its burst of events with a "barrier": one more alertable change of
the same client. Events of one client are handled in order, so once the barrier's
mail has arrived every earlier event has been handled, and the count of mail is
final without sleeping.
"""

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaProducer

from localkafka.broker import LocalBroker
from localkafka.process import ServiceProcess
from localkafka.smtp_server import Received, SmtpServer
from processors.create_topics import ensure_topics
from schemas.enums import ProfileType
from schemas.events import Health, HealthEvent, PbxConnectionEvent
from schemas.settings import KafkaSettings
from schemas.topics import TopicNames

PARTITIONS = 2
MAIL_TIMEOUT = 90.0
SENDER = "hub@alerts.example"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` every 0.1 s; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.1)


@dataclass
class Rig:
    """Fresh topics, an SMTP server, the sink as a child process, and a producer."""

    bootstrap: str
    prefix: str
    smtp: SmtpServer
    sink: ServiceProcess
    producer: KafkaProducer

    def produce(self, *events: HealthEvent | PbxConnectionEvent) -> None:
        """Publish events keyed by clientId, as the processors do, acknowledged by all."""
        topic = TopicNames(self.prefix).health_events
        futures = [
            self.producer.send(topic, key=e.client_id.encode(), value=e.model_dump_json().encode())
            for e in events
        ]
        for future in futures:
            future.get(timeout=30)

    def sink_log(self) -> str:
        """The sink's output so far."""
        assert self.sink.log_path is not None
        return self.sink.log_path.read_text(errors="replace")

    def mail(self, count: int) -> list[Received]:
        """Wait for `count` messages, with the sink's log in the failure message."""
        try:
            return self.smtp.wait_for(count)
        except AssertionError as e:
            got = [m.subject for m in self.smtp.mail()]
            raise AssertionError(f"{e}; got {got}\n{self.sink.log_tail()}") from e


@pytest.fixture
def rig(kafka_broker: LocalBroker, tmp_path: Path) -> Iterator[Rig]:
    """A sink on its own topics, mailing to an SMTP server of its own."""
    prefix = f"t{uuid.uuid4().hex[:10]}."
    ensure_topics(
        KafkaSettings(
            kafka_bootstrap=kafka_broker.bootstrap, topic_prefix=prefix, partitions=PARTITIONS
        )
    )
    smtp = SmtpServer()
    smtp.start()
    env = {
        "HUB_KAFKA_BOOTSTRAP": kafka_broker.bootstrap,
        "HUB_TOPIC_PREFIX": prefix,
        "HUB_PARTITIONS": str(PARTITIONS),
        "HUB_SMTP_HOST": "127.0.0.1",
        "HUB_SMTP_PORT": str(smtp.port),
        "HUB_SMTP_FROM": SENDER,
        "HUB_SMTP_TIMEOUT_S": "5",
        "HUB_SMTP_RETRY_INITIAL_S": "0.2",
        "HUB_SMTP_RETRY_MAX_S": "1",
        "HUB_FLAP_MAX_TRANSITIONS": "3",
        "HUB_FLAP_WINDOW_S": "600",
        "HUB_EMAIL_WEB_PORT": "0",
        "HUB_EMAIL_DATA_DIR": str(tmp_path / "sink"),
        "HUB_LOG_LEVEL": "info",
    }
    sink = ServiceProcess("email", "sinks.email", env, tmp_path / "email.log")
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap, acks="all")
    sink.start()
    try:
        yield Rig(kafka_broker.bootstrap, prefix, smtp, sink, producer)
    finally:
        sink.stop()
        producer.close()
        smtp.stop()


def change(
    client_id: str,
    before: Health | None,
    after: Health,
    minutes: float,
    *,
    profile_id: int = 7,
    emails: str | None = "ops@acme.example; oncall@acme.example",
) -> HealthEvent:
    """A health change of inbound profile `profile_id`, `minutes` after T0."""
    return HealthEvent(
        client_id=client_id,
        profile_type=ProfileType.Inbound,
        profile_id=profile_id,
        from_health=before,
        to_health=after,
        reason=f"{before} to {after} for the test",
        at=T0 + timedelta(minutes=minutes),
        profile_name="lab results",
        alert_email_list=emails,
    )


def connection(
    client_id: str,
    before: str,
    after: str,
    minutes: float,
    *,
    emails: str | None = "pbx-ops@acme.example,oncall@acme.example",
) -> PbxConnectionEvent:
    """A state change of PBX p1's upstream connection, `minutes` after T0."""
    return PbxConnectionEvent(
        client_id=client_id,
        pbx_id="p1",
        pbx_name="Front desk",
        from_state=before,
        to_state=after,
        reason=f"{before} to {after} for the test",
        at=T0 + timedelta(minutes=minutes),
        alert_email_list=emails,
    )


def client() -> str:
    """A clientId no other test uses."""
    return f"cust-{uuid.uuid4().hex[:8]}"


def subjects(mail: list[Received]) -> list[str]:
    """The subjects, in order of arrival."""
    return [m.subject for m in mail]


def test_each_alertable_transition_is_mailed_once_to_the_alert_email_list(rig: Rig) -> None:
    cid = client()
    rig.produce(
        change(cid, Health.new, Health.up, 0),
        change(cid, Health.up, Health.down, 20),
        change(cid, Health.up, Health.down, 20, profile_id=8, emails=" ; "),
        change(cid, Health.down, Health.up, 40),
        change(cid, Health.up, Health.paused, 60),
        change(cid, Health.paused, Health.up, 80),
        change(cid, Health.up, Health.late, 100),  # the barrier
    )
    mail = rig.mail(3)
    tag = f'[heartbeat hub] {cid} inbound 7 "lab results"'
    assert subjects(mail) == [f"{tag}: up → down", f"{tag}: down → up", f"{tag}: up → late"]
    first = mail[0]
    assert first.rcpt_tos == ("ops@acme.example", "oncall@acme.example")
    assert first.mail_from == SENDER
    assert first.message["To"] == "ops@acme.example, oncall@acme.example"
    for line in [
        f"Customer: {cid}",
        'Profile:  inbound 7 "lab results"',
        "From:     up",
        "To:       down",
        "Reason:   up to down for the test",
        "Time:     2026-03-01T12:20:00Z",
    ]:
        assert line in first.body
    assert "not mailed: the profile has no AlertEmailList" in rig.sink_log()


def test_a_flapping_profile_gets_one_flapping_message_not_a_flood(rig: Rig) -> None:
    cid = client()
    healths = [Health.up, Health.down]
    flaps = [change(cid, healths[i % 2], healths[(i + 1) % 2], i) for i in range(10)]
    # 9 min after the last flap: still within the quiet window, so still suppressed.
    settling = change(cid, Health.up, Health.down, 18)
    rig.produce(*flaps, settling, change(cid, Health.down, Health.up, 60))  # the barrier
    mail = rig.mail(5)
    tag = f'[heartbeat hub] {cid} inbound 7 "lab results"'
    assert subjects(mail) == [
        f"{tag}: up → down",
        f"{tag}: down → up",
        f"{tag}: up → down",
        f"{tag}: flapping (4 changes in 10 min)",
        f"{tag}: stable again, now up",
    ]
    assert "7 changes were not mailed while it was flapping" in "\n".join(mail[4].body)


def test_replaying_the_topic_sends_nothing_twice(rig: Rig) -> None:
    cid = client()
    events = [change(cid, Health.up, Health.down, 0), change(cid, Health.down, Health.up, 20)]
    rig.produce(*events)
    assert len(rig.mail(2)) == 2
    rig.sink.stop()
    # Forget the sink's committed offsets too, so the new process reads the topic from
    # its start: only the table recovered from the changelog stands between it and resending.
    admin = KafkaAdminClient(bootstrap_servers=rig.bootstrap)
    try:
        group = f"{rig.prefix}email-sink"
        assert admin.delete_groups([group]) == {group: "OK"}
    finally:
        admin.close()
    rig.produce(*events)
    rig.sink.start()
    rig.produce(change(cid, Health.up, Health.error, 40))  # the barrier
    mail = rig.mail(3)
    assert subjects(mail)[2].endswith("up → error")
    assert len(rig.smtp.mail()) == 3


def test_mail_held_up_by_an_smtp_outage_arrives_once_it_is_back(rig: Rig) -> None:
    cid = client()
    rig.produce(change(cid, Health.up, Health.down, 0))
    rig.mail(1)
    rig.smtp.stop()
    held = [
        change(cid, Health.down, Health.up, 20),
        change(cid, Health.up, Health.late, 40),
        change(cid, Health.late, Health.down, 60),
    ]
    rig.produce(*held)
    wait_until(lambda: "SMTP unavailable" in rig.sink_log(), MAIL_TIMEOUT, "failed attempt")
    assert len(rig.smtp.mail()) == 1
    rig.smtp.start()
    rig.produce(change(cid, Health.down, Health.up, 80))  # the barrier
    mail = rig.mail(5)
    tag = f'[heartbeat hub] {cid} inbound 7 "lab results"'
    assert subjects(mail) == [
        f"{tag}: up → down",
        f"{tag}: down → up",
        f"{tag}: up → late",
        f"{tag}: late → down",
        f"{tag}: down → up",
    ]


def test_a_refused_recipient_does_not_hold_up_later_mail(rig: Rig) -> None:
    cid = client()
    rig.produce(
        change(cid, Health.up, Health.down, 0, emails="bounce@acme.example"),
        change(cid, Health.down, Health.up, 20, emails="bounce@acme.example, ops@acme.example"),
        change(cid, Health.up, Health.late, 40),  # the barrier
    )
    mail = rig.mail(2)
    assert [m.rcpt_tos for m in mail] == [
        ("ops@acme.example",),
        ("ops@acme.example", "oncall@acme.example"),
    ]
    assert subjects(mail)[1].endswith("up → late")
    assert "refused for good" in rig.sink_log()


def test_pbx_connection_down_and_rejected_are_mailed_to_its_alert_email_list(rig: Rig) -> None:
    cid = client()
    rig.produce(
        connection(cid, "connecting", "connected", 0),
        connection(cid, "connected", "degraded", 10),  # not mailed, nor its recovery
        connection(cid, "degraded", "connected", 11),
        connection(cid, "connected", "down", 20),
        change(cid, Health.up, Health.down, 25),  # the customer's profile, beside its PBX
        connection(cid, "down", "connected", 30),
        connection(cid, "connected", "credentials-rejected", 40),  # the barrier
    )
    mail = rig.mail(4)
    pbx = f'[heartbeat hub] {cid} PBX p1 "Front desk"'
    assert subjects(mail) == [
        f"{pbx}: connected → down",
        f'[heartbeat hub] {cid} inbound 7 "lab results": up → down',
        f"{pbx}: down → connected",
        f"{pbx}: connected → credentials-rejected",
    ]
    pbx_list = ("pbx-ops@acme.example", "oncall@acme.example")
    profile_list = ("ops@acme.example", "oncall@acme.example")
    assert [m.rcpt_tos for m in mail] == [pbx_list, profile_list, pbx_list, pbx_list]
    for line in [
        f"Customer: {cid}",
        'PBX:      p1 "Front desk"',
        "From:     connected",
        "To:       down",
        "Reason:   connected to down for the test",
        "Time:     2026-03-01T12:20:00Z",
    ]:
        assert line in mail[0].body
