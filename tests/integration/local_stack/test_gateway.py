"""The local gateway over real HTTP: routing, API keys, and the REST API proxy event it builds."""

from __future__ import annotations

import base64
import http.client
import json
from typing import Any

import requests

from aha_jira_dev.local_stack.gateway import LocalApiGateway, api_key_id
from aha_jira_dev.local_stack.provision import LocalResources
from tests.integration.local_stack.conftest import FIXTURE_API_KEY

KEY = {"x-api-key": FIXTURE_API_KEY}


def _echo(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return json.loads(response.text)  # type: ignore[no-any-return]


def _raw_request(
    gateway: LocalApiGateway, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b""
) -> tuple[int, dict[str, list[str]], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    try:
        connection.putrequest(method, path)
        for name, value in headers:
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        received: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            received.setdefault(name, []).append(value)
        return response.status, received, response.read()
    finally:
        connection.close()


def test_get_with_multi_value_headers_and_query_strings(
    fixture_gateway: LocalApiGateway, fixture_resources: LocalResources
) -> None:
    status, headers, body = _raw_request(
        fixture_gateway,
        "GET",
        "/things/abc?tag=a&tag=b&empty=&q=hello%20world",
        [("x-api-key", FIXTURE_API_KEY), ("X-Multi", "1"), ("X-Multi", "2"), ("User-Agent", "tests/1.0")],
    )
    assert status == 200, body
    echoed = json.loads(body)
    event = echoed["event"]
    assert event["resource"] == "/things/{thing_id}"
    assert event["path"] == "/things/abc"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"thing_id": "abc"}
    assert event["queryStringParameters"] == {"tag": "b", "empty": "", "q": "hello world"}
    assert event["multiValueQueryStringParameters"] == {
        "tag": ["a", "b"],
        "empty": [""],
        "q": ["hello world"],
    }
    assert event["headers"]["X-Multi"] == "2"
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["headers"]["Host"] == f"127.0.0.1:{fixture_gateway.port}"
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False

    context = event["requestContext"]
    assert context["resourcePath"] == "/things/{thing_id}"
    assert context["httpMethod"] == "GET"
    assert context["path"] == "/test/things/abc"
    assert context["stage"] == "test"
    assert context["protocol"] == "HTTP/1.1"
    assert context["accountId"] == "123456789012"
    assert context["domainName"] == f"127.0.0.1:{fixture_gateway.port}"
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "tests/1.0"
    assert context["identity"]["apiKey"] == FIXTURE_API_KEY
    assert context["identity"]["apiKeyId"] == api_key_id(FIXTURE_API_KEY)
    assert headers["x-amzn-RequestId"] == [context["requestId"]]
    assert sorted(echoed["shape"]) == sorted(event)

    # the response: headers and multiValueHeaders both written
    assert headers["X-Echo"] == ["single"]
    assert headers["Set-Cookie"] == ["a=1", "b=2"]

    # the function's environment and context
    assert echoed["env"] == {
        "THINGS_TABLE": "ThingsTable",
        "WORK_QUEUE_URL": fixture_resources.queue_url("WorkQueue"),
        "SECRETS_PREFIX": "fixture/aha-jira-local/us-east-1/123456789012",
        "ONLY_ECHO": "yes",
        "PLAIN": "plain",
    }
    assert echoed["context"]["function_name"] == "aha-jira-local-EchoFunction"
    assert echoed["context"]["memory_limit_in_mb"] == 256
    assert echoed["context"]["invoked_function_arn"].endswith(":function:aha-jira-local-EchoFunction")
    assert echoed["context"]["aws_request_id"] == context["requestId"]
    assert 0 < echoed["context"]["remaining_ms"] <= 5000


def test_no_query_and_no_path_parameters_are_null(fixture_gateway: LocalApiGateway) -> None:
    event = _echo(requests.get(f"{fixture_gateway.url}/things", headers=KEY, timeout=10))["event"]
    assert event["resource"] == "/things"
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None


def test_a_literal_path_wins_over_a_parameter(fixture_gateway: LocalApiGateway) -> None:
    event = _echo(requests.get(f"{fixture_gateway.url}/things/special", headers=KEY, timeout=10))["event"]
    assert event["resource"] == "/things/special"
    assert event["pathParameters"] is None


def test_encoded_path_parameters_are_decoded(fixture_gateway: LocalApiGateway) -> None:
    event = _echo(requests.get(f"{fixture_gateway.url}/things/a%20b", headers=KEY, timeout=10))["event"]
    assert event["pathParameters"] == {"thing_id": "a b"}
    assert event["path"] == "/things/a b"


def test_the_stage_prefix_is_served_too(fixture_gateway: LocalApiGateway) -> None:
    event = _echo(requests.get(f"{fixture_gateway.url}/test/things/abc", headers=KEY, timeout=10))["event"]
    assert event["path"] == "/things/abc"
    assert event["requestContext"]["path"] == "/test/things/abc"


def test_a_text_body_is_passed_as_text(fixture_gateway: LocalApiGateway) -> None:
    response = requests.post(
        f"{fixture_gateway.url}/things/t1/parts/p2", headers=KEY, json={"name": "wheel"}, timeout=10
    )
    event = _echo(response)["event"]
    assert event["pathParameters"] == {"thing_id": "t1", "part_id": "p2"}
    assert json.loads(event["body"]) == {"name": "wheel"}
    assert event["isBase64Encoded"] is False


def test_a_binary_body_is_base64_encoded(fixture_gateway: LocalApiGateway) -> None:
    payload = bytes(range(256)) * 4
    for content_type in ("application/octet-stream", "image/png"):
        response = requests.put(
            f"{fixture_gateway.url}/files/reports/2026/q1.bin",
            headers={**KEY, "Content-Type": content_type},
            data=payload,
            timeout=10,
        )
        event = _echo(response)["event"]
        assert event["resource"] == "/files/{proxy+}"
        assert event["pathParameters"] == {"proxy": "reports/2026/q1.bin"}
        assert event["isBase64Encoded"] is True
        assert base64.b64decode(event["body"]) == payload


def test_a_base64_response_is_decoded(fixture_gateway: LocalApiGateway) -> None:
    response = requests.get(f"{fixture_gateway.url}/files/binary", headers=KEY, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.content == bytes(range(256))


def test_the_api_key_is_enforced_like_api_gateway(fixture_gateway: LocalApiGateway) -> None:
    missing = requests.get(f"{fixture_gateway.url}/things/abc", timeout=10)
    wrong = requests.get(f"{fixture_gateway.url}/things/abc", headers={"x-api-key": "nope"}, timeout=10)
    for response in (missing, wrong):
        assert response.status_code == 403
        assert response.json() == {"message": "Forbidden"}
        assert response.headers["x-amzn-ErrorType"] == "ForbiddenException"
    upper = requests.get(
        f"{fixture_gateway.url}/things/abc", headers={"X-API-Key": FIXTURE_API_KEY}, timeout=10
    )
    assert upper.status_code == 200


def test_a_public_route_needs_no_key(fixture_gateway: LocalApiGateway) -> None:
    event = _echo(requests.post(f"{fixture_gateway.url}/public/tok3n", data="x=1", timeout=10))["event"]
    assert event["pathParameters"] == {"token": "tok3n"}
    assert event["requestContext"]["identity"]["apiKey"] is None


def test_unknown_routes_and_methods_answer_like_api_gateway(fixture_gateway: LocalApiGateway) -> None:
    for method, path in (("GET", "/nothing-here"), ("DELETE", "/things/abc"), ("GET", "/")):
        response = requests.request(method, f"{fixture_gateway.url}{path}", headers=KEY, timeout=10)
        assert response.status_code == 403, (method, path)
        assert response.json() == {"message": "Missing Authentication Token"}


def test_handler_failures_are_502(fixture_gateway: LocalApiGateway) -> None:
    for path in ("/files/boom", "/files/malformed"):
        response = requests.get(f"{fixture_gateway.url}{path}", headers=KEY, timeout=10)
        assert response.status_code == 502
        assert response.json() == {"message": "Internal server error"}


def test_an_oversized_body_is_413(fixture_gateway: LocalApiGateway) -> None:
    too_big = b"x" * (fixture_gateway.max_payload_bytes + 1)
    response = requests.post(f"{fixture_gateway.url}/things/t/parts/p", headers=KEY, data=too_big, timeout=10)
    assert response.status_code == 413
    assert response.json() == {"message": "Request Too Long"}
    # the gateway keeps serving
    assert requests.get(f"{fixture_gateway.url}/things", headers=KEY, timeout=10).status_code == 200


def test_the_repository_gateway_serves_the_integrations_function(gateway: LocalApiGateway) -> None:
    assert requests.get(f"{gateway.url}/integrations", timeout=10).status_code == 403
    response = requests.get(f"{gateway.url}/integrations", headers={"x-api-key": gateway.api_key}, timeout=10)
    assert response.status_code == 200
    assert response.json()["integrations"] == []
