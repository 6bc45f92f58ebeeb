"""The due index: what is due is found once, at its time, and nothing else is touched."""

from datetime import UTC, datetime, timedelta

from processors.runtime.due_index import DueIndex

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def index() -> DueIndex[datetime]:
    # Values are their own wake time in these tests.
    return DueIndex(lambda value: value)


def test_a_key_is_due_at_its_time_and_not_before() -> None:
    due = index()
    due.note(3, "a", T0 + timedelta(seconds=10))
    assert due.pop_due(3, T0 + timedelta(seconds=9)) == []
    assert due.pop_due(3, T0 + timedelta(seconds=10)) == ["a"]


def test_a_popped_key_is_not_found_twice() -> None:
    due = index()
    due.note(0, "a", T0)
    assert due.pop_due(0, T0) == ["a"]
    assert due.pop_due(0, T0 + timedelta(hours=1)) == []


def test_a_moved_deadline_replaces_the_old_one() -> None:
    due = index()
    due.note(0, "a", T0)
    due.note(0, "a", T0 + timedelta(seconds=60))
    assert due.pop_due(0, T0 + timedelta(seconds=30)) == []
    assert due.pop_due(0, T0 + timedelta(seconds=60)) == ["a"]


def test_a_deadline_moved_earlier_is_found_once_at_the_earlier_time() -> None:
    due = index()
    due.note(0, "a", T0 + timedelta(seconds=60))
    due.note(0, "a", T0)
    assert due.pop_due(0, T0) == ["a"]
    assert due.pop_due(0, T0 + timedelta(seconds=60)) == []


def test_deleted_or_never_due_values_are_not_found() -> None:
    due = index()
    due.note(0, "deleted", T0)
    due.note(0, "deleted", None)
    due.note(0, "idle", None)
    assert due.pop_due(0, T0 + timedelta(days=1)) == []
    assert due.size(0) == 0


def test_partitions_are_apart_and_forgotten_whole() -> None:
    due = index()
    due.note(0, "a", T0)
    due.note(1, "b", T0)
    due.forget({1})
    assert due.pop_due(1, T0) == []
    assert due.pop_due(0, T0) == ["a"]
    due.note(2, "c", T0)
    due.keep_only({5})
    assert due.pop_due(2, T0) == []


def test_keys_come_in_due_order() -> None:
    due = index()
    for n in (5, 1, 3):
        due.note(0, f"k{n}", T0 + timedelta(seconds=n))
    assert due.pop_due(0, T0 + timedelta(seconds=5)) == ["k1", "k3", "k5"]


def test_settle_looks_again_after_the_retry_when_still_due() -> None:
    due = index()
    due.settle(0, "busy", T0, T0, retry_s=1.0)
    assert due.pop_due(0, T0 + timedelta(seconds=0.5)) == []
    assert due.pop_due(0, T0 + timedelta(seconds=1)) == ["busy"]


def test_settle_keeps_a_later_wake_and_drops_a_finished_value() -> None:
    due = index()
    due.settle(0, "later", T0 + timedelta(seconds=30), T0, retry_s=1.0)
    due.settle(0, "done", None, T0, retry_s=1.0)
    assert due.pop_due(0, T0 + timedelta(seconds=29)) == []
    assert due.pop_due(0, T0 + timedelta(seconds=30)) == ["later"]


def test_many_moves_of_one_deadline_keep_the_heap_small_and_the_answer_right() -> None:
    due = index()
    for n in range(10_000):
        due.note(0, "a", T0 + timedelta(seconds=n))
    assert len(due._heaps[0]) < 2_000
    assert due.pop_due(0, T0 + timedelta(seconds=9_998)) == []
    assert due.pop_due(0, T0 + timedelta(seconds=9_999)) == ["a"]
