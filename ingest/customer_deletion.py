"""`DELETE /admin/customers/{clientId}`: the customer and everything it has, gone.

The customer's worker first says what the customer has (404 for an unknown one);
`CustomerDeleted` is published on the config topic (acks=all); the answer waits until
that worker has folded it (see `processors.relay.customer_deletion`): 200 with what was
deleted, or 202 when the deletion is durable but not done after `HUB_APPLY_WAIT_S`
(or the worker could not say). A scoped token deletes only its own customers, and
only with write access (`ingest.grants`).
"""

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ingest.admin import shown
from ingest.errors import ResponderUnavailable, UnknownClient
from ingest.services import Services
from schemas import internal_api as api
from schemas.customer_deletion import CustomerContents, CustomerDeleted, CustomerDeletion
from schemas.topics import config_key, partition_for


async def delete_customer(request: Request, services: Services) -> Response:
    """Delete a customer with its profiles, commands, PBXes and sessions."""
    cid: str = request.path_params["clientId"]
    _, found = await _contents(services, cid)
    if found is None:
        raise UnknownClient()
    event = CustomerDeleted(client_id=cid, at=services.clock.now())
    await services.publisher.publish(
        services.topics.config,
        config_key(event),
        event.model_dump_json().encode(),
        partition=partition_for(cid, services.settings.partitions),
    )
    try:
        caught_up, left = await _contents(services, cid)
        done = caught_up and left is None
        await shown(services, cid)
        await services.live_tokens.caught_up(cid, services.settings.apply_wait_s)
    except ResponderUnavailable:
        done = False  # durable all the same: the worker folds it when it can
    answer = CustomerDeletion(ClientId=cid, DeletedAt=event.at, **found.model_dump())
    body = answer.model_dump_json().encode()
    return Response(body, 200 if done else 202, None, "application/json")


async def _contents(services: Services, cid: str) -> tuple[bool, CustomerContents | None]:
    """Whether the worker caught up, and what the customer has (None: no such customer)."""
    path = api.path(api.CUSTOMER_CONTENTS, client_id=cid)
    wait = {"wait": services.responder.apply_wait_s}
    status, body = await services.responder.call("GET", cid, path, params=wait)
    if status == 404:
        return True, None
    if status not in (200, 202):
        raise ResponderUnavailable(f"worker answered {status}")
    doc = orjson.loads(body)
    return status == 200, None if doc is None else CustomerContents.model_validate(doc)
