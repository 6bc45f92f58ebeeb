"""From a silent relay client to e-mail and alert channels: processors, health events,
the e-mail sink, a real SMTP server and real HTTP(S) receivers.

The module's tests share one hub and e-mail sink (they move its clock: the hub is the
module's own). Each test has customers, recipients and receivers of its own, so the
alerts an earlier test's customers raise as the clock moves on reach none of its."""

import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import orjson
import pytest

from localkafka.broker import LocalBroker
from localkafka.hub import HubCluster, start_hub
from localkafka.process import ServiceProcess
from localkafka.receiver import Received, Receiver
from localkafka.smtp_server import SmtpServer
from tests.integration.pbx_helpers import wait_for
from tests.integration.tls_fixtures import LoopbackCertificate, loopback_certificate

SECRET = "channel-signing-secret"  # noqa: S105 - a test value


def recipients(cid: str) -> tuple[str, str]:
    """Two addresses of the customer's own."""
    return f"ops@{cid}.example.org", f"oncall@{cid}.example.org"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCertificate:
    return loopback_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def alerting_hub(
    kafka_broker: LocalBroker,
    tmp_path_factory: pytest.TempPathFactory,
    certificate: LoopbackCertificate,
) -> Iterator[tuple[HubCluster, SmtpServer]]:
    """A hub, an SMTP server, and the e-mail sink between them, which trusts the module's
    certificate for https channels."""
    workdir = tmp_path_factory.mktemp("alerting")
    hub = start_hub(kafka_broker, workdir)
    smtp = SmtpServer()
    smtp.start()
    env = hub.env(
        HUB_SMTP_HOST="127.0.0.1",
        HUB_SMTP_PORT=str(smtp.port),
        HUB_EMAIL_WEB_PORT="0",
        HUB_EMAIL_DATA_DIR=str(workdir / "email"),
        SSL_CERT_FILE=str(certificate.cert_file),
    )
    sink = ServiceProcess("email", "sinks.email", env, workdir / "email.log")
    sink.start()
    try:
        yield hub, smtp
    finally:
        sink.stop()
        smtp.stop()
        hub.stop()


def test_a_profile_going_late_down_and_back_mails_its_alert_list(
    alerting_hub: tuple[HubCluster, SmtpServer],
) -> None:
    hub, smtp = alerting_hub
    cid = "clinic-1"
    assert hub.admin("PUT", f"/customers/{cid}", {"RelayCustomerID": 4, "Name": "Clinic"}).ok
    to = recipients(cid)
    wire = {"ProfileName": "lab results", "Active": True, "AlertEmailList": "; ".join(to)}
    assert hub.admin("PUT", f"/customers/{cid}/profiles/inbound/7", wire).ok
    beat = orjson.dumps([{"ProfileId": 7, "ProfileType": 1, "ServerStatus": 1}])
    assert hub.heartbeat(cid, beat, "application/json").ok
    hub.advance_clock(61)
    smtp.wait_for(1, to=to[0])
    hub.advance_clock(30)
    smtp.wait_for(2, to=to[0])
    assert hub.heartbeat(cid, beat, "application/json").ok
    mail = smtp.wait_for(3, to=to[0])
    assert [m.rcpt_tos for m in mail] == [to] * 3
    assert ["up → late" in m.subject for m in mail] == [True, False, False]
    assert "late → down" in mail[1].subject
    assert "down → up" in mail[2].subject
    assert all(cid in m.subject and "lab results" in m.subject for m in mail)
    assert any("no heartbeat since" in line for line in mail[1].body)


def test_a_webhook_channel_gets_the_alerts_signed_in_order_after_failing_a_while(
    alerting_hub: tuple[HubCluster, SmtpServer], receiver: Receiver
) -> None:
    hub, smtp = alerting_hub
    cid = "clinic-2"
    assert hub.admin("PUT", f"/customers/{cid}", {"RelayCustomerID": 5, "Name": "Clinic"}).ok
    hook = {"Kind": "webhook", "Url": f"http://127.0.0.1:{receiver.port}/hook", "Secret": SECRET}
    assert hub.admin("PUT", f"/customers/{cid}/channels/ops", hook).ok
    desk = f"desk@{cid}.example.org"
    mail = {"Kind": "email", "Addresses": [desk]}
    assert hub.admin("PUT", f"/customers/{cid}/channels/desk", mail).ok
    assert hub.admin(
        "PUT", f"/customers/{cid}/profiles/inbound/7", {"ProfileName": "lab", "Active": True}
    ).ok
    beat = orjson.dumps([{"ProfileId": 7, "ProfileType": 1, "ServerStatus": 1}])
    receiver.status = 503  # the receiver refuses everything for a while
    assert hub.heartbeat(cid, beat, "application/json").ok
    hub.advance_clock(61)
    assert wait_for(lambda: len(receiver.received) >= 1, 60), receiver.received  # late, refused
    hub.advance_clock(30)
    assert wait_for(lambda: len(receiver.received) >= 3, 60), receiver.received  # tried again
    receiver.status = 200
    assert hub.heartbeat(cid, beat, "application/json").ok
    assert wait_for(lambda: len(receiver.accepted()) >= 3, 90), receiver.received
    got = receiver.accepted()[:3]  # a profile heard once more goes late again a minute later
    assert [r.json()["event"] for r in got] == ["late", "down", "up"]
    assert len({r.json()["id"] for r in got}) == 3
    for r in got:
        expected = "sha256=" + hmac.new(SECRET.encode(), r.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(r.headers["x-hub-signature-256"], expected)
        assert r.json()["client"]["id"] == cid
    # The e-mail channel's address is mailed with the profile's (empty) alert list.
    assert len(smtp.wait_for(3, to=desk)) >= 3


def test_a_channel_test_message_reaches_the_receiver_marked_as_a_test(
    alerting_hub: tuple[HubCluster, SmtpServer], receiver: Receiver
) -> None:
    hub, smtp = alerting_hub
    cid = "clinic-3"
    assert hub.admin("PUT", f"/customers/{cid}", {"RelayCustomerID": 6, "Name": "Clinic"}).ok
    hook = {"Kind": "webhook", "Url": f"http://127.0.0.1:{receiver.port}/hook"}
    assert hub.admin("PUT", f"/customers/{cid}/channels/ops", hook).ok
    reply = hub.admin("POST", f"/customers/{cid}/channels/ops/test")
    assert reply.status == 202, reply.body
    alert_id = reply.json()["AlertId"]
    assert wait_for(lambda: len(receiver.accepted()) == 1, 60), receiver.received
    got = receiver.accepted()[0].json()
    assert (got["id"], got["test"], got["client"]["name"]) == (alert_id, True, "Clinic")
    assert hub.admin("POST", f"/customers/{cid}/channels/nope/test").status == 404
    desk = f"desk@{cid}.example.org"
    mail = {"Kind": "email", "Addresses": [desk]}
    assert hub.admin("PUT", f"/customers/{cid}/channels/desk", mail).ok
    assert hub.admin("POST", f"/customers/{cid}/channels/desk/test").status == 202
    (tested,) = smtp.wait_for(1, to=desk)
    assert tested.rcpt_tos == (desk,)
    assert "test of channel desk" in tested.subject


def _started(transaction_at: datetime) -> bytes:
    return orjson.dumps(
        [{"ProfileId": 7, "ProfileType": 1, "ServerStatus": 1,
          "LastTransactionDateTime": transaction_at.isoformat()}]
    )  # fmt: skip


def test_a_quiet_profile_is_alerted_and_recovers_when_transactions_move_again(
    alerting_hub: tuple[HubCluster, SmtpServer], receiver: Receiver
) -> None:
    hub, smtp = alerting_hub
    cid = "clinic-4"
    customer = {"RelayCustomerID": 7, "Name": "Clinic", "HeartbeatIntervalSeconds": 3600}
    assert hub.admin("PUT", f"/customers/{cid}", customer).ok
    hook = {"Kind": "webhook", "Url": f"http://127.0.0.1:{receiver.port}/hook"}
    assert hub.admin("PUT", f"/customers/{cid}/channels/ops", hook).ok
    to = recipients(cid)[0]
    wire = {"ProfileName": "orders", "Active": True, "QuietAfterSeconds": 60,
            "AlertEmailList": to}  # fmt: skip
    assert hub.admin("PUT", f"/customers/{cid}/profiles/inbound/7", wire).ok
    assert hub.heartbeat(cid, _started(hub.now()), "application/json").ok
    hub.advance_clock(70)
    assert wait_for(lambda: len(receiver.accepted()) >= 1, 60), receiver.received
    health = hub.admin("GET", f"/customers/{cid}/health").json()
    assert health["profiles"][0]["health"] == "quiet", health
    assert "no transaction since" in health["profiles"][0]["reason"]
    assert hub.heartbeat(cid, _started(hub.now()), "application/json").ok  # moved on
    assert wait_for(lambda: len(receiver.accepted()) >= 2, 60), receiver.received
    assert [r.json()["event"] for r in receiver.accepted()] == ["quiet", "up"]
    mail = smtp.wait_for(2, to=to)
    assert ["up → quiet" in mail[0].subject, "quiet → up" in mail[1].subject] == [True, True]


def _window_from(start: datetime, minutes: int) -> dict[str, object]:
    """A weekly schedule in UTC open from `start` (to the minute) for `minutes`."""
    end = start + timedelta(minutes=minutes)
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[start.weekday()]
    return {"TimeZone": "UTC", "Hours": {day: [f"{start:%H:%M}-{end:%H:%M}"]}}


def test_outside_its_schedule_a_silent_profile_is_paused_and_alerts_once_inside(
    alerting_hub: tuple[HubCluster, SmtpServer], receiver: Receiver
) -> None:
    hub, _ = alerting_hub
    cid = "clinic-5"
    opens = (hub.now() + timedelta(minutes=30)).replace(second=0, microsecond=0)
    customer = {"RelayCustomerID": 8, "Name": "Clinic", "Schedule": _window_from(opens, 60)}
    assert hub.admin("PUT", f"/customers/{cid}", customer).ok
    hook = {"Kind": "webhook", "Url": f"http://127.0.0.1:{receiver.port}/hook"}
    assert hub.admin("PUT", f"/customers/{cid}/channels/ops", hook).ok
    assert hub.admin("PUT", f"/customers/{cid}/profiles/inbound/7", {"Active": True}).ok
    assert hub.heartbeat(cid, _started(hub.now()), "application/json").ok
    hub.advance_clock(5 * 60)  # silent for 5 minutes, before the schedule opens

    def health() -> dict[str, str]:
        found: dict[str, str] = hub.admin("GET", f"/customers/{cid}/health").json()["profiles"][0]
        return found

    assert wait_for(lambda: health()["health"] == "paused", 30), health()
    assert health()["reason"].startswith("outside its schedule (UTC) until ")
    time.sleep(3)  # a few sweeps: none may alert
    assert receiver.received == []
    hub.advance_clock(30 * 60)  # 5 minutes past the opening: still silent
    assert wait_for(lambda: len(receiver.accepted()) >= 1, 60), receiver.received
    assert receiver.accepted()[0].json()["event"] == "down"
    assert health()["health"] == "down"


def test_a_silent_client_of_three_profiles_is_one_down_and_one_up(
    alerting_hub: tuple[HubCluster, SmtpServer], receiver: Receiver
) -> None:
    hub, smtp = alerting_hub
    cid = "clinic-6"
    customer = {"RelayCustomerID": 9, "Name": "Clinic", "GracePeriodSeconds": 0}
    assert hub.admin("PUT", f"/customers/{cid}", customer).ok
    hook = {"Kind": "webhook", "Url": f"http://127.0.0.1:{receiver.port}/hook"}
    assert hub.admin("PUT", f"/customers/{cid}/channels/ops", hook).ok
    to = recipients(cid)[0]
    for kind, pid in (("inbound", 7), ("inbound", 8), ("outbound", 2)):
        wire = {"ProfileName": f"{kind} {pid}", "Active": True, "AlertEmailList": to}
        assert hub.admin("PUT", f"/customers/{cid}/profiles/{kind}/{pid}", wire).ok
    beat = orjson.dumps([{"ProfileId": 7, "ProfileType": 1, "ServerStatus": 1},
                         {"ProfileId": 8, "ProfileType": 1, "ServerStatus": 1},
                         {"ProfileId": 2, "ProfileType": 2, "ServerStatus": 1}])  # fmt: skip
    assert hub.heartbeat(cid, beat, "application/json").ok
    hub.advance_clock(61)  # past the interval, no grace: down at once
    assert wait_for(lambda: len(receiver.accepted()) >= 1, 60), receiver.received
    assert hub.heartbeat(cid, beat, "application/json").ok
    assert wait_for(lambda: len(receiver.accepted()) >= 2, 60), receiver.received
    time.sleep(2)  # nothing more comes: no profile's own alert
    got = [r.json() for r in receiver.accepted()]
    assert [(g["event"], g["subject"]) for g in got] == [("down", "client"), ("up", "client")]
    assert sorted(p["id"] for p in got[0]["profiles"]) == [2, 7, 8]
    mail = smtp.wait_for(2, to=to)
    assert ["relay client (3 profiles)" in m.subject for m in mail] == [True, True]
    assert "up → down" in mail[0].subject
    assert "down → up" in mail[1].subject
    assert len(smtp.mail(to)) == 2


ROUTING_KEY = "0123456789abcdef0123456789abcdef"


def test_slack_teams_and_pagerduty_get_their_documented_bodies_over_https(
    alerting_hub: tuple[HubCluster, SmtpServer], certificate: LoopbackCertificate
) -> None:
    hub, _ = alerting_hub
    service = Receiver(tls=certificate.server).start()  # one https receiver plays all three
    try:
        cid = "clinic-7"
        customer = {"RelayCustomerID": 10, "Name": "Clinic", "GracePeriodSeconds": 0}
        assert hub.admin("PUT", f"/customers/{cid}", customer).ok
        base = f"https://127.0.0.1:{service.port}"
        for name, channel in (
            ("chat", {"Kind": "slack", "Url": f"{base}/slack"}),
            ("team", {"Kind": "teams", "Url": f"{base}/teams"}),
            ("page", {"Kind": "pagerduty", "Url": f"{base}/pd", "Secret": ROUTING_KEY}),
        ):
            assert hub.admin("PUT", f"/customers/{cid}/channels/{name}", channel).ok
        wire = {"ProfileName": "lab", "Active": True}
        assert hub.admin("PUT", f"/customers/{cid}/profiles/inbound/7", wire).ok
        beat = orjson.dumps([{"ProfileId": 7, "ProfileType": 1, "ServerStatus": 1}])
        assert hub.heartbeat(cid, beat, "application/json").ok
        hub.advance_clock(61)  # no grace: the client is down
        assert wait_for(lambda: len(service.accepted()) >= 3, 60), service.received
        assert hub.heartbeat(cid, beat, "application/json").ok
        assert wait_for(lambda: len(service.accepted()) >= 6, 60), service.received
        _slack_shaped(service.accepted("/slack"))
        _teams_shaped(service.accepted("/teams"))
        _pagerduty_shaped(service.accepted("/pd"))
    finally:
        service.stop()


def _slack_shaped(got: list[Received]) -> None:
    """Incoming webhooks: `text` (the notification's fallback) and Block Kit `blocks`."""
    down, up = (r.json() for r in got)
    assert "down" in down["text"].lower()
    assert "up" in up["text"].lower()
    assert down["blocks"][0]["type"] == "header"
    assert all(r.headers["content-type"] == "application/json" for r in got)


def _teams_shaped(got: list[Received]) -> None:
    """A message holding one Adaptive Card attachment."""
    for r in got:
        message = r.json()
        assert message["type"] == "message"
        (card,) = message["attachments"]
        assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert card["content"]["type"] == "AdaptiveCard"
        assert card["content"]["body"][0]["type"] == "TextBlock"


def _pagerduty_shaped(got: list[Received]) -> None:
    """Events API v2: a trigger with its payload, then a resolve of the same dedup_key."""
    trigger, resolve = (r.json() for r in got)
    assert (trigger["event_action"], resolve["event_action"]) == ("trigger", "resolve")
    assert trigger["routing_key"] == resolve["routing_key"] == ROUTING_KEY
    assert trigger["dedup_key"] == resolve["dedup_key"]
    assert trigger["payload"]["severity"] in ("critical", "error", "warning", "info")
    assert trigger["payload"]["summary"]
    assert trigger["payload"]["source"]
