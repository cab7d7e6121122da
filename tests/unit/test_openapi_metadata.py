"""Route metadata for the OpenAPI description (`http_api.openapi`): models named by import path, the error
statuses every route gets, and the error model that describes what `AhaJiraError.to_body` answers."""

from __future__ import annotations

import pytest

from aha_jira.errors import AhaJiraError, Conflict, InvalidRequest, NotFound, PayloadTooLarge
from aha_jira.http_api.errors import validation_error
from aha_jira.http_api.openapi import (
    API_KEY,
    ERROR_STATUSES,
    MODEL_KEYWORD,
    REQUEST_BODY_EXTENSION,
    answer,
    errors,
    json_body,
    model_schema,
)
from aha_jira.models.answers import ErrorAnswer


def test_a_model_is_named_by_its_import_path_and_referred_to_by_its_class_name() -> None:
    assert model_schema("aha_jira.models.send:SendSynced") == {
        "$ref": "#/components/schemas/SendSynced",
        MODEL_KEYWORD: "aha_jira.models.send:SendSynced",
    }
    for wrong in ("SendSynced", "aha_jira.models.send", "aha_jira.models.send:", ":SendSynced", "a:b.c"):
        with pytest.raises(ValueError, match=r"package\.module:Class"):
            model_schema(wrong)


def test_answers_and_bodies_carry_only_json() -> None:
    ok = answer("aha_jira.models.send:SendSynced", "Sent.")
    assert ok == {"description": "Sent.", "content": {"application/json": {"schema": model_schema(
        "aha_jira.models.send:SendSynced"
    )}}}  # fmt: skip
    body = json_body("aha_jira.models.feature:SendFeatureBody", "The feature.")
    assert body[REQUEST_BODY_EXTENSION]["mediaType"] == "application/json"
    assert REQUEST_BODY_EXTENSION.startswith("x-")  # a valid OpenAPI extension wherever it is left


def test_every_route_gets_api_gateways_errors_and_a_keyed_one_403() -> None:
    public = errors(404, keyed=False)
    assert sorted(public) == [404, 429, 500, 504]
    keyed = errors(400, 409, keyed=True, notes={409: "not_tested"})
    assert sorted(keyed) == [400, 403, 409, 429, 500, 504]
    assert keyed[409]["description"] == "not_tested"
    assert keyed[400]["description"] == ERROR_STATUSES[400]
    for response in keyed.values():
        assert response["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorAnswer"
    assert API_KEY == [{"apiKey": []}]


@pytest.mark.parametrize(
    "error",
    [
        AhaJiraError("The request failed on our side.", hint="Try again."),
        InvalidRequest("name: too long", hint="Shorten it.", code="invalid_body"),
        NotFound("No such integration.", hint="List them.", code="integration_not_found"),
        Conflict("Changed meanwhile.", hint="Read it again.", code="concurrent_change"),
        PayloadTooLarge("Too large.", hint="Send less."),
        validation_error([{"loc": ("body", "name"), "msg": "too long", "type": "string_too_long"}]),
        # A send refused for a field (sync's DraftRefused / JiraRefused carry such details).
        AhaJiraError(
            "Jira requires Story Points.",
            hint="Map it.",
            code="field_not_accepted",
            details=[{"field_id": "customfield_10004", "field_name": "Story Points", "issue_type": "Story"}],
        ),
    ],
    ids=lambda error: f"{type(error).__name__}-{error.code}",
)
def test_the_error_model_describes_every_error_answer(error: AhaJiraError) -> None:
    parsed = ErrorAnswer.model_validate(error.to_body())
    assert parsed.model_dump(exclude_defaults=True) == error.to_body()


def test_the_error_model_refuses_what_no_error_answers() -> None:
    with pytest.raises(ValueError, match="extra"):
        ErrorAnswer.model_validate({"error": {"code": "x", "message": "m", "hint": "h", "trace": "..."}})
    with pytest.raises(ValueError, match="hint"):
        ErrorAnswer.model_validate({"error": {"code": "x", "message": "m"}})
