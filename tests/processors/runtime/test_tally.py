"""The per-partition tally behind the worker's gauges: writes replace, partitions go."""

from processors.runtime.tally import Tally


def letters(value: str) -> tuple[str, ...]:
    """A value's labels: its letters (a value "uu" is two `u`)."""
    return tuple(value)


def test_a_new_value_replaces_what_the_old_one_counted() -> None:
    tally = Tally(letters)
    tally.note(0, "a", "uu")
    tally.note(0, "b", "ud")
    tally.note(0, "a", "d")
    assert tally.counts([0]) == {"u": 1, "d": 2}
    assert tally.keys([0]) == 2


def test_a_deleted_key_counts_nothing_and_a_missing_one_deletes_nothing() -> None:
    tally = Tally(letters)
    tally.note(1, "a", "uu")
    tally.note(1, "a", None)
    tally.note(1, "never-there", None)
    assert +tally.counts([1]) == {}
    assert tally.keys([1]) == 0


def test_the_same_value_noted_twice_counts_once() -> None:
    tally = Tally(letters)
    for _ in range(3):  # a changelog record applied, then the same key read from disk
        tally.note(2, "a", "ud")
    assert tally.counts([2]) == {"u": 1, "d": 1}


def test_counts_and_keys_are_per_partition_and_partitions_are_forgotten() -> None:
    tally = Tally(letters)
    tally.note(0, "a", "u")
    tally.note(1, "b", "u")
    tally.note(2, "c", "d")
    assert tally.counts([0, 1]) == {"u": 2}
    tally.forget([0])
    assert tally.counts([0, 1, 2]) == {"u": 1, "d": 1}
    tally.keep_only({2})
    assert tally.counts([0, 1, 2]) == {"d": 1}
    assert tally.keys([0, 1, 2]) == 1
