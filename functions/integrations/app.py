"""Integration configuration API: adapts API Gateway events to the integrations use cases."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira import wiring
from aha_jira.http_api.openapi import API_KEY, answer, errors, json_body, no_content
from aha_jira.http_api.query import QueryParameter, query_extension, read_query
from aha_jira.http_api.request import parse_body, public_base_url
from aha_jira.http_api.resolver import make_resolver, resolve
from aha_jira.integration_log import api_request_id, log_scope, logger
from aha_jira.models.reference_bounds import MAX_REFERENCE_LENGTH

if TYPE_CHECKING:
    from aha_jira.models.integration import IntegrationList, IntegrationView

# ruff: noqa: PLC0415 - each route imports its use case (and with it the models and pydantic) when first
# called, not at cold start (bench/cold_start.py).

# The body and the query parameters are read by the routes (`parse_body`, `read_query`: the answers of
# Powertools' validation, whose machinery and the models would cost every cold start about 150 ms).
app = make_resolver(validation=False)
INTEGRATIONS = ["Integrations"]
# Answer models by import path (`http_api.openapi`): for the OpenAPI description only.
INTEGRATION = "aha_jira.models.integration:IntegrationView"
# Each list route's query parameters, in the order they are checked (and described).
NEXT = QueryParameter("next")
LIST_INTEGRATIONS = (QueryParameter("limit", integer=True, default=50, ge=1, le=100), NEXT)
LIST_FEATURES = (
    QueryParameter("limit", integer=True, default=25, ge=1, le=100),
    NEXT,
    QueryParameter("jira_key", max_length=64),
)
READ_LOG = (
    QueryParameter("since", max_length=64, description="ISO 8601 time: entries at or after it"),
    QueryParameter("outcome", max_length=16, description="ok, skipped, queued or failed"),
    QueryParameter(
        "reference",
        max_length=MAX_REFERENCE_LENGTH,
        description="a feature's reference; its requirements match too",
    ),
    QueryParameter("limit", integer=True, default=50, ge=1, le=100),
    QueryParameter("next", max_length=200),
)
READ_EVENTS = (
    QueryParameter(
        "after",
        integer=True,
        default=0,
        ge=0,
        le=99_999_999_999_999_999_999,
        description="the last event id read (0: from the first)",
    ),
    QueryParameter("limit", integer=True, default=50, ge=1, le=100),
)


def _json(status: int, model: IntegrationView | IntegrationList) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=model.model_dump_json(by_alias=True),
    )


@app.put(
    "/integrations/<integration_id>",
    summary="Create or replace an integration",
    description="Secrets are write-only: stored in Secrets Manager, never answered, never logged.",
    tags=INTEGRATIONS,
    security=API_KEY,
    responses={
        200: answer(INTEGRATION, "Replaced; the configuration without its secrets."),
        201: answer(INTEGRATION, "Created; the configuration without its secrets."),
        **errors(400, 404, 409, 413, 415, keyed=True),
    },
    openapi_extensions=json_body(
        "aha_jira.models.integration:IntegrationConfigBody",
        "The configuration; its secrets are write-only (never answered).",
    ),
)
def put_integration(integration_id: str) -> Response[str]:
    from aha_jira.integrations.configure import configure_integration
    from aha_jira.models.integration import IntegrationConfigBody

    body = parse_body(app.current_event, IntegrationConfigBody)
    result = configure_integration(
        integration_id,
        body,
        repository=wiring.integrations(),
        secret_store=wiring.secrets(),
        public_base_url=public_base_url(app.current_event),
        health=wiring.webhook_health(),
    )
    return _json(201 if result.created else 200, result.view)


@app.get(
    "/integrations/<integration_id>",
    summary="Read an integration (never its secrets)",
    description=(
        "With the last test-connection report, webhook_url (the URL to register in Jira) and "
        "webhook.health (the site's last delivery, the changes the webhook missed in the last day)."
    ),
    tags=INTEGRATIONS,
    security=API_KEY,
    responses={200: answer(INTEGRATION, "The integration."), **errors(404, keyed=True)},
)
def read_integration(integration_id: str) -> Response[str]:
    from aha_jira.integrations.query import get_integration

    view = get_integration(
        integration_id,
        repository=wiring.integrations(),
        public_base_url=public_base_url(app.current_event),
        health=wiring.webhook_health(),
    )
    return _json(200, view)


@app.get(
    "/integrations",
    summary="List integrations",
    tags=INTEGRATIONS,
    security=API_KEY,
    responses={
        200: answer(
            "aha_jira.models.integration:IntegrationList",
            "A page of integrations; next asks for the one after.",
        ),
        **errors(400, keyed=True),
    },
    openapi_extensions=query_extension(*LIST_INTEGRATIONS),
)
def read_integrations() -> Response[str]:
    from aha_jira.integrations.query import list_integrations

    query = read_query(app.current_event, LIST_INTEGRATIONS)
    page = list_integrations(
        repository=wiring.integrations(),
        public_base_url=public_base_url(app.current_event),
        limit=query["limit"],
        after=query["next"],
        health=wiring.webhook_health(),
    )
    return _json(200, page)


@app.delete(
    "/integrations/<integration_id>",
    summary="Remove an integration; its issue links are detached",
    tags=INTEGRATIONS,
    security=API_KEY,
    responses={204: no_content("Removed."), **errors(404, 409, keyed=True)},
)
def delete_integration(integration_id: str) -> Response[str]:
    from aha_jira.integrations.remove import remove_integration

    remove_integration(
        integration_id,
        repository=wiring.integrations(),
        issue_links=wiring.issue_links(),
        secret_store=wiring.secrets(),
    )
    return Response(status_code=204, content_type=content_types.APPLICATION_JSON, body="")


@app.get(
    "/integrations/<integration_id>/features/<reference>",
    summary="Read a feature back with what Jira did",
    description="Its requirements, their Jira keys, statuses and time tracking, and when each last synced.",
    tags=["Features"],
    security=API_KEY,
    responses={
        200: answer("aha_jira.models.feature_view:FeatureView", "The feature."),
        **errors(404, keyed=True),
    },
)
def read_feature(integration_id: str, reference: str) -> Response[str]:
    from aha_jira.features.query import get_feature

    view = get_feature(
        integration_id,
        reference,
        integrations=wiring.integrations(),
        features=wiring.features(),
        links=wiring.issue_links(),
    )
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=view.model_dump_json())


@app.get(
    "/integrations/<integration_id>/features",
    summary="List an integration's features, newest first",
    description="Imported records included; ?jira_key= finds the record linked to an issue.",
    tags=["Features"],
    security=API_KEY,
    responses={
        200: answer("aha_jira.models.feature_view:FeatureList", "A page of features."),
        **errors(400, 404, keyed=True),
    },
    openapi_extensions=query_extension(*LIST_FEATURES),
)
def read_features(integration_id: str) -> Response[str]:
    from aha_jira.features.query import list_features

    query = read_query(app.current_event, LIST_FEATURES)
    page = list_features(
        integration_id,
        integrations=wiring.integrations(),
        features=wiring.features(),
        links=wiring.issue_links(),
        limit=query["limit"],
        after=query["next"],
        jira_key=query["jira_key"],
    )
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=page.model_dump_json())


@app.get(
    "/integrations/<integration_id>/log",
    summary="Read the integration log, newest first",
    description="?reference= also matches that feature's requirements (docs/integration-log.md: every field).",
    tags=["Integration log"],
    security=API_KEY,
    responses={
        200: answer("aha_jira.models.answers:IntegrationLogPage", "A page of log entries."),
        **errors(400, 404, keyed=True),
    },
    openapi_extensions=query_extension(*READ_LOG),
)
def read_log(integration_id: str) -> Response[str]:
    from aha_jira.integrations.query import load_integration
    from aha_jira.models.log_query import parse_log_query

    given = read_query(app.current_event, READ_LOG)
    query = parse_log_query(
        integration_id,
        since=given["since"],
        outcome=given["outcome"],
        reference=given["reference"],
        limit=given["limit"],
        next_token=given["next"],
    )
    load_integration(integration_id, wiring.integrations())  # 404 for an unknown integration
    page = wiring.integration_log_reader().read(query)
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=json.dumps(page.to_body())
    )


@app.get(
    "/integrations/<integration_id>/events",
    summary="Read the roadmap change feed, oldest first",
    description=(
        "Every change the integration made to a roadmap record (linked, status changed, time tracked, "
        "imported, detached), the same events the roadmap connector delivers. Ids increase in commit order: "
        "remember the last id read and ask ?after=<it>; next is the page's last id when more follow."
    ),
    tags=["Roadmap events"],
    security=API_KEY,
    responses={
        200: answer("aha_jira.models.roadmap_event:RoadmapEventPage", "A page of events, oldest first."),
        **errors(400, 404, keyed=True),
    },
    openapi_extensions=query_extension(*READ_EVENTS),
)
def read_roadmap_events(integration_id: str) -> Response[str]:
    from aha_jira.roadmap.feed import read_events

    query = read_query(app.current_event, READ_EVENTS)
    page = read_events(
        integration_id,
        integrations=wiring.integrations(),
        feed=wiring.roadmap_events(),
        after=query["after"],
        limit=query["limit"],
    )
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=page.model_dump_json())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with log_scope(correlation_id=api_request_id(event)):
        return resolve(app, event, context, json_bodies=True)
