"""The e-mail sink's faust app: the health-events topic, the alert-state table, the agent."""

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faust
from pydantic import ValidationError

from processors.runtime.codec import table_value_type
from schemas.alert_channels import ChannelKind
from schemas.alert_delivery import AttemptOutcome, ChannelAttempt, ChannelQueue, queue_key
from schemas.events import (
    HEALTH_TOPIC_EVENT,
    ChannelTest,
    ClientHealthEvent,
    HealthEvent,
    PbxConnectionEvent,
)
from schemas.topics import TopicNames, partition_for
from sinks.email.channel_queue import alert_of, enqueue, fold_attempt, test_alert
from sinks.email.channel_send import ChannelSender
from sinks.email.message import build_message, parse_recipients, test_message
from sinks.email.policy import AlertEvent, AlertRules, AlertState, Notice, decide, state_key
from sinks.email.settings import EmailSinkSettings, key_or_none
from sinks.email.smtp import Backoff, SmtpSender, SmtpServer, send_until_accepted

log = logging.getLogger(__name__)


@dataclass
class EmailSink:
    """The app and what the agent needs; built from settings by `build_sink`."""

    app: faust.App
    rules: AlertRules
    sender: SmtpSender
    sender_address: str
    backoff: Backoff
    events: Any
    states: Any
    attempts: Any
    queues: Any
    channels: ChannelSender
    channel_retry_max_s: float


def _faust_app(settings: EmailSinkSettings) -> faust.App:
    return faust.App(
        settings.app_id,
        broker=[f"kafka://{h}" for h in settings.kafka_bootstrap.split(",")],
        store="memory://",
        datadir=str(Path(settings.email_data_dir).resolve()),
        autodiscover=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # A crashed or cancelled agent must not leave shutdown waiting (KAFKA.md).
        stream_wait_empty=False,
        web_enabled=settings.email_web_port != 0,
        web_bind=settings.email_web_bind,
        web_port=settings.email_web_port or 6067,
    )


def _raw_topic(app: faust.App, name: str) -> Any:
    # Raw bytes: the pydantic contract in schemas/ parses them, not a faust Record.
    return app.topic(
        name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )


def build_sink(settings: EmailSinkSettings) -> EmailSink:
    """Declare the app, its topics and tables, the SMTP sender and the channels' sender."""
    app = _faust_app(settings)
    names = TopicNames(settings.topic_prefix)
    attempts = _raw_topic(app, names.alert_deliveries)

    async def publish(attempt: ChannelAttempt) -> None:
        cid = attempt.client_id
        sent = await attempts.send(
            key=cid.encode(),
            value=attempt.model_dump_json().encode(),
            partition=partition_for(cid, settings.partitions),
        )
        await asyncio.wait_for(sent, settings.channel_timeout_s)

    server = SmtpServer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.password(),
        timeout_s=settings.smtp_timeout_s,
    )
    return EmailSink(
        app=app,
        rules=settings.rules(),
        sender=SmtpSender(server),
        sender_address=settings.smtp_from,
        backoff=Backoff(settings.smtp_retry_initial_s, settings.smtp_retry_max_s),
        events=_raw_topic(app, names.health_events),
        states=app.Table("alert-states", key_type=str, value_type=table_value_type(AlertState)),
        attempts=attempts,
        queues=app.Table("channel-queues", key_type=str, value_type=table_value_type(ChannelQueue)),
        channels=ChannelSender(
            key_or_none(settings), settings.denied(), settings.channel_timeout_s, publish
        ),
        channel_retry_max_s=settings.channel_retry_max_s,
    )


async def handle(sink: EmailSink, raw: bytes) -> None:
    """Mail what one profile or PBX connection event calls for, then record it as handled."""
    try:
        event = HEALTH_TOPIC_EVENT.validate_json(raw)
    except ValidationError:
        # A record no writer of this version produces: skip it, never block the partition.
        log.exception("skipping unreadable health event")
        return
    if isinstance(event, ChannelTest):
        await send_test(sink, event)
        return
    if isinstance(event, HealthEvent) and event.covered:
        log.debug("%s: told by its relay client's alert", event.id)
        return
    key = state_key(event)
    decision = decide(sink.states.get(key), event, sink.rules)
    if decision is None:
        log.debug("%s handled before; skipped", event.id)
        return
    if decision.notice is not None:
        extra = queue_for_channels(sink, decision.notice.event)
        await deliver(sink, decision.notice, extra)
    # Only now: a crash before this line sends the message again (at least once).
    if decision.record:
        sink.states[key] = decision.state


async def send_test(sink: EmailSink, event: ChannelTest) -> None:
    """An operator's test message: mailed to an e-mail channel's addresses (retried while
    SMTP is down, as alerts are), else queued on the channel behind its alerts."""
    if event.channel.kind is ChannelKind.email:
        recipients = tuple(event.channel.addresses or ())
        msg = test_message(event, sender=sink.sender_address, recipients=recipients)
        if recipients and await send_until_accepted(sink.sender, msg, sink.backoff):
            log.info("%s: test mailed to %s", event.id, ", ".join(recipients))
        return
    key = queue_key(event.client_id, event.channel.name)
    queue = enqueue(sink.queues.get(key), event.channel, test_alert(event), datetime.now(UTC))
    sink.queues[key] = queue
    sink.channels.kick(key, queue)


def queue_for_channels(sink: EmailSink, event: AlertEvent) -> list[str]:
    """Queue a profile's or relay client's alert for each of the customer's channels that
    POST; the addresses of its e-mail channels, to be mailed with the AlertEmailList."""
    if isinstance(event, PbxConnectionEvent) or not event.channels:
        return []
    alert = alert_of(event)
    if alert is None:
        return []
    addresses: list[str] = []
    now = datetime.now(UTC)
    for channel in event.channels:
        if channel.kind is ChannelKind.email:
            addresses += channel.addresses or []
            continue
        key = queue_key(event.client_id, channel.name)
        queue = enqueue(sink.queues.get(key), channel, alert, now)
        sink.queues[key] = queue
        sink.channels.kick(key, queue)
    return addresses


async def deliver(sink: EmailSink, notice: Notice, extra: list[str] | None = None) -> None:
    """Send the notice to the event's AlertEmailList (and `extra` addresses: its customer's
    e-mail channels), retrying while SMTP is unavailable."""
    event = notice.event
    listed = ",".join([event.alert_email_list or "", *(extra or [])])
    recipients = parse_recipients(listed)
    if recipients.invalid:
        log.warning("%s: ignoring AlertEmailList entries %s", event.id, recipients.invalid)
    if not recipients.addresses:
        whose = {HealthEvent: "profile", ClientHealthEvent: "relay client"}.get(type(event), "PBX")
        log.info("%s: %s not mailed: the %s has no AlertEmailList", event.id, notice.kind, whose)
        return
    msg = build_message(
        notice, rules=sink.rules, sender=sink.sender_address, recipients=recipients.addresses
    )
    if await send_until_accepted(sink.sender, msg, sink.backoff):
        log.info("%s: %s mailed to %s", event.id, notice.kind, ", ".join(recipients.addresses))


def fold_attempt_record(sink: EmailSink, raw: bytes) -> None:
    """An attempt at a channel's head: the queue popped or its next try set, then the
    channel's next attempt started."""
    try:
        attempt = ChannelAttempt.model_validate_json(raw)
    except ValidationError:
        log.exception("skipping unreadable alert delivery attempt")
        return
    key = queue_key(attempt.client_id, attempt.channel)
    current: ChannelQueue | None = sink.queues.get(key)
    sink.channels.settle(key)
    if current is None:
        return
    queue = fold_attempt(current, attempt, sink.channel_retry_max_s)
    if queue.alerts:
        sink.queues[key] = queue
        sink.channels.kick(key, queue)
    else:
        del sink.queues[key]
    level = logging.INFO if attempt.outcome is AttemptOutcome.delivered else logging.WARNING
    log.log(level, "alert %s to channel %s: %s", attempt.alert_id, key, attempt.outcome.value)


def register_agent(sink: EmailSink) -> None:
    """Attach the agent that turns health events (profiles' and PBX connections') into mail."""

    @sink.app.agent(sink.events, name="mail-alerts")
    async def mail_alerts(stream: Any) -> None:
        # One event at a time: while SMTP is down the stream waits, its offset is not
        # acknowledged, and nothing later in the partition overtakes it.
        async for value in stream:
            await handle(sink, value)

    @sink.app.agent(sink.attempts, name="channel-attempts")
    async def channel_attempts(stream: Any) -> None:
        async for value in stream:
            fold_attempt_record(sink, value)

    @sink.app.timer(1.0, name="channel-retries")  # type: ignore[untyped-decorator]
    async def retry_due() -> None:
        kick_due(sink)


def kick_due(sink: EmailSink) -> None:
    """Start the attempts that came due, in the partitions this sink owns (the table holds
    only channels with alerts waiting: its size is the work waiting, not the customers)."""
    if not sink.app.tables.actives_ready:
        return
    topic = sink.events.get_topic_name()
    owned = {tp.partition for tp in sink.app.consumer.assignment() if tp.topic == topic}
    partitions = sink.app.conf.topic_partitions
    for key, queue in list(sink.queues.items()):
        if partition_for(key.split("/", 1)[0], partitions) in owned:
            sink.channels.kick(key, queue)
