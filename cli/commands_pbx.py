"""`hub pbxes put|get|delete`, `hub api-users put|delete` and `hub sessions CLIENT PBX`."""

from pathlib import Path
from typing import IO

import click

from cli import paths, views_pbx
from cli.bodies import given, load_object
from cli.config import Config
from cli.output import done, emit, emit_doc
from cli.params import config_command, pbx_args
from cli.passwords import password_file_option, read_password


@click.group()
def pbxes() -> None:
    """PBXes of a customer, for the PBX API."""


@pbxes.command("put")
@pbx_args
@click.option("-f", "--file", type=click.File("r"), help="JSON body; the options override it.")
@click.option("--name", help="Name.")
@click.option("--serial", help="SerialNumber.")
@click.option("--alert-email", "emails", multiple=True, help="AlertEmailList (repeatable).")
@config_command
def put_pbx(
    config: Config,
    client_id: str,
    pbx_id: str,
    file: IO[str] | None,
    name: str | None,
    serial: str | None,
    emails: tuple[str, ...],
) -> None:
    """Create or replace a PBX of an existing customer."""
    body = load_object(file) | given(
        Name=name, SerialNumber=serial, AlertEmailList=list(emails) or None
    )
    reply = config.client().send_json("PUT", paths.pbx(client_id, pbx_id), body)
    emit(config, reply, views_pbx.pbx)


@pbxes.command("get")
@pbx_args
@config_command
def get_pbx(config: Config, client_id: str, pbx_id: str) -> None:
    """Show a PBX: its event URL, API users and sessions."""
    emit(config, config.client().call("GET", paths.pbx(client_id, pbx_id)), views_pbx.pbx)


@pbxes.command("delete")
@pbx_args
@config_command
def delete_pbx(config: Config, client_id: str, pbx_id: str) -> None:
    """Remove a PBX: its sessions end and its users are released."""
    config.client().call("DELETE", paths.pbx(client_id, pbx_id))
    done(config, f"deleted PBX {pbx_id} of {client_id}")


@click.group("api-users")
def api_users() -> None:
    """API users of a PBX (usernames are unique across the hub)."""


@api_users.command("put")
@pbx_args
@click.argument("username", metavar="USERNAME")
@password_file_option
@config_command
def put_user(
    config: Config, client_id: str, pbx_id: str, username: str, password_file: Path | None
) -> None:
    """Create an API user, or change its password (asked for unless --password-file)."""
    client = config.client()  # a missing token is said before the password is asked for
    password = read_password(password_file, f"Password of {username}")
    path = paths.api_user(client_id, pbx_id, username)
    emit(config, client.send_json("PUT", path, {"Password": password}), views_pbx.pbx)


@api_users.command("delete")
@pbx_args
@click.argument("username", metavar="USERNAME")
@config_command
def delete_user(config: Config, client_id: str, pbx_id: str, username: str) -> None:
    """Remove an API user; its sessions end."""
    reply = config.client().call("DELETE", paths.api_user(client_id, pbx_id, username))
    emit(config, reply, views_pbx.pbx)


@click.command("sessions")
@pbx_args
@config_command
def sessions(config: Config, client_id: str, pbx_id: str) -> None:
    """The PBX's sessions (`--json`: the view's `Sessions` list, unchanged)."""
    view = config.client().call("GET", paths.pbx(client_id, pbx_id)).json()
    emit_doc(config, view["Sessions"], views_pbx.sessions)
