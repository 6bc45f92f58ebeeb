"""Examples of the OpenAPI document: the relay API page's samples, in both wire formats.

The JSON samples are the page's (`tests/fixtures/` holds them as files, and a test checks
that these are the same); the XML forms are what the hub's own codecs write for them,
which are the page's XML samples byte for byte.
"""

from typing import Any

import orjson

from schemas import codec_json, codec_xml, wire
from schemas.enums import ResponseStatus
from schemas.relay import ProfileListResponseData

DATE = "2024-11-25T07:51:02.2345912-05:00"
_BEAT = {
    "ProfileId": 1,
    "ProfileType": 1,
    "ServerStatus": 1,
    "LastTransactionId": "sample string 2",
    "LastTransactionDateTime": DATE,
    "LastError": "sample string 3",
    "LastErrorDateTime": DATE,
}
_COMMON = {
    "ProfileName": "sample string 3",
    "ApplicationName": "sample string 4",
    "Active": True,
    "ClientActionRequest": 64,
    "LogLevel": "sample string 6",
    "AlertEmailList": "sample string 7",
}


def _state(date: str) -> dict[str, Any]:
    return {
        "ServerStatus": 64,
        "LastTransactionDateTime": date,
        "PendingHeartbeatCommand": 64,
        "LastHeartbeatDateTime": date,
    }


def _relay(start: int, path: str) -> dict[str, Any]:
    return {
        "RelayTCP": True,
        "RelayIPAddress": f"sample string {start}",
        "RelayPortNumber": 1,
        "RelayAckTimeout": 1,
        "RelayFile": True,
        "RelayFileFolderPath": path,
    }


_INBOUND = {
    "RelayInboundProfileID": 1,
    "RelayCustomerID": 2,
    **_COMMON,
    "LogTransactionsToDB": True,
    "ReceiveTCP": True,
    "ReceivePort": 1,
    "ReceiveImmediateAck": True,
    "ReceiveFile": True,
    "ReceiveFileFolderPath": "sample string 11",
    "ReceiveFileExtension": "sample string 12",
    "ReceiveFilePollingInterval": 1,
    **_relay(14, "sample string 16"),
    "RelayWebService": True,
    "RelayWebServiceURI": "sample string 18",
    "RelayWebServiceTimeout": 1,
    **_state("2024-11-25T07:51:02.359579-05:00"),
}
_OUTBOUND = {
    "RelayOutboundProfileID": 1,
    "RelayCustomerID": 2,
    **_COMMON,
    "WebServicePollingInterval": 8,
    "TransactionLimitPerRequest": 1,
    **_relay(10, "sample string 12"),
    **_state("2024-11-25T07:51:02.3752062-05:00"),
}

HEARTBEAT_REQUEST: list[dict[str, Any]] = [_BEAT, _BEAT]
"""The page's JSON request sample."""

HEARTBEAT_RESPONSE: dict[str, Any] = {
    "InboundProfileList": [_INBOUND, _INBOUND],
    "OutboundProfileList": [_OUTBOUND, _OUTBOUND],
    "ResponseStatus": 1,
    "LogMessage": "sample string 1",
}
"""The page's JSON response sample."""

UNKNOWN_CLIENT = ProfileListResponseData(
    ResponseStatus=ResponseStatus.Failure,
    LogMessage="Unknown clientId 'acme': no customer is configured with this id.",
)


def request_xml() -> str:
    """The request sample as DataContract XML."""
    beats = codec_json.decode_heartbeats(orjson.dumps(HEARTBEAT_REQUEST))
    return codec_xml.encode_heartbeats(beats).decode()


def response_xml() -> str:
    """The response sample as DataContract XML."""
    answer = codec_json.decode_response(orjson.dumps(HEARTBEAT_RESPONSE))
    return codec_xml.encode_response(answer).decode()


def failure(fmt: wire.Format) -> Any:
    """An error answer (unknown clientId) as the relay API writes it in `fmt`."""
    body = wire.encode_response(fmt, UNKNOWN_CLIENT)
    return orjson.loads(body) if fmt is wire.Format.JSON else body.decode()
