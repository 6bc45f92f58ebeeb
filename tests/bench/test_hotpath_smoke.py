"""`make bench`'s hot-path run at a size that fits the test suite: nothing lost, no error.

Only behaviour is checked (every 200 is in Kafka, no error answers); its figures are
printed for whoever reads the log, never asserted.
"""

import re

from bench.wrk import ensure_wrk
from tests.bench.runner import run_bench


def test_a_small_hot_path_run_loses_nothing_and_answers_no_error() -> None:
    ensure_wrk()  # from Debian's packages, as PostgreSQL and Mono: a failure fails the test
    args = ["--customers", "40", "--seconds", "3", "--partitions", "4"]
    out = run_bench("hotpath", *args, timeout=400)
    runs = re.findall(r"^(JSON|XML) .* errors (\d+)  200s (\d+) .* missing (\d+)$", out, re.M)
    assert [r[0] for r in runs] == ["JSON", "XML"], out
    for _, errors, answered, missing in runs:
        assert int(answered) > 0
        assert (int(errors), int(missing)) == (0, 0), out
