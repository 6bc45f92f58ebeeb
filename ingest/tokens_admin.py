"""`/admin/tokens`: scoped admin tokens, managed with the operator token only.

`POST` creates one and answers it once (201, `Token`); only its SHA-256 is kept.
`GET /admin/tokens/{id}` shows its name, customers and access; `DELETE` revokes it
at once. A scoped token is refused here (403): these routes name no customer.
"""

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ingest.admin import AdminProblem, parse, publish
from ingest.services import Services
from schemas import internal_api as api
from schemas.admin_tokens import ID_RE, AdminToken, AdminTokenSet, TokenBody, new_token, view
from schemas.secret_hash import secret_hash


async def post_token(request: Request, services: Services) -> Response:
    """A new scoped token."""
    body: TokenBody = await parse(request, services, TokenBody)
    tid, token = new_token()
    stored = AdminToken(
        id=tid,
        name=body.Name,
        client_ids=sorted(set(body.ClientIds)),
        access=body.Access,
        created=services.clock.now(),
        token_hash=secret_hash(token),
    )
    await publish(services, AdminTokenSet(client_id=tid, token=stored, at=stored.created))
    return Response(orjson.dumps({**view(stored), "Token": token}), 201, None, "application/json")


async def get_token(request: Request, services: Services) -> Response:
    """A token's name, customers and access."""
    found = await _found(services, request.path_params["tokenId"])
    return Response(orjson.dumps(view(found)), 200, None, "application/json")


async def delete_token(request: Request, services: Services) -> Response:
    """Revoke a token."""
    tid = request.path_params["tokenId"]
    await _found(services, tid)
    await publish(services, AdminTokenSet(client_id=tid, token=None, at=services.clock.now()))
    return Response(status_code=204)


async def _found(services: Services, tid: str) -> AdminToken:
    if ID_RE.fullmatch(tid) is None:
        raise AdminProblem(404, f"no token '{tid[:20]}'")
    body = await services.responder.found(
        tid, api.path(api.ADMIN_TOKEN, client_id=tid), ok=(200, 202)
    )
    if body is None:
        raise AdminProblem(404, f"no token '{tid}'")
    return AdminToken.model_validate_json(body)
