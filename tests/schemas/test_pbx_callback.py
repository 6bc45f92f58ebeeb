"""Where a session's events go, and which callback URLs are refused."""

import pytest

from schemas.pbx_callback import (
    DEFAULT_DENIED,
    DEFAULT_PORT,
    callback_url,
    denied_address,
    denied_url,
    networks,
)

DENIED = networks(DEFAULT_DENIED)


def test_the_default_port_is_8260() -> None:
    assert DEFAULT_PORT == 8260


def test_urltag_0_makes_url_a_path_on_the_caller() -> None:
    assert callback_url("110.22.2.3", 8260, "report", 0) == "http://110.22.2.3:8260/report"


def test_urltag_0_with_a_leading_slash_has_one_slash() -> None:
    assert callback_url("110.22.2.3", 9000, "/a/b", 0) == "http://110.22.2.3:9000/a/b"


def test_urltag_1_without_a_scheme_gets_http() -> None:
    got = callback_url("10.0.0.1", 1, "110.22.2.3:8260/report", 1)
    assert got == "http://110.22.2.3:8260/report"


@pytest.mark.parametrize("url", ["https://pbx.example:8443/events", "http://110.22.2.3:8260/r"])
def test_urltag_1_with_a_scheme_is_used_as_it_is(url: str) -> None:
    assert callback_url("10.0.0.1", 1, url, 1) == url


@pytest.mark.parametrize(("url", "urltag"), [(None, 0), ("", 0), (None, 1), ("", 1)])
def test_no_url_posts_to_the_root_of_ip_and_port(url: str | None, urltag: int) -> None:
    assert callback_url("110.22.2.3", 8260, url, urltag) == "http://110.22.2.3:8260/"


def test_an_ipv6_address_is_bracketed() -> None:
    assert callback_url("2001:db8::5", 8260, "report", 0) == "http://[2001:db8::5]:8260/report"
    assert callback_url("2001:db8::5", 8260, None, 0) == "http://[2001:db8::5]:8260/"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8260/",
        "http://127.1.2.3/",
        "http://[::1]:8260/report",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]:8260/",
        "http://[::ffff:169.254.169.254]/",
        "http://0.0.0.0:8260/",
        "http://[::]/",
        "http://224.0.0.1/",
        "http://239.255.255.250:1900/",
        "http://[ff02::1]/",
        "http://localhost:8260/",
        "http://LocalHost/",
        "https://127.0.0.1/",
    ],
)
def test_a_url_into_a_denied_network_is_denied(url: str) -> None:
    assert denied_url(url, DENIED)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://192.168.6.24/report",
        "file:///etc/passwd",
        "gopher://192.168.6.24:70/",
        "192.168.6.24:8260/report",
        "http:///report",
        "http://[::1/",
        "http://192.168.6.24:99999/",
    ],
)
def test_a_url_that_is_not_http_or_is_malformed_is_denied(url: str) -> None:
    assert denied_url(url, DENIED)


@pytest.mark.parametrize(
    "url",
    [
        "http://192.168.6.24:8260/",
        "http://110.22.2.3:8260/report",
        "https://pbx-events.example.com/in",
        "http://[2001:db8::5]:8260/",
        "http://10.0.0.1/",
    ],
)
def test_other_addresses_and_host_names_are_allowed(url: str) -> None:
    assert not denied_url(url, DENIED)


def test_an_empty_deny_list_allows_loopback() -> None:
    assert not denied_url("http://127.0.0.1:8260/", ())
    assert not denied_url("http://localhost/", ())
    assert not denied_url("http://[::1]/", networks([]))
    # The scheme is still checked.
    assert denied_url("ftp://127.0.0.1/", ())


def test_a_chosen_deny_list_is_used() -> None:
    denied = networks(["10.0.0.0/8", " ", "192.168.6.0/24"])
    assert len(denied) == 2
    assert denied_url("http://10.20.30.40/", denied)
    assert denied_url("http://192.168.6.24/", denied)
    assert not denied_url("http://127.0.0.1/", denied)


def test_networks_rejects_a_malformed_network() -> None:
    with pytest.raises(ValueError, match="not-a-net"):
        networks(["10.0.0.0/8", "not-a-net"])


def test_denied_address_takes_brackets_and_mapped_addresses() -> None:
    assert denied_address("[::1]", DENIED)
    assert denied_address("::ffff:127.0.0.1", DENIED)
    assert not denied_address("192.168.6.24", DENIED)
    assert not denied_address("pbx.example", DENIED)
