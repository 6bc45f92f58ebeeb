"""What a customer has, as its worker holds it: the view a deletion is asked against.

`GET /hub/customer-contents/{clientId}?wait=` on the owning worker, once every record
already in the customer's partitions is applied: 200 and the contents; 202 with them
(or `null`) when that took longer than `wait`; 404 when, caught up, there is no such
customer. So an ingress that published a deletion knows it is done by a 404.
"""

from datetime import datetime

from processors.app import Hub
from processors.pbx.fold import customer_pbx_ids, pbx_key
from processors.relay.responder import _wait_s, caught_up
from processors.runtime.faust_types import Response, View, WebRequest
from processors.runtime.routing import route
from schemas import internal_api as api
from schemas.commands import CustomerCommands
from schemas.customer_deletion import CustomerContents
from schemas.events import FINAL_COMMAND_STATES
from schemas.pbx import PbxRecord
from schemas.pbx_upstream import Upstream
from schemas.profiles import CustomerProfiles

JSON = "application/json"


def contents(hub: Hub, client_id: str) -> CustomerContents | None:
    """The customer's profiles, unfinished commands and PBXes; None when it has none."""
    if hub.customers.get(client_id) is None:
        return None
    profiles: CustomerProfiles = hub.profiles.get(client_id) or CustomerProfiles()
    cc: CustomerCommands = hub.commands.get(client_id) or CustomerCommands()
    now = hub.clock.now()
    pbx_ids = customer_pbx_ids(hub.pbxes.keys(), client_id)
    records: dict[str, PbxRecord] = {p: hub.pbxes[pbx_key(client_id, p)] for p in pbx_ids}
    ups: dict[str, Upstream | None] = {
        p: hub.pbx_upstreams.get(pbx_key(client_id, p)) for p in pbx_ids
    }
    return CustomerContents(
        InboundProfiles=sorted(profiles.inbound),
        OutboundProfiles=sorted(profiles.outbound),
        CancelledCommands=sorted(
            r.id for r in cc.commands.values() if r.state not in FINAL_COMMAND_STATES
        ),
        Pbxes=pbx_ids,
        ApiUsers=sorted(u for rec in records.values() for u in rec.users),
        EndedSessions=sum(_live(rec, now) for rec in records.values()),
        DisconnectedUpstreams=[p for p, up in ups.items() if up is not None and not up.removed],
    )


def _live(rec: PbxRecord, now: datetime) -> int:
    return sum(1 for s in rec.sessions.values() if s.end_reason is None and now < s.expires_at)


def register_contents_view(hub: Hub) -> None:
    """Mount `/hub/customer-contents/{client_id}` on the worker's web server."""

    @hub.app.page(api.CUSTOMER_CONTENTS)
    class ContentsPage(View):
        async def get(self, request: WebRequest, client_id: str) -> Response:
            async def serve() -> Response:
                applied = await caught_up(hub, client_id, _wait_s(request))
                found = contents(hub, client_id)
                if found is None and applied:
                    return self.bytes(b'{"error":"unknown client"}', content_type=JSON, status=404)
                body = b"null" if found is None else found.model_dump_json().encode()
                return self.bytes(body, content_type=JSON, status=200 if applied else 202)

            return await route(hub, self, request, client_id, serve)
