"""`GET /integrations/{id}/log` end to end over the local gateway (HTTP), reading what the functions logged.

The story of issue 6: a send Jira refuses for a required field, a send queued on a 503 whose retry
succeeds, a job that fails every attempt and is dead-lettered, and a storm of Jira webhooks; the log shows
each step, in order, with its outcome and hint, and no secret appears in anything captured.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aha_jira.webhooks.signature import hub_signature
from aha_jira_dev.jira_sim import JiraSimulator
from aha_jira_dev.local_stack.provision import LocalResources
from tests.builders import integration_body
from tests.integration.observability.conftest import WEBHOOK_SECRET, Http, log_lines


def read_all(http: Http, **params: Any) -> list[dict[str, Any]]:
    """Every page of the log (newest first), following `next`."""
    entries: list[dict[str, Any]] = []
    token = None
    for _ in range(100):
        query = {**params, **({"next": token} if token else {})}
        status, page = http.api("GET", "/integrations/mob/log", params=query)
        assert status == 200, page
        entries += page["entries"]
        token = page["next"]
        if token is None:
            return entries
    raise AssertionError("the log never ended")


def steps(entries: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [(entry["action"], entry["outcome"], entry["reference"]) for entry in entries]


def is_subsequence(wanted: list[Any], actual: list[Any]) -> bool:
    remaining = iter(actual)
    return all(any(item == candidate for candidate in remaining) for item in wanted)


def test_the_log_tells_the_story_in_order_with_hints(
    story: dict[str, Any], http: Http, function_log: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    entries = read_all(http, limit=100)
    timestamps = [entry["timestamp"] for entry in entries]
    assert timestamps == sorted(timestamps, reverse=True), "newest first"
    chronological = list(reversed(entries))
    wanted = [
        ("integration.configured", "ok", None),
        ("integration.test_connection", "ok", None),
        ("feature.send", "failed", "PROD-2"),
        ("feature.send", "queued", "PROD-2"),
        ("retry.queued", "queued", "PROD-2"),
        ("feature.created", "ok", "PROD-2"),
        ("requirement.created", "ok", "PROD-2-1"),
        ("feature.send", "ok", "PROD-2"),
        ("retry.retried", "ok", "PROD-2"),
        ("feature.send", "queued", "PROD-3"),
        ("retry.queued", "queued", "PROD-3"),
        ("retry.dead_lettered", "failed", "PROD-3"),
        ("jira.webhook", "ok", "PROD-2"),
        ("jira.webhook", "ok", "PROD-2-1"),
    ]
    assert is_subsequence(wanted, steps(chronological)), "\n".join(map(str, steps(chronological)))

    refused = next(e for e in chronological if e["action"] == "feature.send" and e["outcome"] == "failed")
    assert refused["error_code"] == "jira_refused" and refused["jira_status"] == 400
    assert "customfield_10004" in refused["message"] and refused["hint"]
    assert refused["product"] == "MOB" and refused["correlation_id"]
    queued = next(e for e in chronological if e["action"] == "feature.send" and e["outcome"] == "queued")
    assert queued["jira_status"] == 503 and queued["hint"]
    retries = [
        e
        for e in chronological
        if e["action"] in {"retry.queued", "retry.dead_lettered"} and e["reference"] == "PROD-3"
    ]
    assert [e["attempt"] for e in retries] == [1, 2, 3, 4, 5, 5]
    dead = retries[-1]
    assert dead["action"] == "retry.dead_lettered" and "replay" in dead["hint"]
    assert dead["jira_status"] == 503 and dead["error_code"]
    created = next(e for e in chronological if e["action"] == "feature.created")
    assert created["jira_key"] == story["key"] and created["jira_status"] == 201
    webhooks = [e for e in chronological if e["action"] == "jira.webhook"]
    applied = [e for e in webhooks if e["webhook_outcome"] == "applied"]
    assert len(applied) == 5
    assert [e["jira_issue_status"] for e in applied[:4]] == ["In Progress", "Done", "To Do", "In Progress"]
    # The redelivery of a delivery that changed a record is in that integration's log, as a duplicate.
    duplicates = [e for e in webhooks if e["webhook_outcome"] == "duplicate"]
    assert len(duplicates) == 1 and duplicates[0]["outcome"] == "skipped"
    assert duplicates[0]["correlation_id"] == duplicates[0]["delivery"]
    assert all(entry["correlation_id"] for entry in chronological)
    assert all(e["duration_ms"] >= 0 for e in chronological)
    # The first `retry.queued` is the send's (its API request id); the worker's lines carry the SQS
    # message id: one job, one message, one correlation id for every attempt.
    sent_prod3 = next(
        e for e in chronological if e["action"] == "feature.send" and e["reference"] == "PROD-3"
    )
    assert retries[0]["correlation_id"] == sent_prod3["correlation_id"]
    assert len({e["correlation_id"] for e in retries[1:]}) == 1
    assert retries[1]["correlation_id"] != retries[0]["correlation_id"]
    assert all(entry["integration_id"] == "mob" for entry in entries)

    # Nothing secret anywhere: the log answer, the captured lines, stdout and stderr.
    captured = capfd.readouterr()
    text = json.dumps(entries) + function_log.read_text() + captured.out + captured.err
    for secret in (
        WEBHOOK_SECRET,
        "sim-cloud-api-token-bot",
        story["view"]["webhook_url"].rsplit("/", 1)[-1],
    ):
        assert secret not in text
    assert hub_signature(WEBHOOK_SECRET, b"{}") not in text


def test_filters_and_pages(story: dict[str, Any], http: Http, function_log: Path) -> None:
    everything = read_all(http, limit=100)

    failed = read_all(http, outcome="failed")
    assert failed and all(entry["outcome"] == "failed" for entry in failed)
    assert [e["action"] for e in failed] == [e["action"] for e in everything if e["outcome"] == "failed"]

    prod2 = read_all(http, reference="PROD-2")
    references = {entry["reference"] for entry in prod2}
    assert references == {"PROD-2", "PROD-2-1"}  # the feature and its requirement, not PROD-3
    assert len(prod2) == sum(1 for e in everything if e["reference"] in {"PROD-2", "PROD-2-1"})

    paged = read_all(http, limit=3)
    assert [json.dumps(e, sort_keys=True) for e in paged] == [
        json.dumps(e, sort_keys=True) for e in everything
    ]

    middle = datetime.fromisoformat(everything[len(everything) // 2]["timestamp"])
    since = read_all(http, since=middle.isoformat())
    assert since and all(datetime.fromisoformat(e["timestamp"]) >= middle for e in since)
    assert len(since) < len(everything)
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert read_all(http, since=future) == []

    lines = [line for line in log_lines(function_log) if line.get("integration_id") == "mob"]
    assert len(everything) == len([line for line in lines if line.get("log_type") == "integration"])


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"outcome": "broken"}, "outcome"),
        ({"since": "yesterday"}, "since"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"next": "not-a-token"}, "next"),
        ({"reference": 'PROD 2"'}, "reference"),
    ],
)
def test_bad_filters_are_400(
    http: Http, aws: LocalResources, jira_sim: JiraSimulator, params: dict[str, str], path: str
) -> None:
    status, view = http.api("PUT", "/integrations/mob", integration_body(jira_sim))
    assert status == 201, view
    status, body = http.api("GET", "/integrations/mob/log", params=params)
    assert status == 400, body
    assert path in json.dumps(body["error"])


def test_unknown_integration_is_404(http: Http, aws: LocalResources) -> None:
    status, body = http.api("GET", "/integrations/nobody/log")
    assert status == 404 and body["error"]["code"] == "integration_not_found"
