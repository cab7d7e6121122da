"""The API's own description: `GET /openapi.json` (OpenAPI 3.1, generated from every handler's routes) and
`GET /swagger` (Swagger UI, its files under `/swagger/<asset>`). Public: the description holds no secret,
and a browser cannot send an API key to open a page.

This function ships every handler (template.yaml: `CodeUri: functions/`, `Handler: api_docs.app...`), so
the description is generated from the code that runs. The generation (the other handlers, Powertools'
OpenAPI machinery) is imported on the first request for the document, and by no other function."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aha_jira.errors import NotFound
from aha_jira.http_api.openapi import document, errors
from aha_jira.http_api.request import public_base_url
from aha_jira.http_api.resolver import make_resolver, resolve
from aha_jira.integration_log import api_request_id, log_scope, logger

# ruff: noqa: PLC0415 - the generation and Swagger UI are imported by the routes that need them.

# Every function's folder: /var/task in Lambda (CodeUri functions/), functions/ in the repository.
FUNCTIONS_ROOT = Path(__file__).resolve().parent.parent
TAGS = ["API description"]

app = make_resolver(validation=False)


@app.get(
    "/openapi.json",
    summary="This API's OpenAPI description",
    description="Generated from the handlers' own routes and models; its server is the API's public base URL.",
    tags=TAGS,
    responses={
        200: {
            "description": "An OpenAPI 3.1 document.",
            "content": {content_types.APPLICATION_JSON: {"schema": {"type": "object"}}},
        },
        **errors(keyed=False),
    },
)
def get_openapi() -> Response[str]:
    from aha_jira.http_api.openapi_document import generate, served

    body = served(generate(FUNCTIONS_ROOT), public_base_url(app.current_event))
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@app.get(
    "/swagger",
    summary="Swagger UI on this description",
    description="A page of this API's own (no CDN); its scripts and styles come from /swagger/{asset}.",
    tags=TAGS,
    responses={200: document("The Swagger UI page.", "text/html"), **errors(keyed=False)},
)
def get_swagger() -> Response[str]:
    from aha_jira.http_api import swagger_ui

    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=swagger_ui.PAGE,
        headers=dict(swagger_ui.PAGE_HEADERS),
    )


@app.get(
    "/swagger/<asset>",
    summary="A file of the Swagger UI page",
    description="swagger-ui-bundle.js, swagger-ui.css or swagger-initializer.js.",
    tags=TAGS,
    responses={
        200: document("The script or stylesheet.", "text/javascript", "text/css"),
        **errors(404, keyed=False),
    },
)
def get_swagger_asset(asset: str) -> Response[str]:
    from aha_jira.http_api import swagger_ui

    found = swagger_ui.asset(asset)
    if found is None:
        raise NotFound("The Swagger UI has no such file.", hint="Open GET /swagger.", code="not_found")
    return Response(
        status_code=200,
        content_type=found.content_type,
        body=found.body,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with log_scope(correlation_id=api_request_id(event)):
        return resolve(app, event, context)
