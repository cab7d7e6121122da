"""The admin console: `GET /admin` serves one web page and `GET /admin/{asset}` its stylesheet, scripts and
icon, all from the `static/` folder that ships beside this handler.

The page calls the public API from the browser with the API key the user types (kept in the tab's
sessionStorage); this function holds no secret, reads no table and calls no one, so it imports nothing
of the sync engine and its route needs no API key. Only files that exist in `static/` are served, by
their exact name: `..`, encoded slashes or any other name is a 404, never a path joined onto the folder.
Every answer carries a Content-Security-Policy that allows no inline script, style or framing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira.errors import NotFound
from aha_jira.http_api.errors import error_response
from aha_jira.http_api.openapi import document, errors
from aha_jira.http_api.resolver import make_resolver, resolve
from aha_jira.integration_log import api_request_id, log_scope, logger

STATIC = Path(__file__).resolve().parent / "static"
PAGE = "index.html"
CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# The assets by name, listed once per container: a request can only pick one of these.
ASSETS = {
    path.name: path for path in sorted(STATIC.iterdir()) if path.is_file() and path.suffix in CONTENT_TYPES
}
_loaded: dict[str, str] = {}

# Every route takes at most one path parameter, checked against ASSETS: no Powertools validation (its
# OpenAPI machinery costs about 80 ms of imports at every cold start).
app = make_resolver(validation=False)


def _file(path: Path, content_type: str, cache: str) -> Response[str]:
    body = _loaded.get(path.name)
    if body is None:
        body = _loaded[path.name] = path.read_text(encoding="utf-8")
    return Response(
        status_code=200,
        content_type=content_type,
        body=body,
        headers={**SECURITY_HEADERS, "Cache-Control": cache},
    )


TAGS = ["Admin console"]


@app.get(
    "/admin",
    summary="The admin console: a web page that configures, tests and watches integrations",
    description="Public: the page holds no secret; it asks for the API key and sends it with each API call.",
    tags=TAGS,
    responses={200: document("The admin console's page.", "text/html"), **errors(keyed=False)},
)
def get_console() -> Response[str]:
    # no-store: a new deployment's page (and the asset names it refers to) is seen at once.
    return _file(STATIC / PAGE, "text/html; charset=utf-8", "no-store")


def _no_such_file() -> NotFound:
    return NotFound(
        "The admin console has no such file.", hint="Open the console at /admin; it loads its own files."
    )


@app.get(
    "/admin/<asset>",
    summary="A stylesheet, script or icon of the admin console",
    description="Only the files the page loads; any other name is 404.",
    tags=TAGS,
    responses={
        200: document("The stylesheet, script or icon.", "text/css", "text/javascript", "image/svg+xml"),
        **errors(404, keyed=False),
    },
)
def get_asset(asset: str) -> Response[str]:
    path = ASSETS.get(asset)
    if path is None:
        raise _no_such_file()
    return _file(path, CONTENT_TYPES[path.suffix], "no-cache")


@app.not_found
def _no_route(_: NotFoundError) -> Response[str]:
    # An encoded slash decodes into a path no route matches (/admin/../app.py): a 404 like any other name.
    return error_response(_no_such_file())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with log_scope(correlation_id=api_request_id(event)):
        return resolve(app, event, context)
