"""`hub customers put|get|delete` and `hub profiles put|get|delete`."""

from typing import IO

import click

from cli import paths, views_customers
from cli.bodies import assignments, given, load_object
from cli.config import Config
from cli.errors import NotFound
from cli.fields import profile_value
from cli.output import emit, emit_doc
from cli.params import config_command, profile_args

FILE_HELP = "JSON body (as the API takes it); the options given override its fields."


@click.group()
def customers() -> None:
    """Customers: create or replace one, show one with its profiles, delete one."""


@customers.command("put")
@click.argument("client_id", metavar="CLIENT")
@click.option("-f", "--file", type=click.File("r"), help=FILE_HELP)
@click.option("--relay-customer-id", type=int, help="RelayCustomerID.")
@click.option("--name", help="Name.")
@click.option("--interval", type=int, help="HeartbeatIntervalSeconds (default 60).")
@click.option("--grace", type=int, help="GracePeriodSeconds (default 30).")
@config_command
def put_customer(
    config: Config,
    client_id: str,
    file: IO[str] | None,
    relay_customer_id: int | None,
    name: str | None,
    interval: int | None,
    grace: int | None,
) -> None:
    """Create or replace customer CLIENT."""
    body = load_object(file) | given(
        RelayCustomerID=relay_customer_id,
        Name=name,
        HeartbeatIntervalSeconds=interval,
        GracePeriodSeconds=grace,
    )
    reply = config.client().send_json("PUT", paths.customer(client_id), body)
    emit(config, reply, views_customers.customer)


@customers.command("get")
@click.argument("client_id", metavar="CLIENT")
@config_command
def get_customer(config: Config, client_id: str) -> None:
    """Show customer CLIENT, its profiles and their last reported state."""
    emit(config, config.client().call("GET", paths.customer(client_id)), views_customers.customer)


@customers.command("delete")
@click.argument("client_id", metavar="CLIENT")
@click.option("--yes", is_flag=True, help="Delete without asking first.")
@config_command
def delete_customer(config: Config, client_id: str, yes: bool) -> None:
    """Delete customer CLIENT with everything it has; asks first unless --yes.

    Its profiles, commands (unfinished ones recorded as cancelled), PBXes, their API
    users, sessions and upstream connections go; its clients' heartbeats answer 404.
    A 503 is not retried, as no DELETE is; nothing was recorded then: run it again.
    """
    client = config.client()  # a missing token is said before the question
    if not yes:
        question = f"Delete customer {client_id} and everything it has?"
        click.confirm(question, abort=True, err=True)
    reply = client.call("DELETE", paths.customer(client_id))
    emit(config, reply, views_customers.deletion)


@click.group()
def profiles() -> None:
    """Profiles of a customer: TYPE is inbound or outbound, ID a number."""


@profiles.command("put")
@profile_args
@click.option("-f", "--file", type=click.File("r"), help=FILE_HELP)
@click.option("--name", help="ProfileName.")
@click.option("--active/--inactive", default=None, help="Active.")
@click.option("--interval", type=int, help="HeartbeatIntervalSeconds, overriding the customer's.")
@click.option("--grace", type=int, help="GracePeriodSeconds, overriding the customer's.")
@click.option(
    "--set",
    "pairs",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Any profile field by its wire name, e.g. --set ReceivePort=2575 (repeatable).",
)
@config_command
def put_profile(
    config: Config,
    client_id: str,
    kind: str,
    profile_id: int,
    file: IO[str] | None,
    name: str | None,
    active: bool | None,
    interval: int | None,
    grace: int | None,
    pairs: tuple[str, ...],
) -> None:
    """Create or replace a profile (fields not given take their defaults)."""
    body = load_object(file) | given(
        ProfileName=name,
        Active=active,
        HeartbeatIntervalSeconds=interval,
        GracePeriodSeconds=grace,
    )
    body |= assignments(pairs, lambda field, text: profile_value(kind, field, text))
    reply = config.client().send_json("PUT", paths.profile(client_id, kind, profile_id), body)
    emit(config, reply, views_customers.customer)


@profiles.command("get")
@profile_args
@config_command
def get_profile(config: Config, client_id: str, kind: str, profile_id: int) -> None:
    """Show one profile: its configuration, state and maintenance windows.

    There is no endpoint of its own: `--json` prints the profile's parts of the
    customer view unchanged, as {"profile", "state", "timing", "maintenance"}.
    """
    view = config.client().call("GET", paths.customer(client_id)).json()
    doc = views_customers.profile_doc(view, kind, profile_id)
    if doc is None:
        raise NotFound(f"customer '{client_id}' has no {kind} profile {profile_id}")
    emit_doc(config, doc, views_customers.profile)


@profiles.command("delete")
@profile_args
@config_command
def delete_profile(config: Config, client_id: str, kind: str, profile_id: int) -> None:
    """Delete a profile; clients stop seeing it in their answers."""
    reply = config.client().call("DELETE", paths.profile(client_id, kind, profile_id))
    emit(config, reply, views_customers.customer)
