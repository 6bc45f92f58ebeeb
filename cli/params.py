"""Arguments and options several commands share."""

from collections.abc import Callable
from typing import Any, TypeVar

import click

from cli.config import Config

F = TypeVar("F", bound=Callable[..., Any])
KIND = click.Choice(["inbound", "outbound"])


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(Config).json = True


json_option = click.option(
    "--json",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_json,
    help="Print the hub's JSON answer unchanged.",
)


def config_command(command: Callable[..., None]) -> Callable[..., None]:
    """What every command takes: `--json`, and the `Config` as its first argument."""
    return json_option(click.pass_obj(command))


def profile_args(command: F) -> F:
    """CLIENT TYPE ID: the profile a command is about."""
    command = click.argument("profile_id", metavar="ID", type=click.IntRange(1, 2**31 - 1))(command)
    command = click.argument("kind", metavar="TYPE", type=KIND)(command)
    return click.argument("client_id", metavar="CLIENT")(command)


def pbx_args(command: F) -> F:
    """CLIENT PBX: the PBX a command is about."""
    command = click.argument("pbx_id", metavar="PBX")(command)
    return click.argument("client_id", metavar="CLIENT")(command)
