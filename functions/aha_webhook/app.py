"""Aha!'s webhooks (integration events and activity webhooks) for an integration whose roadmap is Aha!:
adapts the API Gateway event to `aha_jira.roadmap_inbound.receive`.

Public (no API key): the token in the URL (`roadmap.webhook_url`) is the credential, since Aha! signs
nothing. A function of its own, apart from Jira's webhook function: another caller, another use case and a
smaller cold start (it imports neither Jira's webhook code nor Connect's), and least privilege (no secret).
The body is read as it arrived (base64-decoded when API Gateway encoded it) and parsed strictly.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira import wiring
from aha_jira.http_api.openapi import answer, errors, json_body
from aha_jira.http_api.request import raw_body
from aha_jira.http_api.resolver import make_resolver, resolve
from aha_jira.integration_log import api_request_id, log_scope, logger

# ruff: noqa: PLC0415 - the receiving use case (its models, pydantic) is imported by the routes on the first
# delivery, not at cold start (bench/cold_start.py).

# The route takes only its path parameter and reads its raw body itself: no Powertools validation (its OpenAPI
# machinery costs about 80 ms of imports at every cold start).
app = make_resolver(validation=False)


@app.post(
    "/webhooks/aha/<roadmap_token>",
    summary="Receive an Aha! webhook delivery (integration event or activity webhook)",
    description=(
        "The token names the integration (roadmap.webhook_url of GET /integrations/{integration_id}). With "
        "roadmap.auto_update, a change to a linked feature or one of its requirements queues a send of the "
        "feature, read from Aha! when it runs; our own writes to Aha! coming back, unlinked records and "
        "events a send does not carry are answered and ignored. Audits are deduplicated by their id, "
        "integration events by their body."
    ),
    tags=["Aha! webhooks"],
    openapi_extensions=json_body(
        "aha_jira.models.aha_webhook:AhaWebhookBody",
        "Aha!'s delivery as Aha! sends it: {event, feature} or {event: audit, audit}.",
    ),
    responses={
        200: answer(
            "aha_jira.models.aha_webhook:AhaWebhookAnswer",
            "What became of the delivery: queued (a send waits in the retry queue), ignored, echo, duplicate.",
        ),
        **errors(
            400,
            404,
            413,
            503,
            keyed=False,
            notes={503: "The send could not be queued just now: Aha! delivers again, nothing is lost."},
        ),
    },
)
def post_aha_webhook(roadmap_token: str) -> Response[str]:
    from aha_jira.roadmap_inbound.receive import receive_aha_webhook

    outcome = receive_aha_webhook(roadmap_token, raw_body(app.current_event), wiring.aha_webhook_services())
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=outcome.model_dump_json()
    )


# Powertools' `<name>` takes letters, digits and some punctuation only; API Gateway hands over any segment.
# Such a path is still this route's, answered as an unknown webhook URL (matched after the named rule).
@app.post("/webhooks/aha/((?s:.+))", include_in_schema=False)
def post_aha_webhook_odd_token() -> Response[str]:
    from aha_jira.roadmap_inbound.receive import unknown_roadmap_token

    raise unknown_roadmap_token()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The delivery's identifier replaces the request id as correlation_id once receive.py knows it.
    with log_scope(correlation_id=api_request_id(event)):
        return resolve(app, event, context)
