"""`hub upstream put|get|delete`: the hub as application server of a customer's PBX."""

from pathlib import Path

import click

from cli import paths, views_pbx
from cli.bodies import given
from cli.config import Config
from cli.output import done, emit
from cli.params import config_command, pbx_args
from cli.passwords import password_file_option, read_password


def _path(client_id: str, pbx_id: str) -> str:
    return f"{paths.pbx(client_id, pbx_id)}/upstream"


@click.group()
def upstream() -> None:
    """The connection from the hub to a customer's real PBX."""


@upstream.command("put")
@pbx_args
@click.option("--base-url", required=True, help="The PBX's API, e.g. https://192.168.5.150:8088.")
@click.option("--username", required=True, help="The PBX's API user.")
@password_file_option
@click.option("--version", type=click.Choice(["1.0.0", "2.0.0"]), help="Event version (2.0.0).")
@click.option("--interval", type=int, help="HeartbeatIntervalSeconds, 10 to 1500 (600).")
@click.option("--verify-tls/--no-verify-tls", default=None, help="Check the PBX's certificate.")
@config_command
def put_upstream(
    config: Config,
    client_id: str,
    pbx_id: str,
    base_url: str,
    username: str,
    password_file: Path | None,
    version: str | None,
    interval: int | None,
    verify_tls: bool | None,
) -> None:
    """Connect (or reconnect with new settings); the hub logs in to the PBX at once."""
    client = config.client()  # a missing token is said before the password is asked for
    body = given(
        BaseUrl=base_url,
        Username=username,
        Password=read_password(password_file, f"PBX password of {username}"),
        Version=version,
        HeartbeatIntervalSeconds=interval,
        VerifyTls=verify_tls,
    )
    emit(config, client.send_json("PUT", _path(client_id, pbx_id), body), views_pbx.upstream)


@upstream.command("get")
@pbx_args
@config_command
def get_upstream(config: Config, client_id: str, pbx_id: str) -> None:
    """The connection's settings and state (never its password or token)."""
    emit(config, config.client().call("GET", _path(client_id, pbx_id)), views_pbx.upstream)


@upstream.command("delete")
@pbx_args
@config_command
def delete_upstream(config: Config, client_id: str, pbx_id: str) -> None:
    """Disconnect: the hub logs out of the PBX, then forgets the connection."""
    config.client().call("DELETE", _path(client_id, pbx_id))
    done(config, f"disconnected PBX {pbx_id} of {client_id}")
