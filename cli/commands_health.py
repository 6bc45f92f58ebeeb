"""`hub health CLIENT` and `hub maintenance set|clear`."""

import json
from collections.abc import Callable
from typing import IO, Any

import click

from cli import paths, views_customers, views_health
from cli.config import Config
from cli.output import emit
from cli.params import config_command, profile_args
from cli.windows import window


@click.command("health")
@click.argument("client_id", metavar="CLIENT")
@config_command
def health(config: Config, client_id: str) -> None:
    """The customer's health, then each profile's and PBX's, worst first."""
    reply = config.client().call("GET", f"{paths.customer(client_id)}/health")
    emit(config, reply, lambda doc: views_health.health(client_id, doc))


@click.group()
def maintenance() -> None:
    """Maintenance windows of a profile: it is `paused` inside them."""


def _windows_of(kind: str, profile_id: int) -> Callable[[dict[str, Any]], str]:
    def render(view: dict[str, Any]) -> str:
        doc = views_customers.profile_doc(view, kind, profile_id)
        return views_customers.windows(doc["maintenance"] if doc else [])

    return render


def _load_windows(file: IO[str]) -> Any:
    try:
        doc = json.load(file)
    except ValueError as e:
        raise click.BadParameter(f"not JSON: {e}", param_hint="--file") from e
    return doc.get("windows") if isinstance(doc, dict) else doc


@maintenance.command("set")
@profile_args
@click.option("--start", help="ISO 8601 time (default now; without an offset, UTC).")
@click.option("--end", help="ISO 8601 time the window ends.")
@click.option("--for", "length", metavar="DURATION", help="Length instead of --end: 90m, 2h, 1d.")
@click.option("--reason", help="Why (shown with the health).")
@click.option(
    "-f",
    "--file",
    type=click.File("r"),
    help='Several windows: {"windows": [{"start", "end", "reason"}]} or the bare list.',
)
@config_command
def set_windows(
    config: Config,
    client_id: str,
    kind: str,
    profile_id: int,
    start: str | None,
    end: str | None,
    length: str | None,
    reason: str | None,
    file: IO[str] | None,
) -> None:
    """Replace the profile's maintenance windows with one window, or those of --file."""
    if file is not None and (start or end or length or reason):
        raise click.UsageError("give either --file or --start/--end/--for/--reason")
    windows = _load_windows(file) if file else [window(start, end, length, reason)]
    path = f"{paths.profile(client_id, kind, profile_id)}/maintenance"
    reply = config.client().send_json("PUT", path, {"windows": windows})
    emit(config, reply, _windows_of(kind, profile_id))


@maintenance.command("clear")
@profile_args
@config_command
def clear_windows(config: Config, client_id: str, kind: str, profile_id: int) -> None:
    """Remove every maintenance window of the profile."""
    path = f"{paths.profile(client_id, kind, profile_id)}/maintenance"
    emit(config, config.client().call("DELETE", path), _windows_of(kind, profile_id))
