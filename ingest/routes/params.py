"""The path parameters several operations share, and the paths of the admin API they build."""

from ingest.admin import TYPES
from ingest.operation import Path
from ingest.routes.parts import path_param
from schemas.pbx import PBX_ID, USERNAME

CLIENT_ID = path_param("clientId", "The customer's id (the relay client's).")
PROFILE_TYPE = path_param("ptype", "The profile's type.", {"type": "string", "enum": list(TYPES)})
PROFILE_ID = path_param(
    "profileId",
    "A positive 32-bit integer (else 400).",
    {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
)
PBX_ID_PARAM = path_param(
    "pbxId", "The PBX's id (else 400).", {"type": "string", "pattern": PBX_ID}
)

CUSTOMER = Path("/admin/customers/{clientId}", (CLIENT_ID,))
PROFILE = CUSTOMER.child("/profiles/{ptype}/{profileId:int}", PROFILE_TYPE, PROFILE_ID)
PBX = CUSTOMER.child("/pbxes/{pbxId}", PBX_ID_PARAM)
PBX_USER = PBX.child(
    "/api-users/{username}",
    path_param(
        "username",
        "The API user's name, unique across the hub (else 400).",
        {"type": "string", "pattern": USERNAME},
    ),
)
