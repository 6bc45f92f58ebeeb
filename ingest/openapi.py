"""The OpenAPI 3.1 document of the hub's three APIs, built from the table of operations.

Paths, parameters, bodies and answers are the operations' own (`ingest.routes`); the
component schemas are the pydantic models' JSON schemas (a request body's validation
schema, an answer's serialization schema) and the few named schemas the operations'
modules write where no model describes the wire.
"""

from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from ingest.operation import Component, Model, Operation, Schema

REF = "#/components/schemas/{model}"

DESCRIPTION = """\
The heartbeat hub's HTTP API, in three parts:

- **The relay API** (`PUT /api/customer/{clientId}/heartbeat`): relay clients report their
  profiles and are told what to run, in JSON or .NET DataContract XML. A customer may
  require a key (HTTP Basic or `X-Hub-Key`) and source networks.
- **The admin API** (`/admin/...`, bearer token): customers, profiles, desired states,
  commands, health, maintenance windows, relay access, alert channels, PBXes, their API
  users and upstream connections, scoped tokens.
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
    ("admin: alert channels", "Where a customer's alerts go besides its e-mail lists."),
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


class Components:
    """The components the operations refer to, gathered while their markers are resolved."""

    def __init__(self) -> None:
        self.named: dict[tuple[str, str], Component] = {}
        self.resolved: dict[str, dict[str, Any]] = {}
        self.models: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}

    def resolve(self, node: Any) -> Any:
        """`node` as JSON: each marker replaced by its reference, its component noted."""
        if isinstance(node, Component):
            return self._component(node)
        if isinstance(node, Model):
            self.models[node.model, node.mode] = None
            return {"$ref": REF.format(model=node.model.__name__)}
        if isinstance(node, dict):
            # `{"$ref": component, ...}`: a reference beside other keywords
            return {k: self._ref(v) if k == "$ref" else self.resolve(v) for k, v in node.items()}
        if isinstance(node, list | tuple):
            return [self.resolve(item) for item in node]
        return node

    def _ref(self, target: Any) -> Any:
        return self._component(target)["$ref"] if isinstance(target, Component) else target

    def _component(self, part: Component) -> Schema:
        known = self.named.setdefault((part.kind, part.name), part)
        if known is not part and known.value != part.value:
            raise ValueError(f"two components named {part.kind}/{part.name}")
        if known is part:
            self.resolved.setdefault(part.kind, {})[part.name] = self.resolve(part.value)
        return {"$ref": f"#/components/{part.kind}/{part.name}"}

    def document(self) -> Schema:
        """The `components` object: every kind's parts by name."""
        out = {**self.resolved, "schemas": {**self._models(), **self.resolved.get("schemas", {})}}
        kinds = ("schemas", "headers", "responses", "securitySchemes")
        return {kind: dict(sorted(out[kind].items())) for kind in kinds if kind in out}

    def _models(self) -> Schema:
        refs, top = models_json_schema(list(self.models), ref_template=REF)
        for (model, _), ref in refs.items():
            if ref != {"$ref": REF.format(model=model.__name__)}:
                raise ValueError(f"{model.__name__} has two schemas: its request's and answer's")
        named = {name for kind, name in self.named if kind == "schemas"}
        if clash := named & set(top.get("$defs", {})):
            raise ValueError(f"named schemas that are models' too: {sorted(clash)}")
        defs: Schema = top.get("$defs", {})
        return defs


def _paths(operations: Iterable[Operation], found: Components) -> Schema:
    paths: dict[str, Schema] = {}
    for op in operations:
        item = paths.setdefault(op.path.openapi, {})
        params = found.resolve(op.path.params)
        if params and item.setdefault("parameters", params) != params:
            raise ValueError(f"{op.path.openapi}: operations with different parameters")
        if op.method.lower() in item:
            raise ValueError(f"{op.method} {op.path.openapi} declared twice")
        item[op.method.lower()] = found.resolve(op.describe())
        for scheme in op.security:
            if scheme is not None:
                found.resolve(scheme)
        found.resolve(op.mentions)
    return paths


def document(operations: Iterable[Operation]) -> Schema:
    """The whole document of these operations."""
    found = Components()
    paths = _paths(operations, found)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Heartbeat hub", "version": _version(), "description": DESCRIPTION},
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "paths": paths,
        "components": found.document(),
    }


def models(operations: Iterable[Operation]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    """The models the operations' schemas name, each with the mode it is named in."""
    found = Components()
    _paths(operations, found)
    return list(found.models)
