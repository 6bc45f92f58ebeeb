"""Real .NET programs for the tests: the C# sources of tests/fixtures/dotnet/, built with Mono.

The relay clients are .NET programs using the framework's DataContract serializers; these
programs use the same serializers, so the tests check the hub against what they really
write and read. The `mono` fixture installs Mono when it is missing (`make test` has done
it already: `make mono`); a test that uses it needs real components (tests/conftest.py),
so `make check` leaves it out.
"""

import os
import subprocess
from pathlib import Path

import pytest

from localkafka.mono import ensure_mono

DOTNET = Path(__file__).parent / "fixtures" / "dotnet"
CONTRACT = DOTNET / "RelayContract.cs"
"""The contract's DataContract types, compiled into every program."""
ZONE = "America/New_York"
"""The programs' local time zone: a local DateTime is written with its offset (-05:00)."""


@pytest.fixture(scope="session")
def mono() -> None:
    """Mono's compiler, runtime and the class libraries the programs reference."""
    ensure_mono()


def build(program: str, out_dir: Path, *references: str) -> Path:
    """Compile `program` (a file of tests/fixtures/dotnet/) with the contract's types."""
    exe = out_dir / Path(program).with_suffix(".exe").name
    refs = [f"-r:{name}" for name in ("System.Runtime.Serialization", *references)]
    command = ["mcs", *refs, f"-out:{exe}", str(CONTRACT), str(DOTNET / program)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return exe


def run(exe: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run a built program in `ZONE`; its output whatever its exit status."""
    # No proxy: the programs talk to a hub on this machine.
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    command = ["mono", str(exe), *args]
    return subprocess.run(command, capture_output=True, env={**env, "TZ": ZONE}, timeout=120)
