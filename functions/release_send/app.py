"""Release sends: adapts API Gateway events to the release use cases (send or plan a release, its progress,
its cancel)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira.errors import InvalidRequest, NotFound
from aha_jira.http_api.bodies import json_document
from aha_jira.http_api.errors import validation_error
from aha_jira.http_api.openapi import API_KEY, answer, errors, json_body, query_parameters
from aha_jira.http_api.resolver import make_resolver, resolve
from aha_jira.integration_log import api_request_id, log_scope, logger
from aha_jira.wiring import release_services

if TYPE_CHECKING:
    from pydantic import BaseModel

    from aha_jira.models.release import ReleaseSendBody

# ruff: noqa: PLC0415 - each route imports its use case (the release models, pydantic, the send engine
# behind a plan) when first called, not at cold start (bench/cold_start.py).

# Bodies and the query are read here (no Powertools validation: its machinery costs a cold start).
app = make_resolver(validation=False)
TAGS = ["Release sends"]
PROGRESS = "aha_jira.models.release:ReleaseSendProgress"


def _json(status: int, model: BaseModel) -> Response[str]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=model.model_dump_json()
    )


@app.post(
    "/integrations/<integration_id>/releases/<release_ref>/send",
    summary="Send a whole release (or, with dry_run, plan it)",
    description=(
        "Answers 202 at once: the features are queued, one message each, and sent exactly once each like "
        "the single send; follow GET /integrations/{id}/release-sends/{release_send_id}. At most 1,000 "
        "features (413 beyond: send subsets). On an integration whose roadmap is Aha!, an empty body reads "
        "the release's features from Aha!. With dry_run=true: the plan, and nothing is written anywhere."
    ),
    tags=TAGS,
    security=API_KEY,
    openapi_extensions={
        **json_body(
            "aha_jira.models.release:ReleaseSendBody",
            '{"release": <Aha! release>, "features": [<Aha! feature resource>, ...]} (empty on an Aha! integration)',
        ),
        **query_parameters(
            {"dry_run": ({"type": "boolean", "default": False}, "true: answer the plan, write nothing.")}
        ),
    },
    responses={
        200: answer("aha_jira.models.release:ReleasePlan", "dry_run=true: what the send would do."),
        202: answer(
            "aha_jira.models.release:ReleaseSendStarted", "Queued: one message per feature (release_send_id)."
        ),
        **errors(
            400,
            404,
            409,
            413,
            415,
            422,
            502,
            keyed=True,
            notes={
                400: "A body that is not a release send (`invalid_body`), a reference repeated in the release "
                "(`duplicate_reference`), a feature of another release, dry_run neither true nor false.",
                409: "not_tested before a successful test connection, disabled for a disabled integration.",
                413: "More than 1,000 features (`too_many_features`: send several release sends of subsets), "
                "or a body over 5 MiB.",
                422: "Aha! refused the integration's API key (an empty body on an Aha! integration).",
                502: "Aha! could not be reached to read the release (an empty body): nothing was queued.",
            },
        ),
    },
)
def post_release_send(integration_id: str, release_ref: str) -> Response[str]:
    from aha_jira.integrations.query import check_possible_id
    from aha_jira.models.references import is_reference

    check_possible_id(integration_id)
    if not is_reference(release_ref):
        raise NotFound(
            "No release has this reference: references are 1-64 letters, digits, '_', '.' or '-'.",
            hint="Use the release's reference_num, e.g. MOB-R-1.",
            code="release_not_found",
        )
    event = app.current_event
    dry_run = _dry_run(event)
    body = _body(event)
    if dry_run:
        from aha_jira.releases.plan import plan_release

        return _json(200, plan_release(integration_id, release_ref, body, release_services()))
    from aha_jira.releases.start import start_release_send

    return _json(202, start_release_send(integration_id, release_ref, body, release_services()))


def _dry_run(event: APIGatewayProxyEvent) -> bool:
    raw = event.get_query_string_value("dry_run")
    if raw is None or raw.lower() in {"false", "0"}:
        return False
    if raw.lower() in {"true", "1"}:
        return True
    raise InvalidRequest(
        "dry_run must be true or false.",
        hint="Add ?dry_run=true for the plan, or leave it out to send.",
        code="invalid_query",
        details=[{"path": "dry_run", "message": "must be true or false"}],
    )


def _body(event: APIGatewayProxyEvent) -> ReleaseSendBody | None:
    """The release and its features, or None for an empty body (an Aha! integration reads them from Aha!)."""
    if not (event.decoded_body or "").strip():
        return None
    from pydantic import ValidationError

    from aha_jira.models.release import ReleaseSendBody, check_feature_count

    document = json_document(event)
    check_feature_count(document)  # 413 before a thousand features are validated for nothing
    try:
        return ReleaseSendBody.model_validate(document)
    except ValidationError as error:
        raise validation_error(error.errors()) from None


@app.get(
    "/integrations/<integration_id>/release-sends/<send_id>",
    summary="Progress of a release send",
    description="Counts, each failure with its code and hint, Jira calls and the seconds spent on Jira's limits.",
    tags=TAGS,
    security=API_KEY,
    responses={200: answer(PROGRESS, "The release send as it is now."), **errors(404, keyed=True)},
)
def get_release_send(integration_id: str, send_id: str) -> Response[str]:
    from aha_jira.releases.progress import release_send_progress

    return _json(200, release_send_progress(integration_id, send_id, release_services()))


@app.delete(
    "/integrations/<integration_id>/release-sends/<send_id>",
    summary="Cancel what a release send has not started",
    description=(
        "Features not yet sent and those waiting for a retry are not sent; a feature being sent finishes. "
        "409 once the send has finished."
    ),
    tags=TAGS,
    security=API_KEY,
    responses={
        200: answer(PROGRESS, "Cancelled: the send as it is now."),
        **errors(404, 409, keyed=True, notes={409: "The release send has finished (release_send_finished)."}),
    },
)
def delete_release_send(integration_id: str, send_id: str) -> Response[str]:
    from aha_jira.releases.progress import cancel_release_send

    return _json(200, cancel_release_send(integration_id, send_id, release_services()))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with log_scope(correlation_id=api_request_id(event)):
        return resolve(app, event, context, json_bodies=True)
