"""Running the `hub` command in process with click's CliRunner, isolated from the environment."""

from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

from cli.main import cli

CLEAN_ENV: dict[str, str | None] = {
    "HUB_URL": None,
    "HUB_ADMIN_TOKEN": None,
    "HUB_ADMIN_TOKEN_FILE": None,
}


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    """`hub ARGS...` with none of the caller's HUB_ variables, unless `env` gives them."""
    runner = CliRunner(env={**CLEAN_ENV, **(env or {})})
    return runner.invoke(cli, list(args), input=stdin, prog_name="hub")


@dataclass
class HubRunner:
    """`hub --url URL --token-file FILE ARGS...` for one hub."""

    url: str
    token_file: Path
    retry_for: str = "60"

    def __call__(self, *args: str, stdin: str | None = None) -> Result:
        """Run the command; 503s while partitions settle are retried for a minute."""
        base = ("--url", self.url, "--token-file", str(self.token_file))
        return run(*base, "--retry-for", self.retry_for, *args, stdin=stdin)

    def ok(self, *args: str, stdin: str | None = None) -> Result:
        """Run the command and require exit code 0."""
        result = self(*args, stdin=stdin)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result
