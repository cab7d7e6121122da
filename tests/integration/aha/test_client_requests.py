"""Every request the Aha! client sends is one Aha!'s published OpenAPI description documents.

The client makes each of its calls against the simulator (which refuses a body its schema does not take);
every request is recorded as it left (a response hook on the client's own `requests.Session`) and checked
again here, directly against `aha-openapi.json` with openapi-core: the operation exists, the body validates
against its `requestBody` schema, every query parameter is one the operation documents, and the
`ApiKeyAuth` scheme (`Authorization: Bearer <key>`) is used.
"""

from __future__ import annotations

import json
import re
import warnings
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest

from aha_jira.aha.client import AhaClient
from aha_jira.aha.payloads import RecordAttributes
from aha_jira.aha.transport import AhaTransport
from aha_jira_dev.aha_sim import AhaSimulator

SPEC_PATH = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "aha-openapi.json"
SPEC_SERVER = "https://company.aha.io"  # the description's server, `https://{account-domain}.aha.io/api/v1`


@cache
def spec_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return document


@cache
def openapi() -> OpenAPI:
    # Spec validation off: the published file has generator quirks openapi-spec-validator reports.
    return OpenAPI.from_file_path(str(SPEC_PATH), config=Config(spec_validator_cls=None))


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The description's path template and operation for a concrete `/api/v1/...` path."""
    relative = path.removeprefix("/api/v1")
    for template, operations in spec_document()["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, relative) and method.lower() in operations:
            return template, operations[method.lower()]
    raise AssertionError(f"{method} {path} is not an operation of Aha!'s description")


def check_against_spec(prepared: requests.PreparedRequest, api_key: str) -> str:
    parts = urlsplit(prepared.url or "")
    method = prepared.method or ""
    template, operation = operation_for(method, parts.path)
    documented = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
    sent = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    assert sent <= documented, f"{method} {template}: undocumented query parameters {sent - documented}"
    assert prepared.headers.get("Authorization") == f"Bearer {api_key}"
    if operation.get("requestBody"):
        assert prepared.headers.get("Content-Type") == "application/json"
    else:
        assert not prepared.body, f"{method} {template} documents no body"
    # openapi-core matches the description's server: the same request, addressed to it.
    as_published = prepared.copy()
    as_published.url = f"{SPEC_SERVER}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Unsupported scheme type": its cookie scheme
        openapi().validate_request(RequestsOpenAPIRequest(as_published))
    return f"{method} {template}"


def tour(client: AhaClient, sim: AhaSimulator) -> None:
    """Every call of the client, once at least."""
    client.me()
    product = client.product("PROD")
    client.workflows(product.id)
    client.product_integrations("PROD")
    client.product_integration("PROD", sim.integration_id)
    client.feature("PROD-1")
    client.update_feature(
        "PROD-1",
        RecordAttributes(
            name="Mobile login",
            description="<p>Sign in</p>",
            workflow_status="In development",
            assignee_email="pm@acme.example",
            tags=["mobile", "auth"],
        ),
    )
    client.requirement("PROD-1-1")
    client.update_requirement("PROD-1-1", RecordAttributes(workflow_status="Shipped", name="Sign in"))
    client.update_record("requirement", "PROD-1-2", RecordAttributes(workflow_status="In development"))
    client.feature_requirements("PROD-1")
    created = client.create_feature("PROD-R-2", RecordAttributes(name="Imported", workflow_status="New"))
    client.create_requirement(created.reference_num, RecordAttributes(name="Child", description="<p>c</p>"))
    client.release("PROD-R-2")
    client.release_features("PROD-R-2")
    client.set_integration_fields("PROD-1", sim.integration_id, {"key": "MOB-1", "id": "10001"})
    client.integration_field("PROD-1", sim.integration_id, "key")
    event = client.log_time("feature", "PROD-1", work_done_minutes=75, remaining_minutes=60)
    client.log_time("requirement", "PROD-1-1", work_done_minutes=30)
    client.delete_time_tracking_event(event.id)
    comment = client.add_comment("feature", "PROD-1", "<p>Deleted in Jira</p>")
    client.add_comment("requirement", "PROD-1-1", "<p>Detached</p>")
    client.update_comment(comment.id, "<p>Edited</p>")
    client.comment(comment.id)
    client.comments("feature", "PROD-1")
    client.comments("requirement", "PROD-1-1")
    client.delete_comment(comment.id)


def test_every_request_of_the_client_is_in_aha_s_published_description(aha_sim: AhaSimulator) -> None:
    session = requests.Session()
    sent: list[requests.PreparedRequest] = []
    session.hooks["response"].append(lambda response, *_, **__: sent.append(response.request))
    client = AhaClient(AhaTransport(aha_sim.base_url, aha_sim.bot_key, allow_loopback=True, session=session))

    tour(client, aha_sim)

    # The simulator took every request (it refuses bodies against the same description: 400).
    statuses = [(call["method"], call["path"], call["status"]) for call in aha_sim.calls]
    assert all(200 <= status < 300 for _, _, status in statuses), statuses
    assert not any(call["ignored"] for call in aha_sim.calls), "an attribute Aha! does not know was sent"
    assert len(sent) == len(aha_sim.calls) == len(client.transport.calls)
    operations = {check_against_spec(prepared, aha_sim.bot_key) for prepared in sent}
    assert operations == {
        "GET /me",
        "GET /products/{id}",
        "GET /products/{product_id}/workflows",
        "GET /products/{product_id}/integrations",
        "GET /products/{product_id}/integrations/{integration_id}",
        "GET /features/{id}",
        "PUT /features/{id}",
        "GET /requirements/{id}",
        "PUT /requirements/{id}",
        "GET /features/{feature_id}/requirements",
        "POST /features/{feature_id}/requirements",
        "POST /releases/{release_id}/features",
        "GET /releases/{id}",
        "GET /releases/{release_id}/features",
        "POST /features/{feature_id}/integrations/{integration_id}/fields",
        "GET /features/{feature_id}/integrations/{integration_id}/fields/{field_name}",
        "POST /features/{feature_id}/time_tracking_events",
        "POST /requirements/{requirement_id}/time_tracking_events",
        "DELETE /time_tracking_events/{id}",
        "POST /features/{feature_id}/comments",
        "POST /requirements/{requirement_id}/comments",
        "PUT /comments/{id}",
        "GET /comments/{id}",
        "GET /features/{feature_id}/comments",
        "GET /requirements/{requirement_id}/comments",
        "DELETE /comments/{id}",
    }


def test_the_spec_check_itself_refuses_what_aha_does_not_document() -> None:
    # The check above must be able to fail: a body of the wrong type, an undocumented query parameter.
    def prepared(method: str, path: str, **kwargs: Any) -> requests.PreparedRequest:
        return requests.Request(
            method, f"http://127.0.0.1:9{path}", headers={"Authorization": "Bearer k-0123456789"}, **kwargs
        ).prepare()

    failures = 0
    for request in (
        prepared("PUT", "/api/v1/features/PROD-1", json={"feature": {"name": 5}}),
        prepared("GET", "/api/v1/me", params={"page": "1"}),
        prepared("PATCH", "/api/v1/features/PROD-1", json={"feature": {}}),
    ):
        try:
            check_against_spec(request, "k-0123456789")
        except Exception:
            failures += 1
    assert failures == 3
