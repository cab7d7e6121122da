"""Tables and queues are created in moto from the template's own definitions."""

from __future__ import annotations

import json
from typing import Any

import boto3

from aha_jira_dev.local_stack.provision import LocalResources, provision
from aha_jira_dev.local_stack.template import Template


def _dynamodb() -> Any:
    return boto3.client("dynamodb")


def _sqs() -> Any:
    return boto3.client("sqs")


def _key_set(items: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((i["AttributeName"], i.get("KeyType") or i.get("AttributeType") or "") for i in items)


def test_every_table_of_the_template_matches_its_definition(
    aws: LocalResources, repo_template: Template
) -> None:
    client = _dynamodb()
    assert set(client.list_tables()["TableNames"]) == {t.table_name for t in repo_template.tables.values()}
    for logical_id, table in repo_template.tables.items():
        described = client.describe_table(TableName=aws.table_name(logical_id))["Table"]
        assert described["KeySchema"] == table.key_schema, logical_id
        assert _key_set(described["AttributeDefinitions"]) == _key_set(table.attribute_definitions)
        assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        described_indexes = {
            index["IndexName"]: (index["KeySchema"], index["Projection"]["ProjectionType"])
            for index in described.get("GlobalSecondaryIndexes", [])
        }
        declared_indexes = {
            index["IndexName"]: (index["KeySchema"], index["Projection"]["ProjectionType"])
            for index in table.global_secondary_indexes
        }
        assert described_indexes == declared_indexes, logical_id
        ttl = client.describe_time_to_live(TableName=aws.table_name(logical_id))["TimeToLiveDescription"]
        if table.ttl_attribute:
            assert ttl["TimeToLiveStatus"] == "ENABLED"
            assert ttl["AttributeName"] == table.ttl_attribute
        else:
            assert ttl["TimeToLiveStatus"] == "DISABLED"
        backups = client.describe_continuous_backups(TableName=aws.table_name(logical_id))
        pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
        assert described["SSEDescription"]["Status"] == "ENABLED"


def test_queues_have_the_template_attributes_and_redrive_policy(
    aws: LocalResources, repo_template: Template
) -> None:
    client = _sqs()
    for logical_id, queue in repo_template.queues.items():
        attributes = client.get_queue_attributes(QueueUrl=aws.queue_url(logical_id), AttributeNames=["All"])[
            "Attributes"
        ]
        assert attributes["QueueArn"] == aws.queue_arn(logical_id)
        for name, value in queue.attributes().items():
            assert attributes[name] == value, (logical_id, name)
        if queue.dead_letter_queue:
            policy = json.loads(attributes["RedrivePolicy"])
            assert policy["deadLetterTargetArn"] == aws.queue_arn(queue.dead_letter_queue)
            assert int(policy["maxReceiveCount"]) == queue.max_receive_count
    retry = json.loads(
        client.get_queue_attributes(QueueUrl=aws.queue_url("RetryQueue"), AttributeNames=["RedrivePolicy"])[
            "Attributes"
        ]["RedrivePolicy"]
    )
    assert retry == {"deadLetterTargetArn": aws.queue_arn("RetryDeadLetterQueue"), "maxReceiveCount": 5}


def test_provisioning_is_idempotent(aws: LocalResources, repo_template: Template, moto_endpoint: str) -> None:
    _dynamodb().put_item(
        TableName=aws.table_name("IntegrationsTable"), Item={"pk": {"S": "a"}, "sk": {"S": "b"}}
    )
    again = provision(repo_template, moto_endpoint)
    assert again.table_names == aws.table_names
    assert again.queue_urls == aws.queue_urls
    items = _dynamodb().scan(TableName=aws.table_name("IntegrationsTable"))["Items"]
    assert items == [{"pk": {"S": "a"}, "sk": {"S": "b"}}]


def test_the_functions_environment_points_at_the_provisioned_resources(
    aws: LocalResources, repo_template: Template
) -> None:
    for logical_id in repo_template.functions:
        environment = aws.environment(repo_template, logical_id)
        assert environment["INTEGRATIONS_TABLE"] == aws.table_name("IntegrationsTable")
        assert environment["RETRY_QUEUE_URL"] == aws.queue_url("RetryQueue")
        assert environment["SECRETS_PREFIX"] == "aha-jira/aha-jira-local"
        assert environment["ALLOW_HTTP_LOOPBACK"] == "false"  # the runner and fixtures override it


def test_a_keys_only_index_is_created_as_declared(
    fixture_resources: LocalResources, fixture_template: Template
) -> None:
    described = _dynamodb().describe_table(TableName=fixture_resources.table_name("ThingsTable"))["Table"]
    assert described["GlobalSecondaryIndexes"][0]["Projection"]["ProjectionType"] == "KEYS_ONLY"
    assert fixture_template.tables["ThingsTable"].ttl_attribute == "expires_at"
