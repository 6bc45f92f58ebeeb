"""`hub channels list|get|set|delete`: where a customer's alerts go."""

from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from cli import paths
from cli.bodies import given
from cli.config import Config
from cli.output import done, emit
from cli.params import config_command
from cli.passwords import read_password
from cli.tables import fields, table

KINDS = ("webhook", "slack", "teams", "pagerduty", "email")
HEADERS = ("name", "kind", "url", "secret", "addresses")


def _path(client_id: str, name: str | None = None) -> str:
    base = f"{paths.customer(client_id)}/channels"
    return base if name is None else f"{base}/{quote(name, safe='')}"


def _row(doc: dict[str, Any]) -> list[object]:
    addresses = ", ".join(doc.get("Addresses") or [])
    secret = "set" if doc["HasSecret"] else ""
    return [doc["Name"], doc["Kind"], doc.get("Url") or "", secret, addresses]


def _one(doc: dict[str, Any]) -> str:
    return fields(list(zip(HEADERS, _row(doc), strict=True)))


def _all(docs: list[dict[str, Any]]) -> str:
    return table(HEADERS, [_row(d) for d in docs], empty="no channels")


@click.group()
def channels() -> None:
    """A customer's alert channels: webhook, Slack, Teams, PagerDuty, e-mail."""


@channels.command("list")
@click.argument("client_id", metavar="CLIENT")
@config_command
def list_channels(config: Config, client_id: str) -> None:
    """Every channel of the customer (never a secret)."""
    emit(config, config.client().call("GET", _path(client_id)), _all)


@channels.command("get")
@click.argument("client_id", metavar="CLIENT")
@click.argument("name")
@config_command
def get_channel(config: Config, client_id: str, name: str) -> None:
    """One channel (never its secret)."""
    emit(config, config.client().call("GET", _path(client_id, name)), _one)


@channels.command("set")
@click.argument("client_id", metavar="CLIENT")
@click.argument("name")
@click.option("--kind", type=click.Choice(KINDS), required=True, help="Where alerts go.")
@click.option("--url", help="The webhook, Slack or Teams URL (PagerDuty: its default).")
@click.option(
    "--secret-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A webhook's signing key, or PagerDuty's routing key (else asked for, without echo).",
)
@click.option("--no-secret", is_flag=True, help="A webhook without a signing key.")
@click.option("--address", "addresses", multiple=True, help="An e-mail address (repeatable).")
@config_command
def set_channel(
    config: Config,
    client_id: str,
    name: str,
    kind: str,
    url: str | None,
    secret_file: Path | None,
    no_secret: bool,
    addresses: tuple[str, ...],
) -> None:
    """Create or replace a channel; the hub keeps its secret sealed."""
    client = config.client()  # a missing token is said before the secret is asked for
    secret = None
    if kind in ("webhook", "pagerduty") and not (kind == "webhook" and no_secret):
        secret = read_password(secret_file, f"{kind} secret of channel {name}")
    body = given(Kind=kind, Url=url, Secret=secret, Addresses=list(addresses) or None)
    emit(config, client.send_json("PUT", _path(client_id, name), body), _one)


@channels.command("test")
@click.argument("client_id", metavar="CLIENT")
@click.argument("name")
@config_command
def test_channel(config: Config, client_id: str, name: str) -> None:
    """Send a test message to the channel (its attempt is recorded as any alert's)."""
    reply = config.client().call("POST", f"{_path(client_id, name)}/test")
    emit(config, reply, lambda doc: f"test message queued: {doc['AlertId']}")


@channels.command("delete")
@click.argument("client_id", metavar="CLIENT")
@click.argument("name")
@config_command
def delete_channel(config: Config, client_id: str, name: str) -> None:
    """Remove a channel: no alert goes to it from now on."""
    config.client().call("DELETE", _path(client_id, name))
    done(config, f"deleted channel {name} of {client_id}")
