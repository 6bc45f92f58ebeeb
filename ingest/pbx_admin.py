"""Admin API of PBXes: `/admin/customers/{clientId}/pbxes/{pbxId}` and its API users."""

import asyncio
import re
import secrets

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ingest import pbx_records
from ingest.admin import AdminProblem, parse
from ingest.errors import ResponderUnavailable
from ingest.services import Services
from schemas import internal_api as api
from schemas.pbx import PBX_ID, USERNAME, ApiUserBody, PbxConfig, PbxView
from schemas.pbx_secrets import hash_password, md5_hex
from schemas.pbx_topics import PbxDeleted, PbxUpserted, PbxUserSet, UserClaimed, UserReleased

PBX_RE = re.compile(PBX_ID)
USER_RE = re.compile(USERNAME)


def pbx_address(request: Request) -> tuple[str, str]:
    pbx = request.path_params["pbxId"]
    if not PBX_RE.fullmatch(pbx):
        raise AdminProblem(400, "pbxId must be 1 to 64 of A-Z a-z 0-9 . _ -")
    return request.path_params["clientId"], pbx


def _username(request: Request) -> str:
    name = request.path_params["username"]
    if not USER_RE.fullmatch(name):
        raise AdminProblem(400, "username must be 1 to 64 of A-Z a-z 0-9 . _ @ -")
    return str(name)


async def fetch_view(services: Services, cid: str, pbx: str) -> PbxView | None:
    """The PBX as its owner holds it, after every acknowledged write."""
    path = api.path(api.PBX, client_id=cid, pbx_id=pbx)
    body = await services.responder.found(cid, path)
    return None if body is None else PbxView.model_validate_json(body)


async def require_pbx(services: Services, cid: str, pbx: str) -> PbxView:
    found = await fetch_view(services, cid, pbx)
    if found is None:
        raise AdminProblem(404, f"customer '{cid}' has no PBX '{pbx}'")
    return found


async def sessions_ended(services: Services, cid: str, pbx: str) -> PbxView | None:
    """The PBX once its owner folded every write, and this ingress's live tokens show it:
    the next heartbeat here of a session the write ended is refused."""
    view = await fetch_view(services, cid, pbx)
    await services.live_tokens.caught_up(cid, services.settings.apply_wait_s)
    return view


def _view(view: PbxView, status: int = 200) -> Response:
    return Response(view.model_dump_json().encode(), status, None, "application/json")


async def put_pbx(request: Request, services: Services) -> Response:
    """Create or change a PBX of an existing customer."""
    cid, pbx = pbx_address(request)
    config = await parse(request, services, PbxConfig)
    await services.responder.customer(cid)  # UnknownClient: 404
    record = PbxUpserted(
        client_id=cid,
        pbx_id=pbx,
        config=config,
        nonce=secrets.token_hex(16),
        at=services.clock.now(),
    )
    await pbx_records.publish(services, record)
    return _view(await require_pbx(services, cid, pbx))


async def get_pbx(request: Request, services: Services) -> Response:
    """The PBX, its event URL, API users and sessions."""
    return _view(await require_pbx(services, *pbx_address(request)))


async def delete_pbx(request: Request, services: Services) -> Response:
    """Remove a PBX: its users are released and its sessions end."""
    cid, pbx = pbx_address(request)
    view = await require_pbx(services, cid, pbx)
    now = services.clock.now()
    for user in view.ApiUsers:
        await pbx_records.publish(
            services, UserReleased(username=user, client_id=cid, pbx_id=pbx, at=now)
        )
    await pbx_records.publish(services, PbxDeleted(client_id=cid, pbx_id=pbx, at=now))
    await sessions_ended(services, cid, pbx)
    return Response(status_code=204)


async def put_api_user(request: Request, services: Services) -> Response:
    """Create an API user, or change its password; 409 if another PBX has the name."""
    cid, pbx = pbx_address(request)
    username = _username(request)
    body = await parse(request, services, ApiUserBody)
    await require_pbx(services, cid, pbx)
    stored = await asyncio.to_thread(hash_password, md5_hex(body.Password))
    now = services.clock.now()
    claim = UserClaimed(username=username, client_id=cid, pbx_id=pbx, password_hash=stored, at=now)
    await pbx_records.publish(services, claim)
    if await _holder(services, username) != (cid, pbx):
        raise AdminProblem(409, f"username '{username}' belongs to another PBX")
    user = PbxUserSet(client_id=cid, pbx_id=pbx, username=username, present=True, at=now)
    await pbx_records.publish(services, user)
    return _view(await require_pbx(services, cid, pbx))


async def _holder(services: Services, username: str) -> tuple[str, str] | None:
    path = api.path(api.PBX_USER, username=username)
    status, body = await services.responder.call("GET", username, path)
    if status == 404:
        return None
    if status != 200:
        raise ResponderUnavailable(f"worker answered {status}")
    doc = orjson.loads(body)
    return doc["clientId"], doc["pbxId"]


async def delete_api_user(request: Request, services: Services) -> Response:
    """Remove an API user; its sessions end."""
    cid, pbx = pbx_address(request)
    username = _username(request)
    view = await require_pbx(services, cid, pbx)
    if username not in view.ApiUsers:
        raise AdminProblem(404, f"PBX '{pbx}' has no API user '{username}'")
    now = services.clock.now()
    await pbx_records.publish(
        services, UserReleased(username=username, client_id=cid, pbx_id=pbx, at=now)
    )
    gone = PbxUserSet(client_id=cid, pbx_id=pbx, username=username, present=False, at=now)
    await pbx_records.publish(services, gone)
    after = await sessions_ended(services, cid, pbx)
    if after is None:
        raise AdminProblem(404, f"customer '{cid}' has no PBX '{pbx}'")
    return _view(after)
