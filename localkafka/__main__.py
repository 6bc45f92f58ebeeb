"""`python -m localkafka`: run a broker in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from localkafka.broker import (
    DEFAULT_CACHE_DIR,
    DEFAULT_HEAP,
    LocalBroker,
    LocalKafkaError,
    ensure_jars,
    kafka_version,
)

log = logging.getLogger("localkafka")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m localkafka", description=__doc__)
    parser.add_argument("--port", type=int, default=9092, help="client port (default 9092)")
    parser.add_argument(
        "--controller-port", type=int, default=None, help="KRaft controller port (default port+1)"
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_CACHE_DIR / "kafka-data",
        help="data folder, kept between runs (default .cache/kafka-data)",
    )  # fmt: skip
    parser.add_argument("--heap", default=DEFAULT_HEAP, help=f"JVM heap option ({DEFAULT_HEAP})")
    parser.add_argument(
        "--fetch-only", action="store_true", help="download the broker's jars, then exit"
    )
    return parser.parse_args(argv)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _fetch_jars() -> int:
    try:
        libs = ensure_jars()
    except LocalKafkaError as e:
        log.error("%s", e)
        return 1
    log.info("Kafka %s jars are in %s", kafka_version(), libs)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the broker until interrupted; return the process exit code."""
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # kafka-python narrates every connection of the readiness probe at INFO.
    logging.getLogger("kafka").setLevel(logging.WARNING)
    # SIGTERM (docker stop, kill, make) takes the same clean path as Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    if args.fetch_only:
        return _fetch_jars()
    broker = LocalBroker(
        data_dir=args.data, port=args.port, controller_port=args.controller_port, heap=args.heap
    )
    try:
        with broker:
            log.info(
                "Kafka %s listening on %s (data in %s); Ctrl-C stops it",
                kafka_version(), broker.bootstrap, broker.data_dir,
            )  # fmt: skip
            code = broker.wait()
            log.error("the broker exited by itself (code %d); see %s", code, broker.log_path)
            return 1
    except KeyboardInterrupt:
        log.info("broker on %s stopped", broker.bootstrap)
        return 0
    except LocalKafkaError as e:
        log.error("%s", e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
