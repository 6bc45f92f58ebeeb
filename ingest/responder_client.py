"""Ask a worker's responder for answers and customer views over HTTP."""

import logging
from typing import Any

import aiohttp
import orjson

from ingest.errors import ResponderUnavailable, UnknownClient
from ingest.owners import OwnerMap
from schemas import internal_api as api
from schemas.commands import CustomerCommands
from schemas.profiles import CustomerView

log = logging.getLogger(__name__)


class ResponderClient:
    """A pooled HTTP client; raises UnknownClient on 404, ResponderUnavailable otherwise."""

    def __init__(
        self, base_url: str, timeout_s: float, apply_wait_s: float, partitions: int
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.apply_wait_s = apply_wait_s
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self.owners = OwnerMap(partitions)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=self.timeout, connector=aiohttp.TCPConnector(limit=256)
            )
        return self._session

    async def customer(self, client_id: str) -> tuple[bool, CustomerView]:
        """The customer view; the flag says whether it includes every acknowledged write."""
        status, body = await self._request(
            "GET",
            client_id,
            api.path(api.CUSTOMER, client_id=client_id),
            params={"wait": self.apply_wait_s},
        )
        self._check(status, body)
        return status == 200, CustomerView.model_validate_json(body)

    async def commands(self, client_id: str) -> tuple[bool, CustomerCommands]:
        """The customer's orders; the flag says whether they include every acknowledged write."""
        status, body = await self._request(
            "GET",
            client_id,
            api.path(api.COMMANDS, client_id=client_id),
            params={"wait": self.apply_wait_s},
        )
        self._check(status, body)
        return status == 200, CustomerCommands.model_validate_json(body)

    async def health(self, client_id: str) -> tuple[bool, bytes]:
        """The customer's health view as JSON; the flag says whether it is caught up."""
        return await self._customer_view(api.HEALTH, client_id)

    async def call(
        self, method: str, key: str, path: str, body: bytes | None = None, **kw: Any
    ) -> tuple[int, bytes]:
        """Any internal view, at the owner of `key`'s partition; raises ResponderUnavailable."""
        status, answer = await self._request(method, key, path, data=body, **kw)
        if status == 503:
            raise ResponderUnavailable(_reason(answer, status))
        return status, answer

    async def found(self, key: str, path: str, ok: tuple[int, ...] = (200,)) -> bytes | None:
        """GET an internal view at `key`'s owner: its body, None when the owner has none
        (404); raises ResponderUnavailable on any status not in `ok`."""
        status, body = await self.call("GET", key, path)
        if status == 404:
            return None
        if status not in ok:
            raise ResponderUnavailable(f"worker answered {status}")
        return body

    async def access(self, client_id: str) -> tuple[bool, bytes]:
        """The customer's relay access view as JSON; the flag says whether it is caught up."""
        return await self._customer_view(api.ACCESS, client_id)

    async def channels(self, client_id: str) -> tuple[bool, bytes]:
        """The customer's alert channels as JSON; the flag says whether it is caught up."""
        return await self._customer_view(api.CHANNELS, client_id)

    async def _customer_view(self, template: str, client_id: str) -> tuple[bool, bytes]:
        path = api.path(template, client_id=client_id)
        status, body = await self._request(
            "GET", client_id, path, params={"wait": self.apply_wait_s}
        )
        self._check(status, body)
        return status == 200, body

    def _check(self, status: int, body: bytes) -> None:
        if status == 404:
            raise UnknownClient()
        if status not in (200, 202):
            raise ResponderUnavailable(_reason(body, status))

    async def _request(
        self, method: str, client_id: str, path: str, **kw: Any
    ) -> tuple[int, bytes]:
        """Ask the owner of the client's partition, else any worker (which forwards)."""
        await self._refresh_owners()
        owner = self.owners.url_for(client_id)
        if owner and owner != self.base_url:
            try:
                status, body = await self._send(owner, method, path, **kw)
                if status != 503:
                    return status, body
            except ResponderUnavailable:
                pass
            self.owners.forget()
        return await self._send(self.base_url, method, path, **kw)

    async def _refresh_owners(self) -> None:
        if not self.owners.stale():
            return
        try:
            status, body = await self._send(self.base_url, "GET", api.OWNERS)
            if status == 200:
                self.owners.update(orjson.loads(body)["owners"])
                return
        except (ResponderUnavailable, orjson.JSONDecodeError, KeyError) as e:
            log.debug("no owner map yet: %s", e)
        self.owners.attempted()

    async def _send(
        self, base: str, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
    ) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            async with self._client().request(method, base + path, headers=headers, **kw) as resp:
                return resp.status, await resp.read()
        except (aiohttp.ClientError, TimeoutError) as e:
            raise ResponderUnavailable(f"responder unreachable: {e!r}") from e

    async def close(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._session.close()


def _reason(body: bytes, status: int) -> str:
    try:
        return str(orjson.loads(body).get("error", status))
    except (orjson.JSONDecodeError, AttributeError):
        return f"responder answered {status}"
