"""The API documentation page at /schema: Swagger UI (vendored in swagger_ui/, see its
README), served by the service itself. Litestar's renderers load their scripts from CDNs (a blank
page without internet) and put the document in an inline script (which the pages' CSP
refuses); this page loads three files from here and fetches /schema/openapi.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.static_files import create_static_files_router

ASSETS = "/schema-assets"
SWAGGER_DIR = Path(__file__).parent / "swagger_ui"

_INIT = b"""window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/schema/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
});
"""

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Returns concierge API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/swagger-ui-standalone-preset.js"></script>
<script src="{ASSETS}/init.js"></script>
</body>
</html>
""".encode()


class LocalSwaggerUI(OpenAPIRenderPlugin):
    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return _PAGE


@get(
    f"{ASSETS}/init.js", opt={"public": True}, include_in_schema=False, media_type="text/javascript"
)
async def swagger_init() -> bytes:
    return _INIT


swagger_assets = create_static_files_router(
    path=ASSETS,
    directories=[SWAGGER_DIR],
    opt={"public": True},
    include_in_schema=False,
)
