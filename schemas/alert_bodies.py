"""What each alert channel receives: one `Alert`, as the HTTP request of its kind.

Pure: the functions return the exact body bytes and the headers; sending them is the
caller's. E-mail is not here (the e-mail sink writes its own messages). Bodies carry
no secret, except that a PagerDuty event names its own routing key, as the Events API
requires.
"""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal, Self

import orjson
from pydantic import AwareDatetime, BaseModel, Field, model_validator

from schemas.events import Health

Outgoing = tuple[bytes, dict[str, str]]
"""A request to send: the exact body bytes, and the headers."""

JSON = "application/json"
SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT_ID_HEADER = "X-Hub-Event-Id"
SUMMARY_MAX = 1024
"""PagerDuty's bound on `payload.summary`; every summary keeps to it."""
LISTED = 20
"""Profiles named one by one in Slack, Teams and PagerDuty; the rest are counted."""
NAMED_IN_SUMMARY = 3
NAME_MAX = 100
"""A customer's or a profile's name in a message; names are not bounded where they are set."""
LINE_MAX = 300
"""A profile's line (its reason mostly), before Slack's escaping."""
SLACK_HEADER_MAX = 150
SLACK_TEXT_MAX = 3000
"""Slack's bound on a section's or a context element's text."""
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


class AlertEvent(StrEnum):
    """What an alert tells; a relay client is late, down or up, a profile any of them.

    - late: heartbeats overdue, still within the grace period.
    - down: no heartbeat past the grace period.
    - up: healthy again; the only event that resolves an incident.
    - error: the profile reports Error, or an error since its last transaction.
    - stopped: the profile reports Stopped while it should run.
    - quiet: the profile is heard but has moved no transaction for longer than expected.
    """

    late = "late"
    down = "down"
    up = "up"
    error = "error"
    stopped = "stopped"
    quiet = "quiet"


CLIENT_EVENTS = frozenset({AlertEvent.late, AlertEvent.down, AlertEvent.up})
_STATE = {
    AlertEvent.late: "LATE",
    AlertEvent.down: "DOWN",
    AlertEvent.error: "in ERROR",
    AlertEvent.stopped: "STOPPED",
    AlertEvent.quiet: "QUIET",
}


class AlertProfile(BaseModel):
    """One profile an alert is about, in its current health."""

    type: Literal["inbound", "outbound"]
    id: int
    name: str | None = None
    health: Health
    since: AwareDatetime
    reason: str


class Alert(BaseModel):
    """One thing to tell a customer's channels.

    `incident` ties a trigger to its resolve (e.g. clientId, or clientId/inbound/7);
    `incident_started`, when known, lets a resolve say how long the incident lasted.
    """

    id: str = Field(min_length=1, max_length=255, description="stable: a resend repeats it")
    event: AlertEvent
    client_id: str
    customer_name: str
    subject: Literal["client", "profile"]
    profiles: list[AlertProfile] = Field(default_factory=list)
    at: AwareDatetime
    incident: str = Field(min_length=1, max_length=255, description="PagerDuty's dedup_key")
    resolved: bool = False
    test: bool = False
    incident_started: AwareDatetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.subject == "client" and self.event not in CLIENT_EVENTS:
            raise ValueError("event: a client alert is late, down or up")
        if self.subject == "profile" and not self.profiles:
            raise ValueError("profiles: a profile alert names at least one profile")
        if self.resolved != (self.event is AlertEvent.up):
            raise ValueError("resolved: true for an up event, and only for it")
        return self


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _human_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(p: AlertProfile) -> str:
    return f"{p.type} {p.id}" + (f" {_clip(p.name, NAME_MAX)}" if p.name else "")


def _who(alert: Alert) -> str:
    return _clip(alert.customer_name or alert.client_id, NAME_MAX)


def _duration(span: timedelta) -> str:
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _names(profiles: list[AlertProfile]) -> str:
    named = ", ".join(_label(p) for p in profiles[:NAMED_IN_SUMMARY])
    more = len(profiles) - NAMED_IN_SUMMARY
    return named + (f" and {more} more" if more > 0 else "")


def headline(alert: Alert) -> str:
    """Who and in what state, in a few words: `acme relay client is DOWN`."""
    who = _who(alert)
    if alert.subject == "client":
        whom = f"{who} relay client is"
    elif len(alert.profiles) == 1:
        whom = f"{who}: profile {_label(alert.profiles[0])} is"
    else:
        whom = f"{who}: {len(alert.profiles)} profiles are"
    state = _STATE.get(alert.event, "up again")
    if alert.resolved and alert.incident_started is not None:
        state += f" after {_duration(alert.at - alert.incident_started)}"
    return ("[TEST] " if alert.test else "") + f"{whom} {state}"


def summary(alert: Alert) -> str:
    """One line a person can act on, at most SUMMARY_MAX characters."""
    return _clip(headline(alert) + _detail(alert), SUMMARY_MAX)


def _detail(alert: Alert) -> str:
    profiles = alert.profiles
    if alert.resolved or not profiles:
        return ""  # "is up again after 12 min" says it all
    if alert.subject == "client":
        return f": {_plural(len(profiles), 'profile')} affected ({_names(profiles)})"
    if len(profiles) == 1:
        return f": {profiles[0].reason}"
    return f" ({_names(profiles)})"


def _profile_json(p: AlertProfile) -> dict[str, object]:
    return {
        "type": p.type,
        "id": p.id,
        "name": p.name,
        "health": p.health.value,
        "since": _iso(p.since),
        "reason": p.reason,
    }


def _profile_state(p: AlertProfile) -> str:
    return _clip(f"{p.health} since {_human_time(p.since)}: {p.reason}", LINE_MAX)


def _profile_line(p: AlertProfile) -> str:
    return f"*{_label(p)}*: {_profile_state(p)}"


def webhook_request(alert: Alert, secret: str | None) -> Outgoing:
    """A webhook's JSON; signed as GitHub signs (`X-Hub-Signature-256`) when `secret` is set."""
    body = orjson.dumps(
        {
            "id": alert.id,
            "event": alert.event.value,
            "test": alert.test,
            "client": {"id": alert.client_id, "name": alert.customer_name},
            "subject": alert.subject,
            "profiles": [_profile_json(p) for p in alert.profiles],
            "at": _iso(alert.at),
            "incident": alert.incident,
            "resolved": alert.resolved,
            "summary": summary(alert),
        }
    )
    headers = {"Content-Type": JSON, EVENT_ID_HEADER: alert.id}
    if secret is not None:
        headers[SIGNATURE_HEADER] = "sha256=" + signature(secret, body)
    return body, headers


def signature(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the exact body bytes under the webhook's secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _slack_escape(text: str) -> str:
    # Slack reads <...> as links and mentions (<!channel>); a name must not ping anyone.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_clip(escaped: str) -> str:
    """Escaped text within SLACK_TEXT_MAX, never ending in half an entity."""
    if len(escaped) <= SLACK_TEXT_MAX:
        return escaped
    cut = escaped[: SLACK_TEXT_MAX - 1]
    amp = cut.rfind("&", len(cut) - 4)
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def _slack_section(escaped: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _slack_clip(escaped)}}


def _slack_profile_sections(profiles: list[AlertProfile]) -> list[dict[str, object]]:
    """The first LISTED profiles, one a line, packed into sections within Slack's bound."""
    lines = [f"• {_slack_escape(_profile_line(p))}" for p in profiles[:LISTED]]
    if len(profiles) > LISTED:
        lines.append(f"… and {_plural(len(profiles) - LISTED, 'more profile')}")
    packed: list[str] = []
    for line in lines:
        if packed and len(packed[-1]) + 1 + len(line) <= SLACK_TEXT_MAX:
            packed[-1] += "\n" + line
        else:
            packed.append(line)
    return [_slack_section(text) for text in packed]


def slack_request(alert: Alert) -> Outgoing:
    """A Slack incoming webhook's message: `text` as the fallback, then Block Kit blocks."""
    who = _slack_escape(f"{_who(alert)} ({alert.client_id})")
    about = f"*{_slack_escape(summary(alert))}*\nCustomer {who}, at {_human_time(alert.at)}"
    context = _slack_escape(f"event {alert.event} · id {alert.id} · incident {alert.incident}")
    blocks = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _clip(headline(alert), SLACK_HEADER_MAX)},
        },
        _slack_section(about),
        *_slack_profile_sections(alert.profiles),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _slack_clip(context)}]},
    ]
    body = {"text": _slack_escape(summary(alert)), "blocks": blocks}
    return orjson.dumps(body), {"Content-Type": JSON}


def _teams_color(alert: Alert) -> str:
    if alert.resolved:
        return "Good"
    return "Attention" if alert.event in (AlertEvent.down, AlertEvent.error) else "Warning"


def _teams_profiles(profiles: list[AlertProfile]) -> list[dict[str, object]]:
    if not profiles:
        return []
    facts = [{"title": _label(p), "value": _profile_state(p)} for p in profiles[:LISTED]]
    items: list[dict[str, object]] = [
        {"type": "TextBlock", "text": "Profiles", "weight": "Bolder", "wrap": True},
        {"type": "FactSet", "facts": facts},
    ]
    if len(profiles) > LISTED:
        more = f"… and {_plural(len(profiles) - LISTED, 'more profile')}"
        items.append({"type": "TextBlock", "text": more, "wrap": True, "isSubtle": True})
    return items


def teams_request(alert: Alert) -> Outgoing:
    """A Teams incoming webhook's (or Workflows') message: one Adaptive Card 1.4."""
    facts = [
        {"title": "Customer", "value": f"{_who(alert)} ({alert.client_id})"},
        {"title": "Event", "value": alert.event.value + (" (test)" if alert.test else "")},
        {"title": "At", "value": _human_time(alert.at)},
        {"title": "Incident", "value": alert.incident},
    ]
    title = {"type": "TextBlock", "text": headline(alert), "size": "Large", "weight": "Bolder"}
    card = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {**title, "wrap": True, "color": _teams_color(alert)},
            {"type": "TextBlock", "text": summary(alert), "wrap": True},
            {"type": "FactSet", "facts": facts},
            *_teams_profiles(alert.profiles),
        ],
    }
    attachment = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": card,
    }
    return orjson.dumps({"type": "message", "attachments": [attachment]}), {"Content-Type": JSON}


def _severity(alert: Alert) -> str:
    if alert.test:
        return "info"
    return "critical" if alert.event is AlertEvent.down else "warning"


def _component(alert: Alert) -> str:
    if alert.subject == "client":
        return "relay client"
    if len(alert.profiles) == 1:
        return _label(alert.profiles[0])
    return f"{len(alert.profiles)} profiles"


def _pagerduty_payload(alert: Alert) -> dict[str, object]:
    details: dict[str, object] = {
        "customer": alert.customer_name,
        "client_id": alert.client_id,
        "event": alert.event.value,
        "subject": alert.subject,
        "alert_id": alert.id,
        "test": alert.test,
        "profiles": [_profile_json(p) for p in alert.profiles[:LISTED]],
        "profiles_not_listed": max(0, len(alert.profiles) - LISTED),
    }
    return {
        "summary": summary(alert),
        "source": alert.client_id,
        "severity": _severity(alert),
        "timestamp": _iso(alert.at),
        "component": _component(alert),
        "custom_details": details,
    }


def pagerduty_request(alert: Alert, routing_key: str) -> Outgoing:
    """An Events API v2 event: a trigger with its payload, or a resolve of `incident`."""
    body: dict[str, object] = {
        "routing_key": routing_key,
        "event_action": "resolve" if alert.resolved else "trigger",
        "dedup_key": alert.incident,
    }
    if not alert.resolved:
        body["payload"] = _pagerduty_payload(alert)
    return orjson.dumps(body), {"Content-Type": JSON}
