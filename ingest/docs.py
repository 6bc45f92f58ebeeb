"""`/docs`: Swagger UI for `/openapi.json`, its assets served from the swagger-ui-py package.

Nothing comes from a CDN: the page names only its own assets, relative to itself (so it
works behind a path prefix and offline), and its Content-Security-Policy lets the
browser fetch nothing from anywhere else.
"""

import importlib.util
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "favicon-32x32.png": "image/png",
}
"""The files of Swagger UI the page loads, and their media types."""

CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; connect-src 'self'; font-src 'self' data:"
)
PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Heartbeat hub API</title>
<link rel="stylesheet" href="docs/static/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/static/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/static/swagger-ui-bundle.js"></script>
<script>
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
};
</script>
</body>
</html>
"""


def static_dir() -> Path:
    """Where swagger-ui-py keeps Swagger UI's files (found without importing the package)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or spec.origin is None:
        raise RuntimeError("the swagger-ui-py package is not installed")
    return Path(spec.origin).parent / "static"


STATIC = static_dir()


async def page(request: Request) -> Response:
    """The Swagger UI page."""
    headers = {"Content-Security-Policy": CSP, "Cache-Control": "no-cache"}
    return Response(PAGE, 200, headers, "text/html")


async def asset(request: Request) -> Response:
    """One of Swagger UI's files; 404 for anything else."""
    name = request.path_params["asset"]
    if name not in ASSETS:
        return PlainTextResponse("Not Found", 404)
    headers = {"Cache-Control": "public, max-age=3600"}
    return FileResponse(STATIC / name, headers=headers, media_type=ASSETS[name])
