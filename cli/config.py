"""Where the hub is and how to authenticate: options, then the environment.

`HUB_URL` (default http://127.0.0.1:8080); the admin token from `--token-file`, else
`HUB_ADMIN_TOKEN_FILE`, else `HUB_ADMIN_TOKEN` (a file wins over the variable, as the
ingress reads it). The token is never printed.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import click

from cli.client import Client

DEFAULT_URL = "http://127.0.0.1:8080"
TOKEN_VARIABLE = "HUB_ADMIN_TOKEN"  # noqa: S105 - the variable's name, not a token
MISSING = "no admin token: set HUB_ADMIN_TOKEN or HUB_ADMIN_TOKEN_FILE, or pass --token-file"


def check_url(url: str) -> str:
    """The base URL without a trailing slash; a usage error unless it is http(s)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(f"'{url}' is not an http:// or https:// URL", param_hint="--url")
    return url.rstrip("/")


def read_token(token_file: Path | None, environ: dict[str, str]) -> str:
    """The admin token: the file wins over the variable; a usage error when there is none."""
    if token_file is not None:
        try:
            token = token_file.read_text().strip()
        except OSError as e:
            raise click.UsageError(f"cannot read the token file: {e.strerror}") from e
    else:
        token = environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise click.UsageError(MISSING)
    return token


@dataclass
class Config:
    """What every command shares; `client()` reads the token on first use."""

    url: str = DEFAULT_URL
    token_file: Path | None = None
    request_timeout_s: float = 30.0
    retry_for_s: float = 10.0
    json: bool = False
    _client: Client | None = field(default=None, repr=False)

    def client(self) -> Client:
        """The HTTP client of the admin API."""
        if self._client is None:
            token = read_token(self.token_file, dict(os.environ))
            self._client = Client(
                check_url(self.url), token, self.request_timeout_s, self.retry_for_s
            )
        return self._client
