"""The simulator's answers validate against the response schemas of Aha!'s OpenAPI description (repaired by
the description's own examples, see aha_sim/spec.py), on every call the roadmap connector makes."""

from __future__ import annotations

from typing import Any

from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.aha_sim.spec import load_spec
from tests.fixtures.aha import AhaApi


def _connector_calls(aha_sim: AhaSimulator, api: AhaApi) -> list[tuple[str, str, Any]]:
    integration = aha_sim.integration_id
    calls: list[tuple[str, str, Any]] = [
        ("GET", "/me", None),
        ("GET", "/products/PROD", None),
        ("GET", "/products/PROD/workflows", None),
        ("GET", "/workflows/70001", None),
        ("GET", "/products/PROD/integrations", None),
        ("GET", f"/products/PROD/integrations/{integration}", None),
        ("GET", "/products/PROD/releases", None),
        ("GET", "/products/PROD/features?fields=*", None),
        ("GET", "/releases/PROD-R-1", None),
        ("GET", "/releases/PROD-R-1/features?per_page=1", None),
        ("POST", "/releases/PROD-R-1/features", {"feature": {"name": "Imported", "description": "<p>x</p>"}}),
        ("GET", "/features/PROD-1", None),
        ("PUT", "/features/PROD-1", {"feature": {"workflow_status": {"name": "In development"}}}),
        ("GET", "/features/PROD-1/requirements", None),
        ("POST", "/features/PROD-1/requirements", {"requirement": {"name": "Imported requirement"}}),
        ("GET", "/requirements/PROD-1-1", None),
        ("PUT", "/requirements/PROD-1-1", {"requirement": {"workflow_status": {"name": "Shipped"}}}),
        (
            "POST",
            f"/features/PROD-1/integrations/{integration}/fields",
            {"integration_field": {"name": "key", "value": "MOB-1"}},
        ),
        ("GET", f"/features/PROD-1/integrations/{integration}/fields/key", None),
        ("POST", "/features/PROD-1/time_tracking_events", {"time_tracking_event": {"work_done_text": "1h"}}),
        (
            "POST",
            "/requirements/PROD-1-1/time_tracking_events",
            {"time_tracking_event": {"work_done_text": "1h"}},
        ),
        ("GET", "/features/PROD-1/comments", None),
        ("POST", "/features/PROD-1/comments", {"comment": {"body": "<p>From Jira</p>"}}),
        ("GET", "/requirements/PROD-1-1/comments", None),
        ("POST", "/requirements/PROD-1-1/comments", {"comment": {"body": "<p>From Jira</p>"}}),
        ("GET", "/epics/PROD-E-1", None),
        ("GET", "/epics/PROD-E-1/features", None),
        ("GET", "/initiatives/PROD-S-1", None),
        ("GET", "/audits?auditable_type=Feature", None),
    ]
    return calls


def test_every_connector_call_answers_within_the_published_schema(
    aha_sim: AhaSimulator, aha_api: AhaApi
) -> None:
    for method, path, body in _connector_calls(aha_sim, aha_api):
        resp = aha_api.request(method, path, json=body)
        assert 200 <= resp.status_code < 300, (method, path, resp.text)
    comment = aha_api.get("/features/PROD-1/comments").json()["comments"][-1]
    event = aha_api.post(
        "/features/PROD-1/time_tracking_events", {"time_tracking_event": {"work_done_text": "5min"}}
    ).json()["time_tracking_event"]
    assert aha_api.get(f"/comments/{comment['id']}").status_code == 200
    assert (
        aha_api.put(f"/comments/{comment['id']}", {"comment": {"body": "<p>Edited</p>"}}).status_code == 200
    )
    assert aha_api.delete(f"/comments/{comment['id']}").status_code == 204
    assert aha_api.delete(f"/time_tracking_events/{event['id']}").status_code == 204

    checked = [c for c in aha_sim.calls if c["status"] and 200 <= c["status"] < 300]
    assert len(checked) == len(_connector_calls(aha_sim, aha_api)) + 6
    assert aha_sim.response_schema_errors() == []


def test_the_check_is_not_vacuous() -> None:
    spec = load_spec()
    assert spec is not None

    assert spec.response_errors("/features/{id}", "put", 200, {"feature": {"name": 3}}) == [
        "feature/name: 3 is not of type 'string', 'null'"
    ]
    assert spec.response_errors("/features/{id}", "put", 201, {}) != []
    assert spec.response_errors(
        "/features/{feature_id}/integrations/{integration_id}/fields", "post", 200, ["728894778"]
    ) == ["0: '728894778' is not of type 'integer', 'null'"]


def test_the_repaired_schemas_accept_every_example_of_the_description() -> None:
    spec = load_spec()
    assert spec is not None
    failures = []
    for path, operations in spec.document["paths"].items():
        for method, operation in operations.items():
            for status, response in (operation.get("responses") or {}).items():
                for media in (response.get("content") or {}).values():
                    if media.get("example") is not None:
                        problems = spec.response_errors(path, method, int(status), media["example"])
                        if problems:
                            failures.append((method, path, problems[:1]))
    assert failures == []
