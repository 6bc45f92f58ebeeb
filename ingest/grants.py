"""What an admin request's bearer token may do: everything (the operator's), or a scope.

Scoped tokens (`schemas.admin_tokens`) read, or read and write, only the customers
they name. Their record is asked of the worker holding it on each request, so a
revoked token is refused at once; the operator token is compared in place.
"""

import hmac
from dataclasses import dataclass

from starlette.requests import Request

from ingest.services import Services
from schemas import internal_api as api
from schemas.admin_tokens import AdminToken, matches, token_id

READS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class Grant:
    """The operator (`client_ids` None), or customers and whether writes are allowed."""

    client_ids: frozenset[str] | None
    write: bool

    def allows(self, request: Request) -> bool:
        """Whether the route and method are inside this grant."""
        if self.client_ids is None:
            return True
        cid = request.path_params.get("clientId")
        if cid is None or cid not in self.client_ids:
            return False  # another customer's, or no customer's (import, tokens)
        return self.write or request.method in READS


OPERATOR = Grant(client_ids=None, write=True)


def bearer(request: Request) -> str | None:
    """The bearer token of the request, if any."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return given.strip() if scheme.lower() == "bearer" and given.strip() else None


async def grant_of(request: Request, services: Services) -> Grant | None:
    """The request's grant; None when its token is missing, unknown or wrong."""
    given = bearer(request)
    if given is None:
        return None
    operator = services.admin_token
    if operator and hmac.compare_digest(given.encode(), operator.encode()):
        return OPERATOR
    tid = token_id(given)
    if tid is None:
        return None
    stored = await _stored(services, tid)
    if stored is None or not matches(given, stored):
        return None
    return Grant(client_ids=frozenset(stored.client_ids), write=stored.access == "write")


async def _stored(services: Services, tid: str) -> AdminToken | None:
    body = await services.responder.found(
        tid, api.path(api.ADMIN_TOKEN, client_id=tid), ok=(200, 202)
    )
    return None if body is None else AdminToken.model_validate_json(body)
