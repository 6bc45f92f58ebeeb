"""schemas.pbx_topics.decode_pbx: a record of the `pbx` topic holds one record or several."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas.pbx_requests import Callback
from schemas.pbx_topics import SessionLoggedOut, SessionRenewed, decode_pbx

AT = datetime(2026, 1, 1, tzinfo=UTC)
CB = Callback(ipaddr="192.168.6.24", port=8260, urltag=0, version="2.0.0")


def renewal(sid: str) -> SessionRenewed:
    return SessionRenewed(client_id="acme", pbx_id="hq", session_id=sid, callback=CB, at=AT)


def test_one_record_alone_is_read_as_a_list_of_one() -> None:
    out = SessionLoggedOut(client_id="acme", pbx_id="hq", session_id="s1", at=AT)
    assert decode_pbx(out.model_dump_json().encode()) == [out]


def test_renewals_gathered_in_an_array_are_read_in_order() -> None:
    raw = b"[" + b",".join(renewal(s).model_dump_json().encode() for s in "abc") + b"]"
    assert [r.session_id for r in decode_pbx(raw)] == ["a", "b", "c"]  # type: ignore[union-attr]


@pytest.mark.parametrize("raw", [b"[{}]", b"{}", b"[", b"not json"])
def test_anything_else_is_unreadable(raw: bytes) -> None:
    with pytest.raises(ValidationError):
        decode_pbx(raw)
