"""Passwords for the hub: from a file, or typed at a prompt that does not echo them."""

from pathlib import Path

import click


def read_password(password_file: Path | None, prompt: str = "Password") -> str:
    """The file's content without its final line break, else asked for twice, hidden."""
    if password_file is None:
        return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True))
    try:
        text = password_file.read_text()
    except OSError as e:
        raise click.BadParameter(
            f"cannot read it: {e.strerror}", param_hint="--password-file"
        ) from e
    password = text.removesuffix("\n").removesuffix("\r")
    if not password:
        raise click.BadParameter("the file is empty", param_hint="--password-file")
    return password


password_file_option = click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File holding the password (else it is asked for, without echo).",
)
