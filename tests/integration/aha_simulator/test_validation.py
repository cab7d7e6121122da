"""Request bodies: checked against Aha!'s published OpenAPI description (400), then against what Aha! itself
refuses (422). A refused request changes nothing and fires no webhook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from aha_jira_dev.aha_sim import AhaSimulator
from tests.fixtures.aha import AhaApi
from tests.fixtures.jira import WebhookReceiver


def _unchanged(aha_sim: AhaSimulator, before: dict[str, Any]) -> None:
    after = aha_sim.feature("PROD-1")
    assert after == before
    assert aha_sim.audits() == []


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"feature": {"name": 5}}, "feature/name"),
        ({"feature": {"workflow_status": "In development"}}, "feature/workflow_status"),
        ({"feature": {"workflow_status": {"name": 3}}}, "feature/workflow_status/name"),
        ({"feature": {"assigned_to_user": {"email": ["x"]}}}, "feature/assigned_to_user/email"),
        ({"feature": "In development"}, "feature"),
    ],
)
def test_a_body_that_breaks_the_published_schema_is_a_400_naming_the_field(
    aha_sim: AhaSimulator, aha_api: AhaApi, body: dict[str, Any], names: str
) -> None:
    before = aha_sim.feature("PROD-1")

    resp = aha_api.put("/features/PROD-1", body)

    assert resp.status_code == 400
    assert resp.json()["error"].startswith("Invalid request body: ")
    assert f"{names}:" in resp.json()["error"]
    _unchanged(aha_sim, before)


def test_time_tracking_and_integration_field_bodies_are_checked_too(
    aha_sim: AhaSimulator, aha_api: AhaApi
) -> None:
    bad_user = aha_api.post(
        "/features/PROD-1/time_tracking_events",
        {"time_tracking_event": {"user_id": "x", "work_done_text": "1h"}},
    )
    bad_value = aha_api.post(
        f"/features/PROD-1/integrations/{aha_sim.integration_id}/fields",
        {"integration_field": {"name": "key", "value": 12}},
    )

    assert bad_user.status_code == 400 and "time_tracking_event/user_id" in bad_user.json()["error"]
    assert bad_value.status_code == 400 and "integration_field/value" in bad_value.json()["error"]
    assert aha_sim.time_tracking_events() == []
    assert aha_sim.feature("PROD-1")["integration_fields"] == []


def test_malformed_json_a_missing_wrapper_and_another_media_type_are_refused(aha_api: AhaApi) -> None:
    malformed = aha_api.put(
        "/features/PROD-1", data=b'{"feature": ', headers={"Content-Type": "application/json"}
    )
    no_wrapper = aha_api.put("/features/PROD-1", {"name": "Renamed"})
    empty = aha_api.put("/features/PROD-1", headers={"Content-Type": "application/json"})
    form = aha_api.put("/features/PROD-1", data=b"feature[name]=x", headers={"Content-Type": "text/plain"})

    assert malformed.status_code == 400 and "not valid JSON" in malformed.json()["error"]
    assert no_wrapper.status_code == 400
    assert no_wrapper.json()["error"] == "param is missing or the value is empty: feature"
    assert empty.status_code == 400 and "body is required" in empty.json()["error"]
    assert form.status_code == 415
    assert aha_api.get("/features/PROD-1").json()["feature"]["name"] == "Mobile login"


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            "/features/PROD-1",
            {"feature": {"workflow_status": {"name": "Done"}}},
            "not a status of the feature workflow",
        ),
        ("/features/PROD-1", {"feature": {"name": "  "}}, "Name can't be blank"),
        ("/features/PROD-1", {"feature": {"assigned_to_user": {"email": "nobody@x.example"}}}, "not a user"),
        ("/features/PROD-1", {"feature": {"remaining_estimate_text": "90"}}, "not a duration"),
        ("/features/PROD-1", {"feature": {"release": "PROD-R-99"}}, "not found"),
        (
            "/requirements/PROD-1-1",
            {"requirement": {"workflow_status": {"name": "Nope"}}},
            "requirement workflow",
        ),
        ("/requirements/PROD-1-1", {"requirement": {"start_date": "tomorrow"}}, "YYYY-MM-DD"),
    ],
)
def test_what_aha_refuses_is_a_422_and_changes_nothing(
    aha_sim: AhaSimulator, aha_api: AhaApi, path: str, body: dict[str, Any], message: str
) -> None:
    before = aha_sim.feature("PROD-1")

    resp = aha_api.put(path, body)

    assert resp.status_code == 422
    assert message in resp.json()["error"]
    _unchanged(aha_sim, before)


def test_creating_without_a_name_is_a_422_and_allocates_nothing(
    aha_sim: AhaSimulator, aha_api: AhaApi
) -> None:
    assert aha_api.post("/releases/PROD-R-1/features", {"feature": {"description": "x"}}).status_code == 422
    assert aha_api.post("/features/PROD-1/requirements", {"requirement": {"name": ""}}).status_code == 422

    created = aha_api.post("/releases/PROD-R-1/features", {"feature": {"name": "Next"}}).json()["feature"]
    requirement = aha_api.post("/features/PROD-1/requirements", {"requirement": {"name": "R"}}).json()
    assert created["reference_num"] == "PROD-4"
    assert requirement["requirement"]["reference_num"] == "PROD-1-3"


def test_attributes_aha_does_not_know_are_ignored_and_logged(
    aha_sim: AhaSimulator, aha_api: AhaApi, webhook_receiver: WebhookReceiver
) -> None:
    aha_sim.configure_webhook(webhook_receiver.url, formats=["activity"])

    resp = aha_api.put("/features/PROD-1", {"feature": {"name": "Login", "work_done": 600, "colour": "red"}})

    assert resp.status_code == 200
    feature = resp.json()["feature"]
    assert feature["name"] == "Login" and feature["work_done"] == 0  # work done moves only by time tracking
    assert sorted(aha_sim.calls[-1]["ignored"]) == ["colour", "work_done"]
    webhook_receiver.wait_for(1)


def test_a_chunked_body_is_read_like_any_other(aha_api: AhaApi) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"feature": '
        yield b'{"name": "Sent in chunks"}}'

    resp = aha_api.put("/features/PROD-1", data=chunks(), headers={"Content-Type": "application/json"})

    assert resp.status_code == 200 and resp.json()["feature"]["name"] == "Sent in chunks"
