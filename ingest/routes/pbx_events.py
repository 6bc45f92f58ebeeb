"""`POST /api/pbx/{clientId}/{pbxId}/events/{secret}`, a PBX view's `EventUrl`, as routed and
documented."""

from ingest import pbx_events_in
from ingest.operation import Operation, Path
from ingest.routes.params import CLIENT_ID
from ingest.routes.parts import (
    ERROR,
    NOT_ROUTED,
    RETRY_AFTER,
    answer,
    content,
    json_body,
    path_param,
    schema,
)
from ingest.routes.pbx_api import SUCCESS
from schemas.pbx_events import MAX_EVENT_BYTES

EVENTS = Path(
    "/api/pbx/{clientId}/{pbxId}/events/{secret}",
    (
        CLIENT_ID,
        path_param("pbxId", "The PBX's id."),
        path_param("secret", "The secret of the PBX's event URL."),
    ),
)
REPORT = schema(
    "PbxEventReport",
    {
        "type": "object",
        "description": "A PBX's event report: `event` names it (v2.0.0), `action` (v1.0.0).",
        "anyOf": [
            {"required": ["event"], "properties": {"event": {"type": "string", "minLength": 1}}},
            {"required": ["action"], "properties": {"action": {"type": "string", "minLength": 1}}},
        ],
    },
)
ERR = content(ERROR)
ANSWERS = {
    200: answer("Recorded: every live session of the PBX will get it.", content(SUCCESS)),
    400: answer("Not an event report (not published).", ERR),
    404: answer("A wrong secret or a removed PBX." + NOT_ROUTED, ERR),
    413: answer(f"Larger than {MAX_EVENT_BYTES} bytes.", ERR),
    503: answer("Not recorded: the PBX sends it again.", ERR, Retry_After=RETRY_AFTER),
}

OPERATIONS = (
    Operation(
        "POST",
        EVENTS,
        pbx_events_in.post_event,
        "postPbxEvent",
        "A PBX's event report",
        "PBX events",
        ANSWERS,
        body=json_body(REPORT, "The report. Content-Type is not checked."),
    ),
)
