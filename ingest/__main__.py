"""Run the ingress: `python -m ingest`."""

import logging

import uvicorn

from ingest.app import create_app
from ingest.settings import get_settings
from schemas.log_format import configure


def main() -> None:
    """Serve until SIGINT/SIGTERM."""
    settings = get_settings()
    configure(settings.log_format, "info")
    # kafka-python logs every connection at INFO; its warnings are what an operator needs.
    logging.getLogger("kafka").setLevel(logging.WARNING)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="info",
        log_config=None,  # uvicorn's loggers go through the root handler, in HUB_LOG_FORMAT
        # Bounded: past it, what is still open is cancelled and the producer flushed, so
        # that the pod ends well within Kubernetes' grace period (30 s in the chart).
        timeout_graceful_shutdown=int(settings.shutdown_grace_s) or None,
    )


if __name__ == "__main__":
    main()
