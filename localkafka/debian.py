"""Debian packages the tests and benches need (PostgreSQL, Mono, wrk), installed when missing.

`ensure_packages` installs only when the caller's check says something is missing, and
checks again under a file lock: test processes starting together on a fresh machine
would otherwise run apt-get at once, and all but one would fail on dpkg's own lock.
Installing needs root, as on CI.
"""

import logging
import os
import subprocess
import time
from collections.abc import Callable, Sequence

from localkafka.broker import DEFAULT_CACHE_DIR, LocalKafkaError, _file_lock

log = logging.getLogger(__name__)

INSTALL_TIMEOUT_S = 900.0
LOCK = DEFAULT_CACHE_DIR / "apt.lock"
DPKG_LOCK_WAIT_S = 600
"""How long apt-get waits for dpkg's lock held by another program (another checkout's
tests, an unattended upgrade) instead of failing at once."""


def ensure_packages(
    packages: Sequence[str],
    *,
    installed: Callable[[], bool],
    error: type[LocalKafkaError],
    recommends: bool = True,
) -> None:
    """Install `packages` unless `installed()` already holds; raise `error` if it still fails."""
    if installed():
        return
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(LOCK):
        if not installed():
            _apt_install(packages, error=error, recommends=recommends)
    if not installed():
        raise error(f"{', '.join(packages)} installed, yet still missing what is needed")


def _apt_install(
    packages: Sequence[str], *, error: type[LocalKafkaError], recommends: bool
) -> None:
    started = time.monotonic()
    log.info("installing Debian's %s", ", ".join(packages))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    wait = ["-o", f"DPkg::Lock::Timeout={DPKG_LOCK_WAIT_S}"]
    extra = [] if recommends else ["--no-install-recommends"]
    install = ["apt-get", "install", "-y", "-q", *extra, *wait, *packages]
    run(["apt-get", "update", *wait], error=error, env=env, timeout=INSTALL_TIMEOUT_S)
    run(install, error=error, env=env, timeout=INSTALL_TIMEOUT_S)
    log.info("%s installed after %.1f s", ", ".join(packages), time.monotonic() - started)


def run(
    command: list[str],
    *,
    error: type[LocalKafkaError],
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> str:
    """Run `command`; its standard output, or `error` with the last lines it printed."""
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise error(f"{command[0]} failed: {e}") from e
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise error(f"{' '.join(command[:3])} exited with {result.returncode}:\n{tail}")
    return result.stdout
