"""The bulk import's records: customers in chunks of one partition, read back as each
customer's own import by the worker's and the SQL sink's decoders."""

from datetime import UTC, datetime

from ingest.bulk_import import IMPORT_CHUNK, _dump, chunks
from processors.relay.agents import decode_config
from schemas.profiles import CustomerConfig
from schemas.topics import CustomerImported, TopicNames, partition_for
from sinks.sql.events import EventDecoder

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
PARTITIONS = 8


def _records(count: int) -> list[CustomerImported]:
    return [
        CustomerImported(
            client_id=f"c{n}", at=AT, customer=CustomerConfig(RelayCustomerID=n, Name=f"n{n}")
        )
        for n in range(count)
    ]


def test_each_chunk_holds_customers_of_one_partition_in_their_order() -> None:
    records = _records(5 * IMPORT_CHUNK)
    found = list(chunks(records, PARTITIONS))
    assert all(0 < len(c.customers) <= IMPORT_CHUNK for c in found)
    for c in found:
        assert {partition_for(m.client_id, PARTITIONS) for m in c.customers} == {
            partition_for(c.client_id, PARTITIONS)
        }
    seen = [m.client_id for c in found for m in c.customers]
    assert sorted(seen) == sorted(r.client_id for r in records)  # each exactly once
    for p in range(PARTITIONS):
        mine = [r.client_id for r in records if partition_for(r.client_id, PARTITIONS) == p]
        assert [s for s in seen if s in set(mine)] == mine
    assert len({c.batch for c in found}) == len(found)  # every chunk its own key


def test_a_chunk_is_read_back_as_each_customer_s_import_with_the_chunk_s_time() -> None:
    records = _records(3)
    (chunk,) = chunks(records[:1], PARTITIONS)
    raw = _dump(chunk)
    assert b'"at":null' not in raw  # the members' time is the chunk's, written once
    (event,) = decode_config(raw)
    assert isinstance(event, CustomerImported)
    assert event.model_dump() == records[0].model_dump()


def test_the_sql_sink_reads_every_customer_of_a_chunk() -> None:
    records = [r for r in _records(40) if partition_for(r.client_id, PARTITIONS) == 3]
    (chunk,) = chunks(records, PARTITIONS)
    names = TopicNames("t-")
    events = EventDecoder(names).decode(names.config, _dump(chunk))
    assert [e.model_dump() for e in events] == [r.model_dump() for r in records]
