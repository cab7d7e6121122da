"""`POST .../features/{reference}/send` with no body on an Aha! integration: the feature and its requirements
are read from Aha! (the simulator over HTTP) and sent to Jira (the Jira simulator). Every failure of Aha! is
a clear answer with a hint and a logged failure, never a 5xx of ours, and writes nothing."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest

from aha_jira.models.feature_record import FeatureRecord
from aha_jira.storage.features import DynamoFeatureRepository
from aha_jira.wiring import rate_budgets
from aha_jira_dev.aha_sim import AhaSimulator
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.integration.roadmap_inbound.conftest import AhaIntegration, aha_calls, configure


def summaries(sim: JiraSimulator) -> dict[str, str]:
    """Summary of every issue in the Jira simulator, by key."""
    return {issue["key"]: issue["fields"]["summary"] for issue in SimulatorClient(sim.base_url).issues()}


def test_an_empty_body_sends_the_feature_as_aha_has_it(
    call_api: Call, roadmap: AhaIntegration, aha_sim: AhaSimulator, jira_sim: JiraSimulator
) -> None:
    before = len(aha_sim.calls)
    status, answer = call_api("POST", f"/integrations/{roadmap.id}/features/PROD-1/send")

    assert status == 200, answer
    assert answer["reference"] == "PROD-1" and answer["status"] == "synced"
    assert [item["reference"] for item in answer["requirements"]] == ["PROD-1-1", "PROD-1-2"]
    assert sorted(answer["created"]) == ["PROD-1", "PROD-1-1", "PROD-1-2"]
    issues = summaries(jira_sim)
    assert issues[answer["jira"]["key"]] == "Mobile login"
    assert issues[answer["requirements"][1]["jira"]["key"]] == "Sign in with a passkey"
    # One read: Aha! embeds the requirements in the feature's answer.
    assert aha_calls(aha_sim, before) == ["GET /features/PROD-1"]


def test_an_empty_object_is_an_empty_body(
    call_api: Call, roadmap: AhaIntegration, aha_sim: AhaSimulator, jira_sim: JiraSimulator
) -> None:
    status, answer = call_api("POST", f"/integrations/{roadmap.id}/features/PROD-3/send", {})
    assert status == 200, answer
    assert summaries(jira_sim)[answer["jira"]["key"]] == "Dark theme"


def test_requirements_not_embedded_are_read_in_one_more_call(
    call_api: Call, roadmap: AhaIntegration, aha_sim: AhaSimulator, jira_sim: JiraSimulator
) -> None:
    document = aha_sim.feature("PROD-1")
    without = {key: value for key, value in document.items() if key not in ("requirements",)}
    aha_sim.add_fault(method="GET", path=r"^/api/v1/features/PROD-1$", status=200, body={"feature": without})
    before = len(aha_sim.calls)

    status, answer = call_api("POST", f"/integrations/{roadmap.id}/features/PROD-1/send")

    assert status == 200, answer
    assert [item["reference"] for item in answer["requirements"]] == ["PROD-1-1", "PROD-1-2"]
    assert aha_calls(aha_sim, before) == ["GET /features/PROD-1", "GET /features/PROD-1/requirements"]


def test_a_requirement_without_a_name_is_sent_with_its_description_first_line(
    call_api: Call, roadmap: AhaIntegration, aha_sim: AhaSimulator, jira_sim: JiraSimulator
) -> None:
    document = aha_sim.feature("PROD-1")
    document["requirements"][0]["name"] = None
    document["requirements"][0]["description"] = {"body": "<p>Sign in &amp; stay in</p><p>More</p>"}
    del document["requirements"][1]["name"]
    aha_sim.add_fault(method="GET", path=r"^/api/v1/features/PROD-1$", status=200, body={"feature": document})

    status, answer = call_api("POST", f"/integrations/{roadmap.id}/features/PROD-1/send")

    assert status == 200, answer
    issues = summaries(jira_sim)
    first, second = (item["jira"]["key"] for item in answer["requirements"])
    assert issues[first] == "Sign in & stay in"
    assert issues[second] == "WebAuthn passkeys."  # its description's text


def test_the_send_keeps_what_it_sent(call_api: Call, roadmap: AhaIntegration, aha_sim: AhaSimulator) -> None:
    status, _ = call_api("POST", f"/integrations/{roadmap.id}/features/PROD-1/send")
    assert status == 200
    record = DynamoFeatureRepository().get(roadmap.id, "PROD-1")
    assert isinstance(record, FeatureRecord) and record.roadmap_fingerprint is not None
    assert record.roadmap_fingerprint.statuses == {
        "PROD-1": "Ready to develop",
        "PROD-1-1": "Ready to develop",
        "PROD-1-2": "New",
    }


def test_a_body_still_works_on_an_aha_integration(
    call_api: Call, roadmap: AhaIntegration, aha_sim: AhaSimulator, jira_sim: JiraSimulator
) -> None:
    before = len(aha_sim.calls)
    feature = {"reference_num": "PROD-9", "name": "Sent with a body", "requirements": []}
    status, answer = call_api(
        "POST", f"/integrations/{roadmap.id}/features/PROD-9/send", {"feature": feature}
    )
    assert status == 200, answer
    assert summaries(jira_sim)[answer["jira"]["key"]] == "Sent with a body"
    assert aha_calls(aha_sim, before) == []


@pytest.mark.parametrize("body", [None, {}])
def test_an_empty_body_on_an_integration_without_aha_stays_a_400(
    call_api: Call, aws: Any, jira_sim: JiraSimulator, aha_sim: AhaSimulator, body: Any
) -> None:
    assert call_api("PUT", "/integrations/plain", integration_body(jira_sim, product="PROD"))[0] == 201
    assert call_api("POST", "/integrations/plain/test-connection")[1]["ok"]
    before = len(jira_sim.calls)

    status, answer = call_api("POST", "/integrations/plain/features/PROD-1/send", body)

    assert status == 400, answer
    assert answer["error"]["code"] == "invalid_body"
    assert answer["error"]["message"] == "feature: Field required"
    assert "roadmap.type is aha" in answer["error"]["hint"]
    assert len(jira_sim.calls) == before and aha_calls(aha_sim) == []


def test_a_disabled_integration_is_409_before_aha_is_asked(
    call_api: Call, aws: Any, jira_sim: JiraSimulator, aha_sim: AhaSimulator, fast_retries: None
) -> None:
    configured = configure(call_api, jira_sim, aha_sim)
    body = integration_body(jira_sim, product="PROD")
    body["enabled"] = False
    body["roadmap"] = {"type": "aha", "base_url": aha_sim.base_url, "auto_update": True}
    assert call_api("PUT", f"/integrations/{configured.id}", body)[0] == 200
    before = len(aha_sim.calls)

    status, answer = call_api("POST", f"/integrations/{configured.id}/features/PROD-1/send")

    assert (status, answer["error"]["code"]) == (409, "disabled")
    assert aha_calls(aha_sim, before) == []


# Each failure of Aha!: the status and code answered, and a word the hint must hold.
FAILURES: list[tuple[str, dict[str, Any], int, str, str]] = [
    ("not in Aha!", {"status": 404}, 404, "roadmap_feature_not_found", "reference"),
    ("the key refused", {"status": 401}, 422, "roadmap_auth_failed", "API key"),
    ("the key's user forbidden", {"status": 403}, 422, "roadmap_auth_failed", "access"),
    ("rate limited", {"status": 429, "retry_after": 7}, 503, "roadmap_rate_limited", "7 s"),
    ("Aha! failing", {"status": 503}, 502, "roadmap_unavailable", "roadmap.base_url"),
    ("the connection dropped", {"drop_before": True}, 502, "roadmap_unreachable", "roadmap.base_url"),
    ("an answer of another shape", {"status": 200, "body": {"nope": 1}}, 502, "roadmap_unexpected_answer", "base_url"),
    ("not JSON", {"status": 200, "body": "<html>"}, 502, "roadmap_unexpected_answer", "base_url"),
    ("a redirect", {"status": 302, "headers": {"Location": "https://elsewhere.example/"}}, 502,
     "roadmap_unexpected_answer", "final address"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fault", "status", "code", "hint_word"),
    [case[1:] for case in FAILURES],
    ids=[case[0] for case in FAILURES],
)
def test_a_failure_of_aha_is_a_clear_answer_logged_and_writes_nothing(  # noqa: PLR0917 (fixtures)
    call_api: Call,
    roadmap: AhaIntegration,
    aha_sim: AhaSimulator,
    jira_sim: JiraSimulator,
    log_output: io.StringIO,
    fault: dict[str, Any],
    status: int,
    code: str,
    hint_word: str,
) -> None:
    aha_sim.add_fault(method="GET", path=r"^/api/v1/features/PROD-2$", times=None, **fault)
    jira_before, aha_before = len(jira_sim.calls), len(aha_sim.calls)

    answered, answer = call_api("POST", f"/integrations/{roadmap.id}/features/PROD-2/send")

    assert (answered, answer["error"]["code"]) == (status, code), answer
    assert hint_word in answer["error"]["hint"]
    assert len(jira_sim.calls) == jira_before  # nothing sent to Jira
    assert DynamoFeatureRepository().get(roadmap.id, "PROD-2") is None
    logged = [json.loads(line) for line in log_output.getvalue().splitlines() if '"feature.send"' in line]
    assert [(line["outcome"], line["error_code"]) for line in logged] == [("failed", code)]
    assert logged[0]["hint"] == answer["error"]["hint"]
    # A read that fails in the API's time is not repeated (the caller gets the answer at once).
    assert aha_calls(aha_sim, aha_before) == ["GET /features/PROD-2"]


def test_aha_too_slow_is_a_504(
    call_api: Call,
    roadmap: AhaIntegration,
    aha_sim: AhaSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROADMAP_READ_TIMEOUT_SECONDS", "0.3")
    aha_sim.add_fault(method="GET", path=r"^/api/v1/features/PROD-2$", delay=1.5)
    status, answer = call_api("POST", f"/integrations/{roadmap.id}/features/PROD-2/send")
    assert (status, answer["error"]["code"]) == (504, "roadmap_timeout"), answer


def test_a_feature_a_send_cannot_carry_is_a_422_naming_what(
    call_api: Call, roadmap: AhaIntegration, aha_sim: AhaSimulator, jira_sim: JiraSimulator
) -> None:
    document = aha_sim.feature("PROD-1")
    document["requirements"][1]["reference_num"] = "PROD-1-1"  # twice
    aha_sim.add_fault(method="GET", path=r"^/api/v1/features/PROD-1$", status=200, body={"feature": document})
    jira_before = len(jira_sim.calls)

    status, answer = call_api("POST", f"/integrations/{roadmap.id}/features/PROD-1/send")

    assert (status, answer["error"]["code"]) == (422, "roadmap_feature_invalid"), answer
    assert "requirements.1.reference_num" in answer["error"]["message"]
    assert "in Aha!" in answer["error"]["hint"]
    assert len(jira_sim.calls) == jira_before


def test_a_revoked_key_is_a_422_with_the_key_hint(
    call_api: Call, roadmap: AhaIntegration, aha_sim: AhaSimulator
) -> None:
    aha_sim.revoke_api_key("bot")
    status, answer = call_api("POST", f"/integrations/{roadmap.id}/features/PROD-1/send")
    assert (status, answer["error"]["code"]) == (422, "roadmap_auth_failed"), answer
    assert "roadmap.api_key" in answer["error"]["hint"]


def test_reading_the_feature_books_the_aha_accounts_request_budget(
    call_api: Call, roadmap: AhaIntegration, aha_sim: AhaSimulator, aws: LocalResources
) -> None:
    """A send from Aha! shares the account's 300 requests a minute with the roadmap delivery worker."""
    dynamodb, table = boto3.client("dynamodb"), aws.table_name("RateBudgetTable")
    for item in dynamodb.scan(TableName=table)["Items"]:  # what the test connection booked
        dynamodb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    rate_budgets.cache_clear()
    status, answer = call_api("POST", f"/integrations/{roadmap.id}/features/PROD-1/send")
    assert status == 200, answer
    items = dynamodb.scan(TableName=table)["Items"]
    assert f"SITE#aha:{aha_sim.base_url}" in {item["pk"]["S"] for item in items}
