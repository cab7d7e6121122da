"""Jira's calls to us: admin webhooks, and the Connect app (descriptor, lifecycle, configure page,
Connect webhooks). Adapts the API Gateway event to the use cases in `aha_jira.webhooks` and
`aha_jira.connect`.

Every route is public (no API key): the webhook token in the URL and, when the site has a secret, the
`X-Hub-Signature` authenticate an admin webhook; Connect routes verify Jira's JWT. Signatures cover the raw
bytes Jira sent, so the body is taken from the event as it arrived (base64-decoded when API Gateway
encoded it), never re-serialised.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira import wiring
from aha_jira.errors import InvalidRequest
from aha_jira.http_api.openapi import answer, document, errors, form_body, json_body
from aha_jira.http_api.request import public_base_url
from aha_jira.http_api.resolver import make_resolver, resolve
from aha_jira.integration_log import api_request_id, log_scope, logger
from aha_jira.settings import connect_app_key

if TYPE_CHECKING:
    from aha_jira.connect.configure import Page
    from aha_jira.connect.lifecycle import LifecycleEvent
    from aha_jira.connect.request import ConnectRequest

# ruff: noqa: PLC0415 - the Connect code (legacy; its JWT, RSA keys, install keys and requests) is imported
# by the Connect routes when first called: an admin webhook's cold start never pays for it. The webhook use
# case (its models, pydantic) is imported by its route on the first delivery, not at cold start.

# Every route takes only path parameters and reads its raw body itself: no Powertools validation (its
# OpenAPI machinery costs about 80 ms of imports at every cold start).
app = make_resolver(validation=False)
WEBHOOKS = ["Jira webhooks"]
CONNECT = ["Jira via Connect"]
# Models by import path (`http_api.openapi`), for the OpenAPI description only: nothing imports them here.
JIRA_EVENT = "aha_jira.models.jira_webhook:JiraWebhookEvent"
WEBHOOK_ANSWER = "aha_jira.models.jira_webhook:WebhookAnswer"
LIFECYCLE = "aha_jira.connect.lifecycle:LifecyclePayload"
LIFECYCLE_ANSWER = "aha_jira.models.answers:ConnectLifecycleAnswer"


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


@app.post(
    "/webhooks/jira/<webhook_token>",
    summary="Receive a Jira admin webhook delivery",
    description=(
        "The token names the Jira site (webhook_url of GET /integrations/{integration_id}). When the site has "
        "a webhook secret, X-Hub-Signature: sha256=<HMAC of the raw body> is required. Deliveries are "
        "deduplicated by X-Atlassian-Webhook-Identifier; an issue created in Jira may be imported."
    ),
    tags=WEBHOOKS,
    openapi_extensions=json_body(
        JIRA_EVENT, "Jira's delivery, as Jira sends it (fields we do not use are ignored)."
    ),
    responses={
        200: answer(WEBHOOK_ANSWER, "What happened to the delivery, and to each record it touched."),
        **errors(400, 401, 404, 413, 503, keyed=False),
    },
)
def post_jira_webhook(webhook_token: str) -> Response[str]:
    from aha_jira.webhooks.receive import receive_jira_webhook

    outcome = receive_jira_webhook(
        webhook_token,
        _headers(),
        _raw_body(),
        wiring.webhook_services(),
        public_base_url=public_base_url(app.current_event),
    )
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=outcome.model_dump_json()
    )


# Powertools' `<name>` takes letters, digits and some punctuation only; API Gateway hands over any segment
# (emoji, NUL, right-to-left marks). Such a path is still this route's: answered as the route answers it (an
# unknown webhook URL is 404 `unknown_webhook`), not as a path no route serves. Registered after the named
# route and, holding a capturing group, matched after it (Powertools tries rules without groups first).
_ANY_SEGMENT = "((?s:.+))"


@app.post(f"/webhooks/jira/{_ANY_SEGMENT}", include_in_schema=False)
def post_jira_webhook_odd_token() -> Response[str]:
    from aha_jira.webhooks.authentication import unknown_token

    raise unknown_token()


def _headers() -> dict[str, str]:
    return {name.lower(): value for name, value in (app.current_event.headers or {}).items()}


def _connect_request() -> ConnectRequest:
    from aha_jira.connect.request import ConnectRequest

    event = app.current_event
    query = [
        (name, value)
        for name, values in (event.multi_value_query_string_parameters or {}).items()
        for value in values or []
    ]
    return ConnectRequest(
        method=event.http_method,
        path=event.path,
        query=query,
        headers=_headers(),
        body=_raw_body(),
        base_url=public_base_url(event),
    )


def _json(body: Any, status: int = 200) -> Response[str]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def _html(page: Page) -> Response[str]:
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=page.html,
        headers={
            "Content-Security-Policy": f"frame-ancestors {page.frame_ancestor}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@app.get(
    "/atlassian-connect.json",
    summary="The Connect app descriptor",
    description="The URL to install the app from in a Jira Cloud site's Upload app (stack output ConnectDescriptorUrl).",
    tags=CONNECT,
    responses={
        200: {
            "description": "The Atlassian Connect app descriptor.",
            "content": {content_types.APPLICATION_JSON: {"schema": {"type": "object"}}},
        },
        **errors(keyed=False),
    },
)
def get_connect_descriptor() -> Response[str]:
    from aha_jira.connect.descriptor import descriptor

    return _json(descriptor(public_base_url(app.current_event), connect_app_key()))


def _lifecycle(event: LifecycleEvent) -> Response[str]:
    from aha_jira.connect.lifecycle import handle_lifecycle

    return _json(handle_lifecycle(event, _connect_request(), wiring.connect_lifecycle_services()))


@app.post(
    "/connect/installed",
    summary="Connect lifecycle: the app was installed (RS256-signed)",
    tags=CONNECT,
    openapi_extensions=json_body(LIFECYCLE, "Jira's installed callback."),
    responses={
        200: answer(LIFECYCLE_ANSWER, "The installation is stored (its shared secret in Secrets Manager)."),
        **errors(400, 401, 409, 413, 503, keyed=False),
    },
)
def post_connect_installed() -> Response[str]:
    return _lifecycle("installed")


@app.post(
    "/connect/uninstalled",
    summary="Connect lifecycle: the app was uninstalled (RS256-signed)",
    tags=CONNECT,
    openapi_extensions=json_body(
        "aha_jira.connect.lifecycle:LifecyclePayload", "Jira's uninstalled callback."
    ),
    responses={
        200: answer(LIFECYCLE_ANSWER, "The installation is marked uninstalled; its shared secret deleted."),
        **errors(400, 401, 409, 413, 503, keyed=False),
    },
)
def post_connect_uninstalled() -> Response[str]:
    return _lifecycle("uninstalled")


@app.get(
    "/connect/configure",
    summary="The Connect configure page (HTML, context JWT)",
    description="Shown in Jira; asks for the roadmap account's sub-domain.",
    tags=CONNECT,
    responses={200: document("The configure page.", "text/html"), **errors(401, 503, keyed=False)},
)
def get_connect_configure() -> Response[str]:
    from aha_jira.connect import configure

    return _html(configure.show_page(_connect_request(), wiring.connect_configure_services()))


@app.post(
    "/connect/configure",
    summary="Save the Connect configure page (HTML form, context JWT)",
    tags=CONNECT,
    openapi_extensions=form_body(
        {
            "jwt": "Jira's context JWT (or an Authorization: JWT header)",
            "subdomain": "The roadmap account's sub-domain",
        },
        ["subdomain"],
        "The configure page's form.",
    ),
    responses={
        200: document("The configure page, saved.", "text/html"),
        **errors(400, 401, 413, 503, keyed=False),
    },
)
def post_connect_configure() -> Response[str]:
    from aha_jira.connect import configure

    return _html(configure.save(_connect_request(), wiring.connect_configure_services()))


@app.post(
    "/connect/webhooks/<event>",
    summary="Receive a Connect webhook (JWT-signed)",
    description="The body names the event; the path only makes the descriptor's URLs distinct.",
    tags=CONNECT,
    openapi_extensions=json_body(JIRA_EVENT, "Jira's delivery, as Jira sends it."),
    responses={
        200: answer(WEBHOOK_ANSWER, "What happened to the delivery, and to each record it touched."),
        **errors(400, 401, 404, 413, 503, keyed=False),
    },
)
def post_connect_webhook(event: str) -> Response[str]:
    # The JWT's qsh covers the path, event included.
    del event
    return _connect_webhook()


# Registered after the named rule, so matched after it (see _ANY_SEGMENT).
@app.post(f"/connect/webhooks/{_ANY_SEGMENT}", include_in_schema=False)
def post_connect_webhook_odd_event() -> Response[str]:
    return _connect_webhook()


def _connect_webhook() -> Response[str]:
    from aha_jira.connect.webhook_auth import receive_connect_webhook

    outcome = receive_connect_webhook(_connect_request(), wiring.connect_webhook_services())
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=outcome.model_dump_json()
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # One log scope per invocation: duration_ms on every line; the delivery identifier replaces the
    # request id as correlation_id once receive.py knows it (bind_log_context).
    with log_scope(correlation_id=api_request_id(event)):
        return resolve(app, event, context)
