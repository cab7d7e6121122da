"""The dry run of a release send (`?dry_run=true`): the plan from the stored links, hashes and create
metadata, and nothing written anywhere (no item, no message, no Jira call but a needed read)."""

from __future__ import annotations

from typing import Any

import pytest

from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body
from tests.fixtures.api import Call
from tests.fuzz.observation import WriteObserver
from tests.integration.releases.conftest import RELEASE, ReleaseWorker, release_body


def plan(call_api: Call, body: Any, integration: str = "mob") -> dict[str, Any]:
    status, answer = call_api(
        "POST", f"/integrations/{integration}/releases/{RELEASE}/send", body, query=[("dry_run", "true")]
    )
    assert status == 200, answer
    return dict(answer)


def send_and_drain(call_api: Call, body: Any, worker: ReleaseWorker) -> None:
    status, answer = call_api("POST", f"/integrations/mob/releases/{RELEASE}/send", body)
    assert status == 202, answer
    worker.drain()


@pytest.fixture
def observer(aws: LocalResources, jira_sim: JiraSimulator, moto_endpoint: str) -> WriteObserver:
    return WriteObserver([jira_sim.base_url], aws_endpoint=moto_endpoint, in_process_moto=True)


def test_a_first_plan_creates_everything_and_writes_nothing_anywhere(
    call_api: Call, mob: str, observer: WriteObserver
) -> None:
    before = observer.snapshot()
    answer = plan(call_api, release_body(3, 2))
    assert observer.changes(before) == [], "the dry run wrote (or called Jira)"
    assert [item["reference"] for item in answer["plan"]] == ["REL-1", "REL-2", "REL-3"]
    for item in answer["plan"]:
        assert item["action"] == "create" and item["problems"] == []
        assert item["jira_writes"] == 2  # the feature's create, one bulk create of its requirements
        assert [r["action"] for r in item["requirements"]] == ["create", "create"]
    # The release is not a Jira version yet: one write more, counted once.
    assert answer["versions_to_create"] == ["Release 1"]
    assert answer["jira_writes"] == 3 * 2 + 1


def test_after_the_send_the_plan_is_unchanged_then_follows_each_change(
    call_api: Call, mob: str, worker: ReleaseWorker, jira_sim: JiraSimulator, observer: WriteObserver
) -> None:
    body = release_body(3, 2)
    send_and_drain(call_api, body, worker)
    before = observer.snapshot()
    answer = plan(call_api, body)
    assert observer.changes(before) == []
    assert answer["jira_writes"] == 0 and answer["versions_to_create"] == []
    assert {item["action"] for item in answer["plan"]} == {"unchanged"}

    body["features"][0]["name"] = "Renamed"  # the feature's issue is edited
    body["features"][1]["requirements"][1]["name"] = "Renamed too"  # one requirement's
    body["features"][2]["requirements"].append(  # one requirement more: a bulk create
        {"reference_num": "REL-3-3", "name": "New requirement", "description": {"body": "<p>new</p>"}}
    )
    answer = plan(call_api, body)
    by_reference = {item["reference"]: item for item in answer["plan"]}
    assert (by_reference["REL-1"]["action"], by_reference["REL-1"]["jira_writes"]) == ("update", 1)
    assert [r["action"] for r in by_reference["REL-1"]["requirements"]] == ["unchanged", "unchanged"]
    assert (by_reference["REL-2"]["action"], by_reference["REL-2"]["jira_writes"]) == ("update", 1)
    assert [r["action"] for r in by_reference["REL-2"]["requirements"]] == ["unchanged", "update"]
    assert [r["action"] for r in by_reference["REL-3"]["requirements"]] == [
        "unchanged",
        "unchanged",
        "create",
    ]
    assert by_reference["REL-3"]["jira_writes"] == 1
    assert answer["jira_writes"] == 3
    # What the send then does is what the plan said.
    calls = len(jira_sim.calls)
    send_and_drain(call_api, body, worker)
    writes = [c for c in jira_sim.calls[calls:] if c["method"] != "GET" and "/search" not in c["path"]]
    assert len(writes) == 3, writes


def test_a_required_field_the_mapping_gives_no_value_is_a_problem_and_plans_no_write(
    call_api: Call, aws: LocalResources, jira_sim: JiraSimulator, fast_retries: None, observer: WriteObserver
) -> None:
    # REQ's create screens require Team and Risk Score: the mapping takes Risk Score from a custom field that
    # the first feature has and the second does not.
    fields = {"customfield_10300": {"value": "mobile"}, "customfield_10301": {"from": "custom_fields.risk"}}
    body = integration_body(jira_sim, project="REQ", fields=fields)
    assert call_api("PUT", "/integrations/req", body)[0] == 201
    status, report = call_api("POST", "/integrations/req/test-connection")
    assert status == 200 and report["ok"], report
    release = release_body(2, 0)
    release["features"][0]["custom_fields"] = [{"key": "risk", "value": 3}]
    before = observer.snapshot()
    answer = plan(call_api, release, "req")
    assert observer.changes(before) == []
    first, second = answer["plan"]
    assert (first["problems"], first["jira_writes"]) == ([], 1)
    assert second["jira_writes"] == 0
    [problem] = second["problems"]
    assert problem["code"] == "required_field_unmapped"
    assert "customfield_10301" in problem["message"] and "custom_fields.risk" in problem["hint"]
    assert answer["jira_writes"] == 1 + 1  # the first feature's create and the version


def test_a_linked_records_assignee_not_in_the_cache_is_read_once_and_never_written(
    call_api: Call, mob: str, worker: ReleaseWorker, jira_sim: JiraSimulator, aws: LocalResources
) -> None:
    body = release_body(2, 1)
    for feature in body["features"]:
        feature["assigned_to_user"] = {"email": "engineer@acme.example"}
    send_and_drain(call_api, body, worker)
    import boto3  # noqa: PLC0415

    dynamodb = boto3.client("dynamodb")
    table = aws.table_name("IntegrationsTable")
    for item in dynamodb.scan(TableName=table)["Items"]:
        if item["sk"]["S"].startswith("LOOKUP#user#"):
            dynamodb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    calls = len(jira_sim.calls)
    answer = plan(call_api, body)
    made = jira_sim.calls[calls:]
    assert [(c["method"], c["path"]) for c in made] == [("GET", "/rest/api/3/user/search")]
    assert {item["action"] for item in answer["plan"]} == {"unchanged"}
    assert not [
        item for item in dynamodb.scan(TableName=table)["Items"] if item["sk"]["S"].startswith("LOOKUP#user#")
    ]


def test_a_first_plan_asks_the_cache_once_per_assignee_not_once_per_feature(
    call_api: Call, mob: str, aws: LocalResources
) -> None:
    import boto3  # noqa: PLC0415

    from aha_jira.storage import aws_clients  # noqa: PLC0415 - the functions' own client, as the handler uses it

    dynamodb = boto3.client("dynamodb")
    table = aws.table_name("IntegrationsTable")
    for item in dynamodb.scan(TableName=table)["Items"]:
        if item["sk"]["S"].startswith("LOOKUP#user#"):
            dynamodb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    body = release_body(6, 1)
    for number, feature in enumerate(body["features"]):
        feature["assigned_to_user"] = {"email": ("pm@acme.example", "engineer@acme.example")[number % 2]}
    asked: list[str] = []

    def note(params: dict[str, Any], **_: Any) -> None:
        sort_key = params.get("Key", {}).get("sk", {}).get("S", "")
        if sort_key.startswith("LOOKUP#user#"):
            asked.append(sort_key)

    client = aws_clients.dynamodb()
    client.meta.events.register("provide-client-params.dynamodb.GetItem", note, unique_id="plan-asks")
    try:
        answer = plan(call_api, body)
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb.GetItem", unique_id="plan-asks")
    assert {item["action"] for item in answer["plan"]} == {"create"}
    assert sorted(asked) == ["LOOKUP#user#engineer@acme.example", "LOOKUP#user#pm@acme.example"]
