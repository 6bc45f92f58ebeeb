"""From a silent relay client to e-mail: processors, health events, the e-mail sink, SMTP."""

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from localkafka.broker import LocalBroker
from localkafka.hub import HubCluster, start_hub
from localkafka.process import ServiceProcess
from localkafka.smtp_server import SmtpServer

RECIPIENTS = ("ops@example.org", "oncall@example.org")


@pytest.fixture
def alerting_hub(
    kafka_broker: LocalBroker, tmp_path: Path
) -> Iterator[tuple[HubCluster, SmtpServer]]:
    """A hub, an SMTP server, and the e-mail sink between them."""
    hub = start_hub(kafka_broker, tmp_path)
    smtp = SmtpServer()
    smtp.start()
    env = hub.env(
        HUB_SMTP_HOST="127.0.0.1",
        HUB_SMTP_PORT=str(smtp.port),
        HUB_EMAIL_WEB_PORT="0",
        HUB_EMAIL_DATA_DIR=str(tmp_path / "email"),
    )
    sink = ServiceProcess("email", "sinks.email", env, tmp_path / "email.log")
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
    wire = {"ProfileName": "lab results", "Active": True, "AlertEmailList": "; ".join(RECIPIENTS)}
    assert hub.admin("PUT", f"/customers/{cid}/profiles/inbound/7", wire).ok
    beat = orjson.dumps([{"ProfileId": 7, "ProfileType": 1, "ServerStatus": 1}])
    assert hub.heartbeat(cid, beat, "application/json").ok
    hub.advance_clock(61)
    smtp.wait_for(1)
    hub.advance_clock(30)
    smtp.wait_for(2)
    assert hub.heartbeat(cid, beat, "application/json").ok
    mail = smtp.wait_for(3)
    assert [m.rcpt_tos for m in mail] == [RECIPIENTS] * 3
    assert ["up → late" in m.subject for m in mail] == [True, False, False]
    assert "late → down" in mail[1].subject
    assert "down → up" in mail[2].subject
    assert all(cid in m.subject and "lab results" in m.subject for m in mail)
    assert any("no heartbeat since" in line for line in mail[1].body)
