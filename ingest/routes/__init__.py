"""Every operation of the ingress, declared once, a module per feature.

`OPERATIONS` is the whole table: `ingest.app` routes it (`ingest.operation.routes`) and
`ingest.openapi` describes it, so the document cannot leave out a route nor describe
one that is not served. The relay and PBX heartbeats are taken before the router by
`ingest.fast_paths`, on the same templates.
"""

from typing import Final

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ingest import openapi
from ingest.operation import Operation
from ingest.routes import (
    access,
    channels,
    customers,
    docs,
    health,
    orders,
    pbx_admin,
    pbx_api,
    pbx_events,
    probes,
    relay,
)


async def serve_document(request: Request) -> Response:
    """The document: the same bytes every time."""
    return Response(DOCUMENT_JSON, 200, {"Cache-Control": "no-cache"}, "application/json")


OPERATIONS: Final[tuple[Operation, ...]] = (
    *relay.OPERATIONS,
    *customers.OPERATIONS,
    *orders.OPERATIONS,
    *health.OPERATIONS,
    *probes.OPERATIONS,
    *access.OPERATIONS,
    *channels.OPERATIONS,
    *pbx_admin.OPERATIONS,
    *pbx_api.OPERATIONS,
    *pbx_events.OPERATIONS,
    *docs.operations(serve_document),
)


DOCUMENT: Final = openapi.document(OPERATIONS)
DOCUMENT_JSON: Final = orjson.dumps(DOCUMENT)
