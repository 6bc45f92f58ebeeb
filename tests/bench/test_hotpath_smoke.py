"""`make bench`'s hot-path run at a size that fits the test suite: nothing lost, no error.

Only behaviour is checked (every 200 is in Kafka, no error answers); its figures are
printed for whoever reads the log, never asserted.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.wrk import ensure_wrk

ROOT = Path(__file__).resolve().parents[2]


def test_a_small_hot_path_run_loses_nothing_and_answers_no_error() -> None:
    try:
        ensure_wrk()
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"wrk cannot be installed here: {e}")
    args = ["--customers", "40", "--seconds", "3", "--partitions", "4"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.hotpath", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=400, check=False,
    )  # fmt: skip
    print(done.stdout)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = re.findall(
        r"^(JSON|XML) .* errors (\d+)  200s (\d+) .* missing (\d+)$", done.stdout, re.M
    )
    assert [r[0] for r in runs] == ["JSON", "XML"], done.stdout
    for _, errors, answered, missing in runs:
        assert int(answered) > 0
        assert (int(errors), int(missing)) == (0, 0), done.stdout
