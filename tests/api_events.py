"""Build API Gateway REST proxy events for in-process handler tests, the way the local gateway does."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from aha_jira_dev.local_stack.gateway import GatewayRequest, build_proxy_event
from aha_jira_dev.local_stack.lambda_context import LambdaContext, context_for
from aha_jira_dev.local_stack.template import Template

API_KEY = "test-api-key"


def rest_event(
    template: Template,
    method: str,
    path: str,
    *,
    body: Any = None,
    query: list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    parts = urlsplit(path)
    found = None
    for route in template.routes:
        params = route.match(method, parts.path)
        if params is not None:
            found = (route, params)
            break
    if found is None:
        raise LookupError(f"no route for {method} {path} in the template")
    route, params = found
    raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    all_headers = {"Host": "api.example.test", "X-Forwarded-Proto": "https", "x-api-key": API_KEY}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    request = GatewayRequest(
        method=method,
        path=parts.path,
        headers=list(all_headers.items()),
        query=query or [],
        body=raw,
        source_ip="127.0.0.1",
    )
    return build_proxy_event(
        request, route, params, stage="v1", binary_media_types=template.binary_media_types, api_key=API_KEY
    )


def invoke(template: Template, handler: Any, function: str, event: dict[str, Any]) -> dict[str, Any]:
    """Call a handler in-process with a Lambda context for `function`, as the runtime would."""
    context: LambdaContext = context_for(template.function(function))
    result: dict[str, Any] = handler(event, context)
    return result
