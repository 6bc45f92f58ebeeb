"""`python -m bench.faults --quick`: faults under load lose nothing and count nothing twice.

Only behaviour is checked (the run exits 0, no heartbeat answered 200 is missing from
Kafka, no customer's state is wrong, no SQL rollup miscounts, every alert the e-mail
sink owed reached the SMTP server, no customer heartbeating all along went late or down,
the upstream PBX connection is connected); the figures, what each
fault cost included, are printed for whoever reads the log, never asserted.
"""

import re

import pytest

from localkafka import postgres
from tests.bench.runner import run_bench

RESULT = re.compile(
    r"^result\s+sent (\d+)\s+200 (\d+)\s.*\smissing (\d+)"
    r"\s+state-mismatches (\d+)\s+sql-mismatches (\d+)$",
    re.M,
)
ALERTS = re.compile(r"^alerts\s+(\d+) messages owed .*, (\d+) missing,", re.M)
UPSTREAM = re.compile(r"^upstream\s+state (\S+);", re.M)
FALSE_ALARMS = re.compile(r"^health\s.*late or down: (\d+)$", re.M)


def test_faults_under_load_lose_no_heartbeat_and_count_each_once() -> None:
    try:
        postgres.ensure_postgres(postgres.OUTAGE_PORT)
    except postgres.PostgresError as e:
        pytest.skip(f"PostgreSQL cannot be provided here: {e}")
    # The quick sizes with shorter pauses and outages: each fault still happens under load.
    args = ["--quick", "--pause", "2", "--outage", "5", "--smtp-down", "5"]
    out = run_bench("faults", *args, timeout=480)
    found = RESULT.search(out)
    assert found, out
    sent, answered, missing, states, sql = (int(g) for g in found.groups())
    assert sent > 0, out
    assert answered > 0, out
    assert (missing, states, sql) == (0, 0, 0), out
    alerts = ALERTS.search(out)
    assert alerts, out
    owed, not_mailed = (int(g) for g in alerts.groups())
    assert owed > 0, out  # profiles went down and up: the sink owed mail
    assert not_mailed == 0, out
    false_alarms = FALSE_ALARMS.search(out)
    assert false_alarms, out
    assert false_alarms.group(1) == "0", out  # nobody heartbeating went late under the faults
    upstream = UPSTREAM.search(out)
    assert upstream, out
    assert upstream.group(1) == "connected", out
