"""What replaying real Aha! payloads found the send missing: a requirement without a name, an assignee Jira
does not know, a re-send without `url`, a release sent as a feature."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.provision import LocalResources
from tests.fixtures.api import Call
from tests.integration.integrations.refusals import assert_refused
from tests.integration.send.conftest import aha_feature
from tests.integration.send.test_bad_input import Unchanged

PAYLOADS = Path(__file__).resolve().parents[2] / "fixtures" / "aha_payloads"
REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "aha-events"


def send(call_api: Call, feature: dict[str, Any]) -> tuple[int, Any]:
    return call_api(
        "POST", f"/integrations/mob/features/{feature['reference_num']}/send", {"feature": feature}
    )


def no_attach() -> dict[str, Any]:
    return copy.deepcopy(
        json.loads((PAYLOADS / "create_feature_event_no_attach.json").read_text())["feature"]
    )


def text_of(adf: dict[str, Any]) -> str:
    return json.dumps(adf)


def log_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


def test_a_requirement_without_a_name_is_sent_with_its_descriptions_first_line(
    call_api: Call, mob: str, jira_sim: JiraSimulator
) -> None:
    feature = no_attach()
    assert "name" not in feature["requirements"][0]
    status, body = send(call_api, feature)
    assert status == 200, body
    assert body["created"] == ["PROD-2", "PROD-2-1"] and body["warnings"] == []
    requirement = SimulatorClient(jira_sim.base_url).issue(body["requirements"][0]["jira"]["key"])
    assert requirement["fields"]["summary"] == "First requirement"


def test_without_a_name_or_a_description_the_reference_is_the_summary(
    call_api: Call, mob: str, jira_sim: JiraSimulator
) -> None:
    feature = no_attach()
    feature["requirements"][0]["description"] = {"body": "<p><br></p>"}
    feature["requirements"][0]["name"] = None
    status, body = send(call_api, feature)
    assert status == 200, body
    requirement = SimulatorClient(jira_sim.base_url).issue(body["requirements"][0]["jira"]["key"])
    assert requirement["fields"]["summary"] == "PROD-2-1"


def test_an_assignee_jira_does_not_know_is_a_warning_in_the_answer_and_the_log(
    call_api: Call, mob: str, jira_sim: JiraSimulator, log_output: io.StringIO
) -> None:
    feature = no_attach()
    feature["assigned_to_user"] = {"email": "someone.new@acme.example", "name": "Someone New"}
    feature["requirements"][0]["assigned_to_user"] = {"email": "pm@acme.example"}
    status, body = send(call_api, feature)
    assert status == 200, body
    assert [warning["code"] for warning in body["warnings"]] == ["assignee_unknown"]
    warning = body["warnings"][0]
    assert "someone.new@acme.example" in warning["message"] and "PROD-2" in warning["message"]
    assert warning["hint"]
    client = SimulatorClient(jira_sim.base_url)
    assert client.issue(body["jira"]["key"])["fields"]["assignee"] is None
    assert client.issue(body["requirements"][0]["jira"]["key"])["fields"]["assignee"] is not None
    logged = [line for line in log_lines(log_output) if line.get("action") == "send.warning"]
    assert [(line["reference"], line["warning"], line["level"]) for line in logged] == [
        ("PROD-2", "assignee_unknown", "WARNING")
    ]
    sent = [line for line in log_lines(log_output) if line.get("action") == "feature.send"]
    assert sent[-1]["warnings"] == ["assignee_unknown"]

    # An unchanged re-send still says so: the issue is still unassigned.
    status, again = send(call_api, feature)
    assert again["unchanged"] == ["PROD-2", "PROD-2-1"]
    assert [warning["code"] for warning in again["warnings"]] == ["assignee_unknown"]


def test_a_resend_without_url_keeps_the_link_back(call_api: Call, mob: str, jira_sim: JiraSimulator) -> None:
    feature = aha_feature()
    feature["description"]["attachments"] = []
    feature["requirements"][0]["description"]["attachments"] = []
    status, first = send(call_api, feature)
    assert status == 200, first
    client = SimulatorClient(jira_sim.base_url)
    key, requirement_key = first["jira"]["key"], first["requirements"][0]["jira"]["key"]
    assert feature["url"] in text_of(client.issue(key)["fields"]["description"])

    feature.pop("url")
    feature["requirements"][0].pop("url")
    feature["description"]["body"] = "<p>Changed on the roadmap</p>"
    feature["requirements"][0]["description"]["body"] = "<p>Changed too</p>"
    status, second = send(call_api, feature)
    assert status == 200, second
    assert sorted(second["updated"]) == ["PROD-2", "PROD-2-1"]
    description = text_of(client.issue(key)["fields"]["description"])
    assert "Changed on the roadmap" in description and "http://watersco.aha.io/features/PROD-2" in description
    requirement = text_of(client.issue(requirement_key)["fields"]["description"])
    assert "http://watersco.aha.io/requirements/PROD-2-1" in requirement

    # Nothing changed since: the same description, so no edit.
    status, third = send(call_api, feature)
    assert third["unchanged"] == ["PROD-2", "PROD-2-1"]
    assert call_api("GET", "/integrations/mob/features/PROD-2")[1]["name"] == "Feature with attachments"


def test_a_release_sent_as_a_feature_is_400_and_writes_nothing(
    call_api: Call, mob: str, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    unchanged = Unchanged(aws, jira_sim)
    release = json.loads((REFERENCE / "create_release_event.json").read_text())["release"]
    status, answer = call_api(
        "POST", f"/integrations/mob/features/{release['reference_num']}/send", {"feature": release}
    )
    assert_refused(status, answer, expected=400, code="invalid_body", key="feature")
    assert "is a release OPS-R-1, not a feature" in answer["error"]["message"]
    # A release's reference alone gives it away too, and so do its own keys under any reference.
    status, answer = call_api(
        "POST",
        "/integrations/mob/features/PROD-R-3/send",
        {"feature": {"reference_num": "PROD-R-3", "name": "Q3"}},
    )
    assert status == 400 and "not a feature" in answer["error"]["message"]
    status, answer = call_api(
        "POST", "/integrations/mob/features/PROD-9/send", {"feature": {**release, "reference_num": "PROD-9"}}
    )
    assert status == 400 and "not a feature" in answer["error"]["message"]
    unchanged.check()
