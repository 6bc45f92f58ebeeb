"""The garbage collector's settings for the sink's process.

A batch keeps thousands of small tuples alive (heartbeat records, their entries, the
rows written), and CPython's cyclic collector runs every 700 new container objects,
scanning the young ones again and again, then the whole heap every so often: a
quarter of the sink's CPU under load. The sink's hot path makes no reference cycles
(plain tuples, dicts and lists that die with their batch), so it runs the collector
far less often, and freezes what was there at start (modules, models, settings),
which no collection then scans.
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
