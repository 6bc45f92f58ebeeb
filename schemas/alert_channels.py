"""Alert channels: where a customer's alerts go, set by `PUT .../channels/{name}`.

A channel is a webhook (JSON, signed when it has a Secret), a Slack or Teams incoming
webhook, a PagerDuty service (Events API v2, the routing key as Secret) or a list of
e-mail addresses. The hub keeps a Secret only sealed (`schemas.sealed`) and never
shows it: the admin view says `HasSecret` instead.

The models check a Url's shape only. Whether it points into a denied network is the
caller's question, asked with the configured list (`channel_denied`) when the channel
is set and again, after resolving the host name, when an alert is sent.
"""

import re
from datetime import datetime
from enum import StrEnum
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from schemas.errors import DecodeError
from schemas.pbx_callback import Network, denied_url
from schemas.sealed import seal, unseal

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
MAX_URL = 2000
MAX_ADDRESSES = 50
NAME_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
ROUTING_KEY_RE = re.compile(r"[0-9a-z]{32}")
WEBHOOK_SECRET = (8, 200)
"""Shortest and longest webhook signing key."""

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS_RE = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")
"""A bare addr-spec (RFC 5321 dot-atom, ASCII): no display name, no quoted local part."""
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


class ChannelKind(StrEnum):
    """Which service a channel sends to."""

    webhook = "webhook"
    slack = "slack"
    teams = "teams"
    pagerduty = "pagerduty"
    email = "email"


def valid_channel_name(name: str) -> bool:
    """Whether `name` may name a channel: 1..64 of [A-Za-z0-9._-], not `.` or `..`."""
    # `.` and `..` are path segments that clients and proxies collapse in the URL.
    return NAME_RE.fullmatch(name) is not None and name not in (".", "..")


def valid_address(address: str) -> bool:
    """Whether `address` is a syntactically valid e-mail address (a bare addr-spec)."""
    local, _, _ = address.rpartition("@")
    return len(address) <= 254 and len(local) <= 64 and ADDRESS_RE.fullmatch(address) is not None


def channel_denied(url: str | None, denied: tuple[Network, ...]) -> bool:
    """Whether a channel's Url names a denied network (no Url: nothing is denied)."""
    return url is not None and denied_url(url, denied)


def _refused(message: str) -> PydanticCustomError:
    # A custom error keeps the message as written (no "Value error, " prefix); messages
    # carry no input, so a secret never comes back in an error.
    return PydanticCustomError("channel", message)


class ChannelRequest(BaseModel):
    """Body of `PUT /admin/customers/{clientId}/channels/{name}`; the rules depend on Kind."""

    # hide_input_in_errors: a refused body's Secret must not reach a log via str(error).
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    Kind: ChannelKind
    # validate_default: the per-kind rules must also run on a field left out.
    Url: str | None = Field(default=None, max_length=MAX_URL, validate_default=True)
    Secret: str | None = Field(default=None, validate_default=True)
    Addresses: list[str] | None = Field(default=None, validate_default=True)

    @field_validator("Url")
    @classmethod
    def _url(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("Kind")
        return value if kind is None else _checked_url(kind, value)

    @field_validator("Secret")
    @classmethod
    def _secret(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("Kind")
        return value if kind is None else _checked_secret(kind, value)

    @field_validator("Addresses")
    @classmethod
    def _addresses(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        kind = info.data.get("Kind")
        return value if kind is None else _checked_addresses(kind, value)


def _checked_url(kind: ChannelKind, url: str | None) -> str | None:
    if kind is ChannelKind.email:
        if url is not None:
            raise _refused("Url is not allowed for an email channel")
        return None
    if url is None:
        if kind is ChannelKind.pagerduty:
            return PAGERDUTY_EVENTS_URL
        raise _refused(f"Url is required for a {kind} channel")
    schemes = ("http", "https") if kind is ChannelKind.webhook else ("https",)
    return _absolute_url(url, schemes)


def _absolute_url(url: str, schemes: tuple[str, ...]) -> str:
    if _CONTROL_OR_SPACE.search(url):
        raise _refused("Url must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError as e:
        raise _refused("Url is not a valid URL") from e
    if parts.scheme not in schemes:
        raise _refused(f"Url must be an absolute {' or '.join(schemes)} URL")
    if not host:
        raise _refused("Url must name a host")
    if "@" in parts.netloc:
        # The Url is shown to every reader of the channel; credentials belong in Secret.
        raise _refused("Url must not carry a user name or password")
    return url


def _checked_secret(kind: ChannelKind, secret: str | None) -> str | None:
    if kind is ChannelKind.pagerduty:
        if secret is None or not ROUTING_KEY_RE.fullmatch(secret):
            raise _refused("Secret must be the integration's routing key: 32 of [0-9a-z]")
        return secret
    if secret is None:
        return None
    if kind is not ChannelKind.webhook:
        raise _refused(f"Secret is not allowed for a {kind} channel")
    shortest, longest = WEBHOOK_SECRET
    if not shortest <= len(secret) <= longest:
        raise _refused(f"Secret must be {shortest} to {longest} characters")
    return secret


def _checked_addresses(kind: ChannelKind, addresses: list[str] | None) -> list[str] | None:
    if kind is not ChannelKind.email:
        if addresses is not None:
            raise _refused(f"Addresses is not allowed for a {kind} channel")
        return None
    if not addresses or len(addresses) > MAX_ADDRESSES:
        raise _refused(f"Addresses must list 1 to {MAX_ADDRESSES} addresses")
    seen: set[str] = set()
    for i, address in enumerate(addresses):
        if not valid_address(address):
            raise _refused(f"Addresses[{i}] is not an e-mail address")
        if address.lower() in seen:
            raise _refused(f"Addresses[{i}] repeats an earlier address")
        seen.add(address.lower())
    return addresses


URL_IS_SECRET = frozenset({ChannelKind.slack, ChannelKind.teams})
"""Kinds whose Url is their credential: kept sealed, shown as its origin only."""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…"


class ChannelPublic(BaseModel):
    """`GET .../channels/{name}`: the channel, never its Secret (a routing key included)."""

    Name: str
    Kind: ChannelKind
    Url: str | None
    HasSecret: bool
    Addresses: list[str] | None


class StoredChannel(BaseModel):
    """A channel as the hub keeps it: the secret sealed with `schemas.sealed.seal`."""

    name: str
    kind: ChannelKind
    url: str | None
    sealed_secret: str | None
    addresses: list[str] | None

    @classmethod
    def from_request(cls, key: bytes, name: str, request: ChannelRequest) -> "StoredChannel":
        """What a PUT of `request` as channel `name` stores; raises DecodeError on a bad name.

        A Slack or Teams incoming-webhook URL is itself the credential (whoever has it
        can post), so it is sealed as the channel's secret and only its origin is kept
        in clear, to show."""
        if not valid_channel_name(name):
            raise DecodeError("name", "must be 1 to 64 of [A-Za-z0-9._-], not . or ..")
        secret, url = request.Secret, request.Url
        if request.Kind in URL_IS_SECRET and url is not None:
            secret, url = url, _origin(url)
        return cls(
            name=name,
            kind=request.Kind,
            url=url,
            sealed_secret=None if secret is None else seal(key, secret),
            addresses=request.Addresses,
        )

    def secret(self, key: bytes) -> str | None:
        """The secret, unsealed for sending (for Slack and Teams, the URL to POST to);
        raises `schemas.sealed.Unsealable`."""
        return None if self.sealed_secret is None else unseal(key, self.sealed_secret)

    def public(self) -> ChannelPublic:
        """The admin view: whether a secret is set, never the secret."""
        return ChannelPublic(
            Name=self.name,
            Kind=self.kind,
            Url=self.url,
            HasSecret=self.sealed_secret is not None,
            Addresses=self.addresses,
        )


class CustomerChannels(BaseModel):
    """A customer's channels as the `alert-channels` table holds them, by name."""

    channels: dict[str, StoredChannel] = Field(default_factory=dict)

    def view(self) -> list[ChannelPublic]:
        """Every channel's admin view, by name."""
        return [self.channels[name].public() for name in sorted(self.channels)]


class ChannelSet(BaseModel):
    """A customer's channel `name` was set, or removed (`channel` None)."""

    kind: Literal["channel"] = "channel"
    client_id: str
    name: str
    channel: StoredChannel | None
    at: datetime | None = None

    def applied_to(self, current: CustomerChannels | None) -> CustomerChannels:
        """The customer's channels with this change (a copy; removing twice is harmless)."""
        channels = dict(current.channels) if current is not None else {}
        if self.channel is None:
            channels.pop(self.name, None)
        else:
            channels[self.name] = self.channel
        return CustomerChannels(channels=channels)


def channel_key(client_id: str, name: str) -> bytes:
    """The compaction key of a customer's channel on the config topic."""
    return f"channel/{client_id}/{name}".encode()
