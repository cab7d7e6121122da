"""Every saved query of template.yaml, run by the Insights evaluator over the lines the functions logged
during issue 6's story (each line in its function's log group), and what each must find."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from aha_jira_dev.integration_log.insights import Row, parse_query, row_from_line, run_query
from aha_jira_dev.local_stack.template import Template
from tests.integration.observability.conftest import log_lines

PLACEHOLDERS = {'"mobile"': '"mob"', "MOB-123": "{key}", "MOB-1": "PROD-2"}


def query_definitions(template: Template) -> dict[str, dict[str, Any]]:
    return {
        props["Name"]["Fn::Sub"].rsplit("/", 1)[-1]: props
        for resource in template.resources.values()
        if resource["Type"] == "AWS::Logs::QueryDefinition"
        for props in [resource["Properties"]]
    }


def log_group_names(template: Template, definition: dict[str, Any]) -> set[str]:
    """The local names of a query's log groups: `/aws/lambda/${XFunction}` → the local function's name."""
    names = set()
    for ref in definition["LogGroupNames"]:
        sub = template.resources[ref["Ref"]]["Properties"]["LogGroupName"]["Fn::Sub"]
        function = re.fullmatch(r"/aws/lambda/\$\{(\w+)\}", sub)
        assert function is not None, sub
        names.add(f"/aws/lambda/aha-jira-local-{function.group(1)}")
    return names


def rows_of(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = row_from_line(line)
        assert row is not None
        row["@log"] = f"/aws/lambda/{row['function_name']}"
        rows.append(row)
    return rows


def run_saved(template: Template, name: str, rows: list[Row], key: str, **time_range: int) -> list[Row]:
    definition = query_definitions(template)[name]
    text = definition["QueryString"]
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value.format(key=key))
    groups = log_group_names(template, definition)
    return run_query(text, [row for row in rows if row["@log"] in groups], **time_range)


def test_every_saved_query_is_in_the_evaluated_subset(repo_template: Template) -> None:
    definitions = query_definitions(repo_template)
    assert len(definitions) == 7  # the six of the integration log, failed roadmap deliveries
    for definition in definitions.values():
        parse_query(definition["QueryString"])  # raises QuerySyntaxError outside the subset


def test_saved_queries_find_the_story(
    story: dict[str, Any], repo_template: Template, function_log: Path
) -> None:
    rows = rows_of(function_log)
    key = story["key"]
    lines = log_lines(function_log)
    mob_lines = [line for line in lines if line.get("integration_id") == "mob" and line.get("log_type")]

    log = run_saved(repo_template, "integration log", rows, key)
    assert len(log) == len(mob_lines) > 20
    assert {row["action"] for row in log} >= {"feature.send", "retry.dead_lettered", "jira.webhook"}
    assert "integration_id" not in log[0] and {"action", "outcome", "correlation_id"} <= set(log[0])
    # Newest first (lines of one millisecond may come in any order, as in Logs Insights).
    stamps = [row["@timestamp"] for row in log]
    assert stamps == sorted(stamps, reverse=True)
    assert sorted(row["action"] for row in log) == sorted(line["action"] for line in mob_lines)

    now = int(time.time() * 1000)
    failures = run_saved(
        repo_template, "failures with hints", rows, key, start_ms=now - 86_400_000, end_ms=now
    )
    assert [(row["action"], row["error_code"]) for row in failures] == [
        ("retry.dead_lettered", "jira_unavailable"),
        ("feature.send", "jira_refused"),
    ]
    assert all(row.get("hint") for row in failures)
    tomorrow = now + 86_400_000
    assert (
        run_saved(repo_template, "failures with hints", rows, key, start_ms=tomorrow, end_ms=tomorrow + 1)
        == []
    )

    about = run_saved(repo_template, "reference or jira key", rows, key)
    assert {row["reference"] for row in about} == {"PROD-2", "PROD-2-1"}
    assert any(row.get("jira_key") == key for row in about)
    assert [row["action"] for row in about][:2] == ["feature.send", "feature.send"]  # oldest first

    webhooks = run_saved(repo_template, "webhook outcomes by reason", rows, key)
    by_outcome: dict[tuple[Any, Any], int] = {}
    for row in webhooks:  # one row per reason too
        group = (row.get("integration_id"), row["webhook_outcome"])
        by_outcome[group] = by_outcome.get(group, 0) + row["deliveries"]
    assert by_outcome == {("mob", "applied"): 5, ("mob", "duplicate"): 1}
    counts = [row["deliveries"] for row in webhooks]
    assert counts == sorted(counts, reverse=True)

    retries = run_saved(repo_template, "retries and dead letters", rows, key)
    assert all(row["action"].startswith("retry.") for row in retries)
    assert retries[0]["action"] == "retry.dead_lettered" and retries[0]["attempt"] == 5
    assert (
        sorted(row["action"] for row in retries).count("retry.queued") == 6
    )  # PROD-2 once, PROD-3 five times
    assert [row["action"] for row in retries].count("retry.retried") == 1

    by_integration = run_saved(repo_template, "failures by integration", rows, key)
    assert {(r["integration_id"], r["action"], r["error_code"]): r["failures"] for r in by_integration} == {
        ("mob", "feature.send", "jira_refused"): 1,
        ("mob", "retry.dead_lettered", "jira_unavailable"): 1,
    }


@pytest.mark.parametrize("name", ["integration log", "failures by integration"])
def test_queries_only_read_their_log_groups(repo_template: Template, name: str) -> None:
    """A line in a group the query does not list is not found (the evaluator honours LogGroupNames)."""
    row = row_from_line(
        '{"log_type": "integration", "integration_id": "mob", "outcome": "failed", "action": "x"}'
    )
    assert row is not None
    row["@log"] = "/aws/lambda/some-other-function"
    assert run_saved(repo_template, name, [row], "MOB-9") == []
    row["@log"] = "/aws/lambda/aha-jira-local-SendFeatureFunction"
    assert len(run_saved(repo_template, name, [row], "MOB-9")) == 1
