"""Alert bodies: what a webhook, Slack, Teams and PagerDuty receive for one alert."""

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from schemas.alert_bodies import (
    SUMMARY_MAX,
    Alert,
    AlertEvent,
    AlertProfile,
    pagerduty_request,
    slack_request,
    summary,
    teams_request,
    webhook_request,
)
from schemas.events import Health

AT = datetime(2024, 5, 1, 10, 12, tzinfo=UTC)
SINCE = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
SECRET = "webhook-signing-secret-42"  # noqa: S105 - a test secret
ROUTING_KEY = "0123456789abcdefghijklmnopqrstuv"


def profile(pid: int = 7, name: str | None = "Orders", **changes: Any) -> AlertProfile:
    fields: dict[str, Any] = {
        "type": "inbound",
        "id": pid,
        "name": name,
        "health": Health.down,
        "since": SINCE,
        "reason": "no heartbeat since 2024-05-01T09:58:30+00:00",
    }
    return AlertProfile.model_validate(fields | changes)


def alert(**changes: Any) -> Alert:
    fields: dict[str, Any] = {
        "id": "c-1/2024-05-01T10:12:00+00:00/down",
        "event": AlertEvent.down,
        "client_id": "c-1",
        "customer_name": "acme",
        "subject": "client",
        "profiles": [profile(7), profile(2, None, type="outbound"), profile(9, "Billing")],
        "at": AT,
        "incident": "c-1",
    }
    return Alert.model_validate(fields | changes)


def recovery(**changes: Any) -> Alert:
    fields: dict[str, Any] = {
        "id": "c-1/2024-05-01T10:24:00+00:00/up",
        "event": AlertEvent.up,
        "resolved": True,
        "profiles": [],
        "at": SINCE + timedelta(minutes=12),
        "incident_started": SINCE,
    }
    return alert(**(fields | changes))


def many_profiles(n: int) -> list[AlertProfile]:
    reason = "reported Error: " + "<the relay's long & detailed message> " * 20
    return [profile(i, f"Profile {i}", health=Health.error, reason=reason) for i in range(n)]


def decoded(body: bytes) -> Any:
    return orjson.loads(body)


# --- the alert itself ---


def test_a_client_alert_is_only_late_down_or_up() -> None:
    with pytest.raises(ValidationError, match="a client alert is late, down or up"):
        alert(event=AlertEvent.error)


def test_a_profile_alert_names_a_profile() -> None:
    with pytest.raises(ValidationError, match="at least one profile"):
        alert(subject="profile", profiles=[])


@pytest.mark.parametrize(("event", "resolved"), [(AlertEvent.up, False), (AlertEvent.down, True)])
def test_resolved_goes_with_up_and_only_with_up(event: AlertEvent, resolved: bool) -> None:
    with pytest.raises(ValidationError, match="resolved"):
        alert(event=event, resolved=resolved)


def test_an_alert_time_without_zone_is_refused() -> None:
    with pytest.raises(ValidationError):
        alert(at=datetime(2024, 5, 1, 10, 12))  # without zone: the point of the test


# --- summaries ---


def test_a_client_down_summary_names_the_customer_and_the_profiles() -> None:
    assert summary(alert()) == (
        "acme relay client is DOWN: 3 profiles affected "
        "(inbound 7 Orders, outbound 2, inbound 9 Billing)"
    )


def test_a_summary_names_three_profiles_and_counts_the_rest() -> None:
    got = summary(alert(profiles=many_profiles(5)))
    assert got.endswith(
        "(inbound 0 Profile 0, inbound 1 Profile 1, inbound 2 Profile 2 and 2 more)"
    )


def test_a_recovery_summary_says_how_long_it_lasted() -> None:
    assert summary(recovery()) == "acme relay client is up again after 12 min"


@pytest.mark.parametrize(
    ("span", "said"),
    [(timedelta(seconds=40), "40 s"), (timedelta(hours=3, minutes=5), "3 h 5 min"),
     (timedelta(days=2, hours=1), "2 d 1 h")],
)  # fmt: skip
def test_a_recovery_gives_its_duration_in_the_largest_units(span: timedelta, said: str) -> None:
    got = summary(recovery(at=SINCE + span))
    assert got.endswith(f"after {said}")


def test_a_single_profile_summary_gives_its_reason() -> None:
    failing = profile(health=Health.error, reason="reported Error: disk full")
    one = alert(subject="profile", event=AlertEvent.error, profiles=[failing])
    assert summary(one) == "acme: profile inbound 7 Orders is in ERROR: reported Error: disk full"


def test_a_test_alert_says_it_is_a_test() -> None:
    assert summary(alert(test=True)).startswith("[TEST] acme relay client is DOWN")


def test_a_summary_keeps_within_1024_characters() -> None:
    long = alert(subject="profile", profiles=[profile(reason="x" * 5000)])
    assert len(summary(long)) == SUMMARY_MAX


# --- webhook ---


def test_the_webhook_body_has_the_documented_keys_and_utc_times() -> None:
    east = timezone(timedelta(hours=2))
    body, _ = webhook_request(alert(at=AT.astimezone(east)), SECRET)
    got = decoded(body)
    assert list(got)[:7] == ["id", "event", "test", "client", "subject", "profiles", "at"]
    assert got["client"] == {"id": "c-1", "name": "acme"}
    assert (got["event"], got["test"], got["subject"]) == ("down", False, "client")
    assert got["at"] == "2024-05-01T10:12:00Z"
    assert got["profiles"][1] == {
        "type": "outbound",
        "id": 2,
        "name": None,
        "health": "down",
        "since": "2024-05-01T10:00:00Z",
        "reason": "no heartbeat since 2024-05-01T09:58:30+00:00",
    }


def test_the_webhook_signature_verifies_over_the_exact_body() -> None:
    body, headers = webhook_request(alert(), SECRET)
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Hub-Signature-256"], expected)


def test_the_webhook_signature_does_not_verify_a_changed_body() -> None:
    body, headers = webhook_request(alert(), SECRET)
    changed = body.replace(b'"down"', b'"up"', 1)
    forged = "sha256=" + hmac.new(SECRET.encode(), changed, hashlib.sha256).hexdigest()
    assert changed != body
    assert not hmac.compare_digest(headers["X-Hub-Signature-256"], forged)


def test_the_webhook_headers_carry_the_type_and_the_event_id() -> None:
    one = alert()
    _, headers = webhook_request(one, SECRET)
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Hub-Event-Id"] == one.id


def test_a_webhook_without_secret_is_not_signed() -> None:
    _, headers = webhook_request(alert(), None)
    assert "X-Hub-Signature-256" not in headers


def test_a_resent_alert_has_the_same_bytes_and_signature() -> None:
    assert webhook_request(alert(), SECRET) == webhook_request(alert(), SECRET)


# --- Slack ---


def test_the_slack_message_has_fallback_text_and_blocks() -> None:
    body, headers = slack_request(alert())
    got = decoded(body)
    assert headers == {"Content-Type": "application/json"}
    assert got["text"] == summary(alert())
    assert got["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "acme relay client is DOWN"},
    }
    kinds = [b["type"] for b in got["blocks"]]
    assert kinds[1:-1] == ["section"] * (len(kinds) - 2)
    assert kinds[-1] == "context"
    assert all(b["text"]["type"] == "mrkdwn" for b in got["blocks"][1:-1])


def test_slack_blocks_keep_within_slacks_limits_with_200_profiles() -> None:
    got = decoded(slack_request(alert(profiles=many_profiles(200)))[0])
    sections = [b["text"]["text"] for b in got["blocks"] if b["type"] == "section"]
    assert len(got["blocks"]) <= 50
    assert max(len(text) for text in sections) <= 3000
    assert len(got["blocks"][0]["text"]["text"]) <= 150
    assert "and 180 more profiles" in sections[-1]


def test_slack_text_cannot_mention_or_link() -> None:
    sneaky = profile(name="<!channel>", reason="see <https://evil.example|here> & more")
    got = decoded(slack_request(alert(profiles=[sneaky]))[0])
    texts = [got["text"], *(b["text"]["text"] for b in got["blocks"][1:-1])]
    assert not any("<" in t or ">" in t for t in texts)
    assert any("&lt;!channel&gt;" in t for t in texts)
    assert any("&amp; more" in t for t in texts)


def test_a_clipped_slack_section_does_not_end_in_half_an_entity() -> None:
    one = alert(subject="profile", profiles=[profile(reason="&" * 2000)])
    got = decoded(slack_request(one)[0])
    about = got["blocks"][1]["text"]["text"]
    assert len(about) <= 3000
    assert re.search(r"&[a-z]{0,3}…$", about) is None


# --- Teams ---


def test_the_teams_message_is_one_adaptive_card() -> None:
    body, headers = teams_request(alert())
    got = decoded(body)
    assert headers == {"Content-Type": "application/json"}
    assert got["type"] == "message"
    (attachment,) = got["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["body"][0]["text"] == "acme relay client is DOWN"
    assert {item["type"] for item in card["body"]} == {"TextBlock", "FactSet"}


def test_the_teams_card_lists_each_profile_as_a_fact() -> None:
    card = decoded(teams_request(alert())[0])["attachments"][0]["content"]
    facts = card["body"][-1]["facts"]
    assert [f["title"] for f in facts] == ["inbound 7 Orders", "outbound 2", "inbound 9 Billing"]
    assert facts[0]["value"].startswith("down since 2024-05-01 10:00 UTC: no heartbeat")


def test_the_teams_card_counts_the_profiles_it_does_not_list() -> None:
    card = decoded(teams_request(alert(profiles=many_profiles(200)))[0])["attachments"][0]
    body = card["content"]["body"]
    assert len(body[-2]["facts"]) == 20
    assert body[-1]["text"] == "… and 180 more profiles"


def test_a_teams_recovery_is_colored_good() -> None:
    card = decoded(teams_request(recovery())[0])["attachments"][0]["content"]
    assert card["body"][0]["color"] == "Good"


# --- PagerDuty ---


def test_a_pagerduty_trigger_has_the_events_v2_shape() -> None:
    body, headers = pagerduty_request(alert(), ROUTING_KEY)
    got = decoded(body)
    assert headers == {"Content-Type": "application/json"}
    assert list(got) == ["routing_key", "event_action", "dedup_key", "payload"]
    assert (got["routing_key"], got["event_action"], got["dedup_key"]) == (
        ROUTING_KEY,
        "trigger",
        "c-1",
    )
    payload = got["payload"]
    assert payload["summary"] == summary(alert())
    assert (payload["source"], payload["severity"]) == ("c-1", "critical")
    assert payload["timestamp"] == "2024-05-01T10:12:00Z"
    assert payload["component"] == "relay client"
    assert payload["custom_details"]["profiles"][0]["id"] == 7


def test_a_pagerduty_trigger_and_its_resolve_share_one_dedup_key() -> None:
    trigger = decoded(pagerduty_request(alert(), ROUTING_KEY)[0])
    resolve = decoded(pagerduty_request(recovery(), ROUTING_KEY)[0])
    assert trigger["dedup_key"] == resolve["dedup_key"] == "c-1"


def test_a_pagerduty_resolve_carries_only_key_action_and_dedup_key() -> None:
    got = decoded(pagerduty_request(recovery(), ROUTING_KEY)[0])
    assert got == {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": "c-1"}


@pytest.mark.parametrize(
    ("event", "test", "severity"),
    [(AlertEvent.down, False, "critical"), (AlertEvent.late, False, "warning"),
     (AlertEvent.quiet, False, "warning"), (AlertEvent.error, False, "warning"),
     (AlertEvent.stopped, False, "warning"), (AlertEvent.down, True, "info")],
)  # fmt: skip
def test_pagerduty_severity_follows_the_event(event: AlertEvent, test: bool, severity: str) -> None:
    one = alert(subject="profile", event=event, test=test, incident="c-1/inbound/7")
    got = decoded(pagerduty_request(one, ROUTING_KEY)[0])
    assert got["payload"]["severity"] == severity


def test_a_pagerduty_summary_keeps_within_1024_characters() -> None:
    long = alert(customer_name="a" * 2000, profiles=many_profiles(200))
    got = decoded(pagerduty_request(long, ROUTING_KEY)[0])
    assert len(got["payload"]["summary"]) <= 1024


def test_pagerduty_details_list_20_profiles_and_count_the_rest() -> None:
    got = decoded(pagerduty_request(alert(profiles=many_profiles(200)), ROUTING_KEY)[0])
    details = got["payload"]["custom_details"]
    assert len(details["profiles"]) == 20
    assert details["profiles_not_listed"] == 180


def test_a_single_profile_is_the_pagerduty_component() -> None:
    one = alert(subject="profile", profiles=[profile()], incident="c-1/inbound/7")
    got = decoded(pagerduty_request(one, ROUTING_KEY)[0])
    assert got["payload"]["component"] == "inbound 7 Orders"


# --- secrets ---


def test_no_body_contains_a_secret() -> None:
    one = alert()
    bodies = [
        webhook_request(one, SECRET)[0],
        slack_request(one)[0],
        teams_request(one)[0],
        pagerduty_request(one, ROUTING_KEY)[0],
    ]
    for body in bodies:
        assert SECRET.encode() not in body
    for body in bodies[:3]:
        assert ROUTING_KEY.encode() not in body
    # PagerDuty's own routing key travels in its own field, as the Events API requires.
    pagerduty = decoded(bodies[3])
    del pagerduty["routing_key"]
    assert ROUTING_KEY.encode() not in orjson.dumps(pagerduty)
