"""Login and heartbeat bodies: the errno of every fault, the defaults, merging a heartbeat."""

import orjson
import pytest

from schemas.pbx_errno import Errno, PbxFailure
from schemas.pbx_requests import (
    MAX_FIELD,
    Callback,
    blank_or_object,
    callback_fields,
    complete,
    heartbeat_request,
    login_request,
    merged,
    url_of,
)

LOGIN = {"username": "api", "password": "0" * 32}
BEAT = {"ipaddr": "192.168.6.24"}


def body(doc: object) -> bytes:
    """A JSON body."""
    return orjson.dumps(doc)


def errno_of_login(raw: bytes) -> Errno:
    """The errno login parsing fails with."""
    with pytest.raises(PbxFailure) as caught:
        login_request(raw)
    return caught.value.errno


def errno_of_heartbeat(raw: bytes) -> Errno:
    """The errno heartbeat parsing fails with."""
    with pytest.raises(PbxFailure) as caught:
        heartbeat_request(raw)
    return caught.value.errno


# --- the body as a whole -----------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b" ", b"\r\n\t  "])
def test_an_empty_or_whitespace_body_is_20009(raw: bytes) -> None:
    assert errno_of_login(raw) is Errno.BLANK_REQUEST
    assert errno_of_heartbeat(raw) is Errno.BLANK_REQUEST


@pytest.mark.parametrize("raw", [b"<login><username>a</username></login>", b"  <?xml ?><a/>"])
def test_an_xml_body_is_10002(raw: bytes) -> None:
    assert errno_of_login(raw) is Errno.XML_NOT_SUPPORTED
    assert errno_of_heartbeat(raw) is Errno.XML_NOT_SUPPORTED


@pytest.mark.parametrize(
    "raw", [b"username=a&password=b", b"{", b"{'a': 1}", b"[1]", b"5", b"true"]
)
def test_a_body_that_is_not_a_json_object_is_20000(raw: bytes) -> None:
    assert errno_of_login(raw) is Errno.NOT_JSON
    assert errno_of_heartbeat(raw) is Errno.NOT_JSON


@pytest.mark.parametrize("raw", [b"{}", b"null", b"[]", b'""', b" { } "])
def test_json_without_data_is_20007(raw: bytes) -> None:
    assert errno_of_login(raw) is Errno.BLANK_DATA
    assert errno_of_heartbeat(raw) is Errno.BLANK_DATA


def test_an_object_body_comes_back_as_it_is() -> None:
    assert blank_or_object(b' {"a": 1, "b": "x"} ') == {"a": 1, "b": "x"}


def test_the_raw_string_yeastars_sample_sends_is_read() -> None:
    raw = b'{"username":"api","password":"' + b"a" * 32 + b'","port":"8260","version":"2.0.0"}'
    req = login_request(raw)
    assert (req.username, req.password) == ("api", "a" * 32)
    assert (req.callback.port, req.callback.version) == (8260, "2.0.0")


# --- required fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc",
    [
        {"password": "p"},
        {"username": "u"},
        {"username": "", "password": "p"},
        {"username": "u", "password": ""},
        {"username": "   ", "password": "p"},
        {"username": "u", "password": " \t"},
        {"username": None, "password": "p"},
    ],
)
def test_login_without_username_or_password_is_10004(doc: dict[str, object]) -> None:
    assert errno_of_login(body(doc)) is Errno.REQUIRED_BLANK


@pytest.mark.parametrize(
    "doc", [{"port": 8260}, {"ipaddr": ""}, {"ipaddr": "  "}, {"ipaddr": None}]
)
def test_heartbeat_without_ipaddr_is_10004(doc: dict[str, object]) -> None:
    assert errno_of_heartbeat(body(doc)) is Errno.REQUIRED_BLANK


def test_login_does_not_need_ipaddr_and_strips_fields() -> None:
    req = login_request(body({"username": " api ", "password": " p "}))
    assert (req.username, req.password) == ("api", "p")
    assert req.callback == Callback()


def test_heartbeat_takes_ipaddr() -> None:
    assert heartbeat_request(body(BEAT)) == Callback(ipaddr="192.168.6.24")


@pytest.mark.parametrize("value", [True, 1.5, ["a"], {"a": 1}])
def test_a_field_of_another_type_is_10003(value: object) -> None:
    assert errno_of_login(body({**LOGIN, "url": value})) is Errno.UNSUPPORTED_REQUEST
    assert errno_of_login(body({"username": value, "password": "p"})) is Errno.UNSUPPORTED_REQUEST


def test_a_field_past_its_bound_is_10003() -> None:
    assert login_request(body({**LOGIN, "url": "r" * MAX_FIELD})).callback.url == "r" * MAX_FIELD
    too_long = body({**LOGIN, "url": "r" * (MAX_FIELD + 1)})
    assert errno_of_login(too_long) is Errno.UNSUPPORTED_REQUEST


# --- port -------------------------------------------------------------------------------------


@pytest.mark.parametrize("port", [0, 70000, 65536, "abc", "0", "-1", -1, "82 60", "8260a"])
def test_a_wrong_port_is_20008(port: object) -> None:
    assert errno_of_login(body({**LOGIN, "port": port})) is Errno.WRONG_PORT
    assert errno_of_heartbeat(body({**BEAT, "port": port})) is Errno.WRONG_PORT


@pytest.mark.parametrize(
    ("port", "expected"), [(8260, 8260), ("8260", 8260), (" 1 ", 1), (65535, 65535)]
)
def test_a_port_as_number_or_string_is_accepted(port: object, expected: int) -> None:
    assert login_request(body({**LOGIN, "port": port})).callback.port == expected
    assert heartbeat_request(body({**BEAT, "port": port})).port == expected


def test_a_blank_port_is_no_port() -> None:
    assert login_request(body({**LOGIN, "port": ""})).callback.port is None


@pytest.mark.parametrize("port", ["²", "8²60"])
def test_a_port_of_non_decimal_digits_is_20008(port: str) -> None:
    with pytest.raises(PbxFailure) as caught:
        callback_fields({"port": port})
    assert caught.value.errno is Errno.WRONG_PORT


# --- urltag and version -------------------------------------------------------------------------


@pytest.mark.parametrize(("urltag", "expected"), [("0", 0), ("1", 1), (0, 0), (1, 1), (" 1", 1)])
def test_urltag_0_or_1_is_accepted(urltag: object, expected: int) -> None:
    assert login_request(body({**LOGIN, "urltag": urltag})).callback.urltag == expected
    assert heartbeat_request(body({**BEAT, "urltag": urltag})).urltag == expected


@pytest.mark.parametrize("urltag", ["2", 2, "-1", "01", "yes", True])
def test_another_urltag_is_10003(urltag: object) -> None:
    assert errno_of_login(body({**LOGIN, "urltag": urltag})) is Errno.UNSUPPORTED_REQUEST
    assert errno_of_heartbeat(body({**BEAT, "urltag": urltag})) is Errno.UNSUPPORTED_REQUEST


@pytest.mark.parametrize("version", ["1.0.0", "2.0.0"])
def test_version_1_or_2_is_accepted(version: str) -> None:
    assert login_request(body({**LOGIN, "version": version})).callback.version == version
    assert heartbeat_request(body({**BEAT, "version": version})).version == version


@pytest.mark.parametrize("version", ["3.0", "2.0", "2", "v2.0.0", "1.0.1"])
def test_another_version_is_10003(version: str) -> None:
    assert errno_of_login(body({**LOGIN, "version": version})) is Errno.UNSUPPORTED_REQUEST
    assert errno_of_heartbeat(body({**BEAT, "version": version})) is Errno.UNSUPPORTED_REQUEST


def test_the_first_fault_decides_blank_credentials_before_a_bad_port() -> None:
    assert errno_of_login(body({"username": "u", "port": 0})) is Errno.REQUIRED_BLANK


# --- defaults, merging, the URL ------------------------------------------------------------------


def test_complete_fills_in_every_default() -> None:
    done = complete(Callback(), "203.0.113.9")
    assert done == Callback(ipaddr="203.0.113.9", port=8260, url=None, urltag=0, version="1.0.0")


def test_complete_keeps_what_was_given() -> None:
    given = Callback(ipaddr="10.1.2.3", port=9000, url="x", urltag=1, version="2.0.0")
    assert complete(given, "203.0.113.9") == given


def test_merged_replaces_only_the_fields_given() -> None:
    held = Callback(ipaddr="10.1.2.3", port=9000, url="report", urltag=0, version="2.0.0")
    after = merged(held, Callback(ipaddr="10.9.9.9", port=8261))
    assert after == Callback(ipaddr="10.9.9.9", port=8261, url="report", urltag=0, version="2.0.0")
    assert held.ipaddr == "10.1.2.3"


def test_merged_with_nothing_given_is_unchanged() -> None:
    held = Callback(ipaddr="10.1.2.3", port=9000, url="report", urltag=1, version="1.0.0")
    assert merged(held, Callback()) == held


def test_url_of_relative_and_absolute_urls() -> None:
    relative = Callback(ipaddr="110.22.2.3", port=8260, url="report", urltag=0)
    assert url_of(relative) == "http://110.22.2.3:8260/report"
    absolute = Callback(ipaddr="1.1.1.1", port=1, url="110.22.2.3:8260/report", urltag=1)
    assert url_of(absolute) == "http://110.22.2.3:8260/report"


def test_url_of_defaults_port_and_path() -> None:
    assert url_of(Callback(ipaddr="192.168.6.24")) == "http://192.168.6.24:8260/"
