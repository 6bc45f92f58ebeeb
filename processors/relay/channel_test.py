"""`POST /hub/channels/{client_id}/{name}/test`: publish a test message for a channel.

The owner of the customer's partition, which holds its channels with their secrets
sealed, publishes a `ChannelTest` on the health-events topic (acks=all); the alert sink
sends it in the channel's order and records its attempt on `alert-deliveries`, as for any
alert. The answer says it is queued, with the test's id to find that attempt by.
"""

import asyncio
import secrets

import orjson

from processors.app import Hub
from processors.relay.responder import caught_up
from processors.runtime.faust_types import Response, View, WebRequest
from processors.runtime.routing import route
from schemas import internal_api as api
from schemas.alert_channels import CustomerChannels
from schemas.events import ChannelTest
from schemas.profiles import CustomerConfig
from schemas.topics import partition_for

JSON = "application/json"
WAIT_S = 5.0


async def publish_test(hub: Hub, client_id: str, name: str) -> tuple[int, bytes]:
    """The test's answer: 202 once published, 404 without such a channel, 503 if Kafka did
    not take it."""
    await caught_up(hub, client_id, WAIT_S)
    customer: CustomerConfig | None = hub.customers.get(client_id)
    found: CustomerChannels | None = hub.channels.get(client_id)
    channel = found.channels.get(name) if found is not None else None
    if customer is None or channel is None:
        return 404, orjson.dumps({"error": f"customer '{client_id}' has no channel '{name}'"})
    test = ChannelTest(
        client_id=client_id,
        customer_name=customer.Name,
        channel=channel,
        test_id=secrets.token_hex(8),
        at=hub.clock.now(),
    )
    sent = await hub.health_events.send(
        key=client_id.encode(),
        value=test.model_dump_json().encode(),
        partition=partition_for(client_id, hub.settings.partitions),
    )
    try:
        await asyncio.wait_for(sent, hub.settings.heartbeat_publish_timeout_s)
    except TimeoutError:
        return 503, b'{"error":"the test message was not taken by Kafka in time"}'
    return 202, orjson.dumps({"Queued": True, "AlertId": test.id})


def register_channel_test(hub: Hub) -> None:
    """Mount the view on the worker's web server (forwarded to the customer's owner)."""

    @hub.app.page(api.CHANNEL_TEST)
    class ChannelTestPage(View):
        async def post(self, request: WebRequest, client_id: str, name: str) -> Response:
            async def serve() -> Response:
                status, body = await publish_test(hub, client_id, name)
                return self.bytes(body, content_type=JSON, status=status)

            return await route(hub, self, request, client_id, serve)
