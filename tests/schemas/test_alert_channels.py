"""Alert channels: each kind's rules, the admin view without secrets, the sealed secret."""

from collections.abc import Mapping

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from schemas.alert_channels import (
    PAGERDUTY_EVENTS_URL,
    ChannelKind,
    ChannelPublic,
    ChannelRequest,
    StoredChannel,
    channel_denied,
    valid_address,
    valid_channel_name,
)
from schemas.errors import DecodeError
from schemas.pbx_callback import DEFAULT_DENIED, networks
from schemas.sealed import Unsealable

ROUTING_KEY = "0123456789abcdefghijklmnopqrstuv"
WEBHOOK_SECRET = "s3cret-webhook-key"  # noqa: S105 - a test secret
SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXX"


def refusal(body: Mapping[str, object]) -> tuple[str, str]:
    """The first error's field and message for a refused body."""
    with pytest.raises(ValidationError) as caught:
        ChannelRequest.model_validate(body)
    first = caught.value.errors()[0]
    return ".".join(str(part) for part in first["loc"]), first["msg"]


@pytest.mark.parametrize("name", ["ops", "a", "A-b_c.d", "x" * 64, "..."])
def test_channel_names_of_allowed_characters_are_valid(name: str) -> None:
    assert valid_channel_name(name)


@pytest.mark.parametrize("name", ["", "x" * 65, "a b", "a/b", "é", ".", "..", "a\n"])
def test_channel_names_empty_long_or_with_other_characters_are_refused(name: str) -> None:
    assert not valid_channel_name(name)


def test_a_webhook_takes_an_http_url_and_an_optional_secret() -> None:
    plain = ChannelRequest.model_validate({"Kind": "webhook", "Url": "http://ops.example/hook"})
    signed = ChannelRequest.model_validate(
        {"Kind": "webhook", "Url": "https://ops.example/hook?x=1", "Secret": WEBHOOK_SECRET}
    )
    assert (plain.Url, plain.Secret) == ("http://ops.example/hook", None)
    assert (signed.Url, signed.Secret) == ("https://ops.example/hook?x=1", WEBHOOK_SECRET)


def test_a_webhook_without_url_is_refused_naming_url() -> None:
    field, message = refusal({"Kind": "webhook"})
    assert field == "Url"
    assert "Url is required" in message


@pytest.mark.parametrize(
    "url",
    [
        "ftp://ops.example/hook",
        "ops.example/hook",
        "/hook",
        "http:///hook",
        "https://ops.example:99999/",
        "https://ops.example/a b",
        "https://ops.example/\nX-Injected: 1",
        "https://user:pass@ops.example/hook",
        "https://user@ops.example/hook",
        "https://:pass@ops.example/hook",
        "https://" + "a" * 2000 + ".example/",
    ],
)
def test_a_webhook_url_not_absolute_http_with_a_host_is_refused(url: str) -> None:
    field, message = refusal({"Kind": "webhook", "Url": url})
    assert field == "Url"
    assert message


@pytest.mark.parametrize("secret", ["1234567", "x" * 201])
def test_a_webhook_secret_outside_8_to_200_characters_is_refused(secret: str) -> None:
    field, message = refusal({"Kind": "webhook", "Url": "https://a.example/", "Secret": secret})
    assert field == "Secret"
    assert "8 to 200" in message


@pytest.mark.parametrize("secret", ["12345678", "x" * 200])
def test_a_webhook_secret_of_8_or_200_characters_is_accepted(secret: str) -> None:
    got = ChannelRequest.model_validate(
        {"Kind": "webhook", "Url": "https://a.example/", "Secret": secret}
    )
    assert got.Secret == secret


@pytest.mark.parametrize("kind", ["slack", "teams"])
def test_slack_and_teams_take_an_https_url(kind: str) -> None:
    got = ChannelRequest.model_validate({"Kind": kind, "Url": SLACK_URL})
    assert (got.Kind, got.Url, got.Secret) == (ChannelKind(kind), SLACK_URL, None)


@pytest.mark.parametrize("kind", ["slack", "teams"])
def test_slack_and_teams_refuse_plain_http(kind: str) -> None:
    field, message = refusal({"Kind": kind, "Url": "http://hooks.slack.com/services/x"})
    assert field == "Url"
    assert "https" in message


@pytest.mark.parametrize("kind", ["slack", "teams"])
def test_slack_and_teams_refuse_a_missing_url(kind: str) -> None:
    assert refusal({"Kind": kind})[0] == "Url"


@pytest.mark.parametrize("kind", ["slack", "teams"])
def test_slack_and_teams_refuse_a_secret(kind: str) -> None:
    field, message = refusal({"Kind": kind, "Url": SLACK_URL, "Secret": WEBHOOK_SECRET})
    assert field == "Secret"
    assert "not allowed" in message


def test_pagerduty_defaults_its_url_to_the_events_api() -> None:
    got = ChannelRequest.model_validate({"Kind": "pagerduty", "Secret": ROUTING_KEY})
    assert got.Url == PAGERDUTY_EVENTS_URL == "https://events.pagerduty.com/v2/enqueue"


def test_pagerduty_keeps_a_given_https_url() -> None:
    url = "https://events.eu.pagerduty.com/v2/enqueue"
    got = ChannelRequest.model_validate({"Kind": "pagerduty", "Url": url, "Secret": ROUTING_KEY})
    assert got.Url == url


@pytest.mark.parametrize(
    "secret", [None, "", ROUTING_KEY[:31], ROUTING_KEY + "w", ROUTING_KEY.upper(), "-" * 32]
)
def test_pagerduty_needs_a_routing_key_of_32_lowercase_letters_and_digits(
    secret: str | None,
) -> None:
    body: dict[str, object] = {"Kind": "pagerduty"}
    if secret is not None:
        body["Secret"] = secret
    field, message = refusal(body)
    assert field == "Secret"
    assert "routing key" in message


def test_email_takes_a_list_of_addresses() -> None:
    got = ChannelRequest.model_validate(
        {"Kind": "email", "Addresses": ["ops@acme.example", "first.last+tag@mail.acme.example"]}
    )
    assert got.Addresses == ["ops@acme.example", "first.last+tag@mail.acme.example"]
    assert (got.Url, got.Secret) == (None, None)


@pytest.mark.parametrize(
    "addresses", [None, [], [f"u{i}@acme.example" for i in range(51)]], ids=["none", "0", "51"]
)
def test_email_needs_1_to_50_addresses(addresses: list[str] | None) -> None:
    body: dict[str, object] = {"Kind": "email"}
    if addresses is not None:
        body["Addresses"] = addresses
    field, message = refusal(body)
    assert field == "Addresses"
    assert "1 to 50" in message


def test_email_accepts_50_addresses() -> None:
    addresses = [f"u{i}@acme.example" for i in range(50)]
    assert ChannelRequest.model_validate({"Kind": "email", "Addresses": addresses}).Addresses


def test_email_names_the_address_that_is_not_one() -> None:
    field, message = refusal({"Kind": "email", "Addresses": ["ops@acme.example", "ops"]})
    assert field == "Addresses"
    assert "Addresses[1]" in message


def test_email_refuses_an_address_twice() -> None:
    field, message = refusal(
        {"Kind": "email", "Addresses": ["ops@acme.example", "OPS@acme.example"]}
    )
    assert (field, message) == ("Addresses", "Addresses[1] repeats an earlier address")


@pytest.mark.parametrize(
    ("field", "value"), [("Url", "https://a.example/"), ("Secret", WEBHOOK_SECRET)]
)
def test_email_refuses_a_url_or_a_secret(field: str, value: str) -> None:
    body = {"Kind": "email", "Addresses": ["ops@acme.example"], field: value}
    got_field, message = refusal(body)
    assert got_field == field
    assert "not allowed" in message


@pytest.mark.parametrize("kind", ["webhook", "slack", "teams"])
def test_kinds_other_than_email_refuse_addresses(kind: str) -> None:
    body = {"Kind": kind, "Url": "https://a.example/", "Addresses": ["ops@acme.example"]}
    assert refusal(body)[0] == "Addresses"


@pytest.mark.parametrize(
    "address",
    ["ops@acme.example", "a.b-c_d+e@x-y.example", "o'neil@acme.example", "x@a.bc"],
)
def test_plain_addresses_are_valid(address: str) -> None:
    assert valid_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "ops",
        "ops@",
        "@acme.example",
        "ops@localhost",
        "ops@@acme.example",
        "o ps@acme.example",
        "ops@acme.example\r\nBcc: x@y.example",
        "Ops <ops@acme.example>",
        ".ops@acme.example",
        "ops.@acme.example",
        "o..ps@acme.example",
        "ops@-acme.example",
        "ops@acme..example",
        "x" * 65 + "@acme.example",
        "ops@" + "a" * 250 + ".example",
        "ops@acmé.example",
    ],
)
def test_malformed_addresses_are_refused(address: str) -> None:
    assert not valid_address(address)


def test_an_unknown_field_is_refused() -> None:
    field, message = refusal({"Kind": "slack", "Url": SLACK_URL, "Channel": "#ops"})
    assert field == "Channel"
    assert "Extra inputs" in message


def test_an_unknown_kind_is_refused_naming_kind() -> None:
    assert refusal({"Kind": "sms", "Url": SLACK_URL})[0] == "Kind"


def test_a_refused_secret_is_not_repeated_in_the_error() -> None:
    secret = "not-for-teams-0123456789"  # noqa: S105 - a test secret
    with pytest.raises(ValidationError) as caught:
        ChannelRequest.model_validate({"Kind": "teams", "Url": SLACK_URL, "Secret": secret})
    assert secret not in str(caught.value)


def test_a_url_in_a_denied_network_is_denied() -> None:
    denied = networks(DEFAULT_DENIED)
    assert channel_denied("http://169.254.169.254/latest/meta-data/", denied)
    assert not channel_denied("https://hooks.slack.com/services/x", denied)
    assert not channel_denied(None, denied)


def webhook(secret: str | None = WEBHOOK_SECRET) -> ChannelRequest:
    body = {"Kind": "webhook", "Url": "https://ops.example/hook", "Secret": secret}
    return ChannelRequest.model_validate(body)


def test_the_stored_channel_keeps_the_secret_sealed_and_unseals_it() -> None:
    key = Fernet.generate_key()
    stored = StoredChannel.from_request(key, "ops", webhook())
    assert stored.sealed_secret is not None
    assert WEBHOOK_SECRET not in stored.model_dump_json()
    assert stored.secret(key) == WEBHOOK_SECRET


def test_the_stored_channel_survives_a_json_round_trip() -> None:
    key = Fernet.generate_key()
    stored = StoredChannel.from_request(key, "pd", _pagerduty())
    again = StoredChannel.model_validate_json(stored.model_dump_json())
    assert again == stored
    assert again.secret(key) == ROUTING_KEY


def test_another_key_cannot_unseal_the_secret() -> None:
    stored = StoredChannel.from_request(Fernet.generate_key(), "ops", webhook())
    with pytest.raises(Unsealable):
        stored.secret(Fernet.generate_key())


def test_a_channel_without_secret_stores_none() -> None:
    stored = StoredChannel.from_request(Fernet.generate_key(), "ops", webhook(None))
    assert stored.sealed_secret is None
    assert stored.secret(Fernet.generate_key()) is None


def test_storing_under_an_invalid_name_is_refused_naming_the_name() -> None:
    with pytest.raises(DecodeError) as caught:
        StoredChannel.from_request(Fernet.generate_key(), "a/b", webhook())
    assert caught.value.field == "name"


def _pagerduty() -> ChannelRequest:
    return ChannelRequest.model_validate({"Kind": "pagerduty", "Secret": ROUTING_KEY})


def test_the_public_view_says_a_webhook_has_a_secret_without_showing_it() -> None:
    public = StoredChannel.from_request(Fernet.generate_key(), "ops", webhook()).public()
    assert public == ChannelPublic(
        Name="ops",
        Kind=ChannelKind.webhook,
        Url="https://ops.example/hook",
        HasSecret=True,
        Addresses=None,
    )
    assert WEBHOOK_SECRET not in public.model_dump_json()


def test_the_public_view_hides_the_pagerduty_routing_key_and_shows_the_url() -> None:
    public = StoredChannel.from_request(Fernet.generate_key(), "pd", _pagerduty()).public()
    dumped = public.model_dump_json()
    assert ROUTING_KEY not in dumped
    assert (public.HasSecret, public.Url) == (True, PAGERDUTY_EVENTS_URL)


def test_the_public_view_of_an_email_channel_lists_its_addresses() -> None:
    request = ChannelRequest.model_validate({"Kind": "email", "Addresses": ["ops@acme.example"]})
    public = StoredChannel.from_request(Fernet.generate_key(), "mail", request).public()
    assert public.model_dump(mode="json") == {
        "Name": "mail",
        "Kind": "email",
        "Url": None,
        "HasSecret": False,
        "Addresses": ["ops@acme.example"],
    }


@pytest.mark.parametrize("kind", ["slack", "teams"])
def test_a_slack_or_teams_url_is_kept_sealed_and_shown_as_its_origin(kind: str) -> None:
    key = Fernet.generate_key()
    request = ChannelRequest.model_validate({"Kind": kind, "Url": SLACK_URL})
    stored = StoredChannel.from_request(key, "chat", request)
    assert SLACK_URL not in stored.model_dump_json()
    assert stored.secret(key) == SLACK_URL
    public = stored.public()
    assert (public.Url, public.HasSecret) == ("https://hooks.slack.com/…", True)
