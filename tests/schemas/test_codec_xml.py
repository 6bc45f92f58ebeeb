"""DataContract XML codec: byte-for-byte samples, order, nil, hostile and malformed bodies."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemas import codec_json, codec_xml
from schemas.enums import ProfileType, ResponseStatus, ServerStatus
from schemas.errors import DecodeError
from schemas.relay import (
    ProfileHeartbeatData,
    ProfileListResponseData,
    RelayInboundProfile,
    RelayOutboundProfile,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NS_I = "http://www.w3.org/2001/XMLSchema-instance"
NS_TO = "http://schemas.datacontract.org/2004/07/Interface.Relay.TransferObjects"
NS_DA = "http://schemas.datacontract.org/2004/07/Interface.Relay.DataAccess"
VALID = (
    "<ProfileId>7</ProfileId><ProfileType>Outbound</ProfileType>"
    "<ServerStatus>Stopped</ServerStatus>"
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def heartbeats(*members: str, root: str = "ArrayOfProfileHeartbeatData", ns: str = NS_TO) -> bytes:
    items = "".join(f"<ProfileHeartbeatData>{m}</ProfileHeartbeatData>" for m in members)
    return f'<{root} xmlns:i="{NS_I}" xmlns="{ns}">{items}</{root}>'.encode()


def response(members: str) -> bytes:
    root = "ProfileListResponseData"
    return (
        f'<{root} xmlns:i="{NS_I}" xmlns="{NS_TO}" xmlns:d2p1="{NS_DA}">{members}</{root}>'.encode()
    )


def element_names(body: bytes, indent: int) -> list[str]:
    """Names of the elements that start at the given indentation."""
    return re.findall(rf"^ {{{indent}}}<(?:d2p1:)?(\w+)", body.decode(), flags=re.MULTILINE)


@pytest.mark.parametrize(
    ("name", "decode", "encode"),
    [
        ("relay-heartbeat-request.xml", codec_xml.decode_heartbeats, codec_xml.encode_heartbeats),
        ("relay-heartbeat-response.xml", codec_xml.decode_response, codec_xml.encode_response),
    ],
)
def test_sample_round_trips_byte_for_byte(
    name: str, decode: Callable[[bytes], Any], encode: Callable[[Any], bytes]
) -> None:
    body = fixture(name)
    assert encode(decode(body)) == body.rstrip(b"\n")


def test_xml_and_json_samples_decode_to_the_same_models() -> None:
    xml_request = codec_xml.decode_heartbeats(fixture("relay-heartbeat-request.xml"))
    assert xml_request == codec_json.decode_heartbeats(fixture("relay-heartbeat-request.json"))
    xml_response = codec_xml.decode_response(fixture("relay-heartbeat-response.xml"))
    assert xml_response == codec_json.decode_response(fixture("relay-heartbeat-response.json"))
    assert xml_response.InboundProfileList is not None
    assert xml_response.InboundProfileList[0].ServerStatus == 64


def test_json_sample_encodes_to_the_xml_sample() -> None:
    r = codec_json.decode_response(fixture("relay-heartbeat-response.json"))
    assert codec_xml.encode_response(r) == fixture("relay-heartbeat-response.xml").rstrip(b"\n")


@pytest.mark.parametrize("model", [RelayInboundProfile, RelayOutboundProfile])
def test_profile_members_are_written_in_ordinal_order(model: type[Any]) -> None:
    r = ProfileListResponseData(
        ResponseStatus=ResponseStatus.Success,
        InboundProfileList=[RelayInboundProfile()] if model is RelayInboundProfile else None,
        OutboundProfileList=[RelayOutboundProfile()] if model is RelayOutboundProfile else None,
    )
    names = element_names(codec_xml.encode_response(r), 6)
    # sorted() is by code point, i.e. ordinal: RelayIPAddress before RelayInboundProfileID.
    assert names == sorted(model.model_fields)


def test_response_writes_base_members_before_the_lists() -> None:
    r = ProfileListResponseData(ResponseStatus=ResponseStatus.Success)
    assert element_names(codec_xml.encode_response(r), 2) == [
        "LogMessage",
        "ResponseStatus",
        "InboundProfileList",
        "OutboundProfileList",
    ]


def test_heartbeat_members_are_written_in_ordinal_order() -> None:
    item = ProfileHeartbeatData(
        ProfileId=1, ProfileType=ProfileType.Inbound, ServerStatus=ServerStatus.Started
    )
    names = element_names(codec_xml.encode_heartbeats([item]), 4)
    assert names == sorted(ProfileHeartbeatData.model_fields)


def test_none_is_written_as_nil_and_read_back_as_none() -> None:
    item = ProfileHeartbeatData(
        ProfileId=3, ProfileType=ProfileType.Outbound, ServerStatus=ServerStatus.Paused
    )
    body = codec_xml.encode_heartbeats([item])
    assert b'    <LastError i:nil="true" />\n' in body
    assert b"<ProfileType>Outbound</ProfileType>" in body
    assert codec_xml.decode_heartbeats(body) == [item]


def test_nil_list_and_empty_list_are_distinct() -> None:
    r = ProfileListResponseData(
        ResponseStatus=ResponseStatus.Failure, InboundProfileList=None, OutboundProfileList=[]
    )
    body = codec_xml.encode_response(r)
    assert b'  <InboundProfileList i:nil="true" />\n' in body
    assert f'  <OutboundProfileList xmlns:d2p1="{NS_DA}" />\n'.encode() in body
    assert b"<ResponseStatus>Failure</ResponseStatus>" in body
    back = codec_xml.decode_response(body)
    assert back.InboundProfileList is None
    assert back.OutboundProfileList == []


def test_empty_heartbeat_list_round_trips() -> None:
    body = codec_xml.encode_heartbeats([])
    assert body == f'<ArrayOfProfileHeartbeatData xmlns:i="{NS_I}" xmlns="{NS_TO}" />'.encode()
    assert codec_xml.decode_heartbeats(body) == []


def test_text_is_escaped_and_round_trips() -> None:
    text = "a<b> & \"c\" 'd'\r\nline\ttab"
    item = ProfileHeartbeatData(
        ProfileId=1,
        ProfileType=ProfileType.Inbound,
        ServerStatus=ServerStatus.Error,
        LastError=text,
    )
    body = codec_xml.encode_heartbeats([item])
    assert b"a&lt;b&gt; &amp; \"c\" 'd'&#xD;\nline\ttab" in body
    assert codec_xml.decode_heartbeats(body)[0].LastError == text


def test_characters_xml_cannot_carry_are_replaced() -> None:
    item = ProfileHeartbeatData(
        ProfileId=1,
        ProfileType=ProfileType.Inbound,
        ServerStatus=ServerStatus.Error,
        LastError="a\x00b",
    )
    assert (
        codec_xml.decode_heartbeats(codec_xml.encode_heartbeats([item]))[0].LastError == "a\ufffdb"
    )


def test_empty_string_is_not_nil() -> None:
    item = ProfileHeartbeatData(
        ProfileId=1,
        ProfileType=ProfileType.Inbound,
        ServerStatus=ServerStatus.Started,
        LastError="",
    )
    body = codec_xml.encode_heartbeats([item])
    assert b"<LastError></LastError>" in body
    assert codec_xml.decode_heartbeats(body)[0].LastError == ""
    (self_closed,) = codec_xml.decode_heartbeats(heartbeats(VALID + "<LastError/>"))
    assert self_closed.LastError == ""


def test_elements_in_any_order_are_accepted() -> None:
    (item,) = codec_xml.decode_heartbeats(
        heartbeats(
            "<ServerStatus>Stopped</ServerStatus><LastError>x</LastError>"
            "<ProfileType>Outbound</ProfileType><ProfileId>7</ProfileId>"
        )
    )
    assert (item.ProfileId, item.ProfileType, item.ServerStatus, item.LastError) == (
        7,
        ProfileType.Outbound,
        ServerStatus.Stopped,
        "x",
    )


def test_unknown_elements_are_ignored() -> None:
    (item,) = codec_xml.decode_heartbeats(
        heartbeats(
            f"<Future><Deep>1</Deep></Future>{VALID}"
            '<x:ProfileId xmlns:x="urn:other">9</x:ProfileId>'
        )
    )
    assert item.ProfileId == 7


def test_enums_by_number_are_accepted() -> None:
    (item,) = codec_xml.decode_heartbeats(
        heartbeats(
            "<ProfileId>7</ProfileId><ProfileType>2</ProfileType><ServerStatus>6</ServerStatus>"
        )
    )
    assert item.ProfileType is ProfileType.Outbound
    assert item.ServerStatus is ServerStatus.Error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-11-25T07:51:02.2345912", "2024-11-25T07:51:02.2345912Z"),
        ("2024-11-25T07:51:02Z", "2024-11-25T07:51:02Z"),
        (" 2024-11-25T07:51:02.1+01:00 ", "2024-11-25T07:51:02.1+01:00"),
    ],
)
def test_dates_with_and_without_offset_are_accepted(text: str, expected: str) -> None:
    (item,) = codec_xml.decode_heartbeats(
        heartbeats(f"{VALID}<LastErrorDateTime>{text}</LastErrorDateTime>")
    )
    assert f"<LastErrorDateTime>{expected}</LastErrorDateTime>".encode() in (
        codec_xml.encode_heartbeats([item])
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<ArrayOfProfileHeartbeatData xmlns="http://schemas.datacontract.org/2004/07/Interface.Relay.TransferObjects">
 <ProfileHeartbeatData><LastError>&lol4;</LastError></ProfileHeartbeatData>
</ArrayOfProfileHeartbeatData>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>
<ArrayOfProfileHeartbeatData xmlns="http://schemas.datacontract.org/2004/07/Interface.Relay.TransferObjects">
 <ProfileHeartbeatData><LastError>&xxe;</LastError></ProfileHeartbeatData>
</ArrayOfProfileHeartbeatData>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE ArrayOfProfileHeartbeatData SYSTEM "http://example.invalid/evil.dtd">
<ArrayOfProfileHeartbeatData />"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_dtds_and_entities_are_refused(body: bytes) -> None:
    with pytest.raises(DecodeError, match="not allowed") as info:
        codec_xml.decode_heartbeats(body)
    assert info.value.field == ""


def test_oversize_body_is_refused() -> None:
    body = heartbeats(VALID)
    assert codec_xml.decode_heartbeats(body, max_bytes=len(body))
    with pytest.raises(DecodeError, match="larger than") as info:
        codec_xml.decode_heartbeats(body, max_bytes=len(body) - 1)
    assert info.value.field == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            heartbeats("<ProfileId>1</ProfileId><ServerStatus>Started</ServerStatus>"),
            "[0].ProfileType",
        ),
        (
            heartbeats(VALID, VALID.replace(">Outbound<", ">Sideways<")),
            "[1].ProfileType",
        ),
        (heartbeats(VALID.replace(">Stopped<", ">99<")), "[0].ServerStatus"),
        (heartbeats(VALID.replace(">7<", ">abc<")), "[0].ProfileId"),
        (
            heartbeats(VALID.replace("<ProfileId>7</ProfileId>", '<ProfileId i:nil="true" />')),
            "[0].ProfileId",
        ),
        (
            heartbeats(VALID + "<LastErrorDateTime>soon</LastErrorDateTime>"),
            "[0].LastErrorDateTime",
        ),
        (heartbeats(VALID + "<LastError><b>x</b></LastError>"), "[0].LastError"),
        (heartbeats(VALID + "<ProfileId>8</ProfileId>"), "[0].ProfileId"),
        (
            heartbeats(VALID)
            .replace(b"<ProfileHeartbeatData>", b"<Other>", 1)
            .replace(b"</ProfileHeartbeatData>", b"</Other>", 1),
            "[0]",
        ),
        (heartbeats(VALID, root="ProfileHeartbeatData"), ""),
        (heartbeats(VALID, ns="urn:wrong"), ""),
        (heartbeats(VALID)[:-5], ""),
        (b"", ""),
        (b"not xml", ""),
    ],
)
def test_malformed_heartbeats_name_the_field_at_fault(body: bytes, field: str) -> None:
    with pytest.raises(DecodeError) as info:
        codec_xml.decode_heartbeats(body)
    assert info.value.field == field
    assert info.value.reason


def test_nil_collection_is_refused() -> None:
    with pytest.raises(DecodeError, match="nil"):
        codec_xml.decode_heartbeats(heartbeats().replace(b">", b' i:nil="true">', 1))


def test_malformed_response_names_the_nested_field() -> None:
    body = response(
        "<ResponseStatus>Success</ResponseStatus><InboundProfileList>"
        "<d2p1:RelayInboundProfile/>"
        "<d2p1:RelayInboundProfile><d2p1:ClientActionRequest>300</d2p1:ClientActionRequest>"
        "</d2p1:RelayInboundProfile></InboundProfileList>"
    )
    with pytest.raises(DecodeError) as info:
        codec_xml.decode_response(body)
    assert info.value.field == "InboundProfileList[1].ClientActionRequest"


def test_response_list_item_of_the_wrong_type_is_refused() -> None:
    body = response(
        "<ResponseStatus>Success</ResponseStatus>"
        "<InboundProfileList><d2p1:RelayOutboundProfile/></InboundProfileList>"
    )
    with pytest.raises(DecodeError) as info:
        codec_xml.decode_response(body)
    assert info.value.field == "InboundProfileList[0]"


def test_response_with_wrong_root_is_refused() -> None:
    with pytest.raises(DecodeError) as info:
        codec_xml.decode_response(fixture("relay-heartbeat-request.xml"))
    assert info.value.field == ""
