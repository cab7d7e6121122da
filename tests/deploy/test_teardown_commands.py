"""docs/operations.md, "Tear-down": the command that deletes the retained tables of stack `aha-jira` selects
tables by the prefix `aha-jira-`. CloudFormation names a table without TableName
`<stack name>-<logical id>-<random suffix>`, so the prefix also selects the tables of any other stack whose
name starts with `aha-jira-` (a second deployment, `aha-jira-staging`). Run against moto's ListTables with
the documented JMESPath query (what `aws ... --query` evaluates)."""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import jmespath

from aha_jira_dev.local_stack.provision import LocalResources

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def _documented_query() -> str | None:
    text = OPERATIONS.read_text(encoding="utf-8")
    match = re.search(r'aws dynamodb list-tables --query "([^"]+)"', text)
    return match.group(1) if match else None


def test_the_tear_down_deletes_only_the_deleted_stacks_tables(aws: LocalResources) -> None:
    query = _documented_query()
    if query is None:  # the tables are taken from the stack's own resources instead
        assert "StackResources[?ResourceType=='AWS::DynamoDB::Table']" in OPERATIONS.read_text(
            encoding="utf-8"
        )
        return
    client = boto3.client("dynamodb")
    for stack in ("aha-jira", "aha-jira-staging"):
        for logical_id in ("IntegrationsTable", "FeaturesTable"):
            client.create_table(
                TableName=f"{stack}-{logical_id}-1A2B3C4D5E6F",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
    selected = jmespath.search(query, client.list_tables())
    assert sorted(selected) == [
        "aha-jira-FeaturesTable-1A2B3C4D5E6F",
        "aha-jira-IntegrationsTable-1A2B3C4D5E6F",
    ]
