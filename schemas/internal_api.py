"""The workers' internal views: each path template once, for the worker that mounts it
(`processors.relay.responder`, `processors.relay.customer_contents`,
`processors.pbx.views`) and the ingress that calls it (`ingest.responder_client` and
the routes that ask the owning worker).

A view is served by the worker owning the partition of its first path parameter and
forwarded there by any other (`processors.runtime.routing`).
"""

from urllib.parse import quote

CUSTOMER = "/hub/customers/{client_id}"
COMMANDS = "/hub/commands/{client_id}"
HEALTH = "/hub/health/{client_id}"
ACCESS = "/hub/access/{client_id}"
CHANNELS = "/hub/channels/{client_id}"
CHANNEL_TEST = "/hub/channels/{client_id}/{name}/test"
ADMIN_TOKEN = "/hub/admin-tokens/{client_id}"  # noqa: S105 - a path; by token id, routed as a key
CUSTOMER_CONTENTS = "/hub/customer-contents/{client_id}"
OWNERS = "/hub/owners"
READY = "/hub/ready"

PBX = "/hub/pbx/{client_id}/{pbx_id}"
PBX_UPSTREAM = "/hub/pbx-upstream/{client_id}/{pbx_id}"
PBX_LOCK = "/hub/pbx-lock/{address}"
PBX_USER = "/hub/pbx-users/{username}"
PBX_OPEN = "/hub/pbx-open/{client_id}"
PBX_LOGOUT = "/hub/pbx-token/{token}/logout"
PBX_EVENT = "/hub/pbx-event/{client_id}/{pbx_id}"


def path(template: str, **params: str) -> str:
    """The template with each parameter filled in, percent-encoded whole."""
    return template.format(**{k: quote(v, safe="") for k, v in params.items()})
