"""Integration configuration API: adapts API Gateway events to the integrations use cases."""

from __future__ import annotations

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira import wiring
from aha_jira.features.query import get_feature, list_features
from aha_jira.http_api.openapi import API_KEY, answer, errors, no_content
from aha_jira.http_api.request import public_base_url
from aha_jira.http_api.resolver import make_resolver, resolve
from aha_jira.integration_log import api_request_id, log_scope, logger
from aha_jira.integrations.configure import configure_integration
from aha_jira.integrations.query import get_integration, list_integrations, load_integration
from aha_jira.integrations.remove import remove_integration
from aha_jira.models.integration import IntegrationConfigBody, IntegrationList, IntegrationView
from aha_jira.models.references import MAX_REFERENCE_LENGTH

app = make_resolver()
INTEGRATIONS = ["Integrations"]
# Answer models by import path (`http_api.openapi`): for the OpenAPI description only.
INTEGRATION = "aha_jira.models.integration:IntegrationView"


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
)
def put_integration(integration_id: str, body: Annotated[IntegrationConfigBody, Body()]) -> Response[str]:
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
)
def read_integrations(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next: Annotated[str | None, Query()] = None,
) -> Response[str]:
    page = list_integrations(
        repository=wiring.integrations(),
        public_base_url=public_base_url(app.current_event),
        limit=limit,
        after=next,
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
)
def read_features(
    integration_id: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    next: Annotated[str | None, Query()] = None,
    jira_key: Annotated[str | None, Query(max_length=64)] = None,
) -> Response[str]:
    page = list_features(
        integration_id,
        integrations=wiring.integrations(),
        features=wiring.features(),
        links=wiring.issue_links(),
        limit=limit,
        after=next,
        jira_key=jira_key,
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
)
def read_log(
    integration_id: str,
    *,
    since: Annotated[
        str | None, Query(max_length=64, description="ISO 8601 time: entries at or after it")
    ] = None,
    outcome: Annotated[str | None, Query(max_length=16, description="ok, skipped, queued or failed")] = None,
    reference: Annotated[
        str | None,
        Query(
            max_length=MAX_REFERENCE_LENGTH, description="a feature's reference; its requirements match too"
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next: Annotated[str | None, Query(max_length=200)] = None,
) -> Response[str]:
    # Imported on first use: the other routes of this function never pay for the log reader.
    from aha_jira.models.log_query import parse_log_query  # noqa: PLC0415

    query = parse_log_query(
        integration_id, since=since, outcome=outcome, reference=reference, limit=limit, next_token=next
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
)
def read_roadmap_events(
    integration_id: str,
    after: Annotated[
        int,
        Query(ge=0, le=99_999_999_999_999_999_999, description="the last event id read (0: from the first)"),
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Response[str]:
    # Imported on first use: the other routes of this function never load the feed.
    from aha_jira.roadmap.feed import read_events  # noqa: PLC0415

    page = read_events(
        integration_id,
        integrations=wiring.integrations(),
        feed=wiring.roadmap_events(),
        after=after,
        limit=limit,
    )
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=page.model_dump_json())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with log_scope(correlation_id=api_request_id(event)):
        return resolve(app, event, context, json_bodies=True)
