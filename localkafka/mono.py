"""Mono from Debian's packages, for the tests that run real .NET relay clients.

The hub's relay clients are .NET programs that use the framework's DataContract
serializers; the tests compile small C# clients with `mcs` and run them with `mono`, so
that the hub is checked against those serializers themselves rather than against what
the tests believe they write. `ensure_mono()` installs the compiler, the runtime and
the class libraries those clients reference, only when one of them is missing.
"""

import logging
import shutil
import time
from pathlib import Path

from localkafka import debian
from localkafka.broker import LocalKafkaError

log = logging.getLogger(__name__)

PACKAGES = (
    "mono-runtime",
    "mono-mcs",
    "libmono-system-runtime-serialization4.0-cil",
    "libmono-system-net-http4.0-cil",
    "libmono-system-xml4.0-cil",
)
ASSEMBLIES = ("System.Runtime.Serialization", "System.Net.Http", "System.Xml")
"""What the test clients reference (`mcs -r:...`), besides the core library."""
FRAMEWORK_DIR = Path("/usr/lib/mono/4.5")
"""Where `mcs` looks for the assemblies a program references."""


class MonoError(LocalKafkaError):
    """Mono could not be installed."""


def ensure_mono() -> None:
    """Install Mono's compiler, runtime and the referenced libraries unless all are there."""
    # Recommends would add the whole mono-devel tool chain, which the clients do not need.
    debian.ensure_packages(PACKAGES, installed=_complete, error=MonoError, recommends=False)


def missing() -> list[str]:
    """The programs and assemblies the .NET test clients need that are not installed."""
    programs = [name for name in ("mcs", "mono") if shutil.which(name) is None]
    libraries = [f"{name}.dll" for name in ASSEMBLIES if not _assembly(name).is_file()]
    return programs + libraries


def _complete() -> bool:
    return not missing()


def _assembly(name: str) -> Path:
    return FRAMEWORK_DIR / f"{name}.dll"


def versions() -> list[str]:
    """The first line of `mono --version` and of `mcs --version`."""
    lines = [debian.run([tool, "--version"], error=MonoError) for tool in ("mono", "mcs")]
    return [text.splitlines()[0] for text in lines]


def main() -> None:
    """`python -m localkafka.mono`: make sure Mono is installed; print its versions."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    started = time.monotonic()
    ensure_mono()
    log.info("Mono ready in %.1f s", time.monotonic() - started)
    for line in versions():
        print(line)


if __name__ == "__main__":
    main()
