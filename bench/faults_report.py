"""The fault suite's printed figures: the answers, what each fault cost, what the checks found."""

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.faults_alerts import AlertVerdict
from bench.faults_check import Verdict, statuses
from bench.faults_load import ERROR, TIMEOUT, Answer
from bench.faults_pbx import PbxVerdict
from bench.faults_upstream import UpstreamVerdict

print = functools.partial(print, flush=True)  # figures appear as they come
SHOWN = 10
"""Examples printed of each kind of failure."""


@dataclass
class Fault:
    """One fault: when it began, when its action returned, when a 200 came back."""

    name: str
    started: float
    acted: float
    recovered: float | None = None


def tally(answers: list[Answer]) -> dict[str, int]:
    """sent, 200, 503, other, timeouts."""
    count = statuses(answers)
    plain = count[200] + count[503] + count[TIMEOUT]
    return {
        "sent": len(answers),
        "200": count[200],
        "503": count[503],
        "other": len(answers) - plain,
        "timeouts": count[TIMEOUT],
    }


def print_fault(fault: Fault) -> None:
    """One line as soon as a fault is over."""
    back = "never" if fault.recovered is None else f"{fault.recovered - fault.acted:.1f} s"
    print(
        f"fault         {fault.name}: action took {fault.acted - fault.started:.1f} s,"
        f" a 200 again {back} after it"
    )


def print_costs(
    faults: list[Fault], answers: list[Answer], faults_end: float, recorded: set[str]
) -> None:
    """Per fault, the answers given from its start to the next one's (a heartbeat in flight
    when a fault began, answered after, is that fault's)."""
    bounds = [f.started for f in faults[1:]] + [faults_end]
    first = faults[0].started if faults else faults_end
    before = [a for a in answers if a.done < first]
    print(f"cost          before any fault: {_costs(before, recorded)}")
    for fault, until in zip(faults, bounds, strict=True):
        window = [a for a in answers if fault.started <= a.done < until]
        print(f"cost          {fault.name}: {_costs(window, recorded)}")
    after = [a for a in answers if a.done >= faults_end]
    print(f"cost          after the faults: {_costs(after, recorded)}")


def _costs(answers: list[Answer], recorded: set[str]) -> str:
    t = tally(answers)
    errors = sum(1 for a in answers if a.status == ERROR)
    bad = [a for a in answers if a.status != 200]
    kept = sum(1 for a in bad if a.tx in recorded)
    times = [a.done for a in bad]
    span = f", failures over {max(times) - min(times):.1f} s" if bad else ""
    return (
        f"answered {t['sent']}, 503 {t['503']}, timeouts {t['timeouts']}, other {t['other']}"
        f" (no connection {errors}); not 200 but in Kafka {kept}{span}; p99 {_p99_ms(answers)}"
    )


def _p99_ms(answers: list[Answer]) -> str:
    """The 99th percentile of the answers' latency (sent to answered), in ms."""
    waits = sorted(a.done - a.sent for a in answers)
    return f"{waits[int(len(waits) * 0.99)] * 1000:.0f} ms" if waits else "-"


def print_examples(*failures: tuple[str, Sequence[object]]) -> None:
    """The first few items of each kind of failure, each under its label."""
    for label, items in failures:
        for item in items[:SHOWN]:
            print(f"  {label}: {item}")


def print_verdict(verdict: Verdict, answers: list[Answer], customers: int) -> None:
    """The checks' figures, examples of each failure, and the one line the smoke test reads."""
    print(
        f"kafka         {verdict.kafka_records} heartbeat records ({verdict.kafka_duplicates}"
        f" duplicates); not answered 200 but in Kafka anyway: {verdict.unanswered_in_kafka}"
    )
    print(
        f"state         {customers} customers; state from a later heartbeat not answered 200"
        f" whose record reached Kafka: {verdict.late_states}"
    )
    print(
        f"sql           rollups of {customers} customers x 2 profiles:"
        f" {len(verdict.sql_mismatches)} mismatches ({verdict.sql_missing} heartbeats missing,"
        f" {verdict.sql_double} double)"
    )
    print_examples(
        ("missing from Kafka", verdict.missing),
        ("state mismatch", verdict.state_mismatches),
        ("SQL mismatch", verdict.sql_mismatches),
    )
    t = tally(answers)
    print(
        f"result        sent {t['sent']}  200 {t['200']}  503 {t['503']}  other {t['other']}"
        f"  timeouts {t['timeouts']}  missing {len(verdict.missing)}"
        f"  state-mismatches {len(verdict.state_mismatches)}"
        f"  sql-mismatches {len(verdict.sql_mismatches)}"
    )


def print_pbx(v: PbxVerdict) -> None:
    """The PBX and health checks' figures, and examples of each failure."""
    print(
        f"pbx           {v.posted} events posted, {v.answered_200} answered 200;"
        f" session heartbeats {v.heartbeats} ({v.heartbeats_failed} failed)"
    )
    print(
        f"deliveries    received per session {v.received}, duplicates {v.duplicates};"
        f" {len(v.missing)} sessions missing events, {len(v.out_of_order)} out of order"
    )
    print(
        f"health        {v.health_events} relay health events in Kafka,"
        f" {len(v.health_missing)} missing from health_transitions;"
        f" steady load's profiles late or down: {len(v.false_alarms)}"
    )
    print_examples(
        ("pbx missing", v.missing),
        ("pbx order", v.out_of_order),
        ("health missing", v.health_missing),
        ("false alarm", v.false_alarms),
    )


def print_alerts(v: AlertVerdict, faults: list[Fault]) -> None:
    """The alert check's figures; each duplicate named by the fault it followed."""
    print(
        f"alerts        {v.owed} messages owed by the sink's policy, {v.received} received,"
        f" {len(v.missing)} missing, {len(v.duplicates)} duplicates, {len(v.unowed)} not owed;"
        f" {v.during_outage} came due while SMTP was down"
        f" (alerting heartbeats {v.heartbeats_ok}/{v.heartbeats} answered 200)"
    )
    causes = Counter(_after(t, faults) for t in v.duplicates)
    for cause, n in sorted(causes.items()):
        print(f"  duplicate: {n} sent again after {cause} (same Message-ID)")
    for item in v.missing[:SHOWN]:
        print(f"  alert missing: {item}")
    for item in v.unowed[:SHOWN]:
        print(f"  received, not owed by the replay: {item}")


def _after(t: float, faults: list[Fault]) -> str:
    before = [f for f in faults if f.started <= t]
    return before[-1].name if before else "no fault"


def print_upstream(v: UpstreamVerdict) -> None:
    """The upstream check's figures."""
    relogins = ", ".join(f"{s:.1f} s" for s in v.relogin_s) or "none"
    print(
        f"upstream      state {v.state}; {v.logins} logins for {v.restarts} PBX restarts"
        f" (logged in again after {relogins}); {v.heartbeats} heartbeats,"
        f" longest gap {v.longest_gap_s:.1f} s"
    )
    print(
        f"upstream      {v.posted} NewCdr posted by the PBX, {v.answered_200} answered 200;"
        f" {len(v.missing)} sessions missing some, {len(v.out_of_order)} out of order"
    )
    for item in (v.missing + v.out_of_order)[:SHOWN]:
        print(f"  upstream: {item}")
