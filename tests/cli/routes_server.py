"""The ingress's own routes served on loopback, with no Kafka and no worker behind them.

For the command's tests of what the ingress answers alone (a refused body): the real
handlers over real HTTP, without starting a broker.
"""

import secrets
import threading
from typing import Self

import uvicorn
from pydantic import SecretStr
from starlette.applications import Starlette

from ingest.app import ROUTES, build_services
from ingest.settings import IngestSettings
from localkafka.broker import free_port
from localkafka.stopping import Stopping
from tests.integration.pbx_helpers import wait_for


class RoutesServer(Stopping):
    """The admin API's routes on a free port; `token` opens them."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(16)
        nowhere = f"127.0.0.1:{free_port()}"
        settings = IngestSettings(
            admin_token=SecretStr(self.token),
            responder_url=f"http://{nowhere}",
            kafka_bootstrap=nowhere,
        )
        app = Starlette(routes=ROUTES)
        app.state.services = build_services(settings)
        self.url = f"http://127.0.0.1:{free_port()}"
        config = uvicorn.Config(
            app, port=int(self.url.rsplit(":", 1)[1]), lifespan="off", log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        assert wait_for(lambda: self._server.started, 30), "the routes did not start serving"
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.should_exit = True
        self._thread.join(10)
