"""Fixtures of the `hub` command's tests: a real hub on the real broker, or a scripted server."""

from collections.abc import Iterator

import pytest

from localkafka.hub import HubCluster
from tests.cli.local_server import ScriptedServer
from tests.cli.runner import HubRunner

__all__ = ["hub_cli", "scripted"]


@pytest.fixture(scope="module")
def hub_cli(hub: HubCluster, tmp_path_factory: pytest.TempPathFactory) -> HubRunner:
    """The `hub` command pointed at the module's hub, its token in a file."""
    token_file = tmp_path_factory.mktemp("cli") / "token"
    token_file.write_text(hub.token + "\n")
    return HubRunner(hub.url, token_file)


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    """A local HTTP server answering what the test scripts, recording each request."""
    with ScriptedServer() as server:
        yield server
