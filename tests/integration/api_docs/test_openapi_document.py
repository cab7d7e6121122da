"""`GET /openapi.json` is one valid OpenAPI 3.1 description of the whole API: exactly the routes template.yaml
gives API Gateway (none missing, none extra, whatever function serves them), the API key where the template
requires it, stage-less paths in `{param}` syntax, and the API's public base URL as its server."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import requests
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.template import Template
from tests.integration.api_docs.conftest import operations

PARAMETER = re.compile(r"\{([^}/]+)\}")


def test_the_document_is_valid_openapi_3_1(described: dict[str, Any]) -> None:
    assert described["openapi"].startswith("3.1.")
    validate(described)  # raises on anything OpenAPI 3.1 does not allow
    assert described["info"]["title"] == "aha-jira"


def test_the_validation_would_catch_a_broken_document(described: dict[str, Any]) -> None:
    """The check above can fail: a path parameter that is not required, a schema of no JSON type."""
    broken = copy.deepcopy(described)
    broken["paths"]["/integrations/{integration_id}"]["get"]["parameters"][0]["required"] = False
    with pytest.raises(OpenAPIValidationError):
        validate(broken)
    broken = copy.deepcopy(described)
    broken["components"]["schemas"]["ErrorInfo"]["type"] = "text"
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_its_operations_are_exactly_the_routes_of_the_template(
    described: dict[str, Any], repo_template: Template
) -> None:
    documented = set(operations(described))
    routes = {(route.method, route.path) for route in repo_template.routes}
    assert documented - routes == set(), "documented, but API Gateway has no such route"
    assert routes - documented == set(), "a route of the template is not documented"


def test_paths_are_stage_less_templates_with_every_parameter_declared(
    described: dict[str, Any], repo_template: Template
) -> None:
    stage = repo_template.stage_name
    for (method, path), operation in operations(described).items():
        assert path.startswith("/") and not path.startswith(f"/{stage}/"), path
        assert "<" not in path and "(" not in path, path  # Powertools' own rule syntax never leaks
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == set(PARAMETER.findall(path)), (method, path)
        assert all(p["required"] for p in operation.get("parameters", []) if p["in"] == "path")


def test_the_api_key_is_required_exactly_where_the_template_requires_it(
    described: dict[str, Any], repo_template: Template
) -> None:
    scheme = described["components"]["securitySchemes"]["apiKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "x-api-key"}
    documented = operations(described)
    for route in repo_template.routes:
        operation = documented[(route.method, route.path)]
        keyed = operation.get("security") == [{"apiKey": []}]
        assert keyed is route.api_key_required, (route.method, route.path)
        assert (403 in {int(status) for status in operation["responses"]}) is route.api_key_required


def test_every_answer_and_error_is_described_by_a_schema(described: dict[str, Any]) -> None:
    for (method, path), operation in operations(described).items():
        assert operation.get("summary") and operation.get("tags"), (method, path)
        for status, response in operation["responses"].items():
            if status == "204":
                assert "content" not in response
                continue
            assert response["content"], (method, path, status)
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorAnswer"}, (method, path, status)
    error = described["components"]["schemas"]["ErrorInfo"]
    assert error["required"] == ["code", "message", "hint"] and error["additionalProperties"] is False


def test_bodies_of_routes_that_read_them_themselves_are_described(described: dict[str, Any]) -> None:
    documented = operations(described)
    bodies = {
        ("PUT", "/integrations/{integration_id}"): "IntegrationConfigBody",
        ("POST", "/integrations/{integration_id}/features/{reference}/send"): "SendFeatureBody",
        ("POST", "/webhooks/jira/{webhook_token}"): "JiraWebhookEvent",
        ("POST", "/connect/installed"): "LifecyclePayload",
        ("POST", "/connect/webhooks/{event}"): "JiraWebhookEvent",
        ("POST", "/webhooks/aha/{roadmap_token}"): "AhaWebhookBody",
    }
    # A send from Aha! takes no body: the send's is optional.
    optional = {("POST", "/integrations/{integration_id}/features/{reference}/send")}
    for key, model in bodies.items():
        body = documented[key]["requestBody"]
        assert body["required"] is (key not in optional), key
        assert body["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
    form = documented[("POST", "/connect/configure")]["requestBody"]["content"]
    assert set(form["application/x-www-form-urlencoded"]["schema"]["properties"]) == {"jwt", "subdomain"}
    # The feature itself is described down to its requirements.
    schemas = described["components"]["schemas"]
    feature = schemas["SendFeatureBody"]["properties"]["feature"]
    assert feature == {"$ref": "#/components/schemas/AhaFeature"}
    assert "requirements" in schemas["AhaFeature"]["properties"]
    assert "x-aha-jira-request-body" not in str(described) and "x-aha-jira-model" not in str(described)


def test_its_server_is_the_public_base_url_and_it_needs_no_api_key(
    described: dict[str, Any], gateway: LocalApiGateway
) -> None:
    assert described["servers"] == [{"url": gateway.url}]
    under_stage = requests.get(f"{gateway.url}/v1/openapi.json", timeout=60)
    assert under_stage.status_code == 200 and under_stage.json() == described


def test_mapping_two_way_is_described(described: dict[str, Any]) -> None:
    schemas = described["components"]["schemas"]
    mapping = next(schema for name, schema in schemas.items() if name.startswith("Mapping"))
    two_way = mapping["properties"]["two_way"]
    assert two_way["type"] == "array"
    assert sorted(two_way["items"]["enum"]) == ["description", "name"]
