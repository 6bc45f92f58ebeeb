"""`hub import FILE`: many customers and profiles at once, from NDJSON or CSV."""

import re
from typing import IO

import click

from cli import paths, views_customers
from cli.config import Config
from cli.csv_import import CsvProblem, Line, lines_of, ndjson
from cli.errors import ApiRefused
from cli.output import emit
from cli.params import config_command

NDJSON = "application/x-ndjson"
_LINE = re.compile(r"^line (\d+):")


def body_of(raw: bytes, fmt: str) -> tuple[bytes, list[Line]]:
    """The NDJSON to send and, for CSV, the customers it holds (for messages)."""
    if fmt == "ndjson":
        return raw, []
    try:
        lines = lines_of(raw.decode("utf-8-sig"))
    except (CsvProblem, UnicodeDecodeError) as e:
        raise click.BadParameter(str(e), param_hint="FILE") from e
    return ndjson(lines), lines


def explained(error: ApiRefused, lines: list[Line]) -> ApiRefused:
    """The hub's `line N:` message with the CSV rows that line came from."""
    found = _LINE.match(error.reason)
    number = int(found.group(1)) if found else 0
    if not 0 < number <= len(lines):
        return error
    return ApiRefused(error.status, f"{error.reason} [{lines[number - 1].origin()}]")


def format_of(file: IO[bytes], fmt: str | None) -> str:
    """The format given, else `csv` for a `.csv` file, else `ndjson`."""
    if fmt:
        return fmt
    return "csv" if str(getattr(file, "name", "")).lower().endswith(".csv") else "ndjson"


@click.command("import")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ndjson", "csv"]),
    help="The file's format (default: csv for a .csv file, else ndjson).",
)
@click.option("--dry-run", is_flag=True, help="Print the NDJSON that would be sent; send nothing.")
@config_command
def import_file(config: Config, file: IO[bytes], fmt: str | None, dry_run: bool) -> None:
    """Import customers and their profiles from FILE (`-` for standard input).

    NDJSON: one customer a line, as `POST /admin/import` takes it. CSV: a header row,
    then a row per customer or per profile (see the README for the columns).
    """
    body, lines = body_of(file.read(), format_of(file, fmt))
    if dry_run:
        click.echo(body.decode(), nl=False)
        return
    try:
        reply = config.client().call("POST", paths.IMPORT, body, NDJSON, retry=True)
    except ApiRefused as e:
        raise explained(e, lines) from e
    emit(config, reply, views_customers.imported)
