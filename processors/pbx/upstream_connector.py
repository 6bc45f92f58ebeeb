"""Drive each upstream connection from the worker owning its PBX: log in, heartbeat, log out.

The sweep (each second, per owned partition) and every folded record ask for the calls
that are due. A call's result is published to the `pbx` topic and folded into the
`pbx-upstreams` table like any record, so the state survives a crash or a rebalance:
the next owner continues with the same token, without logging in again while it
lives. At most one call per connection is in flight (process-local, like deliveries).
"""

import asyncio
import logging
import time
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

import aiohttp
import orjson

from processors.app import Hub
from schemas import pbx_secrets
from schemas.pbx import PbxRecord, event_path
from schemas.pbx_upstream import Action, ConnectionState, Upstream, UpstreamConfig, UpstreamResult
from schemas.sealed import Unsealable, seal, unseal
from schemas.topics import partition_for

log = logging.getLogger(__name__)
STALE_AFTER_S = 60.0
CALL_TIMEOUT_S = 10.0
IDLE = (ConnectionState.credentials_rejected,)


def due(up: Upstream, now: datetime) -> Action | None:
    """The call a connection needs at `now`, if any."""
    if up.removed:
        if up.replaced:
            return Action.logout_replaced
        return Action.logout if up.sealed_token else None
    waiting = up.state in IDLE or (up.locked_until is not None and now < up.locked_until)
    waiting = waiting or (up.next_attempt_at is not None and now < up.next_attempt_at)
    expired = up.token_expires_at is None or up.token_expires_at <= now
    if not waiting and (up.sealed_token is None or expired):
        return Action.login
    if up.replaced:  # only once the login with the new settings has ended, whatever its end
        return Action.logout_replaced
    if waiting:
        return None
    last = up.last_heartbeat_at or up.last_login_at or now
    return Action.heartbeat if (now - last).total_seconds() >= up.config.interval_s else None


class Connector:
    """Starts the due calls of the connections this worker owns."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.in_flight: dict[str, float] = {}
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def settle(self, keys: Iterable[str]) -> None:
        """These connections' results were folded."""
        for key in keys:
            self.in_flight.pop(key, None)

    def kick_all(self, keys: Iterable[str]) -> None:
        """Start every due call of these connections."""
        now = self.hub.clock.now()
        for key in keys:
            up: Upstream | None = self.hub.pbx_upstreams.get(key)
            action = due(up, now) if up is not None else None
            started = self.in_flight.get(key)
            if up is None or action is None:
                continue
            if started and time.monotonic() - started < STALE_AFTER_S:
                continue
            self.in_flight[key] = time.monotonic()
            task = asyncio.get_running_loop().create_task(self._run(key, action, up))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, key: str, action: Action, up: Upstream) -> None:
        try:
            result = await self._call(key, action, up)
            await self._record(result)
        except Exception as e:
            log.warning("upstream %s of %s not recorded: %r", action.value, key, e)
            self.in_flight.pop(key, None)

    async def _call(self, key: str, action: Action, up: Upstream) -> UpstreamResult:
        cid, pbx = key.split("/", 1)
        cfg = up.config
        base = UpstreamResult(
            client_id=cid,
            pbx_id=pbx,
            generation=cfg.generation,
            action=action,
            ok=False,
            at=self.hub.clock.now(),
        )
        try:
            update = await self._exchange(key, action, up)
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            update = {"error": f"{type(e).__name__}: {e}"[:300] or "unreachable"}
        except Unsealable:
            update = {"error": "sealed with another HUB_SECRET_KEY; set the password again"}
        if action is Action.logout_replaced:  # names the session the fold may now forget
            update["sealed_token"] = up.replaced[0].sealed_token
        return base.model_copy(update={**update, "at": self.hub.clock.now()})

    async def _exchange(self, key: str, action: Action, up: Upstream) -> dict[str, object]:
        key_bytes = self.hub.settings.key()
        cfg = up.config
        base_url, ssl, sealed = cfg.base_url, cfg.verify_tls, up.sealed_token
        if action is Action.logout_replaced:
            old = up.replaced[0]
            base_url, ssl, sealed = old.base_url, old.verify_tls, old.sealed_token
        query = ""
        if action is not Action.login and sealed:
            query = f"?token={unseal(key_bytes, sealed)}"
        logout = action in (Action.logout, Action.logout_replaced)
        body = b"" if logout else self._body(key, action, cfg)
        url = f"{base_url}/api/v2.0.0/{'logout' if logout else action.value}{query}"
        async with self._client().post(url, data=body, headers=_HEADERS, ssl=ssl) as resp:
            raw = await resp.read()
            if resp.status >= 300:
                return {"status": resp.status, "error": f"HTTP {resp.status}"}
        return _parsed(raw, action, key_bytes, resp.status)

    def _body(self, key: str, action: Action, cfg: UpstreamConfig) -> bytes:
        public = self.hub.settings.public_url.rstrip("/")
        if not public:
            raise OSError("HUB_PUBLIC_URL is not set: the PBX would not know where to send events")
        parts = urlsplit(public)
        fields: dict[str, str] = {
            "ipaddr": parts.hostname or "",
            "port": str(parts.port or (443 if parts.scheme == "https" else 80)),
            "url": public + self._event_path(key),
            "urltag": "1",
            "version": cfg.version,
        }
        if action is Action.login:
            md5 = unseal(self.hub.settings.key(), cfg.sealed_password)
            fields = {"username": cfg.username, "password": md5, **fields}
        return orjson.dumps(fields)

    def _event_path(self, key: str) -> str:
        cid, pbx = key.split("/", 1)
        rec: PbxRecord | None = self.hub.pbxes.get(key)
        if rec is None:
            raise OSError("the PBX was removed")
        secret = pbx_secrets.event_secret(self.hub.settings.key(), cid, pbx, rec.nonce)
        return event_path(cid, pbx, secret)

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None:
            timeout = aiohttp.ClientTimeout(total=CALL_TIMEOUT_S)
            self._http = aiohttp.ClientSession(timeout=timeout)
        return self._http

    async def _record(self, result: UpstreamResult) -> None:
        cid = result.client_id
        fut = await self.hub.pbx.send(
            key=cid.encode(),
            value=result.model_dump_json().encode(),
            partition=partition_for(cid, self.hub.settings.partitions),
        )
        await asyncio.wait_for(fut, self.hub.settings.heartbeat_publish_timeout_s)

    async def close(self) -> None:
        """Stop the calls in flight and close the connection pool."""
        for task in list(self._tasks):
            task.cancel()
        if self._http is not None:
            await self._http.close()


_HEADERS = {"Content-Type": "application/json", "User-Agent": "heartbeat-hub"}


def _parsed(raw: bytes, action: Action, key: bytes, status: int) -> dict[str, object]:
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {"status": status, "error": "the answer is not JSON"}
    if not isinstance(doc, dict):
        return {"status": status, "error": "the answer is not a JSON object"}
    if doc.get("status") == "Success":
        token = doc.get("token")
        if action is Action.login and not isinstance(token, str):
            return {"status": status, "error": "login answered no token"}
        sealed = seal(key, token) if action is Action.login and isinstance(token, str) else None
        return {"ok": True, "status": status, "sealed_token": sealed}
    return {"status": status, "errno": str(doc.get("errno", "")) or None, "error": "Failed"}


def attach(hub: Hub) -> Connector:
    """Give the hub its connector."""
    connector = Connector(hub)
    hub.connector = connector
    return connector
