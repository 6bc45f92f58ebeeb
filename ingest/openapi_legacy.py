"""The hand-written OpenAPI paths of the features not yet in `ingest.routes`' table.

Built once, at import, from the pydantic models in `schemas/` and the routes' own
constants; each request sends the same bytes.
"""

from importlib.metadata import PackageNotFoundError, version

from ingest import docs, openapi_access, openapi_paths, openapi_pbx
from ingest.openapi_parts import (
    ADMIN_AUTH,
    TEXT,
    answer,
    content,
    operation,
    path_param,
    shared_headers,
    shared_responses,
)
from ingest.openapi_schemas import Schema, components

DESCRIPTION = """\
The heartbeat hub's HTTP API, in three parts:

- **The relay API** (`PUT /api/customer/{clientId}/heartbeat`): relay clients report their
  profiles and are told what to run, in JSON or .NET DataContract XML. A customer may
  require a key (HTTP Basic or `X-Hub-Key`) and source networks.
- **The admin API** (`/admin/...`, bearer token): customers, profiles, desired states,
  commands, health, maintenance windows, relay access, PBXes, their API users and upstream
  connections, scoped tokens.
  Writes go through Kafka; an answer is the state once the write is visible (200), or 202
  when it is durable but not yet visible. Errors are JSON `{"error": "..."}`.
- **The PBX API** (Yeastar S-series v2.0.0 style, `/api/v2.0.0/login|heartbeat|logout`):
  every answer is HTTP 200, `{"status":"Success", ...}` or `{"status":"Failed","errno":"..."}`,
  except 503 with errno 30001 when the call could not be recorded. PBXes post their event
  reports to the `EventUrl` of their PBX view.

Any 503 carries `Retry-After`: nothing was recorded, call again.
"""

TAGS = [
    ("relay", "Relay clients' heartbeats."),
    ("admin: customers and profiles", "Customers and their relay profiles."),
    ("admin: desired states and commands", "Operator orders carried by heartbeat answers."),
    ("admin: health", "Health views and maintenance windows."),
    ("admin: PBXes", "PBXes, their API users and upstream connections."),
    ("admin: access and tokens", "Relay keys and networks; scoped admin tokens."),
    ("PBX API", "Application servers' login, heartbeat and logout."),
    ("PBX events", "Event reports posted by PBXes."),
    ("probes", "Liveness and readiness."),
    ("docs", "This document and its viewer."),
]


def _version() -> str:
    try:
        return version("heartbeat-hub")
    except PackageNotFoundError:
        return "unknown"


def _get(op_id: str, summary: str, responses: Schema) -> Schema:
    return {"get": operation(op_id, summary, "docs", responses)}


def _docs_paths() -> dict[str, Schema]:
    asset = path_param("asset", "A Swagger UI file.", {"type": "string", "enum": list(docs.ASSETS)})
    files = {media: {"schema": {"type": "string"}} for media in sorted(set(docs.ASSETS.values()))}
    missing = answer("No such file.", content({"type": "string"}, TEXT))
    document = answer("OpenAPI 3.1.", content({"type": "object"}))
    page = answer("The page.", content({"type": "string"}, "text/html"))
    return {
        "/openapi.json": _get("openapi", "This document", {"200": document}),
        "/docs": _get("docs", "Swagger UI for this document", {"200": page}),
        "/docs/static/{asset}": {
            "parameters": [asset],
            **_get(
                "docsAsset",
                "A file of the page",
                {"200": answer("The file.", files), "404": missing},
            ),
        },
    }


def _components() -> Schema:
    return {
        "schemas": {
            **components(),
            **openapi_pbx.pbx_schemas(),
            **openapi_access.access_schemas(),
        },
        "headers": {**shared_headers(), **openapi_pbx.pbx_headers()},
        "responses": shared_responses(),
        "securitySchemes": {
            ADMIN_AUTH: {
                "type": "http",
                "scheme": "bearer",
                "description": "`HUB_ADMIN_TOKEN` (every route), or a scoped token of"
                " `POST /admin/tokens` (its customers' routes only). With neither configured,"
                " the admin API is closed.",
            },
            **openapi_access.relay_security(),
        },
    }


def build_document() -> Schema:
    """The whole document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Heartbeat hub", "version": _version(), "description": DESCRIPTION},
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "paths": {
            **openapi_paths.paths(),
            **openapi_access.paths(),
            **openapi_pbx.paths(),
            **_docs_paths(),
        },
        "components": _components(),
    }
