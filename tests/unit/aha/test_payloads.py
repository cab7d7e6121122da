"""Models of Aha!'s answers: lenient where Aha!'s own answers differ, strict where they never do."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aha_jira.aha.payloads import AhaIntegrationField, ProductWorkflows, RecordAttributes


def test_ids_come_as_strings_or_numbers_never_as_booleans() -> None:
    # Aha!'s own examples: "integration_id": 204584239 in one answer, "6012345678" in another.
    assert AhaIntegrationField.model_validate(
        {"name": "key", "integration_id": 204584239}
    ).integration_id == ("204584239")
    assert AhaIntegrationField.model_validate({"name": "key", "integration_id": "42"}).integration_id == "42"
    with pytest.raises(ValidationError):
        AhaIntegrationField.model_validate({"name": "key", "integration_id": True})


def test_status_names_of_every_workflow_of_a_record_type_in_order_once() -> None:
    workflows = ProductWorkflows.model_validate(
        {
            "workflows": [
                {
                    "id": 1,
                    "statusable_type": "Feature",
                    "workflow_statuses": [
                        {"name": "Shipped", "position": 3},
                        {"name": "New", "position": 1},
                        {"name": "Building", "position": 2},
                    ],
                },
                {
                    "id": 2,
                    "statusable_type": "Feature",
                    "workflow_statuses": [{"name": "New"}, {"name": "Parked"}],
                },
                {"id": 3, "statusable_type": "Release", "workflow_statuses": [{"name": "Released"}]},
            ]
        }
    )
    assert workflows.status_names("Feature") == ["New", "Building", "Shipped", "Parked"]
    assert workflows.status_names("feature") == workflows.status_names("Feature")
    assert workflows.status_names("Requirement") == [] and not workflows.has("Requirement")
    assert workflows.has("Release")


def test_only_the_attributes_set_are_written() -> None:
    assert RecordAttributes(workflow_status="Shipped").body() == {"workflow_status": {"name": "Shipped"}}
    assert RecordAttributes(
        name="N", description="<p>d</p>", assignee_email="pm@acme.example", tags=["a", "b"]
    ).body() == {
        "name": "N",
        "description": "<p>d</p>",
        "assigned_to_user": {"email": "pm@acme.example"},
        "tags": ["a", "b"],
    }
    assert RecordAttributes(tags=[]).body() == {"tags": []}  # clearing the tags is a change
    with pytest.raises(ValidationError):
        RecordAttributes(workflow_kind="new")  # type: ignore[call-arg]
