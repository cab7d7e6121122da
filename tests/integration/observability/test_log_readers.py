"""The two IntegrationLogReaders answer the same pages for the same lines.

`InsightsLogReader` runs against moto's CloudWatch Logs (StartQuery, GetQueryResults over real log groups
and events). moto runs no Logs Insights filter (it answers every event of the time range, sorted), so the
query string itself is checked by `LocalFileLogReader`, which evaluates the very same string with the
Insights evaluator; the reader's own re-check of each result is what moto exercises.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from aha_jira.integration_log import Outcome, log_scope, record_action
from aha_jira.integration_log.reader import InsightsLogReader, build_query, log_groups_from_environment
from aha_jira.models.log_query import LogQuery, parse_log_query
from aha_jira_dev.integration_log.file_reader import LocalFileLogReader
from aha_jira_dev.integration_log.insights import row_from_line
from aha_jira_dev.local_stack.log_capture import capture_function_logs
from aha_jira_dev.local_stack.provision import LocalResources

GROUPS = ["/aws/lambda/stack-SendFeatureFunction-1", "/aws/lambda/stack-RetryWorkerFunction-2"]
# moto runs no filter: its `limit` counts every event of StartQuery's time range (whole seconds). Paging
# through it is only meaningful where every event matches and no two share a second: this group holds the
# lines of integration "mob" only, 2 s apart.
MOB_ONLY = "/aws/lambda/stack-IntegrationsFunction-3"
LINES = [
    ("mob", "feature.send", Outcome.FAILED, "PROD-2"),
    ("mob", "feature.send", Outcome.QUEUED, "PROD-2"),
    ("other", "feature.send", Outcome.OK, "PROD-2"),
    ("mob", "requirement.created", Outcome.OK, "PROD-2-1"),
    ("mob", "feature.send", Outcome.OK, "PROD-22"),
    ("mob", "retry.dead_lettered", Outcome.FAILED, "PROD-3"),
    ("mob", "integration.test_connection", Outcome.OK, None),
    ("mob", "feature.send", Outcome.SKIPPED, "PROD-2"),
]


@pytest.fixture
def logged(tmp_path: Path) -> tuple[Path, list[int]]:
    """The lines above as the functions write them, with distinct milliseconds; and their times."""
    stamps = []
    with capture_function_logs(tmp_path / "functions.jsonl") as path:
        for index, (integration, action, outcome, reference) in enumerate(LINES):
            with log_scope(correlation_id=f"request-{index}"):
                record_action(
                    action, outcome, integration_id=integration, reference=reference, message=f"line {index}"
                )
            stamps.append(int(time.time() * 1000))
            time.sleep(0.005)
    return path, stamps


@pytest.fixture
def insights(aws: LocalResources, logged: tuple[Path, list[int]]) -> InsightsLogReader:
    path, _ = logged
    client = boto3.client("logs")
    for group in [*GROUPS, MOB_ONLY]:
        client.create_log_group(logGroupName=group)
        client.create_log_stream(logGroupName=group, logStreamName="s")
    for index, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        row = row_from_line(line)
        assert row is not None
        event = {"timestamp": row["@timestamp"], "message": line}
        client.put_log_events(logGroupName=GROUPS[index % 2], logStreamName="s", logEvents=[event])
        if row["integration_id"] == "mob":
            spread = {"timestamp": int(time.time() * 1000) - 60_000 + 2000 * index, "message": line}
            client.put_log_events(logGroupName=MOB_ONLY, logStreamName="s", logEvents=[spread])
    return InsightsLogReader(GROUPS, lambda: client, poll_seconds=0.01)


def queries(stamps: list[int]) -> list[LogQuery]:
    middle = datetime.fromtimestamp(stamps[3] / 1000, UTC)
    return [
        LogQuery("mob"),
        LogQuery("mob", outcome="failed"),
        LogQuery("mob", reference="PROD-2"),
        LogQuery("mob", since=middle),
        LogQuery("other"),
        LogQuery("nobody"),
        LogQuery("mob", limit=2),
    ]


def test_both_readers_answer_the_same(logged: tuple[Path, list[int]], insights: InsightsLogReader) -> None:
    path, stamps = logged
    local = LocalFileLogReader(path)
    for query in queries(stamps):
        assert insights.read(query) == local.read(query), query

    everything = local.read(LogQuery("mob"))
    assert [(e["action"], e["reference"]) for e in everything.entries] == [
        (action, reference) for integration, action, _, reference in reversed(LINES) if integration == "mob"
    ]
    assert everything.next is None
    assert {e["reference"] for e in local.read(LogQuery("mob", reference="PROD-2")).entries} == {
        "PROD-2",
        "PROD-2-1",
    }
    failed = local.read(LogQuery("mob", outcome="failed")).entries
    assert [e["action"] for e in failed] == ["retry.dead_lettered", "feature.send"]
    first = everything.entries[0]
    assert set(first) >= {
        "timestamp",
        "integration_id",
        "action",
        "outcome",
        "reference",
        "jira_key",
        "message",
        "hint",
    }
    assert first["correlation_id"] == "request-7" and first["hint"] is None


@pytest.mark.parametrize("reader_name", ["local", "insights"])
def test_pages_follow_next_to_the_end(
    logged: tuple[Path, list[int]], insights: InsightsLogReader, reader_name: str
) -> None:
    path, _ = logged
    reader = (
        LocalFileLogReader(path)
        if reader_name == "local"
        else InsightsLogReader([MOB_ONLY], insights.client, poll_seconds=0.01)
    )
    full = reader.read(LogQuery("mob", limit=100)).entries
    seen = []
    token = None
    while True:
        query = parse_log_query("mob", since=None, outcome=None, reference=None, limit=2, next_token=token)
        page = reader.read(query)
        assert len(page.entries) <= 2
        seen += page.entries
        token = page.next
        if token is None:
            break
    assert seen == full and len(full) == 7


def test_the_query_string() -> None:
    text = build_query(LogQuery("mob", outcome="failed", reference="PROD-2", limit=10))
    assert text.splitlines() == [
        "fields @timestamp, @message",
        '| filter log_type = "integration" and integration_id = "mob" and outcome = "failed" and '
        '(reference = "PROD-2" or feature_reference = "PROD-2" or reference like /^PROD\\-2-\\d+$/)',
        "| sort @timestamp desc",
        "| limit 11",
    ]
    quoted = build_query(LogQuery('a"b\\c'))
    assert 'integration_id = "a\\"b\\\\c"' in quoted


def test_log_groups_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTEGRATION_LOG_GROUPS", "/aws/lambda/a, /aws/lambda/b,")
    monkeypatch.setenv("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/own")
    assert log_groups_from_environment() == ["/aws/lambda/a", "/aws/lambda/b", "/aws/lambda/own"]
