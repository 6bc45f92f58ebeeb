"""PBXes, their API users and upstream connections, as routed and documented."""

from ingest import pbx_admin, upstream_admin
from ingest.operation import Operation, Schema, request, response
from ingest.routes.admin_parts import admin_operation
from ingest.routes.params import PBX, PBX_USER
from ingest.routes.parts import answer, content, json_body
from schemas.pbx import ApiUserBody, PbxConfig, PbxView
from schemas.pbx_upstream import UpstreamBody, UpstreamView

TAG = "admin: PBXes"
UPSTREAM = PBX.child("/upstream")
PBX_VIEW = {200: answer("The PBX view.", content(response(PbxView)))}
CONNECTION: dict[int, Schema] = {
    200: answer("The connection and its state.", content(response(UpstreamView)))
}

OPERATIONS: tuple[Operation, ...] = (
    admin_operation(
        "PUT", PBX, pbx_admin.put_pbx, "putPbx", "Create or change a PBX of an existing customer",
        tag=TAG, ok=PBX_VIEW, errors=(400, 404, 413),
        body=json_body(request(PbxConfig), "The PBX."),
    ),
    admin_operation(
        "GET", PBX, pbx_admin.get_pbx, "getPbx", "The PBX, its event URL, API users and sessions",
        tag=TAG, ok=PBX_VIEW, errors=(400, 404),
    ),
    admin_operation(
        "DELETE", PBX, pbx_admin.delete_pbx, "deletePbx",
        "Remove a PBX: its sessions end, its users are released",
        tag=TAG, ok={204: answer("Removed; its event URL answers 404.")}, errors=(400, 404),
    ),
    admin_operation(
        "PUT", PBX_USER, pbx_admin.put_api_user, "putApiUser",
        "Create an API user, or change its password",
        tag=TAG, ok=PBX_VIEW, errors=(400, 404, 409, 413),
        body=json_body(request(ApiUserBody), "The password in clear; only a hash is kept."),
        description="409 when another PBX has the username.",
    ),
    admin_operation(
        "DELETE", PBX_USER, pbx_admin.delete_api_user, "deleteApiUser",
        "Remove an API user; its sessions end",
        tag=TAG, ok=PBX_VIEW, errors=(400, 404),
    ),
    admin_operation(
        "PUT", UPSTREAM, upstream_admin.put_upstream, "putUpstream",
        "Connect the hub to the PBX as its application server",
        tag=TAG, ok=CONNECTION, errors=(400, 404, 413),
        body=json_body(request(UpstreamBody), "Where the PBX is and how to log in."),
        description="The owning worker logs in at once. 503 also when the hub has no"
        " `HUB_SECRET_KEY` to seal the password with.",
    ),
    admin_operation(
        "GET", UPSTREAM, upstream_admin.get_upstream, "getUpstream", "The connection",
        tag=TAG, ok=CONNECTION, errors=(400, 404),
    ),
    admin_operation(
        "DELETE", UPSTREAM, upstream_admin.delete_upstream, "deleteUpstream",
        "Disconnect: log out of the PBX, then forget the connection",
        tag=TAG, ok={204: answer("Disconnected.")}, errors=(400, 404),
    ),
)  # fmt: skip
