"""A customer's deletion as the SQL sink reads and folds it (no database)."""

from schemas.customer_deletion import TokenScopesTrimmed
from schemas.topics import TopicNames
from sinks.sql.batch import Batch, CustomerGone
from sinks.sql.events import EventDecoder
from tests.sinks.sql import samples as s


def test_the_config_topic_s_deletion_is_read_and_the_token_records_are_not() -> None:
    decoder = EventDecoder(TopicNames("t."))
    deleted = s.customer_deleted(60)
    assert decoder.decode("t.config", deleted.model_dump_json().encode()) == [deleted]
    trim = TokenScopesTrimmed(customer="acme", partition=2, at=s.at(60))
    assert decoder.decode("t.config", trim.model_dump_json().encode()) == []


def test_the_newest_deletion_of_a_batch_is_kept() -> None:
    batch = Batch()
    batch.add(s.customer_deleted(60), offset=9)
    batch.add(s.customer_deleted(10), offset=4)  # read late: an older record
    assert batch.customers_gone == {"acme": CustomerGone("acme", s.at(60), 9)}
    assert batch.rows() == 1


def test_an_upsert_after_the_deletion_is_a_live_row() -> None:
    batch = Batch()
    batch.add(s.customer(), offset=1)
    batch.add(s.customer_deleted(60), offset=2)
    batch.add(s.customer(name="again"), offset=3)
    assert batch.customers["acme"].deleted_at is None
    assert batch.customers["acme"].src_offset == 3  # newer than the deletion: stays live
