"""Swagger UI for `GET /swagger`, served by the API itself: the page, the script and stylesheet Powertools
bundles (no CDN), and a script of ours that starts it on `openapi.json`.

Every URL is relative to the page (`/v1/swagger` → `/v1/swagger/<asset>`, `/v1/openapi.json`), so the
page works under any stage or base path, and it carries no inline script or style: the Content Security
Policy allows scripts and styles from this origin only ('unsafe-inline' for neither; Swagger UI sets its
inline styles through the DOM, which the policy allows) and images from `data:` URIs (its icons). Checked
in a browser: every operation, expanded with its examples, renders without a policy violation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import aws_lambda_powertools.event_handler

_BUNDLED = Path(aws_lambda_powertools.event_handler.__file__).parent / "openapi" / "swagger_ui"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aha-jira API</title>
<link rel="stylesheet" href="swagger/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="swagger/swagger-ui-bundle.js"></script>
<script src="swagger/swagger-initializer.js"></script>
</body>
</html>
"""

_INITIALIZER = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    filter: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    validatorUrl: null
  });
});
"""


@dataclass(frozen=True)
class Asset:
    content_type: str
    body: str


def _bundled(name: str) -> str:
    return (_BUNDLED / name).read_text(encoding="utf-8")


_SOURCES: dict[str, tuple[str, Callable[[], str]]] = {
    "swagger-ui-bundle.js": ("text/javascript; charset=utf-8", lambda: _bundled("swagger-ui-bundle.min.js")),
    "swagger-ui.css": ("text/css; charset=utf-8", lambda: _bundled("swagger-ui.min.css")),
    "swagger-initializer.js": ("text/javascript; charset=utf-8", lambda: _INITIALIZER),
}
ASSET_NAMES = tuple(_SOURCES)


def asset(name: str) -> Asset | None:
    """One of the page's assets by its file name, or None."""
    return _read(name) if name in _SOURCES else None


@cache  # once per container; only the known names reach it
def _read(name: str) -> Asset:
    content_type, read = _SOURCES[name]
    return Asset(content_type, read())
