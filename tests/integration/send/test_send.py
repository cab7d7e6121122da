"""Sending features through the real handler, against the Jira simulator (strict about Jira's rules) and moto."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest

from aha_jira.storage import aws_clients
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from tests.fixtures.api import Call
from tests.integration.send.conftest import aha_feature, integration_body, refuse_first_bulk_element
from tests.queues import run_until_quiet

METADATA_PATHS = (
    "/createmeta",
    "/field",
    "/statuses",
    "/issuetype",
    "/project/search",
    "/issueLinkType",
    "/serverInfo",
)


def send(call_api: Call, feature: dict[str, Any], integration: str = "mob") -> tuple[int, Any]:
    return call_api(
        "POST", f"/integrations/{integration}/features/{feature['reference_num']}/send", {"feature": feature}
    )


def writes(calls: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (call["method"], call["path"])
        for call in calls
        if call["method"] != "GET" and "/search/jql" not in call["path"]
    ]


def issues_for(sim: JiraSimulator, reference: str) -> list[dict[str, Any]]:
    """Issues in Jira stamped with a roadmap reference (what 'exactly once' is counted on)."""
    found = []
    for issue in SimulatorClient(sim.base_url).issues():
        stamp = (issue.get("properties") or {}).get("aha-jira") or {}
        if stamp.get("reference") == reference:
            found.append(issue)
    return found


def test_first_send_creates_feature_and_requirements_in_budget(
    call_api: Call, mob: str, jira_sim: JiraSimulator
) -> None:
    feature = aha_feature()
    before = len(jira_sim.calls)
    status, body = send(call_api, feature)
    assert status == 200, body
    assert body["status"] == "synced"
    key = body["jira"]["key"]
    assert key.startswith("MOB-")
    assert body["jira"]["url"] == f"{jira_sim.base_url}/browse/{key}"
    assert body["created"] == ["PROD-2", "PROD-2-1"]
    assert [item["reference"] for item in body["requirements"]] == ["PROD-2-1"]
    calls = jira_sim.calls[before:]
    # One create, one bulk create, one version (the release is new to Jira); no metadata reads.
    assert writes(calls) == [
        ("POST", "/rest/api/3/version"),
        ("POST", "/rest/api/3/issue"),
        ("POST", "/rest/api/3/issue/bulk"),
    ]
    assert not [
        call for call in calls if call["path"].endswith(METADATA_PATHS) or "/createmeta" in call["path"]
    ]

    requirement = SimulatorClient(jira_sim.base_url).issue(body["requirements"][0]["jira"]["key"])
    assert requirement["fields"]["parent"]["key"] == key
    assert requirement["fields"]["issuetype"]["name"] == "Sub-task"
    story = SimulatorClient(jira_sim.base_url).issue(key)
    assert story["fields"]["summary"] == feature["name"]
    assert [version["name"] for version in story["fields"]["fixVersions"]] == ["Summer"]
    assert len(issues_for(jira_sim, "PROD-2")) == 1 and len(issues_for(jira_sim, "PROD-2-1")) == 1


def test_unchanged_resend_writes_nothing(call_api: Call, mob: str, jira_sim: JiraSimulator) -> None:
    feature = aha_feature()
    send(call_api, feature)
    before = len(jira_sim.calls)
    status, body = send(call_api, feature)
    assert status == 200
    assert body["unchanged"] == ["PROD-2", "PROD-2-1"] and body["created"] == [] and body["updated"] == []
    assert writes(jira_sim.calls[before:]) == []


def test_resend_updates_only_what_changed_and_reports_removed(
    call_api: Call, mob: str, jira_sim: JiraSimulator
) -> None:
    feature = aha_feature()
    _, first = send(call_api, feature)
    feature["requirements"][0]["description"]["body"] = "<p>Changed <strong>requirement</strong></p>"
    extra = dict(feature["requirements"][0], reference_num="PROD-2-2", name="Second requirement")
    feature["requirements"].append(extra)
    before = len(jira_sim.calls)
    status, body = send(call_api, feature)
    assert status == 200, body
    assert (
        body["updated"] == ["PROD-2-1"]
        and body["created"] == ["PROD-2-2"]
        and body["unchanged"] == ["PROD-2"]
    )
    assert writes(jira_sim.calls[before:]) == [
        ("PUT", f"/rest/api/3/issue/{first['requirements'][0]['jira']['key']}"),
        ("POST", "/rest/api/3/issue/bulk"),
    ]

    feature["requirements"] = feature["requirements"][1:]
    status, body = send(call_api, feature)
    assert body["removed"] == ["PROD-2-1"]
    # Removed from the roadmap, never deleted in Jira.
    assert SimulatorClient(jira_sim.base_url).issue(first["requirements"][0]["jira"]["key"])["key"]


def test_aha_update_event_payload_is_accepted(call_api: Call, mob: str, jira_sim: JiraSimulator) -> None:
    status, body = send(call_api, aha_feature("update_feature_event"))
    assert status == 200, body
    assert body["status"] == "synced"


# 121 issues within the function's deadline: on a machine busy with other tests the send stops in time and
# answers 202 instead (as it must), so this runs alone after the parallel part (`make test`).
@pytest.mark.timing
def test_requirements_go_in_bulk_of_fifty(call_api: Call, mob: str, jira_sim: JiraSimulator) -> None:
    feature = aha_feature()
    template = feature["requirements"][0]
    feature["requirements"] = [
        dict(
            template,
            reference_num=f"PROD-2-{n}",
            name=f"Requirement {n}",
            description={"body": f"<p>R{n}</p>"},
        )
        for n in range(1, 121)
    ]
    before = len(jira_sim.calls)
    status, body = send(call_api, feature)
    assert status == 200, body
    bulk = [call for call in jira_sim.calls[before:] if call["path"].endswith("/issue/bulk")]
    assert len(bulk) == 3
    assert len(body["created"]) == 121
    assert len({item["jira"]["key"] for item in body["requirements"]}) == 120


def test_link_mode_links_in_the_create_call(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, fast_retries: None
) -> None:
    call_api(
        "PUT",
        "/integrations/linked",
        integration_body(jira_sim, requirement_issue_type="Task", link_type="Relates"),
    )
    assert call_api("POST", "/integrations/linked/test-connection")[1]["ok"]
    before = len(jira_sim.calls)
    status, body = send(call_api, aha_feature(), "linked")
    assert status == 200, body
    assert not [call for call in jira_sim.calls[before:] if call["path"].endswith("/issueLink")]
    requirement = SimulatorClient(jira_sim.base_url).issue(body["requirements"][0]["jira"]["key"])
    linked_keys = [
        (link.get("inwardIssue") or link.get("outwardIssue") or {}).get("key")
        for link in requirement["fields"]["issuelinks"]
    ]
    assert body["jira"]["key"] in linked_keys


def test_refusals_before_jira(call_api: Call, mob: str, jira_sim: JiraSimulator) -> None:
    feature = aha_feature()
    status, body = call_api("POST", "/integrations/mob/features/OTHER-1/send", {"feature": feature})
    assert status == 400 and body["error"]["code"] == "reference_mismatch"
    del feature["name"]
    status, body = send(call_api, feature)
    assert status == 400 and "feature.name" in [d["path"] for d in body["error"]["details"]]
    status, body = call_api("POST", "/integrations/nope/features/PROD-2/send", {"feature": aha_feature()})
    assert status == 404
    assert issues_for(jira_sim, "PROD-2") == []


def test_not_tested_and_disabled_are_409(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator
) -> None:
    call_api("PUT", "/integrations/fresh", integration_body(jira_sim))
    status, body = send(call_api, aha_feature(), "fresh")
    assert status == 409 and body["error"]["code"] == "not_tested"
    call_api("POST", "/integrations/fresh/test-connection")
    disabled = integration_body(jira_sim)
    disabled["enabled"] = False
    del disabled["jira"]["auth"]["api_token"]
    call_api("PUT", "/integrations/fresh", disabled)
    status, body = send(call_api, aha_feature(), "fresh")
    assert status == 409 and body["error"]["code"] == "disabled"
    assert "to send features" in body["error"]["hint"], body


def test_jira_refusal_is_422_naming_the_field(call_api: Call, mob: str, jira_sim: JiraSimulator) -> None:
    jira_sim.add_fault(
        method="POST",
        path=r"/rest/api/3/issue$",
        status=400,
        body={
            "errorMessages": [],
            "errors": {"customfield_10004": "Number value expected as the Story point estimate."},
        },
        times=1,
    )
    status, body = send(call_api, aha_feature())
    assert status == 422
    error = body["error"]
    assert error["code"] == "jira_refused"
    assert "customfield_10004" in error["message"] and "Story Points" in error["message"]
    assert "mapping.fields.customfield_10004" in error["hint"]
    # Nothing left half-linked: the next send (after the fix) creates it once.
    status, body = send(call_api, aha_feature())
    assert status == 200 and body["created"] == ["PROD-2", "PROD-2-1"]
    assert len(issues_for(jira_sim, "PROD-2")) == 1


def test_transient_failure_queues_and_the_worker_finishes(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources, retry_poller: SqsPoller
) -> None:
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=503, retry_after=0, times=1)
    status, body = send(call_api, aha_feature())
    assert status == 202, body
    assert body["status"] == "queued" and body["retry_id"] and "503" in body["reason"]
    assert issues_for(jira_sim, "PROD-2") == []
    _drain(retry_poller)
    assert len(issues_for(jira_sim, "PROD-2")) == 1 and len(issues_for(jira_sim, "PROD-2-1")) == 1
    status, feature = call_api("GET", "/integrations/mob/features/PROD-2")
    assert status == 200 and feature["jira"]["key"]


def test_lost_answer_is_reconciled_not_created_twice(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources, retry_poller: SqsPoller
) -> None:
    # Jira creates the issue, then the connection drops before the answer: the outcome is unknown.
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", drop_after_commit=True, times=1)
    status, body = send(call_api, aha_feature())
    assert status == 202, body
    assert len(issues_for(jira_sim, "PROD-2")) == 1
    _drain(retry_poller)
    assert len(issues_for(jira_sim, "PROD-2")) == 1
    assert len(issues_for(jira_sim, "PROD-2-1")) == 1
    _, feature = call_api("GET", "/integrations/mob/features/PROD-2")
    assert feature["jira"]["key"] == issues_for(jira_sim, "PROD-2")[0]["key"]


def test_lost_bulk_answer_is_reconciled(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources, retry_poller: SqsPoller
) -> None:
    jira_sim.add_fault(method="POST", path=r"/issue/bulk$", drop_after_commit=True, times=1)
    status, _ = send(call_api, aha_feature())
    assert status == 202
    _drain(retry_poller)
    assert len(issues_for(jira_sim, "PROD-2-1")) == 1
    # A reconciled issue was created by an earlier attempt, maybe from an older payload: the send that
    # found it wrote this payload into it, so the next send has nothing to write.
    status, body = send(call_api, aha_feature())
    assert status == 200 and body["unchanged"] == ["PROD-2", "PROD-2-1"]
    assert len(issues_for(jira_sim, "PROD-2-1")) == 1


def test_double_click_creates_once(
    call_api: Call,
    mob: str,
    jira_sim: JiraSimulator,
    retry_poller: SqsPoller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The second click finds the first one's reservation and is queued for a third of the lease: a shorter
    # lease than production's 90 s brings that retry within the test's drain, still far longer than the send.
    monkeypatch.setenv("RESERVATION_LEASE_SECONDS", "6")
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", delay=0.5, times=1)
    results: list[tuple[int, Any]] = []
    threads = [
        threading.Thread(target=lambda: results.append(send(call_api, aha_feature()))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in results) in ([200, 202], [200, 200])
    _drain(retry_poller)
    assert len(issues_for(jira_sim, "PROD-2")) == 1 and len(issues_for(jira_sim, "PROD-2-1")) == 1


def test_redelivered_job_does_not_create_again(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources, retry_poller: SqsPoller
) -> None:
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=503, retry_after=0, times=1)
    status, _ = send(call_api, aha_feature())
    assert status == 202
    sqs = boto3.client("sqs")
    queue_url = aws.queue_url("RetryQueue")
    message = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=2)["Messages"][0]
    sqs.change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    sqs.send_message(QueueUrl=queue_url, MessageBody=message["Body"])  # the same job, delivered twice
    _drain(retry_poller)
    assert len(issues_for(jira_sim, "PROD-2")) == 1 and len(issues_for(jira_sim, "PROD-2-1")) == 1


def test_feature_read_back_and_list(call_api: Call, mob: str, jira_sim: JiraSimulator) -> None:
    _, sent = send(call_api, aha_feature())
    status, feature = call_api("GET", "/integrations/mob/features/PROD-2")
    assert status == 200
    assert feature["reference"] == "PROD-2" and feature["name"] == "Feature with attachments"
    assert feature["status"] == "Ready to develop"
    assert feature["jira"]["key"] == sent["jira"]["key"] and feature["jira"]["synced_at"]
    assert feature["time_tracking"] == {"spent_seconds": None, "remaining_seconds": None}
    assert feature["detached"] is False and feature["imported"] is False
    assert [r["reference"] for r in feature["requirements"]] == ["PROD-2-1"]
    assert feature["requirements"][0]["jira"]["url"].endswith(sent["requirements"][0]["jira"]["key"])

    status, page = call_api("GET", "/integrations/mob/features")
    assert [item["reference"] for item in page["features"]] == ["PROD-2"]
    status, by_key = call_api(
        "GET", "/integrations/mob/features", query=[("jira_key", sent["requirements"][0]["jira"]["key"])]
    )
    assert [item["reference"] for item in by_key["features"]] == ["PROD-2"]
    assert call_api("GET", "/integrations/mob/features/NOPE-1")[0] == 404


def _drain(poller: SqsPoller, rounds: int = 40) -> None:
    """Run the retry worker over the queue until it is empty (messages may be delayed a little)."""
    run_until_quiet(poller, poller.template.sqs_event_sources[0], rounds=rounds, until_empty=True)


def test_refused_bulk_elements_are_422_per_requirement(
    call_api: Call, mob: str, jira_sim: JiraSimulator
) -> None:
    refuse_first_bulk_element(jira_sim)
    status, body = send(call_api, aha_feature())
    assert status == 422, body
    assert body["error"]["details"][0]["reference"] == "PROD-2-1"
    assert body["error"]["details"][0]["field_name"] == "Story Points"
    # The feature issue stays linked; the requirement is created once on the next send.
    status, again = send(call_api, aha_feature())
    assert status == 200 and again["created"] == ["PROD-2-1"] and again["unchanged"] == ["PROD-2"]
    assert len(issues_for(jira_sim, "PROD-2")) == 1 and len(issues_for(jira_sim, "PROD-2-1")) == 1


def test_a_send_that_would_outlive_the_function_stops_between_writes_and_is_queued(
    call_api: Call, mob: str, jira_sim: JiraSimulator, retry_poller: SqsPoller, monkeypatch: Any
) -> None:
    """The send function has 28 s. With Jira's read timeout at 21 s, a write may not start with less than
    25.55 s left: the feature's create (slowed to 3 s by Jira) goes through, then the requirements' bulk
    create would not fit, so the send stops there and answers 202; the retry worker finishes it."""
    monkeypatch.setenv("JIRA_READ_TIMEOUT_SECONDS", "21")
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", delay=3.0, times=1)
    status, body = send(call_api, aha_feature())
    assert status == 202 and body["status"] == "queued", body
    assert "time limit" in body["reason"]
    assert len(issues_for(jira_sim, "PROD-2")) == 1 and issues_for(jira_sim, "PROD-2-1") == []
    bulk_calls = [call for call in jira_sim.calls if call["path"].endswith("/issue/bulk")]
    assert bulk_calls == []  # stopped before the write, not in the middle of it

    monkeypatch.setenv("JIRA_READ_TIMEOUT_SECONDS", "5")
    _drain(retry_poller)
    assert len(issues_for(jira_sim, "PROD-2")) == 1 and len(issues_for(jira_sim, "PROD-2-1")) == 1
    status, feature = call_api("GET", "/integrations/mob/features/PROD-2")
    assert status == 200 and feature["requirements"][0]["jira"]["key"]


def test_with_no_time_for_any_write_the_send_is_queued_whole(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources, monkeypatch: Any
) -> None:
    monkeypatch.setenv("JIRA_READ_TIMEOUT_SECONDS", "27")  # no Jira call could finish within 28 s
    status, body = send(call_api, aha_feature())
    assert status == 202 and "time limit" in body["reason"], body
    assert writes(jira_sim.calls) == []
    # The reservation was given back (nothing is ambiguous), and the payload waits for the retry.
    dynamodb = boto3.client("dynamodb")
    assert dynamodb.scan(TableName=aws.table_name("IssueLinksTable"))["Items"] == []
    pending = dynamodb.scan(TableName=aws.table_name("FeaturesTable"))["Items"]
    assert [item["sk"]["S"] for item in pending] == ["PENDING#PROD-2"]


def test_a_retry_stops_before_writing_older_content_over_a_send_that_finished_meanwhile(
    call_api: Call, mob: str, jira_sim: JiraSimulator, retry_poller: SqsPoller
) -> None:
    """A retry of an older payload is running when a newer send finishes: the retry checks, before each edit,
    that its payload is still the one waiting, and stops (skipped) instead of overwriting the newer content.
    The interleaving is forced with a botocore hook on the real DynamoDB client (moto): the newer send runs
    right when the retry asks whether its payload is current."""
    feature = {**aha_feature(), "requirements": []}
    assert send(call_api, feature)[0] == 200
    older = {**feature, "name": "Older name"}
    jira_sim.add_fault(method="PUT", path=r"/rest/api/3/issue/[^/]+$", status=503, times=1)
    status, queued = send(call_api, older)
    assert status == 202, queued
    newer = {**feature, "name": "Newer name"}
    sent: list[int] = []

    def newer_send_lands_now(params: dict[str, Any], **_: Any) -> None:
        if params.get("ProjectionExpression") == "job_id" and not sent:
            sent.append(send(call_api, newer)[0])

    client = aws_clients.dynamodb()
    client.meta.events.register("provide-client-params.dynamodb.GetItem", newer_send_lands_now)
    try:
        _drain(retry_poller)
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb.GetItem", newer_send_lands_now)
    assert sent == [200]
    [issue] = issues_for(jira_sim, "PROD-2")
    assert issue["fields"]["summary"] == "Newer name"
    status, record = call_api("GET", "/integrations/mob/features/PROD-2")
    assert status == 200 and record["name"] == "Newer name"
