"""Jira admin webhook receiver: adapts the API Gateway event to the webhook use case.

The route is public (no API key): the webhook token in the URL and, when the site has a secret, the
`X-Hub-Signature` authenticate Jira. The signature covers the raw bytes Jira sent, so the body is taken
from the event as it arrived (base64-decoded when API Gateway encoded it), never re-serialised.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira import wiring
from aha_jira.errors import InvalidRequest
from aha_jira.http_api.resolver import make_resolver, resolve
from aha_jira.integration_log import logger
from aha_jira.webhooks.receive import receive_jira_webhook

app = make_resolver()


def _raw_body() -> bytes:
    event = app.current_event
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest(
                "The body is not valid base64.", hint="Send the JSON Jira produced.", code="invalid_body"
            ) from None
    return body.encode("utf-8")


@app.post("/webhooks/jira/<webhook_token>", summary="Receive a Jira admin webhook delivery")
def post_jira_webhook(webhook_token: str) -> Response[str]:
    headers = {name.lower(): value for name, value in (app.current_event.headers or {}).items()}
    answer = receive_jira_webhook(webhook_token, headers, _raw_body(), wiring.webhook_services())
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=answer.model_dump_json()
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)
