"""A customer's alert channels, as routed and documented."""

from ingest import channels_admin
from ingest.operation import Operation, request, response
from ingest.routes.admin_parts import admin_operation, viewed
from ingest.routes.params import CUSTOMER
from ingest.routes.parts import answer, content, json_body, obj, path_param, schema
from schemas.alert_channels import ChannelPublic, ChannelRequest

TAG = "admin: alert channels"
CHANNELS = CUSTOMER.child("/channels")
CHANNEL = CHANNELS.child(
    "/{name}",
    path_param(
        "name",
        "The channel's name: 1 to 64 of `A-Z a-z 0-9 . _ -`.",
        {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"},
    ),
)
VIEW = response(ChannelPublic)
TEST_QUEUED = schema(
    "ChannelTestQueued",
    obj(
        {"Queued": {"type": "boolean"}, "AlertId": {"type": "string"}},
        ("Queued", "AlertId"),
        description="The test message is queued; its attempts carry this alert id.",
    ),
)

OPERATIONS: tuple[Operation, ...] = (
    admin_operation(
        "GET", CHANNELS, channels_admin.list_channels, "listChannels",
        "The customer's alert channels, by name (never a secret)",
        tag=TAG, ok=viewed({"type": "array", "items": VIEW}, "The channels."), errors=(404,),
    ),
    admin_operation(
        "PUT", CHANNEL, channels_admin.put_channel, "putChannel",
        "Create or replace an alert channel",
        tag=TAG, ok=viewed(VIEW, "The channel."), errors=(400, 404, 413),
        body=json_body(
            request(ChannelRequest),
            "`webhook`: `Url`, and `Secret` to sign with; `slack`, `teams`: the incoming"
            " webhook's `Url` (kept sealed: it is the credential); `pagerduty`: the routing"
            " key as `Secret`; `email`: `Addresses`.",
        ),
        description="400 also when `Url` is in a denied network (`HUB_PBX_DENY_NETWORKS`);"
        " 503 when the hub has no `HUB_SECRET_KEY` to seal the secret with.",
    ),
    admin_operation(
        "GET", CHANNEL, channels_admin.get_channel, "getChannel",
        "One alert channel (never its secret)",
        tag=TAG, ok=viewed(VIEW, "The channel."), errors=(404,),
    ),
    admin_operation(
        "POST", CHANNEL.child("/test"), channels_admin.test_channel, "testChannel",
        "Send a test message to the channel",
        tag=TAG, ok={202: answer("Queued behind the channel's alerts.", content(TEST_QUEUED))},
        errors=(404,),
        description="The message is the client's `down`, marked `test`; its attempt is"
        " recorded as any alert's (`alert-deliveries`, SQL `alert_deliveries`) under the"
        " `AlertId` answered. An `email` channel gets a short test mail.",
    ),
    admin_operation(
        "DELETE", CHANNEL, channels_admin.delete_channel, "deleteChannel",
        "Remove an alert channel",
        tag=TAG, ok={204: answer("Removed: no alert goes to it from now on.")}, errors=(404,),
    ),
)  # fmt: skip
