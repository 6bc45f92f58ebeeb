"""`make bench`'s state-at-scale run at a size that fits the test suite.

Only behaviour is checked: every customer imported becomes visible (the run waits for
it), and every profile that went silent is found late and then down by the sweep's
due index; the whole stack restarted on its state
folds again. Its figures are printed for whoever reads the log, never asserted.
"""

import re

from tests.bench.runner import run_bench


def test_a_small_scale_run_finds_every_silent_profile_late_then_down() -> None:
    args = ["--customers", "400", "--idle", "2", "--silent-percent", "5"]
    args += ["--interval", "4", "--grace", "3", "--partitions", "4", "--standby-wait", "2"]
    out = run_bench("scale", *args, timeout=500)
    lines = re.findall(r"^silent +(\d+ of \d+) active profiles (late|down);", out, re.M)
    found = {health: count for count, health in lines}
    assert found == {"late": "20 of 20", "down": "20 of 20"}, out
    # Everything restarted on its state comes back: the ingress ready, a worker folding.
    assert re.search(r"^stack restart ingress ready [0-9.]+ s, a worker folding", out, re.M), out
    # The second worker serves every partition, and still does once the first is killed.
    served = re.findall(r"^(new worker|failover) +every partition served", out, re.M)
    assert served == ["new worker", "failover"], out
