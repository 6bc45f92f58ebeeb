"""A `pbx-deliveries` record holds a burst's attempts in order; a one-attempt record of an
earlier version is still read."""

import pytest
from pydantic import ValidationError

from schemas.pbx_topics import decode_attempts, encode_attempts
from tests.sinks.sql import samples as s


def test_a_bursts_attempts_come_back_in_order() -> None:
    burst = [s.delivery(n) for n in (7, 8, 9)]
    assert decode_attempts(encode_attempts(burst)) == burst


def test_a_record_of_one_attempt_as_an_object_is_read() -> None:
    attempt = s.delivery(3)
    assert decode_attempts(attempt.model_dump_json().encode()) == [attempt]


@pytest.mark.parametrize("raw", [b"[{}]", b"{}", b"[1]", b"not json"])
def test_an_unreadable_record_is_refused(raw: bytes) -> None:
    with pytest.raises(ValidationError):
        decode_attempts(raw)
