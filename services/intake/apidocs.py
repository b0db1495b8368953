"""The API docs pages, served entirely by this app.

Swagger UI's scripts, styles and icons come from the ``swagger-ui-bundle-v2`` package
(the Swagger UI 5 release files, maintained by the Connexion project) and are served under
``/schema/assets/``: Writ runs on machines that reach no CDN, and a docs page that loads
its code from one renders blank there. Swagger UI 5 renders OpenAPI 3.1, which is what
Litestar generates.
"""

from __future__ import annotations

from pathlib import Path

from litestar import get
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import OpenAPIRenderPlugin, SwaggerRenderPlugin
from litestar.response import File
from swagger_ui_bundle import swagger_ui_path

ASSETS_PATH = "/schema/assets"

# Only what the page loads, by name: the bundle's source maps and sample pages (which point
# at an external petstore) stay unserved.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-standalone-preset.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


def assets_directory() -> Path:
    return Path(str(swagger_ui_path))


@get(f"{ASSETS_PATH}/{{name:str}}", include_in_schema=False, sync_to_thread=False)
def docs_asset(name: str) -> File:
    if name not in ASSETS:
        raise NotFoundException(f"no API-docs asset {name}")
    return File(
        path=assets_directory() / name,
        media_type=ASSETS[name],
        content_disposition_type="inline",
        # The files change only with the package's version.
        headers={"Cache-Control": "public, max-age=86400"},
    )


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """Swagger UI at ``/schema`` and ``/schema/swagger``, from the assets above."""
    return [
        SwaggerRenderPlugin(
            path=["/", "/swagger"],
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
        )
    ]
