"""Facts about the incoming API Gateway request that the use cases need."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ValidationError

from aha_jira.http_api.bodies import json_document
from aha_jira.http_api.errors import validation_error
from aha_jira.settings import get_settings


def parse_body[Model: BaseModel](event: APIGatewayProxyEvent, model: type[Model]) -> Model:
    """The request body parsed strictly (`json_document`) and validated against `model`, or the 400
    `invalid_body` answer Powertools' validation gives (same paths and messages), for a function that
    goes without Powertools' validation machinery (see `make_resolver`). The content type is checked
    before (`resolve(..., json_bodies=True)`)."""
    try:
        return model.model_validate(json_document(event))
    except ValidationError as error:
        raise validation_error(error.errors()) from None


def public_base_url(event: APIGatewayProxyEvent) -> str:
    """The base URL clients (and Jira) use to reach this API, for `webhook_url`.

    `PUBLIC_BASE_URL` wins (a custom domain); otherwise the request's own host, with the stage when
    the host is API Gateway's default execute-api domain (custom domains map stages away).
    """
    configured = get_settings().public_base_url
    if configured:
        return configured
    headers = {key.lower(): value for key, value in (event.headers or {}).items()}
    context = event.request_context
    host = headers.get("host") or context.domain_name or "localhost"
    scheme = headers.get("x-forwarded-proto", "https")
    base = f"{scheme}://{host}"
    if host.endswith(".amazonaws.com") and context.stage:
        base += f"/{context.stage}"
    return base
