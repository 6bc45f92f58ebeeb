"""`hub desired-state set` and `hub commands send|list|get|cancel|watch`."""

from typing import Any, get_args

import click

from cli import paths, views_orders
from cli.bodies import given
from cli.config import Config
from cli.errors import NotAcknowledged
from cli.output import NOT_VISIBLE, emit
from cli.params import config_command, profile_args
from cli.watch import watch
from schemas.enums import ClientAction
from schemas.events import CommandName, CommandState

ACTIONS = {action.name.lower(): int(action) for action in ClientAction}
COMMANDS = list(get_args(CommandName))


@click.group("desired-state")
def desired_state() -> None:
    """The state the operator wants a profile in (carried until it is reached)."""


@desired_state.command("set")
@profile_args
@click.argument("action", type=click.Choice(list(ACTIONS)))
@config_command
def set_desired(config: Config, client_id: str, kind: str, profile_id: int, action: str) -> None:
    """Want the profile started or stopped; `none` clears the wish."""
    path = f"{paths.profile(client_id, kind, profile_id)}/desired-state"
    reply = config.client().send_json("PUT", path, {"ClientActionRequest": ACTIONS[action]})
    emit(config, reply, views_orders.desired_state)


@click.group()
def commands() -> None:
    """One-shot commands of a profile, delivered with heartbeat answers."""


@commands.command("send")
@profile_args
@click.argument("command", type=click.Choice(COMMANDS))
@click.option("--ttl", type=int, help="Seconds until it expires (default 3600).")
@click.option("--max-deliveries", type=int, help="Deliveries before it fails (default 3).")
@config_command
def send(
    config: Config,
    client_id: str,
    kind: str,
    profile_id: int,
    command: str,
    ttl: int | None,
    max_deliveries: int | None,
) -> None:
    """Queue COMMAND for the profile; prints the command's id."""
    body = {"command": command} | given(ttl_s=ttl, max_deliveries=max_deliveries)
    path = f"{paths.profile(client_id, kind, profile_id)}/commands"
    reply = config.client().send_json("POST", path, body)
    emit(config, reply, lambda doc: str(doc["id"]))
    if reply.json().get("visible") is False:
        click.echo(NOT_VISIBLE, err=True)


@commands.command("list")
@profile_args
@click.option("--state", type=click.Choice([s.value for s in CommandState]), help="Only these.")
@config_command
def list_commands(
    config: Config, client_id: str, kind: str, profile_id: int, state: str | None
) -> None:
    """The profile's commands, oldest first (finished ones are kept a while)."""
    path = f"{paths.profile(client_id, kind, profile_id)}/commands"
    path += f"?state={state}" if state else ""
    emit(config, config.client().call("GET", path), views_orders.commands)


@commands.command("get")
@profile_args
@click.argument("command_id", metavar="COMMAND_ID")
@config_command
def get(config: Config, client_id: str, kind: str, profile_id: int, command_id: str) -> None:
    """One command, its state and every change of it."""
    reply = config.client().call("GET", paths.command(client_id, kind, profile_id, command_id))
    emit(config, reply, views_orders.command)


@commands.command("cancel")
@profile_args
@click.argument("command_id", metavar="COMMAND_ID")
@config_command
def cancel(config: Config, client_id: str, kind: str, profile_id: int, command_id: str) -> None:
    """Cancel a command before it is acknowledged."""
    path = paths.command(client_id, kind, profile_id, command_id)
    emit(config, config.client().call("DELETE", path), views_orders.command)


@commands.command("watch")
@profile_args
@click.argument("command_id", metavar="COMMAND_ID")
@click.option("--timeout", type=click.FloatRange(min=0), default=300.0, show_default=True)
@click.option("--interval", type=click.FloatRange(min=0.1), default=1.0, show_default=True)
@config_command
def watch_command(
    config: Config,
    client_id: str,
    kind: str,
    profile_id: int,
    command_id: str,
    timeout: float,
    interval: float,
) -> None:
    """Follow a command until it is acknowledged, expired, failed or cancelled.

    Exits 0 once acknowledged, 1 when it ended otherwise, 4 when TIMEOUT seconds
    passed first.
    """
    client = config.client()
    path = paths.command(client_id, kind, profile_id, command_id)

    def show(doc: dict[str, Any]) -> None:
        if not config.json:
            click.echo(views_orders.change(doc))

    reply = watch(lambda: client.call("GET", path), timeout, interval, show)
    if config.json:
        emit(config, reply, str)
    state = reply.json()["state"]
    if state != CommandState.acknowledged:
        raise NotAcknowledged(f"command {command_id} ended {state}, not acknowledged")
