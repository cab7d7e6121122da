"""The functions' IAM policies cover the AWS calls of the roadmap configuration: the roadmap secret (Aha! API
key or webhook signing secret, under `<SECRETS_PREFIX>/integrations/<id>/roadmap-credentials`) written,
replaced and deleted by the configuration function and read by test connection, and the Aha! webhook
token's item in the integrations table. Recorded as in `test_iam_covers_calls.py`."""

from __future__ import annotations

from typing import Any

from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator
from tests.builders import integration_body
from tests.deploy.test_iam_covers_calls import Call_, _denied, recorded  # noqa: F401 - `recorded` is a fixture
from tests.fixtures.api import Call
from tests.fixtures.roadmap import RECEIVER_SECRET, RoadmapReceiver


def test_every_aws_call_of_the_roadmap_configuration_is_allowed(  # noqa: PLR0917 (fixtures)
    translated: dict[str, Any],
    recorded: list[Call_],  # noqa: F811 - the fixture imported above
    call_api: Call,
    jira_sim: JiraSimulator,
    aha_sim: AhaSimulator,
    roadmap_receiver: RoadmapReceiver,
) -> None:
    body = integration_body(jira_sim, product="PROD")
    body["roadmap"] = {"type": "aha", "base_url": aha_sim.base_url, "api_key": aha_sim.bot_key}
    assert call_api("PUT", "/integrations/mob", body)[0] == 201
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report
    body["roadmap"] = {"type": "webhook", "url": roadmap_receiver.url, "secret": RECEIVER_SECRET}
    assert call_api("PUT", "/integrations/mob", body)[0] == 200
    status, report = call_api("POST", "/integrations/mob/test-connection")
    assert status == 200 and report["ok"], report
    body["roadmap"] = {"type": "none"}
    assert call_api("PUT", "/integrations/mob", body)[0] == 200  # the secret deleted
    body["roadmap"] = {"type": "aha", "base_url": aha_sim.base_url, "api_key": aha_sim.bot_key}
    assert call_api("PUT", "/integrations/mob", body)[0] == 200
    assert call_api("DELETE", "/integrations/mob")[0] == 204  # the secret and the token deleted

    secret_calls = {
        (function, action) for function, action, resource, _ in recorded if resource.startswith("secret:")
    }
    assert {
        ("IntegrationsFunction", "secretsmanager:PutSecretValue"),
        ("IntegrationsFunction", "secretsmanager:DeleteSecret"),
        ("TestConnectionFunction", "secretsmanager:GetSecretValue"),
    } <= secret_calls
    assert any(keys and keys[0].startswith("ROADMAP_TOKEN#") for *_, keys in recorded)
    assert _denied(translated, recorded) == []
