"""The e-mail the sink builds: recipients, subject, body and headers."""

from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from schemas.enums import ProfileType
from schemas.events import Health, HealthEvent, PbxConnectionEvent
from sinks.email.message import build_message, parse_recipients
from sinks.email.policy import AlertRules, Notice, NoticeKind
from sinks.email.settings import (
    DEFAULT_ALERT_CONNECTION_STATES,
    DEFAULT_ALERT_HEALTHS,
    EmailSinkSettings,
)

T0 = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)
RULES = AlertRules(
    alert_healths=DEFAULT_ALERT_HEALTHS,
    alert_connection_states=DEFAULT_ALERT_CONNECTION_STATES,
    flap_max_transitions=5,
    flap_window=timedelta(minutes=10),
)
SENDER = "Heartbeat Hub <hub@alerts.example>"


def event(**changes: object) -> HealthEvent:
    """An up → down change of inbound profile 7 of `acme`, with `changes` applied."""
    base = HealthEvent(
        client_id="acme",
        profile_type=ProfileType.Inbound,
        profile_id=7,
        from_health=Health.up,
        to_health=Health.down,
        reason="no heartbeat for 300 s",
        at=T0,
        profile_name="lab results",
        alert_email_list="ops@acme.example",
    )
    return base.model_copy(update=changes)


def connection(**changes: object) -> PbxConnectionEvent:
    """A connected → down change of PBX p1 of `acme`, with `changes` applied."""
    base = PbxConnectionEvent(
        client_id="acme",
        pbx_id="p1",
        pbx_name="Front desk",
        from_state="connected",
        to_state="down",
        reason="heartbeat failed: HTTP 503",
        at=T0,
        alert_email_list="pbx-ops@acme.example,oncall@acme.example",
    )
    return base.model_copy(update=changes)


def wire(notice: Notice, recipients: tuple[str, ...] = ("ops@acme.example",)) -> EmailMessage:
    """The message as a receiving server parses it back from the bytes sent."""
    msg = build_message(notice, rules=RULES, sender=SENDER, recipients=recipients)
    sent = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))  # as smtplib writes it
    parsed = message_from_bytes(sent, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def text(msg: EmailMessage) -> str:
    """The plain-text body."""
    content = msg.get_content()
    assert isinstance(content, str)
    return content


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a@x.example", ("a@x.example",)),
        (" a@x.example ; b@y.example,c@z.example ", ("a@x.example", "b@y.example", "c@z.example")),
        ("a@x.example;;, ,A@X.example", ("a@x.example",)),
        ("Ops Team <ops@x.example>", ("ops@x.example",)),
        ("", ()),
        (None, ()),
        (" ; , ", ()),
    ],
)
def test_alert_email_list_is_split_on_commas_and_semicolons(
    raw: str | None, expected: tuple[str, ...]
) -> None:
    assert parse_recipients(raw).addresses == expected


def test_entries_that_are_not_addresses_are_reported_not_mailed() -> None:
    recipients = parse_recipients("ops@x.example; not an address")
    assert recipients.addresses == ("ops@x.example",)
    assert recipients.invalid == ("not an address",)


def test_transition_message_names_customer_profile_and_change() -> None:
    msg = wire(Notice(NoticeKind.transition, event()), ("a@x.example", "b@y.example"))
    assert msg["Subject"] == '[heartbeat hub] acme inbound 7 "lab results": up → down'
    assert msg["To"] == "a@x.example, b@y.example"
    assert msg["From"] == SENDER
    assert msg.get_content_type() == "text/plain"
    body = text(msg)
    for line in [
        "Customer: acme",
        'Profile:  inbound 7 "lab results"',
        "From:     up",
        "To:       down",
        "Reason:   no heartbeat for 300 s",
        "Time:     2026-03-01T12:00:05Z",
    ]:
        assert line in body.splitlines()


def test_first_computation_and_unnamed_profile_read_plainly() -> None:
    notice = Notice(NoticeKind.transition, event(from_health=None, profile_name=None))
    msg = wire(notice)
    assert msg["Subject"] == "[heartbeat hub] acme inbound 7: unknown → down"
    assert "From:     unknown" in text(msg).splitlines()


def test_times_are_written_in_utc() -> None:
    other_zone = T0.astimezone(timezone(timedelta(hours=2)))
    notice = Notice(NoticeKind.transition, event(at=other_zone))
    assert "Time:     2026-03-01T12:00:05Z" in text(wire(notice)).splitlines()


def test_flapping_message_says_how_often_and_that_mail_pauses() -> None:
    times = tuple(T0 + timedelta(minutes=i) for i in range(6))
    msg = wire(Notice(NoticeKind.flapping, event(), transitions=times))
    assert msg["Subject"] == (
        '[heartbeat hub] acme inbound 7 "lab results": flapping (6 changes in 10 min)'
    )
    body = text(msg)
    assert "6 alerting changes within 10 min (more than 5)" in body
    assert "not mailed one by one" in body
    assert "  2026-03-01T12:05:05Z" in body.splitlines()


def test_stable_message_states_the_current_health() -> None:
    changed = event(from_health=Health.down, to_health=Health.up)
    notice = Notice(NoticeKind.stable, changed, suppressed=4)
    msg = wire(notice)
    assert msg["Subject"] == '[heartbeat hub] acme inbound 7 "lab results": stable again, now up'
    body = text(msg)
    assert "Its health is now up." in body
    assert "4 changes were not mailed while it was flapping" in body


def test_newlines_in_names_cannot_inject_headers() -> None:
    notice = Notice(NoticeKind.transition, event(profile_name="x\r\nBcc: evil@x.example"))
    msg = wire(notice)
    assert msg["Bcc"] is None
    assert "Bcc: evil@x.example" in msg["Subject"]


def test_non_ascii_names_survive_the_wire() -> None:
    name = "Laborbefunde Zürich, Süd: Überweisungen aus der Kardiologie und Radiologie"
    msg = wire(Notice(NoticeKind.transition, event(profile_name=name)))
    assert msg["Subject"] == f'[heartbeat hub] acme inbound 7 "{name}": up → down'
    assert f'Profile:  inbound 7 "{name}"' in text(msg).splitlines()


def test_message_id_is_the_same_for_the_same_notice_and_differs_between_notices() -> None:
    first = wire(Notice(NoticeKind.transition, event()))["Message-ID"]
    again = wire(Notice(NoticeKind.transition, event()))["Message-ID"]
    later = wire(Notice(NoticeKind.transition, event(at=T0 + timedelta(seconds=1))))["Message-ID"]
    assert first == again != later
    assert first.endswith("@alerts.example>")


def test_pbx_connection_message_names_customer_pbx_change_reason_and_time() -> None:
    msg = wire(Notice(NoticeKind.transition, connection()))
    assert msg["Subject"] == '[heartbeat hub] acme PBX p1 "Front desk": connected → down'
    body = text(msg)
    assert body.startswith("The PBX connection's state changed: connected → down.")
    for line in [
        "Customer: acme",
        'PBX:      p1 "Front desk"',
        "From:     connected",
        "To:       down",
        "Reason:   heartbeat failed: HTTP 503",
        "Time:     2026-03-01T12:00:05Z",
    ]:
        assert line in body.splitlines()


def test_pbx_connection_without_name_or_first_state_reads_plainly() -> None:
    notice = Notice(NoticeKind.transition, connection(pbx_name=None, from_state=None))
    msg = wire(notice)
    assert msg["Subject"] == "[heartbeat hub] acme PBX p1: unknown → down"
    assert "PBX:      p1" in text(msg).splitlines()


def test_pbx_connection_flapping_and_stable_messages_speak_of_its_state() -> None:
    times = tuple(T0 + timedelta(minutes=i) for i in range(6))
    flapping = wire(Notice(NoticeKind.flapping, connection(), transitions=times))
    assert flapping["Subject"].endswith('PBX p1 "Front desk": flapping (6 changes in 10 min)')
    assert text(flapping).startswith("The PBX connection is flapping: 6 alerting changes")
    back = connection(from_state="down", to_state="connected")
    stable = wire(Notice(NoticeKind.stable, back, suppressed=2))
    assert stable["Subject"].endswith('PBX p1 "Front desk": stable again, now connected')
    assert "Its state is now connected." in text(stable)


def test_pbx_connection_message_ids_differ_from_a_profile_s() -> None:
    pbx = wire(Notice(NoticeKind.transition, connection()))["Message-ID"]
    assert pbx == wire(Notice(NoticeKind.transition, connection()))["Message-ID"]
    assert pbx != wire(Notice(NoticeKind.transition, event()))["Message-ID"]


def test_password_file_wins_over_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "password"
    secret.write_text("from-file\n")
    monkeypatch.setenv("HUB_SMTP_PASSWORD", "from-env")
    assert EmailSinkSettings().password() == "from-env"
    monkeypatch.setenv("HUB_SMTP_PASSWORD_FILE", str(secret))
    assert EmailSinkSettings().password() == "from-file"
