"""What a command prints: the hub's JSON unchanged for scripts, or text for people."""

import json
from collections.abc import Callable
from typing import Any

import click

from cli.client import Reply
from cli.config import Config

NOT_VISIBLE = "note: the write is durable but not yet visible (HTTP 202); look again shortly"


def emit(config: Config, reply: Reply, render: Callable[[Any], str]) -> None:
    """`--json`: the body exactly as the hub sent it; otherwise `render` of the parsed body."""
    if config.json:
        if reply.body:
            click.echo(reply.text, nl=not reply.text.endswith("\n"))
    else:
        click.echo(render(reply.json()))
    if reply.status == 202:
        click.echo(NOT_VISIBLE, err=True)


def emit_doc(config: Config, doc: object, render: Callable[[Any], str]) -> None:
    """Like `emit`, for a part of an answer: `--json` prints that part as JSON."""
    if config.json:
        click.echo(json_text(doc))
    else:
        click.echo(render(doc))


def json_text(doc: object) -> str:
    """Compact JSON, as the hub writes it."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def done(config: Config, message: str) -> None:
    """A confirmation for people (a 204 has no body, so `--json` prints nothing)."""
    if not config.json:
        click.echo(message)
