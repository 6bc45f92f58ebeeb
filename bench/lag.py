"""Consumer lag of the hub's groups, sampled in a thread while a benchmark runs."""

import threading
from dataclasses import dataclass, field

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError


@dataclass
class LagSampler:
    """Samples each group's total lag (records) every `interval_s` until stopped."""

    bootstrap: str
    groups: list[str]
    interval_s: float = 1.0
    samples: dict[str, list[int]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def lag(self) -> dict[str, int]:
        """Each group's lag now: records in its topics' partitions it has not committed."""
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap)
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap)
        try:
            out = {}
            for group in self.groups:
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
        return {g: max(v, default=0) for g, v in self.samples.items()}
