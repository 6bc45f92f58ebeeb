"""`make bench`'s PBX API run at a size that fits the test suite: nothing lost or reordered.

Only behaviour is checked (no error answer, every event delivered to every session, in
order, none twice, in the burst and in the steady phase, a session whose receiver
refused some included); the figures are printed for whoever reads the log, never asserted.
"""

import re

from bench.wrk import ensure_wrk
from tests.bench.runner import run_bench


def _figure(out: str, phase: str, name: str) -> str:
    found = re.search(rf"^{phase}\s+{re.escape(name)}\s+(.+)$", out, re.M)
    assert found, (phase, name, out)
    return found.group(1).strip()


def test_a_small_pbx_run_delivers_everything_in_order() -> None:
    ensure_wrk()  # from Debian's packages, as PostgreSQL and Mono: a failure fails the test
    out = run_bench("pbx", "--quick", timeout=400)
    for phase in ("logins", "heartbeats", "intake", "events in"):
        assert _figure(out, phase, "errors") == "0"
    delivered, expected = _figure(out, "deliveries", "delivered / expected").split()[:3:2]
    assert delivered == expected
    assert _figure(out, "deliveries", "missing (not received) / duplicates") == "0 / 0"
    assert _figure(out, "deliveries", "order violations").startswith("0 ")
    # The steady phase: every event reached every session, the failing one's after its
    # receiver answered again, and in order.
    assert _figure(out, "steady", "missing / duplicates / out of order (all)") == "0 / 0 / 0"
    refused, missing, disordered = _figure(
        out, "steady", "the failing session: refused / missing / out of order"
    ).split(" / ")
    assert int(refused) > 0  # its receiver did refuse some
    assert (missing, disordered) == ("0", "0")
