"""Every error becomes `{"error": {"code", "message", "hint"}}` with an honest status, here and only here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from aha_jira.errors import AhaJiraError, InvalidRequest
from aha_jira.integration_log import logger

# pydantic puts the union member's tag into an error's location; the user wrote no such key.
_UNION_TAGS = {
    "basic",
    "bearer",
    "connect",
    "value",
    "from",
    "function-after[_one_identity_one_secret(), BasicAuth]",
}


def error_response(error: AhaJiraError) -> Response[str]:
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(error.to_body()),
    )


def validation_error(errors: Sequence[Any]) -> InvalidRequest:
    details = []
    for item in errors:
        path = _path(item.get("loc", ()))
        message = _message(item)
        details.append({"path": path, "message": message})
    first = details[0] if details else {"path": "body", "message": "invalid request"}
    return InvalidRequest(
        f"{first['path']}: {first['message']}" if first["path"] else first["message"],
        hint="Fix the named key and send the request again; see GET /openapi.json for the schema.",
        code="invalid_body",
        details=details,
    )


def _path(loc: Sequence[Any]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    kept = [part for part in parts if part not in _UNION_TAGS and not part.startswith("function-")]
    return ".".join(kept)


def _message(item: dict[str, Any]) -> str:
    kind = item.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "json_invalid":
        return "the body is not valid JSON"
    message = str(item.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def register_error_handlers(app: APIGatewayRestResolver, *, validation: bool = True) -> None:
    @app.exception_handler(AhaJiraError)
    def _known(error: AhaJiraError) -> Response[str]:
        return error_response(error)

    if validation:
        # Imported only with validation on: it loads Powertools' OpenAPI package.
        from aws_lambda_powertools.event_handler.openapi.exceptions import (  # noqa: PLC0415
            RequestValidationError,
        )

        @app.exception_handler(RequestValidationError)
        def _invalid(error: RequestValidationError) -> Response[str]:
            return error_response(validation_error(error.errors()))

    @app.not_found
    def _no_route(_: NotFoundError) -> Response[str]:
        return error_response(AhaJiraError("No such route.", hint="See GET /openapi.json.", code="not_found"))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[str]:
        # The message of an unexpected error may carry anything; log it (redacted), answer generically.
        logger.exception("Unhandled error")
        return error_response(
            AhaJiraError(
                "The request failed on our side.",
                hint="Try again; if it keeps failing, look up the request id in the integration log.",
            )
        )
