"""Request bodies from a JSON file and command-line options (options win)."""

import json
from collections.abc import Callable, Iterable
from typing import IO, Any

import click

from cli.fields import FieldProblem


def load_object(file: IO[str] | None) -> dict[str, Any]:
    """The JSON object in `file` (empty when there is none); a usage error otherwise."""
    if file is None:
        return {}
    try:
        doc = json.load(file)
    except ValueError as e:
        raise click.BadParameter(f"not JSON: {e}", param_hint="--file") from e
    if not isinstance(doc, dict):
        raise click.BadParameter("the JSON must be an object", param_hint="--file")
    return doc


def given(**options: object) -> dict[str, object]:
    """The options that were given (not None), under their API field names."""
    return {name: value for name, value in options.items() if value is not None}


def assignments(pairs: Iterable[str], convert: Callable[[str, str], object]) -> dict[str, object]:
    """`FIELD=VALUE` pairs, each value converted to the field's type."""
    out: dict[str, object] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"'{pair}' is not FIELD=VALUE", param_hint="--set")
        try:
            out[name] = convert(name, text)
        except FieldProblem as e:
            raise click.BadParameter(str(e), param_hint="--set") from e
    return out
