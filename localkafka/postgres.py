"""A real PostgreSQL server for tests and benchmarks, from Debian's packages.

`ensure_postgres()` uses the server that answers on the default port, or installs
Debian's `postgresql` package, starts its cluster and creates the test role and
database (all idempotent). `stop_postgres()` and `start_postgres()` take the server
down and back up, for outage tests. Provisioning needs root (as on CI), or a server
where the test role already exists.

Every function takes the server's port: `OUTAGE_PORT` is a second cluster of its own
(created on first use), which the outage tests and the fault suite stop and start, so
that the tests on the shared server can run beside them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from localkafka import debian
from localkafka.broker import DEFAULT_CACHE_DIR, LocalKafkaError, _file_lock

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
PORT = 5432
OUTAGE_PORT = 5433
"""A cluster only the outage tests and the fault suite use: they stop it."""
ROLE = "hub"
PASSWORD = "hub"  # noqa: S105  (a throwaway role of the test server, on loopback only)
DATABASE = "hub_test"
READY_TIMEOUT_S = 60.0
_LOCK = DEFAULT_CACHE_DIR / "postgres.lock"


class PostgresError(LocalKafkaError):
    """PostgreSQL could not be installed, started, stopped or provisioned."""


@dataclass(frozen=True, slots=True)
class Cluster:
    """One Debian cluster, as `pg_lsclusters` lists it."""

    version: str
    name: str
    port: int
    online: bool


def url(database: str = DATABASE, port: int = PORT) -> str:
    """The SQLAlchemy URL of a database on the test server, as the test role."""
    return f"postgresql+psycopg://{ROLE}:{PASSWORD}@{HOST}:{port}/{database}"


def ensure_postgres(port: int = PORT) -> str:
    """Return the URL of a ready server with the test role and database; start one if needed."""
    _LOCK.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(_LOCK):
        if not _answers(port):
            _start_cluster(_cluster_or_install(port))
        if not _can_log_in(port):
            _provision(port)
    return url(port=port)


def stop_postgres(port: int = PORT) -> None:
    """Stop the server on `port` (fast shutdown: clients are disconnected)."""
    cluster = _find_cluster(port)
    if cluster is None:
        raise PostgresError(f"no Debian cluster on port {port}; cannot stop the server")
    _run(["pg_ctlcluster", cluster.version, cluster.name, "stop", "-m", "fast"])
    _wait(lambda: not _answers(port), "stop")


def start_postgres(port: int = PORT) -> None:
    """Start the server on `port` again and wait until it answers."""
    cluster = _find_cluster(port)
    if cluster is None:
        raise PostgresError(f"no Debian cluster on port {port}; cannot start the server")
    _start_cluster(cluster)


def create_database(prefix: str = "hub_t", port: int = PORT) -> str:
    """Create an empty database owned by the test role; return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with _admin_connection(port) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url(name, port)


def drop_database(database_url: str, attempts: int = 20) -> None:
    """Drop a database made by `create_database`, closing its connections first.

    FORCE cannot end a backend of another role: the server's own autovacuum worker,
    which may be vacuuming a freshly used database. It ends by itself within moments,
    so the drop is tried again for a while.
    """
    name = database_url.rsplit("/", 1)[1]
    port = urlsplit(database_url).port or PORT
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    for attempt in range(attempts):
        try:
            with _admin_connection(port) as conn:
                conn.execute(drop)
            return
        except psycopg.errors.InsufficientPrivilege:
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)


@contextlib.contextmanager
def _admin_connection(port: int) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    conninfo = f"host={HOST} port={port} user={ROLE} password={PASSWORD} dbname={DATABASE}"
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        yield conn


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((HOST, port)) == 0


def _can_log_in(port: int) -> bool:
    try:
        with _admin_connection(port):
            return True
    except psycopg.Error:
        return False


def _cluster_or_install(port: int) -> Cluster:
    debian.ensure_packages(
        ["postgresql"],
        installed=lambda: shutil.which("pg_lsclusters") is not None,
        error=PostgresError,
    )
    cluster = _find_cluster(port)
    if cluster is None:
        cluster = _create_cluster(port)
    return cluster


def _find_cluster(port: int) -> Cluster | None:
    if shutil.which("pg_lsclusters") is None:
        return None
    out = _run(["pg_lsclusters", "--no-header"])
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == str(port):
            return Cluster(fields[0], fields[1], port, fields[3].startswith("online"))
    return None


def _create_cluster(port: int) -> Cluster:
    versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda p: int(p.name))
    if not versions:
        raise PostgresError("postgresql is installed but no server version was found")
    version = versions[-1].name
    name = "main" if port == PORT else f"hub{port}"
    _run(["pg_createcluster", version, name, "--port", str(port)])
    return Cluster(version, name, port, online=False)


def _start_cluster(cluster: Cluster) -> None:
    started = time.monotonic()
    if not _answers(cluster.port):
        _run(["pg_ctlcluster", cluster.version, cluster.name, "start"], timeout=READY_TIMEOUT_S)
    _wait(lambda: _can_connect(cluster.port), "start")
    log.info("PostgreSQL %s ready after %.1f s", cluster.version, time.monotonic() - started)


def _can_connect(port: int) -> bool:
    # Any answer from the server counts, a refused login included: it is accepting.
    try:
        with psycopg.connect(f"host={HOST} port={port} dbname=postgres", connect_timeout=2):
            return True
    except psycopg.OperationalError as e:
        return _answers(port) and "starting up" not in str(e) and "shutting down" not in str(e)


def _provision(port: int) -> None:
    """Create the test role and database as the postgres superuser (needs root)."""
    create_role = f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
            CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}';
        ELSE
            ALTER ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}';
        END IF;
    END $$;"""
    _superuser_sql(create_role, port)
    # Constants of this module, not input: nothing to inject.
    exists = _superuser_sql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'", port)  # noqa: S608
    if exists.strip() != "1":
        _superuser_sql(f"CREATE DATABASE {DATABASE} OWNER {ROLE}", port)
    if not _can_log_in(port):
        raise PostgresError(
            f"role {ROLE!r} cannot log in to {HOST}:{port}; check pg_hba.conf allows password "
            "logins on loopback"
        )


def _superuser_sql(statement: str, port: int) -> str:
    psql = ["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-p", str(port), "-c", statement]
    if os.geteuid() == 0:
        return _run(["runuser", "-u", "postgres", "--", *psql])
    raise PostgresError(
        f"the test role {ROLE!r} does not exist and creating it needs root (run as root, or "
        f"create role {ROLE} with password {PASSWORD!r} and CREATEDB, and database {DATABASE})"
    )


def _run(command: list[str], *, timeout: float = 120) -> str:
    return debian.run(command, error=PostgresError, timeout=timeout)


def _wait(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise PostgresError(f"PostgreSQL did not {what} within {READY_TIMEOUT_S:.0f} s")


def main() -> None:
    """`python -m localkafka.postgres`: make sure the test server runs; print its URL."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    started = time.monotonic()
    database_url = ensure_postgres()
    log.info("PostgreSQL test server ready in %.1f s", time.monotonic() - started)
    print(database_url)


if __name__ == "__main__":
    main()
