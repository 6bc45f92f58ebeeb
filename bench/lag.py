"""Consumer lag of the hub's groups, sampled in a thread while a benchmark runs."""

import threading
import urllib.request
from dataclasses import dataclass, field

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError


@dataclass
class LagSampler:
    """Samples each group's total lag (records) every `interval_s` until stopped."""

    bootstrap: str
    groups: list[str]
    interval_s: float = 1.0
    # Groups whose lag is read from their members' /metrics (hub_kafka_consumer_lag)
    # instead of their committed offsets: the workers commit heartbeats only once their
    # reported states are written (HUB_STATES_FLUSH_S), so commits trail the fold.
    scraped: dict[str, list[str]] = field(default_factory=dict)
    samples: dict[str, list[int]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def lag(self) -> dict[str, int]:
        """Each group's lag now: records it has not folded (scraped) or not committed."""
        out = self._committed_lag([g for g in self.groups if g not in self.scraped])
        for group, urls in self.scraped.items():
            out[group] = sum(_scraped_lag(url, group) for url in urls)
        return out

    def _committed_lag(self, groups: list[str]) -> dict[str, int]:
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap)
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap)
        try:
            out = {}
            for group in groups:
                try:
                    offsets = admin.list_group_offsets(group).get(group, {})
                except KafkaError:
                    continue  # the group has not committed yet
                committed = {tp: m.offset for tp, m in offsets.items() if m.offset >= 0}
                tps = [TopicPartition(tp.topic, tp.partition) for tp in committed]
                try:
                    ends = consumer.end_offsets(tps) if tps else {}
                except (KafkaError, KeyError):
                    continue
                out[group] = sum(max(0, ends.get(tp, 0) - committed[tp]) for tp in tps)
            return out
        finally:
            consumer.close()
            admin.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            for group, value in self.lag().items():
                self.samples.setdefault(group, []).append(value)

    def start(self) -> None:
        """Begin sampling in the background."""
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, int]:
        """Stop sampling; returns each group's largest lag seen."""
        self._stop.set()
        if self._thread:
            self._thread.join()
        return self.worst()

    def worst(self, skip: int = 0) -> dict[str, int]:
        """Each group's largest lag seen, leaving out the first `skip` samples."""
        return {g: max(v[skip:], default=0) for g, v in self.samples.items()}


def _scraped_lag(url: str, group: str) -> int:
    """The sum of a member's `hub_kafka_consumer_lag` samples of `group` (0 if unreachable)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            text = reply.read().decode()
    except OSError:
        return 0
    marker = f'group="{group}"'
    return sum(
        int(float(line.rsplit(" ", 1)[1]))
        for line in text.splitlines()
        if line.startswith("hub_kafka_consumer_lag{") and marker in line
    )
