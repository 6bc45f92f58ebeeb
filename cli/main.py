"""The `hub` command: the admin API of the heartbeat hub, for people and scripts."""

from pathlib import Path

import click

from cli.commands_channels import channels
from cli.commands_customers import customers, profiles
from cli.commands_health import health, maintenance
from cli.commands_import import import_file
from cli.commands_orders import commands, desired_state
from cli.commands_pbx import api_users, pbxes, sessions
from cli.commands_upstream import upstream
from cli.config import DEFAULT_URL, Config
from cli.params import json_option


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--url", envvar="HUB_URL", default=DEFAULT_URL, show_default=True, show_envvar=True)
@click.option(
    "--token-file",
    envvar="HUB_ADMIN_TOKEN_FILE",
    show_envvar=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File holding the admin token (wins over HUB_ADMIN_TOKEN).",
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds to wait for each answer.",
)
@click.option(
    "--retry-for",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Seconds to keep retrying a GET, PUT or import the hub answers 503.",
)
@json_option
@click.pass_context
def cli(
    ctx: click.Context,
    url: str,
    token_file: Path | None,
    request_timeout: float,
    retry_for: float,
) -> None:
    """Operate a heartbeat hub through its admin API.

    Exit codes: 0 done, 1 refused by the hub (4xx) or a watched command that did not
    succeed, 2 usage error, 3 hub unreachable or failing (5xx, timeout), 4 watch
    timed out.
    """
    config = ctx.ensure_object(Config)
    config.url = url
    config.token_file = token_file
    config.request_timeout_s = request_timeout
    config.retry_for_s = retry_for


for command in (
    customers,
    profiles,
    import_file,
    desired_state,
    commands,
    maintenance,
    health,
    pbxes,
    api_users,
    upstream,
    sessions,
    channels,
):
    cli.add_command(command)


def main() -> None:
    """The console script's entry point."""
    cli(prog_name="hub")
