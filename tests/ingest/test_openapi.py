"""The OpenAPI document and the docs page, in process (no Kafka, no worker)."""

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson
import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from starlette.routing import Route

from ingest import fast_paths
from ingest.app import ROUTES
from ingest.openapi import REF, models
from ingest.routes import DOCUMENT, OPERATIONS, relay_examples
from schemas.wire import Format
from tests.ingest.test_routes import client

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PATHS: dict[str, dict[str, Any]] = DOCUMENT["paths"]
RELAY = "/api/customer/{clientId}/heartbeat"
METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
COMPONENTS = {"components": DOCUMENT["components"]}


def routes() -> list[Route]:
    return [r for r in ROUTES if isinstance(r, Route)]


def route_methods(route: Route) -> set[str]:
    # Starlette answers HEAD wherever it answers GET; the document leaves HEAD implicit.
    return {m.lower() for m in route.methods or ()} - {"head"}


def documented(path: str) -> set[str]:
    return set(PATHS[path]) & METHODS


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in PATHS.items():
        for method in documented(path):
            yield path, method, item[method]


def test_the_document_is_valid_openapi_3_1() -> None:
    assert DOCUMENT["openapi"].startswith("3.1.")
    OpenAPIV31SpecValidator(DOCUMENT).validate()


def test_every_operation_of_the_table_is_documented_and_routed() -> None:
    assert sum(len(documented(path)) for path in PATHS) == len(OPERATIONS)
    for op in OPERATIONS:
        assert PATHS[op.path.openapi][op.method.lower()]["operationId"] == op.op_id
        if op.routed:
            [route] = [r for r in routes() if r.endpoint is op.endpoint]
            assert (route.path, op.method) in {(op.path.template, m) for m in route.methods or ()}


def test_nothing_is_routed_outside_the_table() -> None:
    assert len(routes()) == len(ROUTES)
    for route in routes():
        ops = [op for op in OPERATIONS if op.routed and op.endpoint is route.endpoint]
        assert {op.method.lower() for op in ops} == route_methods(route), route.path


def test_the_fast_paths_take_operations_of_the_table() -> None:
    routed = {(op.method, op.path.template) for op in OPERATIONS if op.routed}
    for method, template, _, _ in fast_paths.PATHS:
        assert (method, template) in routed, template


def test_every_documented_path_is_served_by_a_route() -> None:
    for path in PATHS:
        concrete = re.sub(r"\{\w+\}", "1", path)
        methods = {
            m for r in routes() if r.path_regex.fullmatch(concrete) for m in route_methods(r)
        }
        assert documented(path) <= methods, f"{path}: {documented(path) - methods} not served"


def test_admin_operations_need_the_token_and_nothing_else_does() -> None:
    for path, method, op in operations():
        if path.startswith("/admin/"):
            assert op["security"] == [{"adminToken": []}], (method, path)
            assert {"401", "403"} <= set(op["responses"]), (method, path)
        elif path == RELAY:
            assert {} in op["security"], "a key is optional: only some customers ask for one"
        else:
            assert "security" not in op, (method, path)


def test_every_503_says_when_to_retry() -> None:
    shared = DOCUMENT["components"]["responses"]
    for path, method, op in operations():
        unavailable = op["responses"].get("503")
        if unavailable is None or path in ("/healthz", "/readyz"):
            continue
        if "$ref" in unavailable:
            unavailable = shared[unavailable["$ref"].rsplit("/", 1)[-1]]
        assert "Retry-After" in unavailable["headers"], (method, path)


def test_the_relay_answers_every_error_in_each_wire_format() -> None:
    responses = PATHS[RELAY]["put"]["responses"]
    assert set(responses) == {"200", "400", "401", "403", "404", "413", "415", "503"}
    wire = {"application/json", "text/json", "application/xml", "text/xml"}
    for status, answer in responses.items():
        assert wire <= set(answer["content"]), status


def test_component_schemas_are_the_models_own() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    named = models(OPERATIONS)
    assert len(named) >= 20
    for model, mode in named:
        own = model.model_json_schema(ref_template=REF, mode=mode)
        own.pop("$defs", None)
        assert schemas[model.__name__] == own, model.__name__


def test_the_relay_examples_are_the_api_pages_samples() -> None:
    body = PATHS[RELAY]["put"]
    sent, answered = body["requestBody"]["content"], body["responses"]["200"]["content"]
    for name, examples in (("request", sent), ("response", answered)):
        json_sample = orjson.loads((FIXTURES / f"relay-heartbeat-{name}.json").read_bytes())
        xml_sample = (FIXTURES / f"relay-heartbeat-{name}.xml").read_text().rstrip("\n")
        assert examples["application/json"]["example"] == json_sample
        assert examples["text/json"]["example"] == json_sample
        assert examples["application/xml"]["example"] == xml_sample
        assert examples["text/xml"]["example"] == xml_sample


def json_examples() -> Iterator[tuple[str, dict[str, Any], Any]]:
    for path, method, op in operations():
        bodies = [op.get("requestBody", {}), *op["responses"].values()]
        for body in bodies:
            for media, spec in body.get("content", {}).items():
                if "example" in spec and media.endswith("json"):
                    yield f"{method} {path} {media}", spec["schema"], spec["example"]


def test_every_json_example_matches_its_schema() -> None:
    checked = 0
    for where, schema, example in json_examples():
        # The schema's references are to the document's components: validate it in place.
        validator = OAS31Validator({**COMPONENTS, "$ref": "#/$defs/x", "$defs": {"x": schema}})
        errors = [e.message for e in validator.iter_errors(example)]
        assert not errors, (where, errors)
        checked += 1
    assert checked >= 4


def test_an_unknown_clients_failure_example_is_what_the_relay_writes() -> None:
    example = relay_examples.failure(Format.JSON)
    assert example["ResponseStatus"] == 2
    assert example["InboundProfileList"] is None


def test_the_document_is_served_without_a_token() -> None:
    reply = client().get("/openapi.json")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json() == orjson.loads(orjson.dumps(DOCUMENT))


class References(HTMLParser):
    """Every URL a page's tags name (src, href), and the spec URL its script names."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_data(self, data: str) -> None:
        self.urls += re.findall(r'url:\s*"([^"]+)"', data)


def test_the_docs_page_loads_only_its_own_assets() -> None:
    http = client()
    page = http.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "://" not in page.text  # no absolute URL at all, so no CDN
    refs = References()
    refs.feed(page.text)
    assert len(refs.urls) >= 4  # stylesheet, icon, script, the document
    for url in refs.urls:
        parts = urlsplit(url)
        assert not parts.scheme, url
        assert not parts.netloc, url
        asset = http.get(urljoin("http://testserver/docs", url))
        assert asset.status_code == 200, url
        assert asset.content, url


@pytest.mark.parametrize("name", ["swagger-initializer.js", "..%2Fcore.py", "index.html"])
def test_no_other_file_is_served(name: str) -> None:
    assert client().get(f"/docs/static/{name}").status_code == 404
