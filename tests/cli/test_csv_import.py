"""The CSV mapping of `hub import`: rows per customer or per profile, to NDJSON lines."""

import json

import pytest

from cli.commands_import import body_of
from cli.csv_import import CsvProblem, lines_of, ndjson

HEADER = (
    "clientId,RelayCustomerID,Name,ProfileType,ProfileId,"
    "ProfileName,Active,ReceivePort,ProfileHeartbeatIntervalSeconds\n"
)
CSV = (
    HEADER
    + "acme,1,Acme,inbound,7,lab,yes,2575,120\nacme,,,outbound,2,orders,no,,\nbeta,2,Beta,,,,,,\n"
)


def test_rows_of_one_customer_become_one_line() -> None:
    docs = [json.loads(line) for line in ndjson(lines_of(CSV)).splitlines()]
    assert docs == [
        {
            "clientId": "acme",
            "customer": {"RelayCustomerID": 1, "Name": "Acme"},
            "inbound": {
                "7": {
                    "ProfileName": "lab",
                    "Active": True,
                    "ReceivePort": 2575,
                    "HeartbeatIntervalSeconds": 120,
                }
            },
            "outbound": {"2": {"ProfileName": "orders", "Active": False}},
        },
        {"clientId": "beta", "customer": {"RelayCustomerID": 2, "Name": "Beta"}},
    ]


def test_each_line_knows_its_rows() -> None:
    assert [line.origin() for line in lines_of(CSV)] == [
        "clientId 'acme', CSV row(s) 2, 3",
        "clientId 'beta', CSV row(s) 4",
    ]


def test_a_byte_order_mark_and_blank_rows_are_ignored() -> None:
    raw = b"\xef\xbb\xbfclientId,Name,RelayCustomerID\r\nacme,Acme,1\r\n,,\r\n"
    body, lines = body_of(raw, "csv")
    assert json.loads(body) == {
        "clientId": "acme",
        "customer": {"Name": "Acme", "RelayCustomerID": 1},
    }
    assert len(lines) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Name\nAcme\n", "must name a 'clientId' column"),
        ("clientId,Colour\na,red\n", "unknown column.*Colour"),
        ("clientId,Name,Name\na,b,c\n", "named twice: Name"),
        ("clientId,Name\na,A\na,B\n", "row 3: Name differs"),
        ("clientId,ProfileType,ProfileId\na,sideways,1\n", "row 2: ProfileType must be"),
        ("clientId,ProfileName\na,lab\n", "row 2: profile fields without ProfileType"),
        ("clientId,ProfileType,ProfileId\na,inbound,1\na,inbound,1\n", "row 3: inbound profile 1"),
        ("clientId,ProfileType,ProfileId,ReceivePort\na,outbound,1,5\n", "unknown field 'Rece"),
        ("clientId,ProfileType,ProfileId,Active\na,inbound,1,maybe\n", "row 2: field 'Active'"),
        ("clientId,Name\n,Acme\n", "row 2: no clientId"),
        ("clientId\na,b\n", "row 2: more cells than columns"),
    ],
)
def test_a_csv_that_does_not_map_says_where(text: str, message: str) -> None:
    with pytest.raises(CsvProblem, match=message):
        lines_of(text)
