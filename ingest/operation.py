"""One operation of the ingress, declared once: Starlette routes it, the document describes it.

An `Operation` names its method, its path (with the parameters the path holds), the
endpoint that answers it, and what the OpenAPI document says of it: summary, tag, query
parameters, request body and every status it answers. `routes` turns a table of them
into Starlette's routes; `ingest.openapi` turns the same table into the document.

Schemas are plain dicts holding two kinds of marker the document resolves: a `Model`
(a pydantic model's own schema, as a request body or as an answer) and a `Component`
(a named schema, response, header or security scheme the document keeps once).
"""

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Schema = dict[str, Any]
Endpoint = Callable[[Request], Awaitable[Response]]
PLACEHOLDER = re.compile(r"\{(\w+)(?::\w+)?\}")
"""A `{name}` or `{name:convertor}` of a Starlette path template."""


@dataclass(frozen=True, eq=False)
class Component:
    """A part of the document kept once under `#/components/<kind>/<name>`, used by reference."""

    kind: Literal["schemas", "responses", "headers", "securitySchemes"]
    name: str
    value: Schema


@dataclass(frozen=True, eq=False)
class Model:
    """A pydantic model's own JSON schema: `validation` for a request, `serialization` for an
    answer."""

    model: type[BaseModel]
    mode: Literal["validation", "serialization"]


def request(model: type[BaseModel]) -> Any:
    """The schema of a request body's model."""
    return Model(model, "validation")


def response(model: type[BaseModel]) -> Any:
    """The schema of an answer's model."""
    return Model(model, "serialization")


@dataclass(frozen=True, eq=False)
class Path:
    """A path as Starlette matches it (`{profileId:int}`) and its parameters, in order."""

    template: str
    params: tuple[Schema, ...] = ()

    def __post_init__(self) -> None:
        names = PLACEHOLDER.findall(self.template)
        declared = [p["name"] for p in self.params]
        if names != declared:
            raise ValueError(f"{self.template}: parameters {declared} for {names}")

    def child(self, suffix: str, *params: Schema) -> "Path":
        """A path under this one, with the parameters its suffix adds."""
        return Path(self.template + suffix, (*self.params, *params))

    @property
    def openapi(self) -> str:
        """The template as OpenAPI writes it: `{profileId}`."""
        return PLACEHOLDER.sub(r"{\1}", self.template)


@dataclass(frozen=True, eq=False)
class Operation:
    """A method on a path: its endpoint, and what the document says of it.

    `answers` maps each status the operation answers to its response object. An operation
    that is not `routed` is a case of another one's route (the PBX API's named calls),
    documented apart. `mentions` are components its prose names that no schema refers to.
    """

    method: str
    path: Path
    endpoint: Endpoint
    op_id: str
    summary: str
    tag: str
    answers: Mapping[int, Schema | Component]
    body: Schema | None = None
    query: tuple[Schema, ...] = ()
    description: str | None = None
    security: tuple[Component | None, ...] = ()
    routed: bool = True
    mentions: tuple[Any, ...] = ()

    def describe(self) -> Schema:
        """The operation object, its markers not yet resolved; `None` in `security`: no key."""
        op: Schema = {"operationId": self.op_id, "summary": self.summary, "tags": [self.tag]}
        if self.description:
            op["description"] = self.description
        if self.query:
            op["parameters"] = list(self.query)
        if self.body is not None:
            op["requestBody"] = self.body
        op["responses"] = {str(status): answer for status, answer in self.answers.items()}
        if self.security:
            op["security"] = [{s.name: []} if s else {} for s in self.security]
        return op


def routes(operations: Iterable[Operation]) -> list[Route]:
    """Starlette's routes: one per path and endpoint, with the methods it answers."""
    methods: dict[tuple[str, Endpoint], list[str]] = {}
    for op in operations:
        if op.routed:
            methods.setdefault((op.path.template, op.endpoint), []).append(op.method)
    return [Route(path, endpoint, methods=m) for (path, endpoint), m in methods.items()]
