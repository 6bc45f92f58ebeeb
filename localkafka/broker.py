"""A real single-node Apache Kafka broker (KRaft, broker and controller in one JVM).

The jars come from Maven Central through ``pom.xml`` next to this module, so a
machine needs Java 17+ and Maven, but no Docker and no Kafka tarball.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from localkafka.stopping import Stopping

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
POM = PACKAGE_DIR / "pom.xml"
LOG4J_CONFIG = PACKAGE_DIR / "log4j2.properties"
# The repository's .gitignore covers .cache/, so jars and local data never get committed.
DEFAULT_CACHE_DIR = PACKAGE_DIR.parent / ".cache"
DEFAULT_HEAP = "-Xmx768m"
DEFAULT_READY_TIMEOUT = 60.0
DEFAULT_STOP_TIMEOUT = 20.0

_COMPLETE_MARKER = ".complete"
_LOG_TAIL_LINES = 40

# Settings that do not depend on ports or folders. The partition counts of the
# internal topics are small because creating 50 partitions slows the first
# consumer group (and the first transaction) by seconds on a small machine.
_FIXED_SETTINGS: dict[str, str] = {
    "process.roles": "broker,controller",
    "node.id": "1",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "auto.create.topics.enable": "false",
    "num.partitions": "1",
    "default.replication.factor": "1",
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "4",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "transaction.state.log.num.partitions": "4",
    "share.coordinator.state.topic.replication.factor": "1",
    # Its default of 2 could never be met by a single replica.
    "share.coordinator.state.topic.min.isr": "1",
    "group.initial.rebalance.delay.ms": "0",
    # After a crash the controller keeps the dead incarnation registered until its
    # session expires (9 s by default), and the restarted broker waits for that.
    "broker.session.timeout.ms": "3000",
    "broker.heartbeat.interval.ms": "1000",
}


class LocalKafkaError(Exception):
    """Root of the errors raised by this package."""


class JarDownloadError(LocalKafkaError):
    """Maven could not fetch the broker's classpath."""


class BrokerStartError(LocalKafkaError):
    """The broker could not be formatted, exited early or did not become ready."""


def kafka_version() -> str:
    """Return the Kafka version pinned in pom.xml, the one place it is written."""
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", POM.read_text())
    if match is None:
        raise LocalKafkaError(f"no <kafka.version> property in {POM}")
    return match.group(1).strip()


def ensure_jars(cache_dir: Path = DEFAULT_CACHE_DIR) -> Path:
    """Download the broker's runtime jars unless already done; return the folder holding them."""
    version_dir = cache_dir / f"kafka-{kafka_version()}"
    libs = version_dir / "libs"
    marker = version_dir / _COMPLETE_MARKER
    # The marker records the pom it was made from, so editing the pom refetches.
    pom_digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    version_dir.mkdir(parents=True, exist_ok=True)
    # Parallel test workers on a fresh checkout would otherwise download into one folder.
    with _file_lock(version_dir / ".lock"):
        if marker.is_file() and marker.read_text().strip() == pom_digest:
            return libs
        # Without the marker, libs/ may hold a half-finished download: start over.
        marker.unlink(missing_ok=True)
        shutil.rmtree(libs, ignore_errors=True)
        _run_maven(libs)
        marker.write_text(pom_digest + "\n")
    return libs


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield  # closing the file releases the lock


def _run_maven(libs: Path) -> None:
    if shutil.which("mvn") is None:
        raise JarDownloadError("mvn is not on PATH; Maven is needed to fetch the Kafka jars")
    command = [
        "mvn", "-q", "-B", "-Dstyle.color=never", "-f", str(POM),
        "dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={libs}",
    ]  # fmt: skip
    log.info("downloading the Kafka %s jars into %s", kafka_version(), libs)
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = _last_lines(result.stdout + result.stderr)
        raise JarDownloadError(f"mvn exited with code {result.returncode}:\n{output}")
    log.info("Kafka jars ready after %.1f s", time.monotonic() - started)


def free_ports(count: int) -> list[int]:
    """Return `count` different TCP ports that are free on 127.0.0.1 right now."""
    # All sockets stay bound until every port is picked, so the ports differ.
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    return free_ports(1)[0]


def new_cluster_id() -> str:
    """Return a random cluster id in the form Kafka's Uuid.randomUuid() gives."""
    # Done here rather than by `StorageTool random-uuid` to save one JVM start.
    # Kafka redraws ids starting with '-' because command lines would take them for options.
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _java_command(libs: Path, heap: str) -> list[str]:
    return [
        "java", heap, "-XX:+ExitOnOutOfMemoryError",
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        "-cp", f"{libs}/*",  # java expands the wildcard itself; no shell involved
    ]  # fmt: skip


def _with_parent_death_signal(command: list[str]) -> list[str]:
    """Ask Linux to SIGTERM the broker if this process dies without running atexit."""
    # atexit does not run on SIGKILL or an unhandled SIGTERM. The kernel sends the
    # signal when the *thread* that started the child ends, so this is only safe
    # from the main thread, whose end is the end of the process.
    setpriv = shutil.which("setpriv")
    if setpriv is None or threading.current_thread() is not threading.main_thread():
        return command
    return [setpriv, "--pdeathsig", "TERM", *command]


def _last_lines(text: str, count: int = _LOG_TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-count:])


def _escape_property(value: str) -> str:
    # Java properties files read a backslash as the start of an escape.
    return value.replace("\\", "\\\\")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _answers_metadata(bootstrap: str) -> bool:
    """True when the broker returns metadata listing at least one live broker."""
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap, bootstrap_timeout_ms=2000, request_timeout_ms=2000
        )
    except KafkaError:
        return False
    try:
        return bool(admin.describe_cluster()["brokers"])
    except KafkaError:
        return False
    finally:
        admin.close()


def _wait_stopped(pid: int, timeout_s: float = 5.0) -> None:
    """Wait until every thread of `pid` is in the stopped state (T), bounded."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return  # gone, or not Linux: nothing to wait for
        if all(_thread_state(pid, tid) in ("T", "t", "") for tid in tids):
            return
        time.sleep(0.01)


def _thread_state(pid: int, tid: str) -> str:
    """A thread's state letter from /proc; "" once it is gone."""
    try:
        return Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    # The broker leads its own process group (start_new_session), so this reaches
    # anything it started too, and never this Python process.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


class LocalBroker(Stopping):
    """One Kafka broker+controller process on 127.0.0.1, usable as a context manager.

    State lives in `data_dir`, so `stop()`/`kill()` followed by `start()` keeps topics
    and messages. Errors are raised as `LocalKafkaError` subclasses.
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        port: int = 9092,
        controller_port: int | None = None,
        heap: str = DEFAULT_HEAP,
        libs_dir: Path | None = None,
        ready_timeout: float = DEFAULT_READY_TIMEOUT,
    ) -> None:
        self.port = port
        self.controller_port = port + 1 if controller_port is None else controller_port
        self.data_dir = data_dir.resolve()
        self.heap = heap
        self.ready_timeout = ready_timeout
        self._libs_dir = libs_dir
        self._process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def bootstrap(self) -> str:
        """The `host:port` clients connect to."""
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """The file receiving the broker's stdout and stderr (appended across restarts)."""
        return self.data_dir / "broker.log"

    @property
    def running(self) -> bool:
        """True while the broker process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        """The broker's process id (0 when it is not started)."""
        return self._process.pid if self._process else 0

    @property
    def _log_dirs(self) -> Path:
        return self.data_dir / "kafka-logs"

    def start(self) -> None:
        """Start the broker, formatting storage on first use, and wait until it serves metadata."""
        if self.running:
            raise BrokerStartError(f"the broker on {self.bootstrap} is already running")
        self._check_ports_free()
        libs = self._libs_dir or ensure_jars()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        if not (self._log_dirs / "meta.properties").is_file():
            self._format_storage(libs, config)
        started = time.monotonic()
        self._spawn(libs, config)
        try:
            self._wait_ready()
        except BaseException:
            # Includes KeyboardInterrupt: a half-started broker must not outlive us.
            self.stop()
            raise
        # The one line a start gives at INFO; the steps before it are DEBUG.
        pid = self._process.pid if self._process else None
        log.info(
            "Kafka broker ready on %s after %.1f s (pid %s; log: %s)",
            self.bootstrap,
            time.monotonic() - started,
            pid,
            self.log_path,
        )

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> None:
        """Stop the broker with SIGTERM (a clean shutdown), or SIGKILL after `timeout` seconds."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            _signal_group(process, signal.SIGCONT)  # a paused JVM would not see SIGTERM
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("Kafka broker pid %d ignored SIGTERM; killing it", process.pid)
                self.kill()
                return
        self._forget(process)

    def kill(self) -> None:
        """SIGKILL the broker at once, as a crash would (fault tests)."""
        process = self._process
        if process is None:
            return
        _signal_group(process, signal.SIGKILL)
        process.wait()
        self._forget(process)

    def pause(self) -> None:
        """SIGSTOP the broker, as a long GC pause, a disk stall or a partition would;
        returns once every one of its threads is stopped (a signal is delivered
        asynchronously: a busy machine could let a request through after it)."""
        if self._process is not None:
            _signal_group(self._process, signal.SIGSTOP)
            _wait_stopped(self._process.pid)

    def resume(self) -> None:
        """SIGCONT a paused broker."""
        if self._process is not None:
            _signal_group(self._process, signal.SIGCONT)

    def restart(self) -> None:
        """Stop the broker cleanly and start it again on the same data folder."""
        self.stop()
        self.start()

    def wait(self) -> int:
        """Block until the broker process exits on its own; return its exit code."""
        if self._process is None:
            raise LocalKafkaError("the broker is not started")
        return self._process.wait()

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """Return the last lines the broker wrote since its latest start."""
        try:
            with self.log_path.open("rb") as handle:
                handle.seek(self._log_offset)
                text = handle.read().decode(errors="replace")
        except FileNotFoundError:
            return "(no broker log)"
        return _last_lines(text, lines)

    def __enter__(self) -> LocalBroker:
        self.start()
        return self

    def _check_ports_free(self) -> None:
        # Otherwise the readiness probe could talk to whatever holds the port, and the
        # real cause would only show in the broker's log.
        for port in (self.port, self.controller_port):
            if _port_open(port):
                raise BrokerStartError(f"port {port} on 127.0.0.1 is already in use")

    def _settings(self) -> dict[str, str]:
        controller = f"127.0.0.1:{self.controller_port}"
        return {
            **_FIXED_SETTINGS,
            # Static voters: formatting needs no --standalone and the quorum is just us.
            "controller.quorum.voters": f"1@{controller}",
            "listeners": f"PLAINTEXT://{self.bootstrap},CONTROLLER://{controller}",
            "advertised.listeners": f"PLAINTEXT://{self.bootstrap}",
            "log.dirs": str(self._log_dirs),
        }

    def _write_config(self) -> Path:
        # Rewritten on every start, so the same data folder can come back on other ports.
        path = self.data_dir / "server.properties"
        lines = [f"{key}={_escape_property(value)}" for key, value in self._settings().items()]
        path.write_text("\n".join(lines) + "\n")
        return path

    def _cluster_id(self) -> str:
        # Kept beside the data so a format interrupted half-way is redone with the same id.
        path = self.data_dir / "cluster.id"
        if path.is_file():
            return path.read_text().strip()
        cluster_id = new_cluster_id()
        path.write_text(cluster_id + "\n")
        return cluster_id

    def _format_storage(self, libs: Path, config: Path) -> None:
        command = [
            *_java_command(libs, "-Xmx256m"), "kafka.tools.StorageTool",
            "format", f"--cluster-id={self._cluster_id()}", "--ignore-formatted", "-c", str(config),
        ]  # fmt: skip
        log.debug("formatting Kafka storage in %s", self._log_dirs)
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            output = _last_lines(result.stdout + result.stderr)
            raise BrokerStartError(
                f"formatting storage failed (exit {result.returncode}):\n{output}"
            )

    def _spawn(self, libs: Path, config: Path) -> None:
        command = _with_parent_death_signal(
            [*_java_command(libs, self.heap), "kafka.Kafka", str(config)]
        )
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as output:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                # Its own process group: Ctrl-C in a terminal reaches only Python, which
                # then stops the broker cleanly, and stop()/kill() can signal the group.
                start_new_session=True,
            )
        _LIVE_BROKERS.add(self)
        log.debug(
            "Kafka broker pid %d starting on %s; log: %s",
            self._process.pid,
            self.bootstrap,
            self.log_path,
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            process = self._process
            if process is None or process.poll() is not None:
                code = None if process is None else process.returncode
                raise BrokerStartError(
                    f"the Kafka broker exited (code {code}) before it was ready; "
                    f"{self.log_path} ends with:\n{self.log_tail()}"
                )
            # The cheap port check first keeps kafka-python from logging failed bootstraps.
            if _port_open(self.port) and _answers_metadata(self.bootstrap):
                return
            time.sleep(0.2)
        raise BrokerStartError(
            f"the Kafka broker was not ready after {self.ready_timeout:.0f} s; "
            f"{self.log_path} ends with:\n{self.log_tail()}"
        )

    def _forget(self, process: subprocess.Popen[bytes]) -> None:
        # 143 is the JVM's own exit code after it handled SIGTERM (128 + 15).
        if process.returncode not in (0, 143, -signal.SIGTERM, -signal.SIGKILL):
            log.warning(
                "Kafka broker exited with code %s; see %s", process.returncode, self.log_path
            )
        self._process = None
        _LIVE_BROKERS.discard(self)


_LIVE_BROKERS: set[LocalBroker] = set()


@atexit.register
def _stop_live_brokers() -> None:
    # A test session or `make run` that ends without stop() must not leave a JVM behind.
    for broker in list(_LIVE_BROKERS):
        broker.stop(timeout=5.0)
