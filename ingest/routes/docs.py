"""`/openapi.json`, `/docs` and the page's files, as routed and documented: no token needed."""

from ingest import docs
from ingest.operation import Endpoint, Operation, Path
from ingest.routes.parts import TEXT, answer, content, path_param

ASSET = path_param("asset", "A Swagger UI file.", {"type": "string", "enum": list(docs.ASSETS)})
FILES = {media: {"schema": {"type": "string"}} for media in sorted(set(docs.ASSETS.values()))}


def operations(serve_document: Endpoint) -> tuple[Operation, ...]:
    """The document (served by `serve_document`), its viewer and the viewer's files."""
    document = answer("OpenAPI 3.1.", content({"type": "object"}))
    page = answer("The page.", content({"type": "string"}, "text/html"))
    files = {
        200: answer("The file.", FILES),
        404: answer("No such file.", content({"type": "string"}, TEXT)),
    }
    return (
        Operation(
            "GET", Path("/openapi.json"), serve_document, "openapi", "This document", "docs",
            {200: document},
        ),
        Operation(
            "GET", Path("/docs"), docs.page, "docs", "Swagger UI for this document", "docs",
            {200: page},
        ),
        Operation(
            "GET", Path("/docs/static/{asset}", (ASSET,)), docs.asset, "docsAsset",
            "A file of the page", "docs", files,
        ),
    )  # fmt: skip
