"""What a route declares for the API's OpenAPI description (`GET /openapi.json`): its answers, its errors
and, for a route that reads its body itself, the body. Arguments of the Powertools route decorators
(`responses=`, `security=`, `openapi_extensions=`); the description is generated from them by
`http_api.openapi_document`, in the API description function only.

Cheap to import (every handler imports it at cold start): models are named by their import path
(`"aha_jira.models.send:SendSynced"`), so declaring an answer or a body imports nothing; the description
function imports them when it generates the document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

JSON = "application/json"
API_KEY_SCHEME = "apiKey"
# `security=` of a route that needs the API key (the template's `ApiKeyRequired`).
API_KEY: list[dict[str, list[str]]] = [{API_KEY_SCHEME: []}]
COMPONENTS = "#/components/schemas/"
# Marks a schema that is a model's, by import path, until `openapi_document` writes the model's schema.
MODEL_KEYWORD = "x-aha-jira-model"
# The operation extension that carries a request body until `openapi_document` writes it as `requestBody`.
REQUEST_BODY_EXTENSION = "x-aha-jira-request-body"
ERROR_MODEL = "aha_jira.models.answers:ErrorAnswer"
# The operation extension that carries query parameters a route reads itself (without Powertools' validation,
# whose `Query` annotations cost a cold start), until `openapi_document` writes them as `parameters`.
QUERY_PARAMETERS_EXTENSION = "x-aha-jira-query"

ERROR_STATUSES: dict[int, str] = {
    400: "The request cannot be read: a body that is not what this route takes (`invalid_body`, every refused "
    "key in `details`), or a parameter out of its range.",
    401: "The caller is not who it says: a webhook signature or a Connect JWT that does not verify.",
    403: "No valid API key in `x-api-key` (API Gateway's answer).",
    404: "Not found: an unknown integration, feature or webhook URL, or an id that cannot be one.",
    409: "A conflicting change: a concurrent change to the same item, or a state that forbids the request.",
    413: "The body is over 5 MiB (the service's limit) or over API Gateway's 10 MB.",
    415: "The body is declared as something other than JSON.",
    422: "Jira refused the content: the field Jira requires or refuses is named (`details`).",
    429: "Too many requests: API Gateway's throttling or the API key's daily quota.",
    500: "The request failed on our side; the hint names the request id to report.",
    502: "The roadmap (Aha!) could not be reached, or answered in a way its API does not describe.",
    503: "What authenticates the caller could not be read just now (a secret, Atlassian's keys); retry later.",
    504: "The service did not answer within API Gateway's 29 seconds.",
}
# API Gateway may answer these on any route.
_EVERY_ROUTE = (429, 500, 504)


def model_schema(model: str) -> dict[str, str]:
    """The schema of a pydantic model named by its import path, `package.module:Class`."""
    module, _, name = model.partition(":")
    if not module or not name.isidentifier():
        raise ValueError(f"a model is named 'package.module:Class', not {model!r}")
    return {"$ref": COMPONENTS + name, MODEL_KEYWORD: model}


def answer(model: str, description: str) -> OpenAPIResponse:
    """A JSON answer described by the pydantic model `model` (`package.module:Class`)."""
    return {"description": description, "content": {JSON: {"schema": model_schema(model)}}}


def document(description: str, *media_types: str) -> OpenAPIResponse:
    """An answer that is a document of its own (a web page, a script), in one of `media_types`: no schema."""
    return {"description": description, "content": {media_type: {} for media_type in media_types}}


def no_content(description: str) -> OpenAPIResponse:
    # An empty `content` is dropped by `openapi_document` (Powertools would describe the return annotation).
    return {"description": description, "content": {}}


def errors(*statuses: int, keyed: bool, notes: dict[int, str] | None = None) -> dict[int, OpenAPIResponse]:
    """Error answers of a route, all in the error shape: `statuses`, those API Gateway may give on any route
    and, for a route that needs the API key (`keyed`), 403. `notes` replaces a status's description."""
    wanted = {*statuses, *_EVERY_ROUTE, *((403,) if keyed else ())}
    described = {**ERROR_STATUSES, **(notes or {})}
    return {status: answer(ERROR_MODEL, described[status]) for status in sorted(wanted)}


def json_body(model: str, description: str, *, required: bool = True) -> dict[str, Any]:
    """`openapi_extensions=` of a route that parses its JSON body itself, against the pydantic model `model`
    (`package.module:Class`); `required=False` for a body that may be left out."""
    return {
        REQUEST_BODY_EXTENSION: {
            "schema": model_schema(model),
            "mediaType": JSON,
            "description": description,
            "required": required,
        }
    }


def form_body(fields: dict[str, str], required: list[str], description: str) -> dict[str, Any]:
    """`openapi_extensions=` of a route that reads an HTML form (`fields`: name → description)."""
    schema = {
        "type": "object",
        "properties": {name: {"type": "string", "description": text} for name, text in fields.items()},
        "required": required,
    }
    media_type = "application/x-www-form-urlencoded"
    return {REQUEST_BODY_EXTENSION: {"schema": schema, "mediaType": media_type, "description": description}}


def query_parameters(parameters: dict[str, tuple[dict[str, Any], str]]) -> dict[str, Any]:
    """`openapi_extensions=` of a route that reads optional query parameters itself: name → (JSON schema,
    description)."""
    return {
        QUERY_PARAMETERS_EXTENSION: [
            {"name": name, "in": "query", "required": False, "description": text, "schema": schema}
            for name, (schema, text) in parameters.items()
        ]
    }
