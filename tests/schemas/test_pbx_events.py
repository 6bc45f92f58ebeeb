"""Event reports: recognizing one, and its form in the other event version."""

from typing import Any

import orjson
import pytest

from schemas.pbx_events import V1, V2, NotAnEvent, classify, in_version

CDR_FIELDS = {
    "callid": "1626253656.118",
    "timestart": "2021-07-14 17:07:36",
    "callfrom": "1000",
    "callto": "1001",
    "callduraction": "12",
    "talkduraction": "10",
    "srctrunkname": "",
    "dsttrcunkname": "SIP-trunk",
    "status": "ANSWERED",
    "type": "Internal",
    "recording": "",
    "didnumber": "",
    "agentringtime": "",
    "sn": "3631A2123456",
}
EXT = {"extension": "1006", "status": "Registered", "sn": "3631A2123456"}


def raw(doc: dict[str, Any]) -> bytes:
    """A report's body."""
    return orjson.dumps(doc)


def test_a_v2_report_names_itself_with_event() -> None:
    assert classify(raw({"event": "NewCdr", **CDR_FIELDS})) == (V2, "NewCdr")


def test_a_v1_report_names_itself_with_action() -> None:
    assert classify(raw({"action": "ExtensionStatus", **EXT})) == (V1, "ExtensionStatus")


def test_a_call_progress_report_of_either_version_is_recognized() -> None:
    assert classify(b'{"event":"CallStatus","callid":"1","members":[]}') == (V2, "CallStatus")
    assert classify(b'{"action":"RING","callid":"1","call":[]}') == (V1, "RING")


def test_event_wins_over_a_blank_event_falls_back_to_action() -> None:
    assert classify(b'{"event":"BootUp","action":"BootUp"}') == (V2, "BootUp")
    assert classify(b'{"event":"","action":"BootUp"}') == (V1, "BootUp")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1]",
        b'"NewCdr"',
        b"5",
        b"null",
        b"{}",
        b'{"sn": "1"}',
        b'{"event": ""}',
        b'{"event": 1}',
        b'{"action": true}',
        b'{"event": null, "action": ["RING"]}',
        b'{"action": {"name": "RING"}}',
    ],
)
def test_anything_else_is_not_an_event(body: bytes) -> None:
    with pytest.raises(NotAnEvent):
        classify(body)


def test_not_an_event_is_a_value_error() -> None:
    assert issubclass(NotAnEvent, ValueError)


@pytest.mark.parametrize(
    ("name", "fields"),
    [("ExtensionStatus", EXT), ("NewCdr", CDR_FIELDS), ("BootUp", {"sn": "3631A2123456"})],
)
@pytest.mark.parametrize(
    ("source", "key", "target", "new_key"),
    [(V2, "event", V1, "action"), (V1, "action", V2, "event")],
    ids=["v2-to-v1", "v1-to-v2"],
)
def test_convertible_events_change_version_renaming_only_the_key(
    name: str, fields: dict[str, str], source: str, key: str, target: str, new_key: str
) -> None:
    out = in_version(raw({key: name, **fields}), source, name, target)
    assert out is not None
    assert orjson.loads(out) == {new_key: name, **fields}


def test_yeastar_spellings_and_value_types_pass_untouched() -> None:
    doc = {"event": "NewCdr", **CDR_FIELDS, "callduraction": 12, "extra": {"a": [1, None]}}
    out = in_version(raw(doc), V2, "NewCdr", V1)
    assert out is not None
    got = orjson.loads(out)
    assert got["callduraction"] == 12
    assert got["talkduraction"] == "10"
    assert got["dsttrcunkname"] == "SIP-trunk"
    assert got["extra"] == {"a": [1, None]}
    assert "event" not in got
    assert "callduration" not in got
    assert "dsttrunkname" not in got


def test_a_roundtrip_gives_the_same_report() -> None:
    v1 = raw({"action": "ExtensionStatus", **EXT})
    v2 = in_version(v1, V1, "ExtensionStatus", V2)
    assert v2 is not None
    assert in_version(v2, V2, "ExtensionStatus", V1) == v1


def test_events_without_a_counterpart_have_no_form_in_the_other_version() -> None:
    call_status = b'{"event":"CallStatus","callid":"1","members":[]}'
    assert in_version(call_status, V2, "CallStatus", V1) is None
    ring = b'{"action":"RING","callid":"1","call":[]}'
    assert in_version(ring, V1, "RING", V2) is None


@pytest.mark.parametrize(
    ("body", "version", "name"),
    [
        (b'{"event":"CallStatus", "callid" : "1"}', V2, "CallStatus"),
        (b'{"action":"RING","callid":"1"}', V1, "RING"),
        (b'{ "event":"NewCdr","callduraction":"5"}', V2, "NewCdr"),
    ],
)
def test_the_same_version_gets_the_very_bytes(body: bytes, version: str, name: str) -> None:
    assert in_version(body, version, name, version) is body
