"""A hub service (worker, ingress, sink) run as a child process, for `make run` and tests."""

import atexit
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)


class ServiceProcess:
    """One `python -m <module>` child in its own process group; stop() leaves nothing behind."""

    def __init__(
        self,
        name: str,
        module: str,
        env: dict[str, str],
        log_path: Path | None = None,
        args: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.module = module
        self.args = args
        self.env = env
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        """Whether the child is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The child's pid while it runs."""
        return self._process.pid if self._process else None

    def start(self) -> None:
        """Start the child; its output goes to the log file, or to this terminal."""
        if self.running:
            return
        output: IO[bytes] | None = self.log_path.open("ab") if self.log_path else None
        try:
            self._process = subprocess.Popen(
                _parent_death([sys.executable, "-m", self.module, *self.args]),
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                start_new_session=True,
            )
        finally:
            if output:
                output.close()
        _LIVE.add(self)
        # DEBUG: each process says in its own line that it started (`make run` shows those).
        log.debug("%s started (pid %d)", self.name, self._process.pid)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the group, wait, then SIGKILL what is left."""
        proc = self._process
        if proc is None:
            return
        _signal(proc, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in %.0f s; killing it", self.name, timeout)
            _signal(proc, signal.SIGKILL)
            proc.wait()
        self._forget()

    def pause(self) -> None:
        """SIGSTOP the group: it holds its sockets and answers nothing, as a frozen host."""
        if self._process is not None:
            _signal(self._process, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT the group after `pause`."""
        if self._process is not None:
            _signal(self._process, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL at once, as a crash would."""
        proc = self._process
        if proc is None:
            return
        _signal(proc, signal.SIGKILL)
        proc.wait()
        self._forget()

    def _forget(self) -> None:
        self._process = None
        _LIVE.discard(self)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the child's log, for error messages."""
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def wait_http(url: str, timeout: float, ok: tuple[int, ...] = (200,)) -> int:
    """Poll `url` until it answers one of the `ok` statuses; returns the status."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                last = resp.status
        except urllib.error.HTTPError as e:
            last = e.code
        except OSError as e:
            last = e
        if last in ok:
            return int(str(last))
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer {ok} within {timeout} s (last: {last})")


def _parent_death(command: list[str]) -> list[str]:
    # Linux SIGTERMs the child if the thread that started it dies (even by SIGKILL),
    # so an interrupted `make run` or test session leaves no orphan.
    setpriv = shutil.which("setpriv")
    if setpriv is None or threading.current_thread() is not threading.main_thread():
        return command
    return [setpriv, "--pdeathsig", "TERM", *command]


def _signal(proc: "subprocess.Popen[bytes]", sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


_LIVE: set[ServiceProcess] = set()


@atexit.register
def _stop_live() -> None:
    for service in list(_LIVE):
        service.stop(timeout=5.0)
