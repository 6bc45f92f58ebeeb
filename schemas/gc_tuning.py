"""The garbage collector's settings for the hub's long-running processes.

Their hot paths allocate many short-lived containers (a request's or a batch's
dicts, tuples and models), and CPython's cyclic collector runs every 700 new
container objects, scanning the young ones again and again, then the whole heap every
so often; measured in the SQL sink under load, a quarter of its CPU. The hot paths
make few reference cycles (what they allocate dies with its request or batch), so
the collector runs far less often, and what was there at start (modules, models,
settings) is frozen, so that no collection scans it again.
"""

import gc

GEN0_THRESHOLD = 50_000
"""New container objects between two young collections (CPython's default: 700)."""
OLDER_THRESHOLD = 20
"""Young collections per older one, for both older generations (default: 10)."""


def tune_gc() -> None:
    """Collect less often; call once the process has started (imports done)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GEN0_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
