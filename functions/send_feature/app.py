"""Send a feature to Jira: adapts the API Gateway event to the send use case (the feature in the body), or,
with no body on an Aha! integration, to the send from Aha! (the feature read from Aha!)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira.http_api.openapi import API_KEY, answer, errors, json_body
from aha_jira.http_api.resolver import make_resolver, resolve
from aha_jira.integration_log import api_request_id, log_scope, logger
from aha_jira.wiring import comment_services, send_services

if TYPE_CHECKING:
    from aha_jira.models.send import SendSynced

# ruff: noqa: PLC0415 - the send engine (rich text, the Jira client), its models and pydantic are imported
# by the route on the first request, not at cold start (bench/cold_start.py).

# The body is validated with pydantic here (`parse_body`: the same 400 answer as Powertools' validation);
# Powertools' validation machinery would add about 80 ms to every cold start for this one model.
app = make_resolver(validation=False)


@app.post(
    "/integrations/<integration_id>/features/<reference>/send",
    summary="Create or update the Jira issues of a feature and its requirements",
    description=(
        "Exactly once: a repeated send never creates an issue twice. Requirements no longer on the roadmap "
        "are listed in removed and stay in Jira. On an integration whose roadmap.type is aha the body may be "
        "left out (or {}): the feature and its requirements are read from Aha!."
    ),
    tags=["Send"],
    security=API_KEY,
    # The body is read by `parse_body`, not by Powertools; models are named for the description only.
    openapi_extensions=json_body(
        "aha_jira.models.feature:SendFeatureBody",
        '{"feature": <Aha! feature resource>}; optional on an Aha! integration (read from Aha!).',
        required=False,
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
            502,
            503,
            keyed=True,
            notes={
                404: "An unknown integration, or (a send from Aha!) a feature Aha! does not have "
                "(`roadmap_feature_not_found`).",
                409: "not_tested before a successful test connection, disabled for a disabled integration.",
                422: "Jira refused the content (the field is named in `details`), or, a send from Aha!, Aha! "
                "refused the API key (`roadmap_auth_failed`) or the feature there is not one a send can carry "
                "(`roadmap_feature_invalid`).",
                502: "A send from Aha!: Aha! could not be reached or answered in a way its API does not "
                "describe; nothing was sent.",
                503: "A send from Aha!: Aha! is rate limiting the API key (300 requests a minute); try again.",
                504: "API Gateway's 29 seconds ran out, or (a send from Aha!) Aha! did not answer in time "
                "(`roadmap_timeout`).",
            },
        ),
    },
)
def post_send(integration_id: str, reference: str) -> Response[str]:
    from aha_jira.http_api.paths import check_path_ids
    from aha_jira.http_api.request import parse_optional_body
    from aha_jira.models.feature import SendFeatureBody
    from aha_jira.models.send import SendQueued
    from aha_jira.sync.send import send_feature

    check_path_ids(integration_id, reference)
    body = parse_optional_body(app.current_event, SendFeatureBody)
    # API Gateway gives up at 29 s and the function at its timeout: a send stops writing before either.
    deadline = _deadline()
    result: SendSynced | SendQueued
    if body is None:
        # Imported with the first send from Aha! (the Aha! client comes with it).
        from aha_jira.roadmap_inbound.send_from_roadmap import send_from_roadmap

        result = send_from_roadmap(integration_id, reference, send_services(), deadline=deadline)
    else:
        result = send_feature(integration_id, reference, body.feature, send_services(), deadline=deadline)
    status = 202 if isinstance(result, SendQueued) else 200
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=result.model_dump_json()
    )


_COMMENT_ERRORS = errors(
    400,
    404,
    409,
    413,
    415,
    502,
    503,
    keyed=True,
    notes={
        404: "An unknown integration.",
        409: "not_tested, disabled, not_linked (the record has no Jira issue: send it first), or comment_busy "
        "(another request carries this comment now: try again).",
        502: "Jira refused the comment (`jira_refused`); nothing was written.",
        503: "Jira could not take it just now (`jira_unavailable`); post the same comment again.",
    },
)


@app.post(
    "/integrations/<integration_id>/features/<reference>/comments",
    summary="Carry a roadmap comment (or its edit) to the record's Jira issue",
    description=(
        "The comment becomes a Jira comment on the linked issue (ADF on Jira Cloud, wiki markup on Data "
        "Center), its author named. Exactly once per comment id: posting the same id again carries an edit "
        "(the newer updated_at wins), or changes nothing. A comment that is the integration's own copy of a "
        "Jira comment answers echo."
    ),
    tags=["Send"],
    security=API_KEY,
    openapi_extensions=json_body(
        "aha_jira.models.roadmap_comment:RoadmapCommentBody",
        '{"id": "<roadmap comment id>", "body": "<HTML>", "author"?, "created_at"?, "updated_at"?}',
    ),
    responses={
        200: answer(
            "aha_jira.models.roadmap_comment:CommentSynced",
            "created, updated, unchanged, stale or echo, with the Jira comment's id.",
        ),
        **_COMMENT_ERRORS,
    },
)
def post_comment(integration_id: str, reference: str) -> Response[str]:
    # Imported with the first comment: the cold start does not pay for it.
    from aha_jira.http_api.paths import check_path_ids
    from aha_jira.http_api.request import parse_body
    from aha_jira.models.roadmap_comment import RoadmapCommentBody
    from aha_jira.sync.comments import carry_comment

    check_path_ids(integration_id, reference)
    body = parse_body(app.current_event, RoadmapCommentBody)
    result = carry_comment(integration_id, reference, body, comment_services(), deadline=_deadline())
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=result.model_dump_json()
    )


@app.delete(
    "/integrations/<integration_id>/features/<reference>/comments/<comment_id>",
    summary="Carry a roadmap comment's deletion to the record's Jira issue",
    description="The Jira copy of the comment is deleted; a later post of the same id changes nothing.",
    tags=["Send"],
    security=API_KEY,
    responses={
        200: answer("aha_jira.models.roadmap_comment:CommentSynced", "deleted, stale or echo."),
        **_COMMENT_ERRORS,
    },
)
def delete_comment(integration_id: str, reference: str, comment_id: str) -> Response[str]:
    from aha_jira.http_api.paths import check_path_ids
    from aha_jira.sync.comments import check_comment_id, remove_comment

    check_path_ids(integration_id, reference)
    check_comment_id(comment_id)
    result = remove_comment(integration_id, reference, comment_id, comment_services(), deadline=_deadline())
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=result.model_dump_json()
    )


def _deadline() -> float:
    return time.time() + app.lambda_context.get_remaining_time_in_millis() / 1000


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with log_scope(correlation_id=api_request_id(event)):
        return resolve(app, event, context, json_bodies=True)
