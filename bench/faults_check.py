"""The fault suite's checks, all from the outside: Kafka, the admin API, the SQL tables.

(a) every heartbeat answered 200 is a record of the heartbeats topic; (b) each
customer's profile state shows the transaction of its last record in that topic, which
must be its last 200 or a later heartbeat that was not answered 200 (503 or no answer
in time) but reached Kafka anyway; (c) the SQL rollups count, per customer and
profile, exactly the records of the topic.
"""

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from bench import topic_read
from bench.faults_load import Answer, sequence_of
from localkafka.hub import HubCluster

PROFILE_TYPES = (1, 2)


@dataclass
class Verdict:
    """What the checks found; `failed` when any of (a), (b), (c) does not hold."""

    missing: list[str] = field(default_factory=list)
    state_mismatches: list[str] = field(default_factory=list)
    late_states: int = 0
    sql_mismatches: list[str] = field(default_factory=list)
    sql_missing: int = 0
    sql_double: int = 0
    kafka_records: int = 0
    kafka_duplicates: int = 0
    unanswered_in_kafka: int = 0
    recorded: set[str] = field(default_factory=set, repr=False)

    @property
    def failed(self) -> bool:
        """Whether a heartbeat was lost, a state is wrong or a rollup miscounts."""
        return bool(self.missing or self.state_mismatches or self.sql_mismatches)


def kafka_heartbeats(bootstrap: str, topic: str, timeout_s: float) -> dict[str, list[str]]:
    """Per customer, the transaction ids of its records in `topic`, in offset order."""
    found: dict[str, list[str]] = {}
    for value in topic_read.heartbeats(bootstrap, topic, timeout_s):
        found.setdefault(value["client_id"], []).append(value["profiles"][0]["LastTransactionId"])
    return found


def check_kafka(answers: list[Answer], in_kafka: dict[str, list[str]], verdict: Verdict) -> None:
    """(a): every 200 is in Kafka; also counts duplicates and non-200s that got in."""
    records = Counter(tx for txs in in_kafka.values() for tx in txs)
    verdict.recorded = set(records)
    verdict.kafka_records = sum(records.values())
    verdict.kafka_duplicates = sum(n - 1 for n in records.values() if n > 1)
    verdict.missing = [a.tx for a in answers if a.status == 200 and a.tx not in records]
    verdict.unanswered_in_kafka = sum(1 for a in answers if a.status != 200 and a.tx in records)


def customer_state(hub: HubCluster, client_id: str, timeout_s: float = 30.0) -> list[str | None]:
    """The LastTransactionId of each profile (inbound 1, outbound 1), once caught up."""
    deadline = time.monotonic() + timeout_s
    reply = hub.admin("GET", f"/customers/{client_id}")
    while reply.status != 200 and time.monotonic() < deadline:
        time.sleep(0.5)  # 202: not caught up yet; 503: no worker answered
        reply = hub.admin("GET", f"/customers/{client_id}")
    if reply.status != 200:
        return [f"HTTP {reply.status}"]
    states = reply.json()["states"]
    kinds = ("inbound", "outbound")
    return [states[k].get("1", {}).get("LastTransactionId") for k in kinds]


def check_states(
    hub: HubCluster, answers: list[Answer], in_kafka: dict[str, list[str]], verdict: Verdict
) -> None:
    """(b): each customer's state against its last record in Kafka and its last 200."""
    last_ok: dict[str, int] = {}
    for a in answers:
        if a.status == 200:
            last_ok[a.client_id] = max(a.n, last_ok.get(a.client_id, 0))
    for cid in sorted({a.client_id for a in answers}):
        records = in_kafka.get(cid, [])
        expected = records[-1] if records else None
        shown = customer_state(hub, cid)
        newest = sequence_of(expected) if expected else 0
        if shown != [expected, expected] or newest < last_ok.get(cid, 0):
            verdict.state_mismatches.append(
                f"{cid}: state {shown}, last record {expected}, last 200 n={last_ok.get(cid)}"
            )
        elif newest > last_ok.get(cid, 0):
            verdict.late_states += 1


def rollup_counts(engine: Engine) -> dict[tuple[str, int], int]:
    """Heartbeats the rollups counted, per (customer, profile type)."""
    query = text(
        "SELECT client_id, profile_type, SUM(heartbeats) FROM heartbeat_minutes"
        " GROUP BY client_id, profile_type"
    )
    with engine.connect() as conn:
        return {(str(c), int(t)): int(n) for c, t, n in conn.execute(query)}


def check_rollups(engine: Engine, in_kafka: dict[str, list[str]], verdict: Verdict) -> None:
    """(c): per customer and profile type, the rollups count exactly its records."""
    counted = rollup_counts(engine)
    keys = set(counted) | {(cid, t) for cid in in_kafka for t in PROFILE_TYPES}
    for key in sorted(keys):
        want, got = len(in_kafka.get(key[0], ())), counted.get(key, 0)
        if want != got:
            verdict.sql_mismatches.append(f"{key[0]} type {key[1]}: {got} counted, {want} in Kafka")
            verdict.sql_missing += max(0, want - got)
            verdict.sql_double += max(0, got - want)


def sink_progress(engine: Engine, topic: str) -> dict[int, int]:
    """The next heartbeat offset the rollups will count, per partition."""
    query = text("SELECT partition, next_offset FROM sink_progress WHERE topic = :t")
    with engine.connect() as conn:
        return {int(p): int(o) for p, o in conn.execute(query, {"t": topic})}


def wait_for_sink(engine: Engine, bootstrap: str, topic: str, timeout_s: float) -> float:
    """Seconds until the rollups counted every record of heartbeats; raises TimeoutError."""
    t0 = time.monotonic()
    ends = topic_read.end_offsets(bootstrap, topic)
    while _behind(sink_progress(engine, topic), ends):
        if time.monotonic() - t0 > timeout_s:
            left = _behind(sink_progress(engine, topic), ends)
            raise TimeoutError(f"the SQL sink did not count {left} records in {timeout_s:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - t0


def _behind(progress: dict[int, int], ends: dict[int, int]) -> int:
    return sum(max(0, end - progress.get(p, 0)) for p, end in ends.items())


def statuses(answers: Iterable[Answer]) -> Counter[int]:
    """How many answers had each status (0 no answer in time, -1 no connection)."""
    return Counter(a.status for a in answers)
