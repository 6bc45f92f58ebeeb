"""`python -m bench.faults --quick`: faults under load lose nothing and count nothing twice.

Only behaviour is checked (the run exits 0, no heartbeat answered 200 is missing from
Kafka, no customer's state is wrong, no SQL rollup miscounts, every alert the e-mail
sink owed reached the SMTP server, the upstream PBX connection is connected); the figures, what each
fault cost included, are printed for whoever reads the log, never asserted.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from localkafka import postgres

ROOT = Path(__file__).resolve().parents[2]
RESULT = re.compile(
    r"^result\s+sent (\d+)\s+200 (\d+)\s.*\smissing (\d+)"
    r"\s+state-mismatches (\d+)\s+sql-mismatches (\d+)$",
    re.M,
)
ALERTS = re.compile(r"^alerts\s+(\d+) messages owed .*, (\d+) missing,", re.M)
UPSTREAM = re.compile(r"^upstream\s+state (\S+);", re.M)


def test_faults_under_load_lose_no_heartbeat_and_count_each_once() -> None:
    try:
        postgres.ensure_postgres()
    except postgres.PostgresError as e:
        pytest.skip(f"PostgreSQL cannot be provided here: {e}")
    done = subprocess.run(
        [sys.executable, "-m", "bench.faults", "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=480, check=False,
    )  # fmt: skip
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = RESULT.search(done.stdout)
    assert found, done.stdout
    sent, answered, missing, states, sql = (int(g) for g in found.groups())
    assert sent > 0, done.stdout
    assert answered > 0, done.stdout
    assert (missing, states, sql) == (0, 0, 0), done.stdout
    alerts = ALERTS.search(done.stdout)
    assert alerts, done.stdout
    owed, not_mailed = (int(g) for g in alerts.groups())
    assert owed > 0, done.stdout  # profiles went down and up: the sink owed mail
    assert not_mailed == 0, done.stdout
    upstream = UPSTREAM.search(done.stdout)
    assert upstream, done.stdout
    assert upstream.group(1) == "connected", done.stdout
