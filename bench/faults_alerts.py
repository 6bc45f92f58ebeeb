"""The fault suite's alert part: profiles that go down and up, mailed through a real SMTP server.

`CUSTOMERS` customers with a short interval and an `AlertEmailList` on both profiles
heartbeat in cycles (`ON_S` seconds each second, then `OFF_S` silent), so each profile
goes `up → late → down → up` over and over, under every fault of the suite, and the
SMTP server itself is down for a while. The e-mail sink runs as its own process.

At the end, from the outside: the health-events topic is read and the sink's own
policy (`sinks.email.policy.decide`, with the rules the sink was given) replayed over
it, which names every message the sink owes by its Message-ID (derived from the
event, so a resend carries the same one). Every one must have reached the SMTP
server; more than one copy of a Message-ID is a duplicate, counted and attributed to
the fault that preceded its second copy (the sink is at least once: a message is
recorded as sent only after the server took it).
"""

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import orjson

from bench import topic_read
from bench.faults_load import heartbeat_body
from bench.hotpath import PROFILE
from localkafka.http import call
from localkafka.hub import HubCluster
from localkafka.process import ServiceProcess
from localkafka.smtp_server import SmtpServer
from schemas.events import HEALTH_TOPIC_EVENT, ChannelTest, Health, HealthEvent
from schemas.pbx_upstream import ConnectionState
from sinks.email.message import build_message, parse_recipients
from sinks.email.policy import AlertEvent, AlertRules, AlertState, Notice, decide, state_key

CUSTOMERS = 5
INTERVAL_S, GRACE_S = 3, 3
ON_S, OFF_S = 8.0, 10.0
SENDER = "hub@alerts.faults.example"
RULES = AlertRules(
    alert_healths=frozenset({Health.down, Health.error, Health.late}),
    alert_connection_states=frozenset(
        {ConnectionState.down, ConnectionState.credentials_rejected, ConnectionState.locked}
    ),
    flap_max_transitions=1000,  # the suite counts deliveries; flapping has tests of its own
    flap_window=timedelta(seconds=600),
)
JSON = {"Content-Type": "application/json"}


def email_sink(hub: HubCluster, smtp: SmtpServer, workdir: Path) -> ServiceProcess:
    """`python -m sinks.email` on the hub's topics, mailing to `smtp`, with `RULES`."""
    env = hub.env(
        HUB_SMTP_HOST="127.0.0.1",
        HUB_SMTP_PORT=str(smtp.port),
        HUB_SMTP_FROM=SENDER,
        HUB_SMTP_TIMEOUT_S="5",
        HUB_SMTP_RETRY_INITIAL_S="0.2",
        HUB_SMTP_RETRY_MAX_S="2",
        HUB_ALERT_HEALTHS="down,error,late",
        HUB_FLAP_MAX_TRANSITIONS=str(RULES.flap_max_transitions),
        HUB_FLAP_WINDOW_S=str(RULES.flap_window.total_seconds()),
        HUB_EMAIL_WEB_PORT="0",
        HUB_EMAIL_DATA_DIR=str(workdir / "email-sink"),
        HUB_LOG_LEVEL="info",
    )
    return ServiceProcess("email-sink", "sinks.email", env, workdir / "email-sink.log")


@dataclass
class AlertVerdict:
    """What the alert check found."""

    owed: int = 0
    received: int = 0
    missing: list[str] = field(default_factory=list)
    duplicates: list[float] = field(default_factory=list)
    """When each extra copy arrived (monotonic)."""
    unowed: list[str] = field(default_factory=list)
    """Messages received whose Message-ID the replay did not name (subject, Message-ID)."""
    during_outage: int = 0
    """Messages owed for events of the SMTP outage: each waited for the server."""
    heartbeats: int = 0
    heartbeats_ok: int = 0

    @property
    def failed(self) -> bool:
        """Whether a message the sink owed never arrived, or none was owed (nothing tested)."""
        return bool(self.missing) or self.owed == 0


@dataclass
class AlertLoad:
    """The alerting customers, their cycling heartbeats, and the SMTP server's outages."""

    hub: HubCluster
    smtp: SmtpServer
    prefix: str = field(default_factory=lambda: f"faults-alert-{uuid.uuid4().hex[:4]}-")
    answers: list[int] = field(default_factory=list)
    outages: list[tuple[float, float]] = field(default_factory=list)
    """Wall-clock (start, end) of each SMTP outage."""
    stopped_at: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def client_ids(self) -> list[str]:
        """The alerting customers."""
        return [f"{self.prefix}{i}" for i in range(CUSTOMERS)]

    def setup(self) -> None:
        """Import the customers (both profiles alerting to one address each)."""
        lines = [orjson.dumps(self._customer(i, cid)) for i, cid in enumerate(self.client_ids())]
        headers = {"Authorization": f"Bearer {self.hub.token}",
                   "Content-Type": "application/x-ndjson"}  # fmt: skip
        reply = call("POST", f"{self.hub.url}/admin/import", b"\n".join(lines), headers)
        assert reply.status == 200, reply.body

    @staticmethod
    def _customer(i: int, cid: str) -> dict[str, object]:
        alert = {"AlertEmailList": f"ops-{i}@alerts.faults.example"}
        return {
            "clientId": cid,
            "customer": {"RelayCustomerID": 900_000 + i, "Name": f"alerts {i}",
                         "HeartbeatIntervalSeconds": INTERVAL_S, "GracePeriodSeconds": GRACE_S},
            "inbound": {"1": {**PROFILE, **alert}},
            "outbound": {"1": {"ProfileName": "out", **alert}},
        }  # fmt: skip

    def start(self) -> None:
        """One thread per customer, their cycles staggered."""
        for i, cid in enumerate(self.client_ids()):
            offset = i * (ON_S + OFF_S) / CUSTOMERS
            t = threading.Thread(target=self._cycle, args=(cid, offset), daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        """Stop the heartbeats."""
        self._stop.set()
        for t in self._threads:
            t.join(30)
        self.stopped_at = time.monotonic()

    def _cycle(self, cid: str, offset: float) -> None:
        url = f"{self.hub.url}/api/customer/{cid}/heartbeat"
        if self._stop.wait(offset):
            return
        n = 0
        while not self._stop.is_set():
            on_until = time.monotonic() + ON_S
            while time.monotonic() < on_until and not self._stop.is_set():
                n += 1
                try:
                    status = call("PUT", url, heartbeat_body(f"{cid}-{n}"), JSON).status
                except Exception:
                    status = -1
                self.answers.append(status)
                self._stop.wait(1.0)
            self._stop.wait(OFF_S)

    def smtp_down(self, seconds: float) -> int:
        """Stop the SMTP server for `seconds`, then start it again; mail held meanwhile."""
        before = len(self.smtp.mail())
        start = time.time()
        self.smtp.stop()
        try:
            time.sleep(seconds)
        finally:
            self.smtp.start()
            self.outages.append((start, time.time()))
        return before

    def verify(self, bootstrap: str, topic: str, timeout_s: float) -> AlertVerdict:
        """Wait (bounded) until every owed message arrived; then count.

        First until every profile has gone down after the last heartbeats (so that no
        event comes after the topic is read), plus the sweep's second."""
        settled = (self.stopped_at or 0.0) + INTERVAL_S + GRACE_S + 3.0
        time.sleep(max(0.0, settled - time.monotonic()))
        owed = owed_messages(bootstrap, topic, self.prefix)
        deadline = time.monotonic() + timeout_s
        while not set(owed) <= _ids(self.smtp) and time.monotonic() < deadline:
            time.sleep(0.5)
        v = AlertVerdict(owed=len(owed), heartbeats=len(self.answers))
        v.heartbeats_ok = self.answers.count(200)
        got = Counter(m.message["Message-ID"] for m in self.smtp.mail())
        v.received = sum(got.values())
        v.missing = [f"{mid} ({owed[mid]})" for mid in owed if mid not in got]
        v.duplicates = _extra_copies(self.smtp)
        v.unowed = [
            f"{m.subject} {m.message['Message-ID']}"
            for m in self.smtp.mail()
            if m.message["Message-ID"] not in owed
        ]
        v.during_outage = sum(1 for at in owed.values() if _within(at, self.outages))
        return v


def _ids(smtp: SmtpServer) -> set[str]:
    return {str(m.message["Message-ID"]) for m in smtp.mail()}


def _extra_copies(smtp: SmtpServer) -> list[float]:
    seen: set[str] = set()
    extra = []
    for m in smtp.mail():
        mid = str(m.message["Message-ID"])
        if mid in seen:
            extra.append(m.at)
        seen.add(mid)
    return extra


def _within(at: float, spans: list[tuple[float, float]]) -> bool:
    return any(start <= at <= end for start, end in spans)


def owed_messages(bootstrap: str, topic: str, prefix: str) -> dict[str, float]:
    """The Message-IDs the sink owes for the events of customers named with `prefix`, with
    each event's time (epoch seconds): the sink's policy replayed in each partition's order."""
    states: dict[str, AlertState] = {}
    owed: dict[str, float] = {}
    for event in alert_events(bootstrap, topic, prefix):
        decision = decide(states.get(state_key(event)), event, RULES)
        if decision is None:
            continue
        states[state_key(event)] = decision.state
        mid = _message_id(decision.notice) if decision.notice is not None else None
        if mid is not None:
            owed[mid] = event.at.timestamp()
    return owed


def _message_id(notice: Notice) -> str | None:
    """The Message-ID the sink gives the notice's message; None when it mails nobody."""
    recipients = parse_recipients(notice.event.alert_email_list).addresses
    if not recipients:
        return None
    msg = build_message(notice, rules=RULES, sender=SENDER, recipients=recipients)
    return str(msg["Message-ID"])


def alert_events(bootstrap: str, topic: str, prefix: str) -> list[AlertEvent]:
    """The health and connection events of customers named with `prefix`, in offset order
    per partition (a customer's events are in one partition)."""
    found = (_event(raw, prefix) for raw in topic_read.values(bootstrap, topic))
    return [e for e in found if e is not None]


def _event(raw: bytes, prefix: str) -> AlertEvent | None:
    try:
        event = HEALTH_TOPIC_EVENT.validate_json(raw)
    except ValueError:
        return None
    if isinstance(event, ChannelTest):
        return None  # a channel's test message: no alert of the policy's
    if isinstance(event, HealthEvent) and event.covered:
        return None  # told by its relay client's alert, as the sink does
    return event if event.client_id.startswith(prefix) else None
