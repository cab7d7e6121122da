"""The API functions' resolver: Powertools Event Handler with pydantic validation and our errors."""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira.errors import AhaJiraError, NotFound, PayloadTooLarge, UnsupportedMediaType
from aha_jira.http_api.bodies import check_json_content_type
from aha_jira.http_api.errors import error_response, register_error_handlers
from aha_jira.models.json_input import parse_json

MAX_BODY_BYTES = 5 * 1024 * 1024
# Powertools' route patterns end in `$`, which also matches before a final line break: `/integrations/mob%0A`
# would be served as `/integrations/mob`. Any other control character reaches the routes: their patterns
# refuse it (404), and the webhook routes, which take any segment, answer it as theirs.
_FINAL_LINE_BREAK = re.compile(r"\n\Z")


def make_resolver(*, validation: bool = True) -> APIGatewayRestResolver:
    """The resolver with our error handlers. `validation` turns on Powertools' pydantic validation of
    bodies and parameters (and its OpenAPI machinery, about 80 ms of imports at cold start): a function
    whose routes take neither a body nor a validated parameter goes without it. Bodies Powertools reads
    are parsed by `parse_json` (depth, NaN, repeated keys), never by `json.loads` alone."""
    app = APIGatewayRestResolver(enable_validation=validation, json_body_deserializer=parse_json)
    register_error_handlers(app, validation=validation)
    return app


def body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        # Decoded size without decoding: 3 bytes per 4 characters, less the padding.
        return len(body) * 3 // 4 - body.count("=", -2)
    return len(body.encode("utf-8"))


def _answer(error: AhaJiraError) -> dict[str, Any]:
    response = error_response(error)
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": "application/json"},
        "body": response.body,
        "isBase64Encoded": False,
    }


def resolve(
    app: APIGatewayRestResolver, event: dict[str, Any], context: LambdaContext, *, json_bodies: bool = False
) -> dict[str, Any]:
    """Refuse an oversized body before anything parses it (and, for a function whose routes read JSON
    bodies, `json_bodies`, a body of another content type), then let the resolver route the event."""
    if body_size(event) > MAX_BODY_BYTES:
        return _answer(
            PayloadTooLarge(
                f"The body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB.",
                hint="Send fewer requirements or smaller descriptions; attachments are sent by URL.",
            )
        )
    if _FINAL_LINE_BREAK.search(event.get("path") or ""):
        return _answer(NotFound("No such route.", hint="See GET /openapi.json.", code="not_found"))
    if json_bodies:
        try:
            check_json_content_type(event)
        except UnsupportedMediaType as error:
            return _answer(error)
    return app.resolve(event, context)


__all__ = ["MAX_BODY_BYTES", "make_resolver", "resolve"]
