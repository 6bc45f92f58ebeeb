"""Content negotiation of the relay API."""

import pytest

from ingest.errors import UnsupportedMediaType
from ingest.negotiation import Format, error_format, negotiate


@pytest.mark.parametrize(
    ("content_type", "accept", "request_format", "answer_type"),
    [
        ("application/json", None, Format.JSON, "application/json"),
        ("text/json; charset=utf-8", None, Format.JSON, "text/json"),
        ("TEXT/XML", None, Format.XML, "text/xml"),
        ("application/json", "application/xml", Format.JSON, "application/xml"),
        ("application/xml", "*/*", Format.XML, "application/xml"),
        ("application/xml", "text/html", Format.XML, "application/xml"),
        ("application/json", "application/xml;q=0.2, text/json;q=0.9", Format.JSON, "text/json"),
        ("application/json", "application/xml;q=0, text/html", Format.JSON, "application/json"),
    ],
)
def test_answer_follows_accept_else_the_request(
    content_type: str, accept: str | None, request_format: Format, answer_type: str
) -> None:
    neg = negotiate(content_type, accept)
    assert neg.request is request_format
    assert neg.response_type == answer_type
    assert neg.content_type == f"{answer_type}; charset=utf-8"


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "", None, "json"]
)
def test_other_content_types_are_refused(content_type: str | None) -> None:
    with pytest.raises(UnsupportedMediaType, match="not supported"):
        negotiate(content_type, None)


def test_errors_before_the_body_is_read_use_accept_then_json() -> None:
    assert error_format("text/xml", "text/plain").response is Format.XML
    assert error_format(None, "text/plain").response is Format.JSON
    assert error_format(None, "application/xml").response_type == "application/xml"
