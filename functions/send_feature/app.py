"""Send a feature to Jira: adapts the API Gateway event to the send use case."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira.http_api.openapi import API_KEY, answer, errors, json_body
from aha_jira.http_api.paths import check_path_ids
from aha_jira.http_api.request import parse_body
from aha_jira.http_api.resolver import make_resolver, resolve
from aha_jira.integration_log import api_request_id, log_scope, logger
from aha_jira.models.feature import SendFeatureBody
from aha_jira.models.send import SendQueued
from aha_jira.sync.send import send_feature
from aha_jira.wiring import send_services

# The body is validated with pydantic here (`parse_body`: the same 400 answer as Powertools' validation);
# Powertools' validation machinery would add about 80 ms to every cold start for this one model.
app = make_resolver(validation=False)


@app.post(
    "/integrations/<integration_id>/features/<reference>/send",
    summary="Create or update the Jira issues of a feature and its requirements",
    description=(
        "Exactly once: a repeated send never creates an issue twice. Requirements no longer on the roadmap "
        "are listed in removed and stay in Jira."
    ),
    tags=["Send"],
    security=API_KEY,
    # The body is read by `parse_body`, not by Powertools; models are named for the description only.
    openapi_extensions=json_body(
        "aha_jira.models.feature:SendFeatureBody", '{"feature": <Aha! feature resource>}'
    ),
    responses={
        200: answer(
            "aha_jira.models.send:SendSynced",
            "In Jira: the keys and browse URLs of the feature's and requirements' issues.",
        ),
        202: answer(
            "aha_jira.models.send:SendQueued",
            "Jira could not take it just now: queued and retried (retry_id).",
        ),
        **errors(
            400,
            404,
            409,
            413,
            415,
            422,
            keyed=True,
            notes={
                409: "not_tested before a successful test connection, disabled for a disabled integration."
            },
        ),
    },
)
def post_send(integration_id: str, reference: str) -> Response[str]:
    check_path_ids(integration_id, reference)
    body = parse_body(app.current_event, SendFeatureBody)
    # API Gateway gives up at 29 s and the function at its timeout: a send stops writing before either.
    deadline = time.time() + app.lambda_context.get_remaining_time_in_millis() / 1000
    result = send_feature(integration_id, reference, body.feature, send_services(), deadline=deadline)
    status = 202 if isinstance(result, SendQueued) else 200
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=result.model_dump_json()
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with log_scope(correlation_id=api_request_id(event)):
        return resolve(app, event, context, json_bodies=True)
