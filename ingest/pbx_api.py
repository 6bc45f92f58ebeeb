"""The PBX API at the root: `/api/v2.0.0/login`, `heartbeat` and `logout`, and event reports.

The ingress reads and checks each call's fields (every errno that needs no state).
A heartbeat it answers alone, from its replica of the live tokens
(`ingest.pbx_heartbeat`). For the rest it asks the workers that hold the state: the
source address's owner for its lock, the username's owner for the password, the PBX's
owner to open the session; the token's owner for logouts. A login and a logout answer
once this ingress's live tokens show them, so the next heartbeat here does too. Every
answer is HTTP 200 with the page's JSON, except when Kafka or the workers cannot take
the call (503, errno 30001).
"""

import logging

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ingest import pbx_heartbeat, pbx_records
from ingest.body import read_bounded
from ingest.errors import BodyTooLarge, BrokerUnavailable, ResponderUnavailable
from ingest.services import Services
from ingest.source import source_address
from schemas import internal_api as api
from schemas.pbx_callback import denied_url
from schemas.pbx_errno import SUCCESS, Errno, PbxFailure, failed
from schemas.pbx_requests import LoginRequest, complete, heartbeat_request, login_request, url_of
from schemas.pbx_secrets import is_md5_hex
from schemas.pbx_topics import LoginAttempt

log = logging.getLogger(__name__)
MAX_CALL_BYTES = 65_536
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS, PUT, DELETE",
}
CALLS = ("login", "heartbeat", "logout")
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def answer(body: bytes, status: int = 200) -> Response:
    """A PBX API answer: JSON with the PBX's permissive CORS headers."""
    headers = {**CORS, "Retry-After": "1"} if status == 503 else CORS
    return Response(body, status, headers, "application/json")


def unavailable(e: Exception) -> Response:
    """Kafka or the workers did not take the call: the client tries again."""
    log.warning("PBX API call not recorded: %s", e)
    return answer(failed(Errno.API_ERROR), 503)


async def pbx_call(request: Request) -> Response:
    """Any method on `/api/v2.0.0/{call}`: 20001 unless POST, 10003 for an unknown call."""
    services: Services = request.app.state.services
    if request.method != "POST":
        return answer(failed(Errno.NOT_POST))
    call = request.path_params["call"]
    if call not in CALLS:
        return answer(failed(Errno.UNSUPPORTED_REQUEST))
    if not services.gate.enter():
        return answer(failed(Errno.API_ERROR), 503)
    try:
        return await _call(request, services, call)
    finally:
        services.gate.leave()


async def _call(request: Request, services: Services, call: str) -> Response:
    try:
        body = await read_bounded(request, MAX_CALL_BYTES)
        if call == "login":
            return answer(await login(request, services, login_request(body)))
        token = _token(request)
        if call == "heartbeat":
            return answer(await pbx_heartbeat.heartbeat(services, token, heartbeat_request(body)))
        return answer(await _logout(services, token))
    except BodyTooLarge:
        return answer(failed(Errno.NOT_JSON))
    except PbxFailure as f:
        return answer(failed(f.errno))
    except (BrokerUnavailable, ResponderUnavailable) as e:
        return unavailable(e)


def _token(request: Request) -> str:
    token = request.query_params.get("token", "").strip()
    if not token:
        raise PbxFailure(Errno.TOKEN_BLANK)
    if not is_md5_hex(token):
        raise PbxFailure(Errno.NO_SUCH_TOKEN)  # never issued: tokens are 32 lowercase hex
    return token


async def _logout(services: Services, token: str) -> bytes:
    """Asked of the token's owner; answered once this ingress's live tokens lost it."""
    status, got = await services.responder.call(
        "POST", token, api.path(api.PBX_LOGOUT, token=token), b"{}"
    )
    if status != 200:
        raise ResponderUnavailable(f"worker answered {status}")
    if got == SUCCESS:
        await _shown(services, token, present=False)
    return got


async def _shown(services: Services, token: str, *, present: bool) -> None:
    """Wait (bounded) until this ingress's live tokens show the login or logout."""
    wait = services.settings.apply_wait_s
    if not await services.live_tokens.shown(token, present=present, timeout_s=wait):
        what = "login" if present else "logout"
        log.warning("the live tokens do not show a %s after %.1f s", what, wait)


async def login(request: Request, services: Services, req: LoginRequest) -> bytes:
    """Lock, password, session: each asked of the worker that holds it."""
    source = source_address(request, services.settings.proxies())
    failures = await _failures_or_locked(services, source)
    owner = await _verify(services, req.username, req.password)
    now = services.clock.now()
    if owner is None:
        await pbx_records.publish(services, LoginAttempt(address=source, ok=False, at=now))
        raise PbxFailure(Errno.BAD_CREDENTIALS)
    callback = complete(req.callback, source)
    if denied_url(url_of(callback), services.settings.denied()):
        raise PbxFailure(Errno.WRONG_PORT)
    token = await _open(services, owner, req.username, callback.model_dump_json().encode())
    await _shown(services, token, present=True)
    if failures:
        await pbx_records.publish(services, LoginAttempt(address=source, ok=True, at=now))
    return orjson.dumps({"status": "Success", "token": token, "transport": "HTTP"})


async def _failures_or_locked(services: Services, source: str) -> int:
    status, body = await services.responder.call(
        "GET", source, api.path(api.PBX_LOCK, address=source)
    )
    doc = orjson.loads(body)
    if status != 200:
        raise ResponderUnavailable(f"lock check answered {status}")
    if doc["locked"]:
        raise PbxFailure(Errno.LOCKED)
    return int(doc["failures"])


async def _verify(services: Services, username: str, password: str) -> tuple[str, str] | None:
    path = api.path(api.PBX_USER, username=username)
    status, body = await services.responder.call(
        "POST", username, path, orjson.dumps({"password": password})
    )
    doc = orjson.loads(body)
    if status != 200:
        raise ResponderUnavailable(f"password check answered {status}")
    return (doc["clientId"], doc["pbxId"]) if doc.get("ok") else None


async def _open(services: Services, owner: tuple[str, str], user: str, callback: bytes) -> str:
    cid, pbx = owner
    body = b'{"pbxId":%s,"user":%s,"callback":%s}' % (
        orjson.dumps(pbx),
        orjson.dumps(user),
        callback,
    )
    status, got = await services.responder.call(
        "POST", cid, api.path(api.PBX_OPEN, client_id=cid), body
    )
    doc = orjson.loads(got)
    if status != 200:
        raise ResponderUnavailable(f"session open answered {status}")
    if "errno" in doc:
        raise PbxFailure(Errno(doc["errno"]))
    return str(doc["token"])
