"""Latency statistics printed by every benchmark."""

import statistics
import time
from collections.abc import Callable


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of already sorted values, nearest rank."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def summary(name: str, latencies_s: list[float], elapsed_s: float) -> str:
    """One line: count, throughput, p50, p99 and max in milliseconds."""
    values = sorted(latencies_s)
    ms = [v * 1000 for v in values]
    mean = statistics.fmean(ms) if ms else float("nan")
    return (
        f"{name:<28} n={len(values):>6}  {len(values) / elapsed_s:>8.0f}/s  "
        f"p50={percentile(ms, 50):6.2f} ms  p99={percentile(ms, 99):6.2f} ms  "
        f"mean={mean:6.2f} ms  max={max(ms, default=0):6.1f} ms"
    )


def timed(name: str, rounds: int, fn: Callable[[], object]) -> None:
    """Run `fn` `rounds` times and print the summary."""
    lat = []
    t0 = time.perf_counter()
    for _ in range(rounds):
        s = time.perf_counter()
        fn()
        lat.append(time.perf_counter() - s)
    print(summary(name, lat, time.perf_counter() - t0))
