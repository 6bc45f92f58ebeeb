"""The e-mail sink's faust app: the health-events topic, the alert-state table, the agent."""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust
from pydantic import ValidationError

from processors.runtime.codec import table_value_type
from schemas.events import HEALTH_TOPIC_EVENT, HealthEvent
from schemas.topics import TopicNames
from sinks.email.message import build_message, parse_recipients
from sinks.email.policy import AlertRules, AlertState, Notice, decide, state_key
from sinks.email.settings import EmailSinkSettings
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


def build_sink(settings: EmailSinkSettings) -> EmailSink:
    """Declare the app, its topic and its table, and the SMTP sender."""
    app = _faust_app(settings)
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
        # Raw bytes: the pydantic contract in schemas/ parses them, not a faust Record.
        events=app.topic(
            TopicNames(settings.topic_prefix).health_events,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
        ),
        states=app.Table("alert-states", key_type=str, value_type=table_value_type(AlertState)),
    )


async def handle(sink: EmailSink, raw: bytes) -> None:
    """Mail what one profile or PBX connection event calls for, then record it as handled."""
    try:
        event = HEALTH_TOPIC_EVENT.validate_json(raw)
    except ValidationError:
        # A record no writer of this version produces: skip it, never block the partition.
        log.exception("skipping unreadable health event")
        return
    key = state_key(event)
    decision = decide(sink.states.get(key), event, sink.rules)
    if decision is None:
        log.debug("%s handled before; skipped", event.id)
        return
    if decision.notice is not None:
        await deliver(sink, decision.notice)
    # Only now: a crash before this line sends the message again (at least once).
    if decision.record:
        sink.states[key] = decision.state


async def deliver(sink: EmailSink, notice: Notice) -> None:
    """Send the notice to the event's AlertEmailList, retrying while SMTP is unavailable."""
    event = notice.event
    recipients = parse_recipients(event.alert_email_list)
    if recipients.invalid:
        log.warning("%s: ignoring AlertEmailList entries %s", event.id, recipients.invalid)
    if not recipients.addresses:
        whose = "profile" if isinstance(event, HealthEvent) else "PBX"
        log.info("%s: %s not mailed: the %s has no AlertEmailList", event.id, notice.kind, whose)
        return
    msg = build_message(
        notice, rules=sink.rules, sender=sink.sender_address, recipients=recipients.addresses
    )
    if await send_until_accepted(sink.sender, msg, sink.backoff):
        log.info("%s: %s mailed to %s", event.id, notice.kind, ", ".join(recipients.addresses))


def register_agent(sink: EmailSink) -> None:
    """Attach the agent that turns health events (profiles' and PBX connections') into mail."""

    @sink.app.agent(sink.events, name="mail-alerts")
    async def mail_alerts(stream: Any) -> None:
        # One event at a time: while SMTP is down the stream waits, its offset is not
        # acknowledged, and nothing later in the partition overtakes it.
        async for value in stream:
            await handle(sink, value)
