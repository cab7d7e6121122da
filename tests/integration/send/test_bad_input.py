"""Bad input at the send route: a clear 4xx naming the key before anything is written, never 5xx.

Nothing written means: no Jira call that writes, no issue in the simulator, no item, no secret and no
queue message changed (`stored_state`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.integrations.refusals import RawCall, assert_refused, call_raw, stored_state
from tests.integration.send.conftest import aha_feature

__all__ = ["call_raw"]  # the fixture, for this module's tests

MB = 1024 * 1024
SEND = "/integrations/mob/features/PROD-2/send"


def jira_writes(sim: JiraSimulator) -> list[tuple[str, str]]:
    return [(call["method"], call["path"]) for call in sim.calls if call["method"] != "GET"]


class Unchanged:
    """Everything a send could write, before; `check()` after a refusal."""

    def __init__(self, aws: LocalResources, sim: JiraSimulator) -> None:
        self.aws, self.sim = aws, sim
        self.state = stored_state(aws)
        self.writes = len(jira_writes(sim))
        self.issues = len(SimulatorClient(sim.base_url).issues())

    def check(self) -> None:
        assert jira_writes(self.sim)[self.writes :] == []
        assert len(SimulatorClient(self.sim.base_url).issues()) == self.issues
        assert stored_state(self.aws) == self.state


def feature(**changes: Any) -> dict[str, Any]:
    body = aha_feature()
    body.update(changes)
    return body


def requirement(reference: str, name: str = "A requirement") -> dict[str, Any]:
    return {"reference_num": reference, "name": name, "description": {"body": "<p>x</p>"}}


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"name": "n" * 256}, "feature.name"),
        ({"name": "n" * MB}, "feature.name"),
        ({"name": "Offline\x00mode"}, "feature.name"),
        ({"tags": ["mobile", "t" * MB]}, "feature.tags.1"),
        ({"tags": [f"tag-{n}" for n in range(101)]}, "feature.tags"),
        ({"description": {"body": "<p>" + "d" * (256 * 1024) + "</p>"}}, "feature.description.body"),
        ({"original_estimate": 1e308}, "feature.original_estimate"),
        ({"original_estimate": -60}, "feature.original_estimate"),
        ({"remaining_estimate": 1e7}, "feature.remaining_estimate"),
        ({"work_units": 10**30}, "feature.work_units"),
        ({"assigned_to_user": {"email": "pm@acme.example\r\nBcc: x"}}, "feature.assigned_to_user.email"),
        ({"assigned_to_user": {"email": "p" * MB + "@acme.example"}}, "feature.assigned_to_user.email"),
        ({"url": "javascript:alert(1)"}, "feature.url"),
        ({"url": "https://acme.aha.io/features/PROD-2\n"}, "feature.url"),
        ({"workflow_status": {"name": "s" * 300}}, "feature.workflow_status.name"),
        ({"release": {"name": "r" * 300}}, "feature.release.name"),
        ({"custom_fields": [{"key": "k", "value": 1}] * 201}, "feature.custom_fields"),
        ({"requirements": [requirement("PROD-2-1\x00")]}, "feature.requirements.0.reference_num"),
        ({"requirements": [requirement("PROD-2-1\r\n")]}, "feature.requirements.0.reference_num"),
        ({"requirements": [requirement("PROD-2-1\t")]}, "feature.requirements.0.reference_num"),
        ({"requirements": [requirement("P" * 65)]}, "feature.requirements.0.reference_num"),
        ({"requirements": [requirement("PROD-2-1", "n" * 256)]}, "feature.requirements.0.name"),
        ({"requirements": [requirement(f"PROD-2-{n}") for n in range(501)]}, "feature.requirements"),
    ],
)
def test_values_out_of_bounds_are_400_naming_the_key(
    call_api: Call,
    mob: str,
    *,
    aws: LocalResources,
    jira_sim: JiraSimulator,
    changes: dict[str, Any],
    key: str,
) -> None:
    unchanged = Unchanged(aws, jira_sim)
    status, body = call_api("POST", SEND, {"feature": feature(**changes)})
    assert_refused(status, body, expected=400, code="invalid_body", key=key)
    unchanged.check()


def test_a_requirement_reusing_the_features_reference_is_400(
    call_api: Call, mob: str, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    """It used to overwrite the feature's own issue with the requirement."""
    unchanged = Unchanged(aws, jira_sim)
    body = feature(requirements=[requirement("PROD-2-1"), requirement("PROD-2")])
    status, answer = call_api("POST", SEND, {"feature": body})
    assert_refused(
        status, answer, expected=400, code="invalid_body", key="feature.requirements.1.reference_num"
    )
    assert "feature's own reference" in answer["error"]["message"]
    unchanged.check()


def test_requirements_repeating_a_reference_are_400(
    call_api: Call, mob: str, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    """They used to queue a job that failed five times into the dead-letter queue."""
    unchanged = Unchanged(aws, jira_sim)
    body = feature(requirements=[requirement("PROD-2-1"), requirement("PROD-2-2"), requirement("PROD-2-1")])
    status, answer = call_api("POST", SEND, {"feature": body})
    assert_refused(
        status, answer, expected=400, code="invalid_body", key="feature.requirements.2.reference_num"
    )
    assert "appears twice" in answer["error"]["message"]
    unchanged.check()


def test_the_reference_in_the_url_must_be_the_features(
    call_api: Call, mob: str, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    unchanged = Unchanged(aws, jira_sim)
    status, body = call_api("POST", "/integrations/mob/features/PROD-9/send", {"feature": feature()})
    assert_refused(status, body, expected=400, code="reference_mismatch", key="feature.reference_num")
    unchanged.check()


def raw_feature(replacements: dict[str, str]) -> bytes:
    text = json.dumps({"feature": feature(original_estimate=60, work_units=10)})
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new, 1)
    return text.encode()


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (raw_feature({'"original_estimate": 60': '"original_estimate": NaN'}), ""),
        (raw_feature({'"original_estimate": 60': '"original_estimate": Infinity'}), ""),
        (raw_feature({'"original_estimate": 60': '"original_estimate": 1e999'}), "feature.original_estimate"),
        (raw_feature({'"name": "': '"name": "Other", "name": "'}), "name"),
        (
            raw_feature({'"feature": {': '"feature": {"custom_fields": ' + "[" * 100 + "]" * 100 + ", "}),
            "feature",
        ),
        (b'{"feature": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", ""),
        (b'{"feature": {"reference_num": "PROD-2", "name": "\\udfff"}}', "feature.name"),
    ],
    ids=["NaN", "Infinity", "1e999", "repeated key", "100 levels", "10000 levels", "lone surrogate"],
)
def test_bodies_json_refuses_are_400(
    call_api: Call, mob: str, *, aws: LocalResources, jira_sim: JiraSimulator, raw: bytes, key: str
) -> None:
    unchanged = Unchanged(aws, jira_sim)
    status, body = call_api("POST", SEND, raw)
    assert_refused(status, body, expected=400, code="invalid_body", key=key)
    unchanged.check()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "text/html"])
def test_a_send_not_declared_json_is_415(
    call_raw: RawCall, mob: str, aws: LocalResources, jira_sim: JiraSimulator, content_type: str
) -> None:
    unchanged = Unchanged(aws, jira_sim)
    status, body = call_raw("POST", SEND, {"feature": feature()}, headers={"Content-Type": content_type})
    assert_refused(status, body, expected=415, code="unsupported_media_type")
    unchanged.check()


def test_a_send_within_every_limit_goes_through(call_api: Call, mob: str, jira_sim: JiraSimulator) -> None:
    body = feature(
        name="n" * 255,
        tags=[f"tag-{n}" for n in range(100)],
        original_estimate=1_000_000,
        work_units=10,
        requirements=[requirement("PROD-2-1", "r" * 255), requirement("PROD-2-2")],
    )
    body["description"] = {"body": "<p>" + "d" * (256 * 1024 - 7) + "</p>"}
    status, answer = call_api("POST", SEND, {"feature": body})
    assert status == 200, answer
    assert answer["created"] == ["PROD-2", "PROD-2-1", "PROD-2-2"]
