"""Blind periods: a partition whose sweeps stopped for seconds could hear no heartbeat."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

from processors.app import Hub
from processors.relay import blind
from schemas.blind import BlindPeriods
from schemas.topics import partition_for

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
PARTITIONS = 4


@dataclass
class Clock:
    at: datetime = T0

    def now(self) -> datetime:
        return self.at


@dataclass
class Settings:
    partitions: int = PARTITIONS


@dataclass
class FakeHub:
    """The hub's fields the module reads and writes."""

    clock: Clock = field(default_factory=Clock)
    settings: Settings = field(default_factory=Settings)
    swept: dict[int, tuple[float, datetime]] = field(default_factory=dict)
    blind_periods: dict[str, BlindPeriods] = field(default_factory=dict)


class Monotonic:
    """`time.monotonic` moved by the test, with the hub's clock beside it."""

    def __init__(self, hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
        self.hub, self.now = hub, 1000.0
        monkeypatch.setattr("processors.relay.blind.time.monotonic", lambda: self.now)

    def pass_s(self, seconds: float) -> None:
        self.now += seconds
        self.hub.clock.at += timedelta(seconds=seconds)


def test_a_long_gap_between_sweeps_is_a_blind_period_of_that_partition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeHub()
    hub, clock = cast(Hub, fake), Monotonic(fake, monkeypatch)
    cid = "clinic-1"
    part = partition_for(cid, PARTITIONS)
    blind.note_sweep(hub, part)
    clock.pass_s(1)
    blind.note_sweep(hub, part)
    assert blind.periods(hub, cid) == ()  # sweeps a second apart: nothing missed
    start = fake.clock.at
    clock.pass_s(20)
    blind.note_sweep(hub, part)
    assert blind.periods(hub, cid) == ((start, start + timedelta(seconds=20)),)
    other = next(c for c in ("a", "b", "c", "d", "e") if partition_for(c, PARTITIONS) != part)
    assert blind.periods(hub, other) == ()


def test_the_hub_clock_moved_ahead_without_a_gap_is_no_blind_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeHub()
    hub, clock = cast(Hub, fake), Monotonic(fake, monkeypatch)
    blind.note_sweep(hub, 0)
    clock.pass_s(1)
    fake.clock.at += timedelta(seconds=61)  # a test's clock advanced: no sweep was missed
    blind.note_sweep(hub, 0)
    assert fake.blind_periods == {}


def test_only_the_last_periods_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeHub()
    hub, clock = cast(Hub, fake), Monotonic(fake, monkeypatch)
    blind.note_sweep(hub, 0)
    for _ in range(blind.KEEP + 3):
        clock.pass_s(blind.BLIND_AFTER_S + 1)
        blind.note_sweep(hub, 0)
    kept = blind.periods(hub, next(c for c in "abcdefgh" if partition_for(c, PARTITIONS) == 0))
    assert len(kept) == blind.KEEP
    assert kept[-1][1] == fake.clock.at


def test_while_sweeps_are_stopped_the_open_period_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeHub()
    hub, clock = cast(Hub, fake), Monotonic(fake, monkeypatch)
    cid = "clinic-1"
    part = partition_for(cid, PARTITIONS)
    blind.note_sweep(hub, part)
    start = fake.clock.at
    clock.pass_s(blind.BLIND_AFTER_S - 1)
    assert blind.periods(hub, cid) == ()  # a sweep may be a little late
    clock.pass_s(2)  # no sweep for longer: the hub hears nothing of this partition
    assert blind.periods(hub, cid) == ((start, fake.clock.at),)


def test_partitions_lost_to_another_worker_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeHub()
    hub, clock = cast(Hub, fake), Monotonic(fake, monkeypatch)
    for part in (0, 1):
        blind.note_sweep(hub, part)
    clock.pass_s(blind.BLIND_AFTER_S + 1)
    for part in (0, 1):
        blind.note_sweep(hub, part)
    blind.keep_only(hub, {1})
    assert set(fake.swept) == {1}
    assert set(fake.blind_periods) == {"0", "1"}  # the table's: they go with the partition
