"""Building the e-mail for a notice: recipients, subject and a plain-text body. Pure."""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from schemas.events import ChannelTest, ClientHealthEvent, Health, HealthEvent, PbxConnectionEvent
from sinks.email.policy import AlertEvent, AlertRules, Notice, NoticeKind, utc

SUBJECT_TAG = "[heartbeat hub]"
_SEPARATORS = re.compile(r"[,;]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# The stdlib folds headers at 78 characters and, folding before an encoded word (the
# arrow, a non-ASCII name), leaves a doubled space in the subject as clients show it.
# Lines up to 998 characters are allowed (RFC 5322), so subjects stay on one line.
_POLICY = policy.default.clone(max_line_length=998)


@dataclass(frozen=True, slots=True)
class About:
    """What an event is about, in words: `noun` ("profile") and its `aspect` ("health");
    `label` names it in the subject, `detail` in the body; `before` and `after` the change."""

    noun: str
    aspect: str
    label: str
    detail: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Recipients:
    """The usable addresses of an AlertEmailList, and the entries that are not addresses."""

    addresses: tuple[str, ...]
    invalid: tuple[str, ...]


def parse_recipients(alert_email_list: str | None) -> Recipients:
    """Split an AlertEmailList on `,` and `;`, trimmed, without duplicates, in order."""
    addresses: dict[str, str] = {}
    invalid: list[str] = []
    for item in _SEPARATORS.split(alert_email_list or ""):
        item = item.strip()
        if not item:
            continue
        address = parseaddr(item)[1]
        if "@" in address and not _CONTROL.search(address):
            addresses.setdefault(address.lower(), address)
        else:
            invalid.append(item)
    return Recipients(tuple(addresses.values()), tuple(invalid))


def build_message(
    notice: Notice, *, rules: AlertRules, sender: str, recipients: tuple[str, ...]
) -> EmailMessage:
    """The message for `notice`; its Message-ID is the same every time it is built."""
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject(notice, rules)
    msg["Date"] = format_datetime(utc(notice.event.at))
    msg["Message-ID"] = _message_id(notice, sender)
    msg.set_content(body(notice, rules))
    return msg


def subject(notice: Notice, rules: AlertRules) -> str:
    """`[heartbeat hub] <client> inbound 7 "<profile name>": <what happened>`, or
    `... <client> PBX <pbx id> "<PBX name>": ...` for a PBX connection."""
    about = about_event(notice.event)
    if notice.kind is NoticeKind.flapping:
        what = f"flapping ({len(notice.transitions)} changes in {_duration(rules.flap_window)})"
    elif notice.kind is NoticeKind.stable:
        what = f"stable again, now {about.after}"
    else:
        what = f"{about.before} → {about.after}"
    return _clean(f"{SUBJECT_TAG} {notice.event.client_id} {about.label}: {what}")


def about_event(event: AlertEvent) -> About:
    """How the message names what `event` is about, and its change."""
    if isinstance(event, PbxConnectionEvent):
        return _about_pbx(event)
    if isinstance(event, ClientHealthEvent):
        return _about_client(event)
    label = profile_label(event)
    return About(
        noun="profile", aspect="health", label=label, detail=f"Profile:  {label}",
        before=_health(event.from_health), after=str(event.to_health),
    )  # fmt: skip


def _about_pbx(event: PbxConnectionEvent) -> About:
    named = _named(event.pbx_id, event.pbx_name)
    return About(
        noun="PBX connection", aspect="state", label=f"PBX {named}", detail=f"PBX:      {named}",
        before=event.from_state or "unknown", after=event.to_state,
    )  # fmt: skip


def _about_client(event: ClientHealthEvent) -> About:
    named = ", ".join(
        f"{_named(f'{p.profile_type.name.lower()} {p.profile_id}', p.profile_name)} ({p.health})"
        for p in event.profiles
    )
    label = f"relay client ({len(event.profiles)} profiles)"
    if len(event.profiles) == 1:  # a one-profile client is named by its profile
        p = event.profiles[0]
        label = "relay client, " + _named(
            f"{p.profile_type.name.lower()} {p.profile_id}", p.profile_name
        )
    return About(
        noun="relay client", aspect="health", label=label,
        detail=f"Profiles: {named or 'none'}",
        before=_health(event.from_health), after=str(event.to_health),
    )  # fmt: skip


def profile_label(event: HealthEvent) -> str:
    """`inbound 7 "lab results"`, or `inbound 7` for a profile without a name."""
    return _named(f"{event.profile_type.name.lower()} {event.profile_id}", event.profile_name)


def _named(label: str, name: str | None) -> str:
    return f'{label} "{name}"' if name else label


def body(notice: Notice, rules: AlertRules) -> str:
    """The plain-text body: what happened, then the change's details."""
    return "\n".join([*_opening(notice, rules), "", *_details(notice.event), *_closing(notice)])


def _opening(notice: Notice, rules: AlertRules) -> list[str]:
    about, window = about_event(notice.event), _duration(rules.flap_window)
    if notice.kind is NoticeKind.flapping:
        return [
            f"The {about.noun} is flapping: {len(notice.transitions)} alerting changes within "
            f"{window} (more than {rules.flap_max_transitions}).",
            "Its changes are not mailed one by one until it has had none for "
            f'{window}; its next change after that is mailed as "stable again".',
        ]
    if notice.kind is NoticeKind.stable:
        skipped = f" ({notice.suppressed} changes were not mailed while it was flapping)"
        return [
            f"The {about.noun} is stable again: no alerting change in the {window} before this "
            f"one{skipped if notice.suppressed else ''}.",
            f"Its {about.aspect} is now {about.after}.",
        ]
    return [f"The {about.noun}'s {about.aspect} changed: {about.before} → {about.after}."]


def _details(event: AlertEvent) -> list[str]:
    about = about_event(event)
    return [
        f"Customer: {event.client_id}",
        about.detail,
        f"From:     {about.before}",
        f"To:       {about.after}",
        f"Reason:   {event.reason}",
        f"Time:     {iso_utc(event.at)}",
    ]


def _closing(notice: Notice) -> list[str]:
    if notice.kind is not NoticeKind.flapping:
        return []
    return ["", "Alerting changes in the window:", *(f"  {iso_utc(t)}" for t in notice.transitions)]


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with `Z`, as the hub writes its times."""
    return utc(moment).isoformat().replace("+00:00", "Z")


def _health(health: Health | None) -> str:
    return str(health) if health is not None else "unknown"


def _duration(window: timedelta) -> str:
    seconds = window.total_seconds()
    if seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


def _clean(text: str) -> str:
    # Names come from configuration; a newline in a header would end it (or inject one).
    return _CONTROL.sub(" ", text)


def _message_id(notice: Notice, sender: str) -> str:
    # Derived from the event, so an at-least-once resend carries the same id.
    return _message_id_of(f"{notice.event.id}/{notice.kind}", sender)


def _message_id_of(key: str, sender: str) -> str:
    """A Message-ID derived from `key`, in the sender's domain."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = _clean(parseaddr(sender)[1].rpartition("@")[2]).strip(" <>")
    return f"<{digest}@{domain or 'heartbeat-hub'}>"


def test_message(event: ChannelTest, *, sender: str, recipients: tuple[str, ...]) -> EmailMessage:
    """An operator's test of an e-mail channel; its Message-ID is the test's own."""
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    name = event.customer_name or event.client_id
    msg["Subject"] = _clean(
        f"{SUBJECT_TAG} {event.client_id}: test of channel {event.channel.name}"
    )
    msg["Date"] = format_datetime(utc(event.at))
    msg["Message-ID"] = _message_id_of(event.id, sender)
    msg.set_content(
        f"A test message from the heartbeat hub to the alert channel {event.channel.name!r}"
        f" of {name} ({event.client_id}), asked for at {iso_utc(event.at)}.\n"
        "Alerts of the customer's relay clients and profiles come to these addresses.\n"
    )
    return msg
