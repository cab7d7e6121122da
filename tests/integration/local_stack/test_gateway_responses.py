"""What the local gateway answers itself, shaped by the template's `GatewayResponses` as API Gateway does
it in AWS: the error shape for an unknown route, a missing key, an oversized body, a failed handler and a
request it cannot read."""

from __future__ import annotations

import copy
import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from aha_jira_dev.local_stack.gateway import LocalApiGateway
from aha_jira_dev.local_stack.handlers import HandlerRegistry
from aha_jira_dev.local_stack.template import Template
from tests.integration.local_stack.conftest import FIXTURE_API_KEY

KEY = {"x-api-key": FIXTURE_API_KEY}


def _shaped(template: Template, repo_template: Template) -> Template:
    """The fixture template with the repository's GatewayResponses on its API."""
    document = copy.deepcopy(dict(template.document))
    responses = repo_template.resources["Api"]["Properties"]["GatewayResponses"]
    document["Resources"]["Api"]["Properties"]["GatewayResponses"] = copy.deepcopy(responses)
    return Template(path=template.path, document=document)


@pytest.fixture
def shaped_gateway(
    fixture_environment: dict[str, str],
    fixture_template: Template,
    repo_template: Template,
    fixture_handlers: HandlerRegistry,
) -> Iterator[LocalApiGateway]:
    with LocalApiGateway(
        _shaped(fixture_template, repo_template),
        api_key=FIXTURE_API_KEY,
        handlers=fixture_handlers,
        max_payload_bytes=64 * 1024,
    ) as gateway:
        yield gateway


def _error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "hint"}, body
    assert body["error"]["code"] == code, body
    assert all(isinstance(value, str) and value for value in body["error"].values()), body
    assert "$context" not in response.text
    return dict(body["error"])


def test_an_unknown_route_or_method_is_404_not_found(shaped_gateway: LocalApiGateway) -> None:
    for method, path in (("GET", "/nothing-here"), ("DELETE", "/things/abc"), ("GET", "/"), ("GET", "/v1/x")):
        response = requests.request(method, f"{shaped_gateway.url}{path}", headers=KEY, timeout=10)
        _error(response, 404, "not_found")
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_a_missing_or_wrong_api_key_is_403_forbidden(shaped_gateway: LocalApiGateway) -> None:
    for headers in ({}, {"x-api-key": "nope"}, {"x-api-key": ""}):
        response = requests.get(f"{shaped_gateway.url}/things/abc", headers=headers, timeout=10)
        error = _error(response, 403, "forbidden")
        assert "x-api-key" in error["hint"]


def test_a_body_over_the_limit_is_413_payload_too_large(shaped_gateway: LocalApiGateway) -> None:
    too_big = b"x" * (shaped_gateway.max_payload_bytes + 1)
    url = f"{shaped_gateway.url}/things/t/parts/p"
    _error(requests.post(url, headers=KEY, data=too_big, timeout=10), 413, "payload_too_large")
    chunked = requests.post(url, headers=KEY, data=iter([too_big[:40_000], too_big[40_000:]]), timeout=10)
    _error(chunked, 413, "payload_too_large")


def test_a_failed_handler_is_502_in_the_shape(shaped_gateway: LocalApiGateway) -> None:
    for path in ("/files/boom", "/files/malformed"):
        response = requests.get(f"{shaped_gateway.url}{path}", headers=KEY, timeout=10)
        error = _error(response, 502, "internal_error")
        assert response.headers["x-amzn-RequestId"] in error["hint"]


def test_a_request_the_server_cannot_read_is_answered_in_the_shape(shaped_gateway: LocalApiGateway) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", shaped_gateway.port, timeout=10)
    try:
        connection.putrequest("POST", "/things/t/parts/p")
        connection.putheader("x-api-key", FIXTURE_API_KEY)
        connection.putheader("Content-Length", "not-a-number")
        connection.endheaders()
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 400
    assert body["error"]["code"] == "request_refused"
    # A request line http.server refuses before any routing (too long).
    with socket.create_connection(("127.0.0.1", shaped_gateway.port), timeout=10) as raw:
        raw.sendall(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414"), head
    assert json.loads(payload)["error"]["code"] == "request_refused"


def test_the_repository_gateway_answers_in_the_shape(gateway: LocalApiGateway) -> None:
    """`make run`'s gateway (template.yaml's own GatewayResponses)."""
    _error(requests.get(f"{gateway.url}/integrations", timeout=10), 403, "forbidden")
    _error(requests.get(f"{gateway.url}/no-such-route", timeout=10), 404, "not_found")
    _error(requests.post(f"{gateway.url}/webhooks/jira/a-token/extra", timeout=10), 404, "not_found")
    listed = requests.get(f"{gateway.url}/integrations", headers={"x-api-key": gateway.api_key}, timeout=10)
    assert listed.status_code == 200
