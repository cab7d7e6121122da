"""Oversized bodies through `make run`'s gateway (template.yaml's own routes and GatewayResponses), on every
route that takes a body (read from the template, so a new one is covered):

- over API Gateway's 10 MB payload limit: API Gateway's own 413, shaped by the template's
  `REQUEST_TOO_LARGE` gateway response into the error shape; the function is never called;
- between the service's 5 MiB limit and 10 MB: the function's own 413 (`http_api.resolver.resolve`), in the
  same shape, before anything parses the body.

Either way nothing is written."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from aha_jira.http_api.resolver import MAX_BODY_BYTES
from aha_jira_dev.local_stack.gateway import MAX_PAYLOAD_BYTES, LocalApiGateway
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.template import ApiRoute, Template, load_template
from tests.fixtures.aws import TEMPLATE_PATH
from tests.integration.integrations.test_configuration_api import everything_stored

BODY_ROUTES = [
    route for route in load_template(TEMPLATE_PATH).routes if route.method in {"POST", "PUT", "PATCH"}
]


def _url(gateway: LocalApiGateway, route: ApiRoute) -> str:
    # A concrete path for the route's template: every {param} an id that could be one.
    return gateway.url + re.sub(r"\{[^}]+\}", "mobile", route.path)


def _post(gateway: LocalApiGateway, route: ApiRoute, size: int) -> requests.Response:
    body = b'{"x": "' + b"a" * (size - 9) + b'"}'
    assert len(body) == size
    headers = {"content-type": "application/json"}
    if route.api_key_required:
        headers["x-api-key"] = gateway.api_key
    return requests.request(route.method, _url(gateway, route), data=body, headers=headers, timeout=60)


def _error(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 413, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"], body
    assert set(body["error"]) == {"code", "message", "hint"}, body
    assert body["error"]["code"] == "payload_too_large"
    assert all(isinstance(value, str) and value for value in body["error"].values())
    return dict(body["error"])


def test_every_route_with_a_body_is_covered(repo_template: Template) -> None:
    assert {(route.method, route.path) for route in BODY_ROUTES} >= {
        ("PUT", "/integrations/{integration_id}"),
        ("POST", "/integrations/{integration_id}/features/{reference}/send"),
        ("POST", "/webhooks/jira/{webhook_token}"),
        ("POST", "/connect/installed"),
    }


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_a_body_over_api_gateways_limit_is_its_413_in_the_error_shape(
    route: ApiRoute, gateway: LocalApiGateway, aws: LocalResources
) -> None:
    before = everything_stored(aws)
    response = _post(gateway, route, MAX_PAYLOAD_BYTES + 1)
    error = _error(response)
    assert "10 MB" in error["message"]  # API Gateway's answer (template GatewayResponses), not the function's
    assert response.headers["x-amzn-ErrorType"] == "RequestTooLargeException"
    assert everything_stored(aws) == before


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_a_body_between_5_mib_and_10_mb_is_the_functions_413_in_the_error_shape(
    route: ApiRoute, gateway: LocalApiGateway, aws: LocalResources
) -> None:
    before = everything_stored(aws)
    response = _post(gateway, route, MAX_BODY_BYTES + 1)
    error = _error(response)
    assert "5 MiB" in error["message"]  # the function's own answer
    assert "x-amzn-ErrorType" not in response.headers
    assert everything_stored(aws) == before
