"""API Gateway's own answers (gateway responses), shaped by the template as in AWS.

API Gateway answers some requests itself, without calling a function: a route the API does not have, a
missing or wrong API key, a body over its 10 MB limit, a function that failed. Each such answer has a
response type with a default status and message (`{"message": "Forbidden"}` and the like). The API's
`GatewayResponses` (template.yaml) replaces a type's status, headers and body template; `DEFAULT_4XX` and
`DEFAULT_5XX` apply to every type of their class the API does not shape itself.

The local gateway answers by the same rules from the same template, so the local stack and AWS cannot
drift: a template without `GatewayResponses` gets API Gateway's defaults here too. Body templates take
API Gateway's simple `$context` substitutions (no Velocity logic runs in a gateway response).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aha_jira_dev.local_stack.template import Template

_SAM_API = "AWS::Serverless::Api"
_JSON = "application/json"
# API Gateway's body when a response type is not shaped: `$context.error.messageString` is the message
# in double quotes.
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)")


@dataclass(frozen=True)
class ResponseType:
    """One kind of answer API Gateway gives itself, with its defaults."""

    name: str
    status: int
    message: str
    error_type: str  # the x-amzn-ErrorType header

    @property
    def default_type(self) -> str:
        return "DEFAULT_5XX" if self.status >= 500 else "DEFAULT_4XX"


MISSING_AUTHENTICATION_TOKEN = ResponseType(
    "MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token", "MissingAuthenticationTokenException"
)
INVALID_API_KEY = ResponseType("INVALID_API_KEY", 403, "Forbidden", "ForbiddenException")
REQUEST_TOO_LARGE = ResponseType("REQUEST_TOO_LARGE", 413, "Request Too Long", "RequestTooLargeException")
# A function that raised or answered something that is not a proxy response: API Gateway's 502, which
# only DEFAULT_5XX shapes.
FUNCTION_FAILED = ResponseType("DEFAULT_5XX", 502, "Internal server error", "InternalServerErrorException")


def unreadable_request(status: int, message: str) -> ResponseType:
    """A request the HTTP server could not read (bad request line, headers, Content-Length...): no type of
    API Gateway's own, so DEFAULT_4XX (or DEFAULT_5XX) shapes it."""
    return ResponseType("BAD_REQUEST", status, message, "BadRequestException")


@dataclass(frozen=True)
class ResponseShape:
    """One entry of `GatewayResponses`."""

    status: int | None = None
    templates: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayResponse:
    """An HTTP answer of the local gateway (a function's, or the gateway's own)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _static_header_value(value: Any) -> str | None:
    """A header mapping's static value (`"'text'"`); request-mapped values are not served locally."""
    text = str(value)
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    return None


def _shape(entry: Mapping[str, Any]) -> ResponseShape:
    status = entry.get("StatusCode")
    headers = ((entry.get("ResponseParameters") or {}).get("Headers")) or {}
    return ResponseShape(
        status=int(status) if status is not None else None,
        templates={str(k): str(v) for k, v in (entry.get("ResponseTemplates") or {}).items()},
        headers={
            str(name): static
            for name, value in headers.items()
            if (static := _static_header_value(value)) is not None
        },
    )


class GatewayResponses:
    """The API's gateway responses (the first `AWS::Serverless::Api` of the template)."""

    def __init__(self, shapes: Mapping[str, ResponseShape]) -> None:
        self.shapes = dict(shapes)

    @classmethod
    def from_template(cls, template: Template) -> GatewayResponses:
        for resource in template.resources.values():
            if resource.get("Type") == _SAM_API:
                configured = (resource.get("Properties") or {}).get("GatewayResponses") or {}
                return cls({str(name): _shape(entry) for name, entry in configured.items()})
        return cls({})

    def shape_for(self, kind: ResponseType) -> ResponseShape | None:
        return self.shapes.get(kind.name) or self.shapes.get(kind.default_type)

    def answer(self, kind: ResponseType, request_id: str) -> GatewayResponse:
        shape = self.shape_for(kind)
        status = shape.status if shape is not None and shape.status is not None else kind.status
        template = (shape.templates.get(_JSON) if shape is not None else None) or DEFAULT_TEMPLATE
        body = render(template, kind, request_id)
        headers = [
            ("Content-Type", _JSON),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", kind.error_type),
            *(shape.headers.items() if shape is not None else ()),
        ]
        return GatewayResponse(status, headers, body.encode())


def render(template: str, kind: ResponseType, request_id: str) -> str:
    """A gateway response body template with API Gateway's `$context` variables substituted (unknown
    variables render empty, as API Gateway renders them)."""
    values = {
        "error.message": kind.message,
        "error.messageString": json.dumps(kind.message),
        "error.responseType": kind.name,
        "requestId": request_id,
        "extendedRequestId": request_id,
    }
    return _CONTEXT_VARIABLE.sub(lambda found: values.get(found.group(1), ""), template)
