"""The API functions' resolver: Powertools Event Handler with pydantic validation and our errors."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira.errors import PayloadTooLarge
from aha_jira.http_api.errors import error_response, register_error_handlers

MAX_BODY_BYTES = 5 * 1024 * 1024


def make_resolver(*, validation: bool = True) -> APIGatewayRestResolver:
    """The resolver with our error handlers. `validation` turns on Powertools' pydantic validation of
    bodies and parameters (and its OpenAPI machinery, about 80 ms of imports at cold start): a function
    whose routes take neither a body nor a validated parameter goes without it."""
    app = APIGatewayRestResolver(enable_validation=validation)
    register_error_handlers(app, validation=validation)
    return app


def body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        # Decoded size without decoding: 3 bytes per 4 characters, less the padding.
        return len(body) * 3 // 4 - body.count("=", -2)
    return len(body.encode("utf-8"))


def resolve(app: APIGatewayRestResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Refuse an oversized body before anything parses it, then let the resolver route the event."""
    if body_size(event) > MAX_BODY_BYTES:
        response = error_response(
            PayloadTooLarge(
                f"The body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB.",
                hint="Send fewer requirements or smaller descriptions; attachments are sent by URL.",
            )
        )
        return {
            "statusCode": response.status_code,
            "headers": {"Content-Type": "application/json"},
            "body": response.body,
            "isBase64Encoded": False,
        }
    return app.resolve(event, context)


__all__ = ["MAX_BODY_BYTES", "make_resolver", "resolve"]
