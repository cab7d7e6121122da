"""Facts about the incoming API Gateway request that the use cases need."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from aha_jira.errors import InvalidRequest
from aha_jira.http_api.bodies import json_document
from aha_jira.http_api.errors import validation_error
from aha_jira.integration_log import logger
from aha_jira.settings import (
    PUBLIC_BASE_URL_STAGE_VARIABLE,
    ConfigurationError,
    checked_public_base_url,
    configured_public_base_url,
)

if TYPE_CHECKING:
    # pydantic is imported by the first body parsed (cold start: the webhook and description functions use
    # `raw_body` and `public_base_url` alone).
    from pydantic import BaseModel


def parse_body[Model: BaseModel](event: APIGatewayProxyEvent, model: type[Model]) -> Model:
    """The request body parsed strictly (`json_document`) and validated against `model`, or the 400
    `invalid_body` answer Powertools' validation gives (same paths and messages), for a function that
    goes without Powertools' validation machinery (see `make_resolver`). The content type is checked
    before (`resolve(..., json_bodies=True)`). No body, or `null`, is refused as Powertools refuses it: the
    body is required."""
    from pydantic import ValidationError  # noqa: PLC0415 - see the TYPE_CHECKING import

    document = json_document(event) if event.decoded_body else None
    if document is None:
        raise validation_error([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
    try:
        # As Powertools validates (`from_attributes`): the same message for a body that is not an object.
        return model.model_validate(document, from_attributes=True)
    except ValidationError as error:
        raise validation_error(error.errors()) from None


def parse_optional_body[Model: BaseModel](event: APIGatewayProxyEvent, model: type[Model]) -> Model | None:
    """`parse_body` for a route whose body may be left out: None for no body, a blank one or `{}`."""
    if not (event.decoded_body or "").strip():
        return None
    document = json_document(event)
    if document == {}:
        return None
    from pydantic import ValidationError  # noqa: PLC0415 - see the TYPE_CHECKING import

    try:
        # As Powertools validates (`from_attributes`): the same message for a body that is not an object.
        return model.model_validate(document, from_attributes=True)
    except ValidationError as error:
        raise validation_error(error.errors()) from None


def raw_body(event: APIGatewayProxyEvent) -> bytes:
    """The body's bytes as the caller sent them (base64-decoded when API Gateway encoded it), for a route
    that reads them itself (a signature covers them, or they are parsed strictly)."""
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest(
                "The body is not valid base64.", hint="Send the JSON as it is.", code="invalid_body"
            ) from None
    return body.encode("utf-8")


def public_base_url(event: APIGatewayProxyEvent) -> str:
    """Who we are: the base URL clients and Jira reach this API at (`webhook_url`, the Connect descriptor's
    `baseUrl` and `aud`, the links written back to Jira). Configuration only, never a header the caller
    chose: `PUBLIC_BASE_URL` when the function's environment sets it, else the stage variable the template
    sets on the API stage (API Gateway adds it to the event). Neither: a 500 naming the missing setting."""
    configured = configured_public_base_url()
    if configured:
        return configured
    staged = (event.stage_variables or {}).get(PUBLIC_BASE_URL_STAGE_VARIABLE) or ""
    if staged.strip():
        return checked_public_base_url(staged, f"The stage variable {PUBLIC_BASE_URL_STAGE_VARIABLE}")
    logger.error("the public base URL is not configured (PUBLIC_BASE_URL or the stage variable)")
    raise ConfigurationError(
        "The API does not know its own public base URL.",
        hint=(
            f"Deploy with template.yaml (it sets the stage variable {PUBLIC_BASE_URL_STAGE_VARIABLE}) or set "
            "PUBLIC_BASE_URL in the function's environment."
        ),
    )
