"""Request bodies: JSON only, declared as such (or not declared), parsed strictly (`parse_json`)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from aha_jira.errors import UnsupportedMediaType
from aha_jira.http_api.errors import refused_json
from aha_jira.models.json_input import JsonRefused, parse_json

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def check_json_content_type(event: dict[str, Any]) -> None:
    """A body sent to a route that reads JSON must say it is JSON, or say nothing (then it is read as
    JSON: see docs/decisions.md "Bodies: JSON only"). 415 otherwise, before anything parses it."""
    # Also without a body: Powertools' validation reads the declared type of an empty PUT too.
    if (event.get("httpMethod") or "").upper() not in _BODY_METHODS:
        return
    headers = event.get("headers") or {}
    name, declared = next(
        ((key, value) for key, value in reversed(headers.items()) if key.lower() == "content-type"),
        ("", None),
    )
    if declared is None:
        return
    media_type, *parameters = (part.strip() for part in declared.lower().split(";"))
    charsets = [part.split("=", 1)[1].strip('" ') for part in parameters if part.startswith("charset=")]
    if media_type != "application/json" or any(charset not in {"utf-8", "utf8"} for charset in charsets):
        shown = declared if len(declared) <= 100 and declared.isprintable() else "that content type"
        raise UnsupportedMediaType(
            f"The body must be JSON (Content-Type: application/json), not {shown}.",
            hint="Send the header 'Content-Type: application/json' (curl -d sends "
            "application/x-www-form-urlencoded unless told otherwise: add -H 'content-type: application/json').",
        )
    # Media types are case-insensitive; Powertools' validation compares them as they are.
    headers[name] = declared.lower()


def json_document(event: APIGatewayProxyEvent) -> Any:
    """The request body parsed strictly, or the 400 `invalid_body` naming where it was refused."""
    try:
        return parse_json(event.decoded_body or "")
    except JsonRefused as error:
        raise refused_json(error) from None
