"""Run the ingress: `python -m ingest`."""

import logging

import uvicorn

from ingest.app import create_app
from ingest.settings import get_settings
from schemas.gc_tuning import tune_gc
from schemas.log_format import configure, library_level

log = logging.getLogger("ingest")


def main() -> None:
    """Serve until SIGINT/SIGTERM."""
    settings = get_settings()
    configure(settings.log_format, settings.log_level)
    # uvicorn's own lines are library lines, shown only at debug: say where it serves.
    log.info("ingress serving on http://%s:%d", settings.host, settings.port)
    app = create_app(settings)
    tune_gc()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        # The client address is the connection's: X-Forwarded-For is believed only from
        # HUB_TRUSTED_PROXIES (ingest.source), never by the server on its own.
        proxy_headers=False,
        # uvicorn sets its loggers' level itself; without log_config they go through the
        # root handler, in HUB_LOG_FORMAT.
        log_level=library_level(settings.log_level).lower(),
        log_config=None,
        # Bounded: past it, what is still open is cancelled and the producer flushed, so
        # that the pod ends well within Kubernetes' grace period (30 s in the chart).
        timeout_graceful_shutdown=int(settings.shutdown_grace_s) or None,
    )


if __name__ == "__main__":
    main()
