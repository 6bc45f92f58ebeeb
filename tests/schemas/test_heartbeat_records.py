"""Records of the heartbeats topic: grouping, sequence numbers, both record forms."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas import heartbeat_records as hr
from schemas.topics import HeartbeatMessage

AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def message(cid: str) -> HeartbeatMessage:
    return HeartbeatMessage(client_id=cid, received_at=AT, profiles=[])


def test_a_record_of_several_and_a_record_of_one_read_alike() -> None:
    a, b = message("a"), message("b")
    many = hr.encode([a.model_dump_json().encode(), b.model_dump_json().encode()])
    assert hr.decode(many) == [a, b]
    assert hr.decode(a.model_dump_json().encode()) == [a]  # as earlier versions wrote
    with pytest.raises(ValidationError):
        hr.decode(b'[{"client_id": "a"}]')


def test_values_are_grouped_per_partition_in_order() -> None:
    values = [(b"v0", 1), (b"v1", 0), (b"v2", 1), (b"v3", 1)]
    assert sorted(hr.grouped(values)) == [(0, [1]), (1, [0, 2, 3])]


def test_a_record_is_closed_at_its_size_and_a_large_value_stands_alone() -> None:
    values = [(b"x" * 40, 0), (b"y" * 40, 0), (b"z" * 200, 0), (b"w" * 10, 0)]
    # 40 + 2 brackets, then 40 + a comma: 83 bytes, under 100; the 200-byte one alone.
    assert list(hr.grouped(values, max_bytes=100)) == [(0, [0, 1]), (0, [2]), (0, [3])]


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 300)), max_size=60))
def test_grouping_keeps_every_value_once_in_order_within_the_limit(
    shape: list[tuple[int, int]],
) -> None:
    values = [(b"v" * size, part) for part, size in shape]
    records = list(hr.grouped(values, max_bytes=512))
    assert sorted(i for _, idx in records for i in idx) == list(range(len(values)))
    for part, idx in records:
        assert all(values[i][1] == part for i in idx)
        assert idx == sorted(idx)
        encoded = hr.encode([values[i][0] for i in idx])
        assert len(encoded) <= 512 or len(idx) == 1
    per_partition: dict[int, list[int]] = {}
    for part, idx in records:  # records of a partition in order: their values in order
        per_partition.setdefault(part, []).extend(idx)
    assert all(idx == sorted(idx) for idx in per_partition.values())


@given(st.integers(0, 2**40), st.integers(1, hr.MAX_PER_RECORD - 1), st.integers(1, 5))
def test_sequence_numbers_order_heartbeats_as_records_then_places(
    offset: int, index: int, later: int
) -> None:
    assert hr.seq(offset, index) < hr.seq(offset + later, 0)
    assert hr.seq(offset, index) > hr.seq(offset, index - 1)
    assert hr.seq(offset, hr.MAX_PER_RECORD - 1) < hr.seq(offset + 1, 0)
    # Past the offset an earlier version stored for an earlier record (one heartbeat each).
    assert hr.seq(offset + later, 0) > offset
