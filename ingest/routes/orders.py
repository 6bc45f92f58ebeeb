"""A profile's desired state and its commands, as routed and documented."""

from ingest import orders_admin as orders
from ingest.operation import Operation, request, response
from ingest.routes.admin_parts import admin_operation, viewed
from ingest.routes.params import PROFILE
from ingest.routes.parts import (
    LOCATION,
    answer,
    content,
    json_body,
    obj,
    path_param,
    query_param,
    schema,
)
from schemas.commands import (
    CommandRecord,
    CommandRequest,
    DesiredState,
    DesiredStateRequest,
)
from schemas.events import CommandState

TAG = "admin: desired states and commands"
DESIRED_STATE = PROFILE.child("/desired-state")
COMMANDS = PROFILE.child("/commands")
COMMAND = COMMANDS.child(
    "/{commandId}", path_param("commandId", "The command's id, as its POST answered.")
)
STATE = query_param(
    "state",
    "Only the commands in this state.",
    {"type": "string", "enum": list(CommandState.__members__)},
)
CREATED = schema(
    "CommandCreated",
    obj(
        {
            "id": {"type": "string", "description": "the command's id"},
            "visible": {"type": "boolean", "description": "the next heartbeat carries it"},
        },
        ("id", "visible"),
    ),
)
QUEUED = answer(
    "Queued; `visible` says whether the next heartbeat carries it yet.",
    content(CREATED),
    Location=LOCATION,
)
RECORD = response(CommandRecord)

OPERATIONS: tuple[Operation, ...] = (
    admin_operation(
        "PUT", DESIRED_STATE, orders.put_desired_state, "putDesiredState",
        "Set (1 start, 2 stop) or clear (0) the profile's desired state",
        tag=TAG, ok=viewed(response(DesiredState), "The desired state."), errors=(400, 404, 413),
        body=json_body(request(DesiredStateRequest), "The desired state."),
    ),
    admin_operation(
        "POST", COMMANDS, orders.post_command, "postCommand", "Queue a one-shot command",
        tag=TAG, ok={201: QUEUED}, errors=(400, 404, 413),
        body=json_body(request(CommandRequest), "The command (defaults shown in the schema)."),
    ),
    admin_operation(
        "GET", COMMANDS, orders.list_commands, "listCommands",
        "The profile's commands, oldest first",
        tag=TAG, ok=viewed({"type": "array", "items": RECORD}, "The commands."),
        errors=(400, 404), query=(STATE,),
    ),
    admin_operation(
        "GET", COMMAND, orders.get_command, "getCommand",
        "One command: its state, deliveries and every change",
        tag=TAG, ok=viewed(RECORD, "The command."), errors=(400, 404),
    ),
    admin_operation(
        "DELETE", COMMAND, orders.delete_command, "cancelCommand",
        "Cancel a command before it finishes",
        tag=TAG, ok={200: answer("The cancelled command.", content(RECORD))},
        errors=(400, 404, 409),
        description="409 once it has finished (or finished before it could be cancelled).",
    ),
)  # fmt: skip
