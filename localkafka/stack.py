"""`make run`: the whole hub on one machine, on its embedded defaults.

Starts a local single-node Kafka broker (KRaft), creates the topics, then runs a
processor worker and the HTTP ingress as child processes. Ctrl-C (or SIGTERM) stops
every process it started, the broker last. Set `HUB_KAFKA_BOOTSTRAP` to use a broker
that already runs instead; set `HUB_ADMIN_TOKEN` to choose the admin token.

The terminal shows a line per process started, the banner, then what happens (alert
mails, the demo PBX's calls, the hub's own INFO lines); the libraries' chatter only with
`HUB_LOG_LEVEL=debug`, which every child process inherits.
"""

import logging
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from localkafka.broker import DEFAULT_CACHE_DIR, LocalBroker, LocalKafkaError
from localkafka.demo import Demo
from localkafka.hub import LOCAL_DENY
from localkafka.process import ServiceProcess, wait_http
from processors.create_topics import ensure_topics
from processors.runtime.logs import pin_library_levels
from schemas.settings import KafkaSettings

log = logging.getLogger("hub")
RUN_DIR = DEFAULT_CACHE_DIR / "run"
READY_TIMEOUT = 120.0
LOCAL_SMTP_PORT = 8025


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _smtp(env: dict[str, str]) -> list[ServiceProcess]:
    """Without a configured SMTP server, a local one that prints every alert it receives."""
    if os.environ.get("HUB_SMTP_HOST"):
        return []
    env.update(HUB_SMTP_HOST="127.0.0.1", HUB_SMTP_PORT=str(LOCAL_SMTP_PORT))
    # aiosmtpd says nothing when it starts: this is its line.
    log.info("local SMTP server on 127.0.0.1:%d prints every alert mail here", LOCAL_SMTP_PORT)
    args = ("-n", "-c", "aiosmtpd.handlers.Debugging", "-l", f"127.0.0.1:{LOCAL_SMTP_PORT}")
    return [ServiceProcess("smtp", "aiosmtpd", {}, args=args)]


def _services(env: dict[str, str], demo: Demo) -> list[ServiceProcess]:
    # Output goes to this terminal, so a newcomer sees every process's log in one place.
    smtp = _smtp(env)
    return [
        *smtp,
        demo.simulator(),
        demo.receiver(),
        ServiceProcess("worker", "processors", {**env, "HUB_DATA_DIR": str(RUN_DIR / "worker")}),
        ServiceProcess("ingress", "ingest", env),
        ServiceProcess(
            "email-sink", "sinks.email", {**env, "HUB_EMAIL_DATA_DIR": str(RUN_DIR / "email")}
        ),
        ServiceProcess("sql-sink", "sinks.sql", env),
    ]


def _banner(settings: KafkaSettings, token: str, env: dict[str, str], demo: Demo) -> str:
    ingress = f"http://{env.get('HUB_HOST', '127.0.0.1')}:{env.get('HUB_PORT', '8080')}"
    smtp = f"{_env('HUB_SMTP_HOST', env, 'localhost')}:{_env('HUB_SMTP_PORT', env, '25')}"
    return "\n".join(
        [
            "",
            "Heartbeat hub is running:",
            f"  relay API    {ingress}/api/customer/{{clientId}}/heartbeat",
            f"  admin API    {ingress}/admin/customers/{{clientId}}",
            f"  admin token  {token}",
            f"  responder    {env['HUB_RESPONDER_URL']} (worker)",
            f"  alerts       SMTP {smtp}",
            f"  SQL          {os.environ.get('HUB_DATABASE_URL', 'sqlite:///.cache/hub.db')}",
            f"  Kafka        {settings.kafka_bootstrap} (topics '{settings.topic_prefix}*')",
            *demo.banner(),
            "Ctrl-C stops everything.",
            "",
        ]
    )


def _ingress_url() -> str:
    return f"http://127.0.0.1:{os.environ.get('HUB_PORT', '8080')}"


def _env(name: str, env: dict[str, str], default: str) -> str:
    return env.get(name) or os.environ.get(name) or default


def _watch(services: list[ServiceProcess]) -> int:
    while True:
        for service in services:
            if not service.running:
                log.error("%s exited; stopping the hub", service.name)
                return 1
        time.sleep(0.5)


def _secret_key_file() -> Path:
    """The demo's secret key, made once: PBX event URLs stay the same across runs."""
    path = RUN_DIR / "secret-key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path


def _run(broker: LocalBroker | None) -> int:
    token = os.environ.get("HUB_ADMIN_TOKEN") or secrets.token_urlsafe(24)
    settings = KafkaSettings()
    if broker is not None:
        settings = settings.model_copy(update={"kafka_bootstrap": broker.bootstrap})
    ensure_topics(settings)
    env = {
        "HUB_ADMIN_TOKEN": token,
        "HUB_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "HUB_SECRET_KEY_FILE": str(_secret_key_file()),
        # Everything runs on this machine: PBX API callbacks to loopback are allowed.
        "HUB_PBX_DENY_NETWORKS": os.environ.get("HUB_PBX_DENY_NETWORKS", LOCAL_DENY),
        "HUB_PUBLIC_URL": os.environ.get("HUB_PUBLIC_URL", _ingress_url()),
        # On disk in the run folder: a restart reads its own state instead of replaying
        # every changelog (4 s against 42 s at 50,000 customers; README, Scaling).
        "HUB_TABLE_STORE": os.environ.get("HUB_TABLE_STORE", "rocksdb://"),
    }
    demo = Demo.new()
    env.setdefault(
        "HUB_RESPONDER_URL", os.environ.get("HUB_RESPONDER_URL", "http://127.0.0.1:6066")
    )
    services = _services(env, demo)
    try:
        for service in services:
            service.start()
        wait_http(f"{env['HUB_RESPONDER_URL']}/hub/ready", READY_TIMEOUT)
        wait_http(f"{_ingress_url()}/readyz", READY_TIMEOUT)
        demo.configure(_ingress_url(), token)
        print(_banner(settings, token, env, demo), flush=True)
        return _watch(services)
    finally:
        _stop(services)


def _stop(services: list[ServiceProcess]) -> None:
    """Stop every service, the last started first, then (after this) the broker.

    A second signal must not cut this short: make forwards its SIGTERM to this process,
    and Ctrl-C is often pressed twice. The broker would then stop before the workers,
    which log hundreds of connection errors. Each stop is bounded (SIGKILL after it).
    """
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    for service in reversed(services):
        service.stop()


def _configure_logging() -> None:
    """Its own lines short; the libraries (and so every child's) quiet unless debug."""
    level = os.environ.get("HUB_LOG_LEVEL", "info")
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(name)s %(message)s")
    pin_library_levels(level)


def main() -> int:
    """Run until interrupted; returns the exit code."""
    _configure_logging()
    signal.signal(signal.SIGTERM, _interrupt)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    try:
        if os.environ.get("HUB_KAFKA_BOOTSTRAP"):
            return _run(None)
        with LocalBroker(data_dir=RUN_DIR / "kafka") as broker:
            return _run(broker)
    except KeyboardInterrupt:
        log.info("stopped")
        return 0
    except (LocalKafkaError, TimeoutError) as e:
        log.error("%s", e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
