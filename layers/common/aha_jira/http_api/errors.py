"""Every error becomes `{"error": {"code", "message", "hint"}}` with an honest status, here and only here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from aha_jira.errors import AhaJiraError, InvalidRequest, NotFound
from aha_jira.integration_log import logger
from aha_jira.models.json_input import JsonRefused

# pydantic puts the union member's tag into an error's location; the user wrote no such key.
_UNION_TAGS = {
    "basic",
    "bearer",
    "connect",
    "value",
    "from",
    "function-after[_one_identity_one_secret(), BasicAuth]",
    "roadmap:none",
    "roadmap:aha",
    "roadmap:webhook",
}


def error_response(error: AhaJiraError) -> Response[str]:
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(error.to_body()),
    )


_BODY_HINT = "Fix the named key and send the request again; see GET /openapi.json for the schema."


def validation_error(errors: Sequence[Any]) -> InvalidRequest:
    details = []
    for item in errors:
        # A validator of a list or map names the element it refused in `ctx.at` (pydantic's location
        # stops at the field the validator belongs to).
        at = (item.get("ctx") or {}).get("at")
        path = _path([*item.get("loc", ()), *(str(at).split(".") if at else ())])
        message = _message(item)
        details.append({"path": path, "message": message})
    first = details[0] if details else {"path": "body", "message": "invalid request"}
    return InvalidRequest(
        f"{first['path']}: {first['message']}" if first["path"] else first["message"],
        hint=_BODY_HINT,
        code="invalid_body",
        details=details,
    )


def refused_json(error: JsonRefused) -> InvalidRequest:
    """The 400 for a body that is not JSON we read (`models.json_input`), naming the key when known."""
    return InvalidRequest(
        str(error),
        hint=_BODY_HINT,
        code="invalid_body",
        details=[{"path": error.path or "body", "message": error.reason}],
    )


def _path(loc: Sequence[Any]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    kept: list[str] = []
    after_tag = False
    for part in parts:
        if part.startswith("function-"):  # a validator's name, never a key
            continue
        # A union's tag comes right after the field holding the union; the part after a tag is a real
        # key even when it is spelled like one (`{"value": ...}`'s own `value`).
        if not after_tag and part in _UNION_TAGS:
            after_tag = True
            continue
        after_tag = False
        kept.append(part)
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

    @app.exception_handler(JsonRefused)
    def _not_json(error: JsonRefused) -> Response[str]:
        # Raised by the resolver's JSON deserializer when Powertools reads a body for validation.
        return error_response(refused_json(error))

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
        # Also a path whose id cannot be one (an encoded '/', '#' or NUL, an emoji): no route takes it.
        return error_response(NotFound("No such route.", hint="See GET /openapi.json.", code="not_found"))

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
