"""`python -m bench.overload --quick`: past its bound the ingress sheds, and recovers.

The quick run sets `HUB_MAX_IN_FLIGHT` to 4, so its top step certainly overloads the
ingress. Only behaviour is checked (503s at the top step, each with Retry-After, no
answer but 200 or 503, nothing shed at the low rate right after the top step); the
figures are printed for whoever reads the log, never asserted.
"""

import re

from tests.bench.runner import run_bench


def _table(out: str) -> dict[str, dict[str, str]]:
    """The figures table, by phase, then by column."""
    found = re.search(r"^(phase .*)\n((?:\S.*\n)+)", out, re.M)
    assert found, out
    header = found.group(1).split()
    rows = [line.split() for line in found.group(2).splitlines() if not line.startswith("(")]
    return {r[0]: dict(zip(header, r, strict=True)) for r in rows}


def test_the_ingress_sheds_past_its_bound_with_retry_after_and_recovers_at_once() -> None:
    out = run_bench("overload", "--quick", timeout=400)
    table = _table(out)
    steps = [p for p in table if p.startswith("step")]
    assert steps, out
    assert int(table[steps[-1]]["503s"]) > 0
    for phase, figures in table.items():
        assert figures["no-RA"] == "0", (phase, figures)
        assert (figures["other"], figures["failed"]) == ("0", "0"), (phase, figures)
    assert list(table)[-1] == "recovery"
    assert table["recovery"]["503s"] == "0", table["recovery"]
