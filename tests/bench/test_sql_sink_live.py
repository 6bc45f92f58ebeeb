"""The steady-rate SQL sink bench publishes heartbeats the sink reads on its fast path."""

from bench.sql_sink_live import PARTITIONS, _next, heartbeat
from schemas import heartbeat_records
from schemas.topics import partition_for
from sinks.sql.heartbeat_json import read_heartbeats


def test_its_heartbeats_are_valid_messages_read_by_the_sinks_fast_path() -> None:
    values = [heartbeat(f"bench-{n}", n) for n in range(3)]
    record = heartbeat_records.encode(values)
    messages = heartbeat_records.decode(record)
    assert [m.client_id for m in messages] == ["bench-0", "bench-1", "bench-2"]
    assert [len(m.profiles) for m in messages] == [2, 2, 2]
    fast = read_heartbeats(record)
    assert fast is not None
    assert [r.client_id for r in fast] == ["bench-0", "bench-1", "bench-2"]


def test_customers_are_taken_in_turn_on_their_own_partitions() -> None:
    picked = [_next(n, customers=4) for n in range(6)]
    assert [partition for _, partition in picked] == [
        partition_for(f"bench-{n % 4}", PARTITIONS) for n in range(6)
    ]
