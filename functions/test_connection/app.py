"""Test connection API: adapts the API Gateway event to the test-connection use case."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira import wiring
from aha_jira.http_api.openapi import API_KEY, answer, errors
from aha_jira.http_api.resolver import make_resolver, resolve
from aha_jira.integration_log import api_request_id, log_scope, logger

# ruff: noqa: PLC0415 - the use case (its models, the Jira and Aha! clients) is imported by the route on the
# first request, not at cold start (bench/cold_start.py).

# No body and no validated parameter: no Powertools validation (its imports cost a cold start).
app = make_resolver(validation=False)


@app.post(
    "/integrations/<integration_id>/test-connection",
    summary="Authenticate to Jira and load its configuration; answer a report of problems",
    description=(
        "Always 200 once Jira was asked, whatever it answered: ok is false when any problem is an error. "
        "What was loaded is stored on the integration for the sends."
    ),
    tags=["Test connection"],
    security=API_KEY,
    responses={
        200: answer(
            "aha_jira.models.test_report:TestReport",
            "The report: problems with their hints, and what was loaded.",
        ),
        **errors(404, 409, keyed=True),
    },
)
def post_test_connection(integration_id: str) -> Response[str]:
    from aha_jira.connection.test_connection import test_connection

    report = test_connection(
        integration_id,
        repository=wiring.integrations(),
        secret_store=wiring.secrets(),
        installations=wiring.connect_installations(),
        budgets=wiring.rate_budgets(),
        webhook_health=wiring.webhook_health(),
    )
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=report.model_dump_json()
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with log_scope(correlation_id=api_request_id(event)):
        return resolve(app, event, context)
