"""Edge cases of a send's exactly-once guarantees: races, crashes, lost answers, retries and the DLQ.

Each test drives the real handlers (API and retry worker) against moto and the Jira simulator; where a
situation cannot be produced from outside (a holder that crashed, an issue whose answer was lost long ago),
it is staged the way it would be left behind: the IssueLinksTable item written with boto3, the stamped issue
created in the simulator through its REST API with the integration's own credentials.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from decimal import Decimal
from typing import Any

import boto3
import pytest
import requests

from aha_jira.jira.auth import BasicSigner
from aha_jira.jira.errors import JiraUnreachable
from aha_jira.jira.transport import JiraTransport
from aha_jira.storage.retry_queue import replay_dead_letters
from aha_jira_dev.jira_sim import JiraSimulator, SimulatorClient
from aha_jira_dev.local_stack.provision import LocalResources
from aha_jira_dev.local_stack.sqs_poller import SqsPoller
from tests.fixtures.api import Call
from tests.integration.send.conftest import aha_feature, integration_body, refuse_first_bulk_element
from tests.integration.send.test_send import _drain, issues_for, send

# --- helpers ------------------------------------------------------------------------------------------


def links_table(aws: LocalResources) -> Any:
    return boto3.resource("dynamodb").Table(aws.table_name("IssueLinksTable"))


def link_item(aws: LocalResources, reference: str, integration: str = "mob") -> dict[str, Any] | None:
    answer = links_table(aws).get_item(
        Key={"pk": f"INTEGRATION#{integration}", "sk": f"RECORD#{reference}"}, ConsistentRead=True
    )
    item: dict[str, Any] | None = answer.get("Item")
    return item


def stage_reservation(
    aws: LocalResources,
    sim: JiraSimulator,
    reference: str,
    *,
    token: str,
    reserved_at: float,
    lease_until: float,
    uncertain: bool,
    integration: str = "mob",
    summary: str | None = "Feature with attachments",
) -> None:
    """A feature reservation as a send leaves it behind (crashed holder, or an ambiguous create), with the
    summary that send drafted (None: a reservation that does not say, as items written before it did)."""
    drafted = {"name": summary, "summary": summary} if summary is not None else {}
    links_table(aws).put_item(
        Item={
            **drafted,
            "pk": f"INTEGRATION#{integration}",
            "sk": f"RECORD#{reference}",
            "integration_id": integration,
            "reference": reference,
            "kind": "feature",
            "feature_reference": reference,
            "state": "reserved",
            "token": token,
            "lease_until": Decimal(repr(lease_until)),
            "reserved_at": Decimal(repr(reserved_at)),
            "uncertain": uncertain,
            "site_url": sim.base_url,
            "detached": False,
            "imported": False,
        }
    )


def create_stamped_issue(
    sim: JiraSimulator,
    reference: str,
    token: str,
    *,
    summary: str,
    integration: str = "mob",
    api: int = 3,
) -> dict[str, Any]:
    """An issue a send's create left in Jira (as the bot, with the entity property stamp)."""
    credentials = sim.credentials
    if api == 3:
        auth: Any = (credentials["cloud_email"], credentials["cloud_api_token"])
        headers = {}
    else:
        auth = None
        headers = {"Authorization": f"Bearer {credentials['dc_pat']}"}
    answer = requests.post(
        f"{sim.base_url}/rest/api/{api}/issue",
        json={
            "fields": {
                "project": {"key": "MOB"},
                "issuetype": {"name": "Story"},
                "summary": summary,
            },
            "properties": [
                {
                    "key": "aha-jira",
                    "value": {"reference": reference, "token": token, "integration_id": integration},
                }
            ],
        },
        auth=auth,
        headers=headers,
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def read_back(call_api: Call, reference: str, integration: str = "mob") -> tuple[int, Any]:
    return call_api("GET", f"/integrations/{integration}/features/{reference}")


def with_requirements(feature: dict[str, Any], *numbers: int, prefix: str | None = None) -> dict[str, Any]:
    template = feature["requirements"][0]
    base = prefix or feature["reference_num"]
    feature["requirements"] = [
        dict(
            template,
            reference_num=f"{base}-{n}",
            name=f"Requirement {n}",
            description={"body": f"<p>Requirement {n}</p>"},
        )
        for n in numbers
    ]
    return feature


def wait_until(predicate: Any, timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def fault_hit(sim: JiraSimulator, rule_id: str) -> bool:
    """A `times=1` rule leaves the simulator's list when a request matched it: that request is in flight."""
    return all(rule["id"] != rule_id for rule in SimulatorClient(sim.base_url).faults())


def pending_job(aws: LocalResources, reference: str, integration: str = "mob") -> str | None:
    table = boto3.resource("dynamodb").Table(aws.table_name("FeaturesTable"))
    item = table.get_item(
        Key={"pk": f"INTEGRATION#{integration}", "sk": f"PENDING#{reference}"}, ConsistentRead=True
    ).get("Item")
    return str(item["job_id"]) if item else None


def retry_source(poller: SqsPoller) -> Any:
    return poller.template.sqs_event_sources[0]


def dc_integration(sim: JiraSimulator, **mapping: Any) -> dict[str, Any]:
    body = integration_body(sim, **mapping)
    body["jira"]["auth"] = {"type": "bearer", "token": sim.credentials["dc_pat"]}
    return body


def create_unrelated_issues(sim: JiraSimulator, count: int, summary: str = "Unrelated work") -> None:
    """`count` (at most 50) issues an engineer creates in project MOB, in one bulk create."""
    credentials = sim.credentials
    answer = requests.post(
        f"{sim.base_url}/rest/api/3/issue/bulk",
        json={
            "issueUpdates": [
                {
                    "fields": {
                        "project": {"key": "MOB"},
                        "issuetype": {"name": "Task"},
                        "summary": f"{summary} {n}",
                    }
                }
                for n in range(count)
            ]
        },
        auth=(credentials["engineer_email"], credentials["engineer_api_token"]),
        timeout=10,
    )
    assert answer.status_code == 201, answer.text


# --- findings: each fails until its patch (/tmp/review-<n>.patch) is applied -------------------------


@pytest.mark.usefixtures("mob")
def test_resend_right_after_a_lost_create_waits_for_search_instead_of_creating_again(
    call_api: Call,
    jira_sim: JiraSimulator,
    aws: LocalResources,
    retry_poller: SqsPoller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """review-1. The reconcile waits for Jira's search to catch up from the *first* reservation of the
    record, not from the last create attempt: once a record has a long history of failed attempts, a send
    right after a create whose answer was lost searches at once, cannot see the new issue yet, and
    creates a second one."""
    monkeypatch.setenv("SEARCH_CONSISTENCY_SECONDS", "2")
    SimulatorClient(jira_sim.base_url).set_search_lag(2)
    # An attempt ten minutes ago failed with a 5xx: the reservation was left uncertain (nothing created).
    long_ago = time.time() - 600
    stage_reservation(
        aws,
        jira_sim,
        "PROD-2",
        token="attempt-ten-minutes-ago",
        reserved_at=long_ago,
        lease_until=long_ago,
        uncertain=True,
    )
    # Now Jira creates the issue and the answer is lost ...
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", drop_after_commit=True, times=1)
    status, first = send(call_api, aha_feature())
    assert status == 202, first
    assert len(issues_for(jira_sim, "PROD-2")) == 1
    # ... and the product manager presses "send" again straight away, while Jira's search lags.
    status, second = send(call_api, aha_feature())
    assert len(issues_for(jira_sim, "PROD-2")) == 1, "a second issue was created for PROD-2"
    assert status == 202 and second["status"] == "queued", second
    _drain(retry_poller)
    issues = issues_for(jira_sim, "PROD-2")
    assert len(issues) == 1
    assert len(issues_for(jira_sim, "PROD-2-1")) == 1
    assert read_back(call_api, "PROD-2")[1]["jira"]["key"] == issues[0]["key"]


def test_a_send_queued_while_its_retry_runs_is_not_lost(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources, retry_poller: SqsPoller
) -> None:
    """review-2. A retry that succeeds deletes the feature's pending payload unconditionally, including
    the newer payload a send queued while the retry was running: that send answered 202, and its job then
    finds nothing to do. The requirement it added never reaches Jira."""
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=503, retry_after=0, times=1)
    status, first = send(call_api, aha_feature())
    assert status == 202, first
    time.sleep(0.6)  # past the (shortened) search consistency window, so the retry goes on to create
    slow = jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", delay=2.0, times=1)
    worker = threading.Thread(
        target=retry_poller.poll_once, args=(retry_source(retry_poller),), kwargs={"wait_time_seconds": 2}
    )
    worker.start()
    try:
        wait_until(lambda: fault_hit(jira_sim, slow["id"]))  # the retry's create is in flight
        newer = aha_feature()
        extra = dict(newer["requirements"][0], reference_num="PROD-2-2", name="Added while retrying")
        newer["requirements"].append(extra)
        status, second = send(call_api, newer)
        assert status == 202 and second["status"] == "queued", second
    finally:
        worker.join()
    assert len(issues_for(jira_sim, "PROD-2")) == 1
    # The newer payload must still be waiting for its own job.
    assert pending_job(aws, "PROD-2") == second["retry_id"]
    # Its job is delayed by the other send's lease; deliver it now rather than waiting for the delay.
    sqs = boto3.client("sqs")
    queue_url = aws.queue_url("RetryQueue")
    sqs.purge_queue(QueueUrl=queue_url)
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps(
            {
                "job_id": second["retry_id"],
                "integration_id": "mob",
                "reference": "PROD-2",
                "reason": second["reason"],
            }
        ),
    )
    _drain(retry_poller)
    assert len(issues_for(jira_sim, "PROD-2-2")) == 1
    status, feature = read_back(call_api, "PROD-2")
    assert [r["reference"] for r in feature["requirements"]] == ["PROD-2-1", "PROD-2-2"]
    assert all(r["jira"]["key"] for r in feature["requirements"])


def test_retry_with_a_changed_payload_updates_the_issue_it_reconciled(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources, retry_poller: SqsPoller
) -> None:
    """review-3. A reconciled issue was created by an earlier attempt, maybe from an older payload; the
    send that finds it links it and stops. When the payload changed in between (the product manager
    renamed the feature and sent again), Jira keeps the old content while the answer and the read-back
    show the new one, until some later send happens to write it."""
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", drop_after_commit=True, times=1)
    status, _ = send(call_api, aha_feature())
    assert status == 202
    renamed = aha_feature()
    renamed["name"] = "Renamed after the lost answer"
    send(call_api, renamed)  # 200 (reconciled at once) or 202 (waits for search): either way, then:
    _drain(retry_poller)
    issues = issues_for(jira_sim, "PROD-2")
    assert len(issues) == 1
    assert read_back(call_api, "PROD-2")[1]["name"] == "Renamed after the lost answer"
    assert issues[0]["fields"]["summary"] == "Renamed after the lost answer"


def test_a_refused_requirement_leaves_the_linked_feature_readable(
    call_api: Call, mob: str, jira_sim: JiraSimulator
) -> None:
    """review-4. When the feature issue was created and linked but a requirement was refused (422), or the
    send went to the retry queue after the feature issue was linked, the feature record is not saved: the
    read-back answers 404 and `?jira_key=` finds nothing, although the issue exists in Jira and is linked."""
    refuse_first_bulk_element(jira_sim)
    status, body = send(call_api, aha_feature())
    assert status == 422, body
    [feature_issue] = issues_for(jira_sim, "PROD-2")
    status, feature = read_back(call_api, "PROD-2")
    assert status == 200, feature
    assert feature["jira"]["key"] == feature_issue["key"]
    assert feature["requirements"][0]["reference"] == "PROD-2-1"
    assert feature["requirements"][0]["jira"]["key"] is None
    status, found = call_api("GET", "/integrations/mob/features", query=[("jira_key", feature_issue["key"])])
    assert [item["reference"] for item in found["features"]] == ["PROD-2"]
    # After the fix, the next send completes it without creating the feature issue again.
    status, again = send(call_api, aha_feature())
    assert status == 200 and again["created"] == ["PROD-2-1"] and again["unchanged"] == ["PROD-2"]


def test_a_create_whose_reservation_was_taken_over_is_queued_not_a_crash(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources, retry_poller: SqsPoller
) -> None:
    """review-5. `mark_linked` is a conditional write; when the reservation changed hands while Jira was
    creating, the ConditionalCheckFailedException escapes the send: the API answers 500 `internal_error`
    (not an answer DESIGN.md lists) and queues nothing, the retry worker fails the record without a
    back-off. The send must answer 202 and its retry link the issue this create made (it carries the
    stamp), not create another."""
    slow = jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", delay=1.5, times=1)

    def take_over() -> None:
        wait_until(lambda: fault_hit(jira_sim, slow["id"]))
        item = link_item(aws, "PROD-2")
        assert item is not None
        # Another holder took the reservation over, found nothing yet, and gave it back uncertain.
        stage_reservation(
            aws,
            jira_sim,
            "PROD-2",
            token="another-holder",
            reserved_at=float(item["reserved_at"]),
            lease_until=time.time(),
            uncertain=True,
        )

    other = threading.Thread(target=take_over)
    other.start()
    try:
        status, body = send(call_api, aha_feature())
    finally:
        other.join()
    assert status == 202 and body["status"] == "queued", body
    _drain(retry_poller)
    issues = issues_for(jira_sim, "PROD-2")
    assert len(issues) == 1
    assert read_back(call_api, "PROD-2")[1]["jira"]["key"] == issues[0]["key"]
    assert len(issues_for(jira_sim, "PROD-2-1")) == 1


def test_requirement_moved_to_another_feature_follows_it_in_jira(
    call_api: Call, mob: str, jira_sim: JiraSimulator
) -> None:
    """review-6. A requirement already linked is only edited when its content hash changes, and neither
    the hash nor the edit knows the feature: moved to another feature on the roadmap, it stays a sub-task
    of the old feature's issue, and its link still names the old feature (`?jira_key=` answers that one)."""
    status, first = send(call_api, aha_feature())
    assert status == 200, first
    requirement_key = first["requirements"][0]["jira"]["key"]
    other = aha_feature()
    other["reference_num"] = "PROD-3"
    other["name"] = "The feature the requirement moved to"
    status, second = send(call_api, other)
    assert status == 200, second
    assert second["requirements"][0]["jira"]["key"] == requirement_key
    assert second["updated"] == ["PROD-2-1"]
    assert len(issues_for(jira_sim, "PROD-2-1")) == 1
    issue = SimulatorClient(jira_sim.base_url).issue(requirement_key)
    assert issue["fields"]["parent"]["key"] == second["jira"]["key"]
    status, found = call_api("GET", "/integrations/mob/features", query=[("jira_key", requirement_key)])
    assert [item["reference"] for item in found["features"]] == ["PROD-3"]
    # Sending it again changes nothing more.
    status, again = send(call_api, other)
    assert again["unchanged"] == ["PROD-3", "PROD-2-1"]


def test_resend_keeps_what_a_webhook_stored_on_the_link_meanwhile(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources
) -> None:
    """review-7. `save_synced` writes back the whole link item as the send read it before editing Jira:
    what the webhook receiver stored on the link in between (Jira status, time tracking, detached) is
    overwritten with the stale copy."""
    status, first = send(call_api, aha_feature())
    assert status == 200
    key = first["jira"]["key"]
    slow = jira_sim.add_fault(method="PUT", path=rf"/rest/api/3/issue/{key}$", delay=1.5, times=1)

    def webhook_arrives() -> None:
        wait_until(lambda: fault_hit(jira_sim, slow["id"]))
        links_table(aws).update_item(
            Key={"pk": "INTEGRATION#mob", "sk": "RECORD#PROD-2"},
            UpdateExpression="SET jira_status = :status, spent_seconds = :spent",
            ExpressionAttributeValues={":status": "In Progress", ":spent": 3600},
        )

    webhook = threading.Thread(target=webhook_arrives)
    webhook.start()
    renamed = aha_feature()
    renamed["name"] = "Renamed while an engineer started it"
    try:
        status, body = send(call_api, renamed)
    finally:
        webhook.join()
    assert status == 200 and body["updated"] == ["PROD-2"], body
    status, feature = read_back(call_api, "PROD-2")
    assert feature["jira"]["status"] == "In Progress"
    assert feature["time_tracking"]["spent_seconds"] == 3600


def test_requirement_moved_in_link_mode_is_linked_to_its_new_feature(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, fast_retries: None
) -> None:
    """review-6, standalone requirements joined with the link type: the move adds the link to the new
    feature's issue (the old link stays, as a link someone made in Jira would)."""
    body = integration_body(jira_sim, requirement_issue_type="Task", link_type="Relates")
    assert call_api("PUT", "/integrations/linked", body)[0] == 201
    assert call_api("POST", "/integrations/linked/test-connection")[1]["ok"]
    status, first = send(call_api, aha_feature(), "linked")
    assert status == 200, first
    other = aha_feature()
    other["reference_num"] = "PROD-3"
    status, second = send(call_api, other, "linked")
    assert status == 200, second
    requirement = SimulatorClient(jira_sim.base_url).issue(second["requirements"][0]["jira"]["key"])
    linked_keys = {
        (link.get("inwardIssue") or link.get("outwardIssue") or {}).get("key")
        for link in requirement["fields"]["issuelinks"]
    }
    assert second["jira"]["key"] in linked_keys
    assert len(issues_for(jira_sim, "PROD-2-1")) == 1


def test_reconcile_on_a_busy_project_finds_the_oldest_stamped_issue(
    call_api: Call,
    mob: str,
    jira_sim: JiraSimulator,
    aws: LocalResources,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """review-8. The reconcile reads the project's issues created since the first reservation, newest
    first, and stops at the client's page cap (50 pages of 100) without saying so. On a busy project, or
    when a dead letter is replayed days later, the stamped issue is the oldest in that window, beyond the
    pages read: not found, created again. Scaled down here: one page, a hundred newer issues."""
    monkeypatch.setattr("aha_jira.jira.client.MAX_PAGES", 1)
    a_minute_ago = time.time() - 60
    stage_reservation(
        aws,
        jira_sim,
        "PROD-2",
        token="earlier",
        reserved_at=a_minute_ago,
        lease_until=a_minute_ago,
        uncertain=True,
    )
    orphan = create_stamped_issue(jira_sim, "PROD-2", "earlier", summary="Feature with attachments")
    for _ in range(2):  # engineers keep creating issues in the project
        create_unrelated_issues(jira_sim, 50)
    status, body = send(call_api, aha_feature())
    assert len(issues_for(jira_sim, "PROD-2")) == 1, "a second issue was created for PROD-2"
    assert status == 200 and body["jira"]["key"] == orphan["key"], body


def test_an_answer_cut_off_mid_body_is_an_ambiguous_failure() -> None:
    """review-9. Jira committed the create and the connection broke while its answer's body was being read:
    requests raises ChunkedEncodingError, which the transport does not translate. It escapes the send as
    an unexpected error (500, nothing queued, the reservation neither linked nor marked uncertain) instead
    of an ambiguous JiraUnreachable that queues a retry which reconciles."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def answer_half() -> None:
        connection, _ = server.accept()
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
                b'{"id": "10001", "ke'
            )

    thread = threading.Thread(target=answer_half)
    thread.start()
    transport = JiraTransport(f"http://127.0.0.1:{port}", BasicSigner("bot", "token"), allow_loopback=True)
    try:
        with pytest.raises(JiraUnreachable) as failure:
            transport.post("/rest/api/3/issue", {"fields": {"summary": "x"}})
    finally:
        thread.join()
        server.close()
    assert failure.value.ambiguous is True
    assert failure.value.transient is True


# --- behaviour that holds today, not covered elsewhere ------------------------------------------------


def test_takeover_after_an_expired_lease_links_the_stamped_issue(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources, log_output: Any
) -> None:
    """A holder crashed (Lambda timeout) between Jira's create and `mark_linked`: its reservation stays,
    its lease runs out, and the issue it created carries the stamp. The next send reconciles to it."""
    crashed_at = time.time() - 200
    stage_reservation(
        aws,
        jira_sim,
        "PROD-2",
        token="crashed",
        reserved_at=crashed_at,
        lease_until=crashed_at + 90,
        uncertain=False,
    )
    orphan = create_stamped_issue(jira_sim, "PROD-2", "crashed", summary="Feature with attachments")
    before = len(jira_sim.calls)
    status, body = send(call_api, aha_feature())
    assert status == 200, body
    assert body["jira"]["key"] == orphan["key"]
    assert len(issues_for(jira_sim, "PROD-2")) == 1
    assert not [c for c in jira_sim.calls[before:] if c["method"] == "POST" and c["path"].endswith("/issue")]
    assert any(c["path"].endswith("/search/jql") for c in jira_sim.calls[before:])
    link = link_item(aws, "PROD-2")
    assert link is not None and link["state"] == "linked"
    assert '"action":"issue.reconciled"' in log_output.getvalue()


def test_a_stamp_of_another_integration_is_not_adopted(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources
) -> None:
    """Two integrations may send to one Jira project; the reconcile only takes its own integration's stamp."""
    crashed_at = time.time() - 200
    stage_reservation(
        aws,
        jira_sim,
        "PROD-2",
        token="crashed",
        reserved_at=crashed_at,
        lease_until=crashed_at + 90,
        uncertain=True,
    )
    foreign = create_stamped_issue(jira_sim, "PROD-2", "theirs", summary="Theirs", integration="web")
    status, body = send(call_api, aha_feature())
    assert status == 200, body
    assert body["jira"]["key"] != foreign["key"]
    ours = [
        issue
        for issue in issues_for(jira_sim, "PROD-2")
        if issue["properties"]["aha-jira"]["integration_id"] == "mob"
    ]
    assert len(ours) == 1 and ours[0]["key"] == body["jira"]["key"]


def test_a_live_reservation_is_not_taken_over(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources
) -> None:
    """Another send holds the record (its lease runs): this one queues instead of creating or waiting."""
    now = time.time()
    stage_reservation(
        aws, jira_sim, "PROD-2", token="live", reserved_at=now, lease_until=now + 90, uncertain=False
    )
    before = len(jira_sim.calls)
    status, body = send(call_api, aha_feature())
    assert status == 202 and body["status"] == "queued" and "in progress" in body["reason"], body
    assert set(body) == {"reference", "status", "retry_id", "reason"}
    creates = [c for c in jira_sim.calls[before:] if c["path"].endswith(("/issue", "/issue/bulk"))]
    assert creates == []
    link = link_item(aws, "PROD-2")
    assert link is not None and link["token"] == "live"


def test_a_lost_bulk_answer_in_the_middle_of_many_requirements(
    call_api: Call, mob: str, jira_sim: JiraSimulator, aws: LocalResources, retry_poller: SqsPoller
) -> None:
    """105 requirements go in three bulk calls; Jira commits the second and its answer is lost. The
    first chunk stays linked, the second is reconciled, the third (never sent) is created by the retry:
    one issue per requirement."""
    feature = with_requirements(aha_feature(), *range(1, 106))

    def drop_the_second_bulk() -> None:
        # Armed once the first bulk call is answered; the send links its 50 issues before the next call.
        wait_until(lambda: any(c["path"].endswith("/issue/bulk") for c in jira_sim.calls))
        jira_sim.add_fault(method="POST", path=r"/issue/bulk$", drop_after_commit=True, times=1)

    arming = threading.Thread(target=drop_the_second_bulk)
    arming.start()
    try:
        status, body = send(call_api, feature)
    finally:
        arming.join()
    assert status == 202, body
    assert len(SimulatorClient(jira_sim.base_url).issues()) == 1 + 100
    _drain(retry_poller)
    stamps = Counter(
        ((issue.get("properties") or {}).get("aha-jira") or {}).get("reference")
        for issue in SimulatorClient(jira_sim.base_url).issues()
    )
    assert {f"PROD-2-{n}" for n in range(1, 106)} <= stamps.keys()
    assert [reference for reference, count in stamps.items() if count != 1] == []
    status, feature_view = read_back(call_api, "PROD-2")
    assert status == 200 and all(r["jira"]["key"] for r in feature_view["requirements"])
    assert len({r["jira"]["key"] for r in feature_view["requirements"]}) == 105


@pytest.mark.usefixtures("mob")
def test_last_attempt_goes_to_the_dlq_and_replay_completes_it(
    call_api: Call,
    jira_sim: JiraSimulator,
    aws: LocalResources,
    retry_poller: SqsPoller,
    log_output: Any,
) -> None:
    """RETRY_MAX_ATTEMPTS failures: the redrive policy moves the job to RetryDeadLetterQueue, the payload
    waits; `replay_dead_letters` brings it back once Jira is healthy and the worker completes it once."""
    jira_sim.add_fault(method="POST", path=r"/rest/api/3/issue$", status=503, retry_after=0, times=None)
    status, body = send(call_api, aha_feature())
    assert status == 202, body
    _drain(retry_poller)
    sqs = boto3.client("sqs")
    dlq_url = aws.queue_url("RetryDeadLetterQueue")
    queue_url = aws.queue_url("RetryQueue")
    dead = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert dead["Attributes"]["ApproximateNumberOfMessages"] == "1"
    assert pending_job(aws, "PROD-2") == body["retry_id"]
    assert issues_for(jira_sim, "PROD-2") == []
    log = log_output.getvalue()
    assert "Attempt 5 of 5 failed" in log and "dead-letter queue" in log
    assert jira_sim.credentials["cloud_api_token"] not in log

    jira_sim.clear_faults()
    assert replay_dead_letters(dlq_url, queue_url) == 1
    _drain(retry_poller)
    assert len(issues_for(jira_sim, "PROD-2")) == 1 and len(issues_for(jira_sim, "PROD-2-1")) == 1
    assert pending_job(aws, "PROD-2") is None
    status, feature = read_back(call_api, "PROD-2")
    assert status == 200 and feature["jira"]["key"] == issues_for(jira_sim, "PROD-2")[0]["key"]


def test_data_center_send_with_wiki_description_and_lost_answer(
    call_api: Call, aws: LocalResources, jira_sim_dc: JiraSimulator, fast_retries: None
) -> None:
    """Data Center (v2): wiki markup, sub-tasks with `parent`, and a lost create reconciled through
    `/rest/api/2/search` with `properties` (there is no /search/jql there)."""
    assert call_api("PUT", "/integrations/dc", dc_integration(jira_sim_dc))[0] == 201
    status, report = call_api("POST", "/integrations/dc/test-connection")
    assert status == 200 and report["ok"] and report["jira"]["rich_text"] == "wiki", report
    feature = aha_feature()
    feature["description"] = {
        "body": "<h2>Goal</h2><p>Make it <strong>fast</strong>, see <a href='https://docs.example/x'>the spec</a>.</p>"
        "<ul><li>one</li><li>two</li></ul>"
    }
    jira_sim_dc.add_fault(method="POST", path=r"/rest/api/2/issue$", drop_after_commit=True, times=1)
    status, body = send(call_api, feature, "dc")
    assert status == 202, body
    time.sleep(0.6)  # the shortened search consistency window
    before = len(jira_sim_dc.calls)
    status, body = send(call_api, feature, "dc")
    assert status == 200, body
    calls = jira_sim_dc.calls[before:]
    searches = [c for c in calls if c["path"] == "/rest/api/2/search"]
    assert searches and searches[0]["query"]["properties"] == "aha-jira"
    assert not [c for c in calls if c["method"] == "POST" and c["path"] == "/rest/api/2/issue"]
    assert not [c for c in jira_sim_dc.calls if "/rest/api/3/" in c["path"] or "search/jql" in c["path"]]
    [story] = issues_for(jira_sim_dc, "PROD-2")
    assert body["jira"]["key"] == story["key"]
    description = story["fields"]["description"]
    assert isinstance(description, str)
    assert "h2. Goal" in description and "*fast*" in description
    assert "[the spec|https://docs.example/x]" in description and "* one" in description
    [requirement] = issues_for(jira_sim_dc, "PROD-2-1")
    assert requirement["fields"]["parent"]["key"] == story["key"]


def test_data_center_epic_children_carry_the_epic_link(
    call_api: Call, aws: LocalResources, jira_sim_dc: JiraSimulator, fast_retries: None
) -> None:
    """Data Center has no `parent` for an epic's children: requirements carry the Epic Link field."""
    body = dc_integration(jira_sim_dc, feature_issue_type="Epic", requirement_issue_type="Story")
    assert call_api("PUT", "/integrations/dc", body)[0] == 201
    status, report = call_api("POST", "/integrations/dc/test-connection")
    assert report["ok"] and report["jira"]["requirement_mode"] == "epic_child", report
    status, sent = send(call_api, aha_feature(), "dc")
    assert status == 200, sent
    [requirement] = issues_for(jira_sim_dc, "PROD-2-1")
    assert requirement["fields"]["customfield_10008"] == sent["jira"]["key"]
    assert requirement["fields"]["issuetype"]["name"] == "Story"
