"""Run the ingress: `python -m ingest`."""

import logging

import uvicorn

from ingest.app import create_app
from ingest.settings import get_settings


def main() -> None:
    """Serve until SIGINT/SIGTERM."""
    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
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
    )


if __name__ == "__main__":
    main()
