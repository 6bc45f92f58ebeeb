"""What a path no route matches answers: 404 in the format its API speaks, not plain text.

A relay client gets a Failure `ProfileListResponseData` (JSON), everyone else the admin
API's `{"error": ...}`; so `/api/customer/a%2Fb/heartbeat` or a profile id that is not a
number are answered like any other refusal.
"""

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from schemas import wire
from schemas.enums import ResponseStatus
from schemas.relay import ProfileListResponseData


async def not_found(request: Request, exc: Exception) -> Response:
    """The 404 (or 405) of the router, in JSON."""
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    if request.url.path.startswith("/api/customer/"):
        answer = ProfileListResponseData(
            InboundProfileList=None,
            OutboundProfileList=None,
            ResponseStatus=ResponseStatus.Failure,
            LogMessage="No such resource: the path is /api/customer/{clientId}/heartbeat.",
        )
        body = wire.encode_response(wire.Format.JSON, answer)
    else:
        body = orjson.dumps({"error": "no such resource or method"})
    return Response(body, status, None, "application/json")
