"""Create the template's DynamoDB tables and SQS queues in whatever endpoint boto3 points at (moto locally).

Tables and queues are built from the template's own definitions (key schema, attribute definitions,
GSIs/LSIs, TTL, point-in-time recovery; queue attributes and redrive policy), so what runs locally cannot
drift from what deploys. Provisioning is idempotent: existing tables and queues are kept.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from aha_jira_dev.local_stack.template import (
    LOCAL_REGION,
    QueueDef,
    TableDef,
    Template,
    TemplateError,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_sqs.client import SQSClient


@dataclass(frozen=True)
class LocalResources:
    """Names, URLs and ARNs of the provisioned resources, by logical id."""

    endpoint_url: str | None
    region: str
    table_names: dict[str, str] = field(default_factory=dict)
    table_arns: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)
    queue_arns: dict[str, str] = field(default_factory=dict)
    other_resources: tuple[str, ...] = ()

    def table_name(self, logical_id: str) -> str:
        return self.table_names[logical_id]

    def queue_url(self, logical_id: str) -> str:
        return self.queue_urls[logical_id]

    def queue_arn(self, logical_id: str) -> str:
        return self.queue_arns[logical_id]

    def refs(self) -> dict[str, str]:
        """What `!Ref <logical id>` resolves to locally: a table's name, a queue's URL; any other resource
        resolves to its logical id."""
        return {
            **{logical_id: logical_id for logical_id in self.other_resources},
            **self.table_names,
            **self.queue_urls,
        }

    def attributes(self) -> dict[str, dict[str, str]]:
        """What `!GetAtt <logical id>.<attribute>` resolves to locally."""
        result: dict[str, dict[str, str]] = {}
        for logical_id, arn in self.table_arns.items():
            result[logical_id] = {"Arn": arn}
        for logical_id, arn in self.queue_arns.items():
            result[logical_id] = {
                "Arn": arn,
                "QueueUrl": self.queue_urls[logical_id],
                "QueueName": arn.rsplit(":", 1)[-1],
            }
        return result

    def environment(self, template: Template, function: str) -> dict[str, str]:
        """The function's environment variables resolved against these resources."""
        return template.environment(function, refs=self.refs(), attributes=self.attributes())

    def shared_environment(self, template: Template) -> dict[str, str]:
        """Every function's environment merged (the local stack runs all functions in one process)."""
        merged: dict[str, str] = {}
        for logical_id in template.functions:
            merged.update(self.environment(template, logical_id))
        return merged


def provision(
    template: Template,
    session_or_endpoint: boto3.session.Session | str | None = None,
    *,
    region: str | None = None,
) -> LocalResources:
    """Create the template's tables and queues (dead-letter queues first) unless they exist.

    `session_or_endpoint` is a boto3 session (its clients honour `AWS_ENDPOINT_URL`), an endpoint URL such
    as moto's `http://127.0.0.1:4566`, or None for boto3's defaults.
    """
    endpoint_url, session = _session(session_or_endpoint, region)
    region_name = session.region_name or LOCAL_REGION
    dynamodb: DynamoDBClient = session.client("dynamodb", endpoint_url=endpoint_url, region_name=region_name)
    sqs: SQSClient = session.client("sqs", endpoint_url=endpoint_url, region_name=region_name)

    table_names: dict[str, str] = {}
    table_arns: dict[str, str] = {}
    for logical_id, table in template.tables.items():
        table_names[logical_id], table_arns[logical_id] = _ensure_table(dynamodb, table)

    queue_urls: dict[str, str] = {}
    queue_arns: dict[str, str] = {}
    queues = template.queues
    for logical_id in _dead_letter_queues_first(queues):
        url, arn = _ensure_queue(sqs, queues[logical_id], queue_arns)
        queue_urls[logical_id], queue_arns[logical_id] = url, arn

    others = tuple(lid for lid in template.resources if lid not in table_names and lid not in queue_urls)
    return LocalResources(
        endpoint_url=endpoint_url or os.environ.get("AWS_ENDPOINT_URL"),
        region=region_name,
        table_names=table_names,
        table_arns=table_arns,
        queue_urls=queue_urls,
        queue_arns=queue_arns,
        other_resources=others,
    )


# --------------------------------------------------------------------------------------------------------
# DynamoDB
# --------------------------------------------------------------------------------------------------------
def create_table_request(table: TableDef) -> dict[str, Any]:
    """The DynamoDB CreateTable request for a template table (CloudFormation → API property names)."""
    props = table.properties
    provisioned = table.billing_mode == "PROVISIONED"
    request: dict[str, Any] = {
        "TableName": table.table_name,
        "AttributeDefinitions": table.attribute_definitions,
        "KeySchema": table.key_schema,
        "BillingMode": table.billing_mode,
    }
    if provisioned:
        request["ProvisionedThroughput"] = _throughput(props.get("ProvisionedThroughput"))
    if table.global_secondary_indexes:
        request["GlobalSecondaryIndexes"] = [
            _index(index, provisioned=provisioned) for index in table.global_secondary_indexes
        ]
    if table.local_secondary_indexes:
        request["LocalSecondaryIndexes"] = [
            _index(index, provisioned=False) for index in table.local_secondary_indexes
        ]
    sse = props.get("SSESpecification")
    if isinstance(sse, Mapping) and sse.get("SSEEnabled"):
        request["SSESpecification"] = {"Enabled": True}
    stream = props.get("StreamSpecification")
    if isinstance(stream, Mapping) and "StreamViewType" in stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    return request


def _index(index: Mapping[str, Any], *, provisioned: bool) -> dict[str, Any]:
    result: dict[str, Any] = {
        "IndexName": index["IndexName"],
        "KeySchema": [dict(k) for k in index["KeySchema"]],
        "Projection": dict(index["Projection"]),
    }
    if provisioned:
        result["ProvisionedThroughput"] = _throughput(index.get("ProvisionedThroughput"))
    return result


def _throughput(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    return {
        "ReadCapacityUnits": int(value["ReadCapacityUnits"]),
        "WriteCapacityUnits": int(value["WriteCapacityUnits"]),
    }


def _ensure_table(client: DynamoDBClient, table: TableDef) -> tuple[str, str]:
    name = table.table_name
    try:
        created = client.create_table(**create_table_request(table))
        arn = created["TableDescription"]["TableArn"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
        arn = client.describe_table(TableName=name)["Table"]["TableArn"]
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})

    if table.ttl_attribute:
        current = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
            )
    if table.point_in_time_recovery:
        client.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    return name, arn


# --------------------------------------------------------------------------------------------------------
# SQS
# --------------------------------------------------------------------------------------------------------
def _dead_letter_queues_first(queues: Mapping[str, QueueDef]) -> list[str]:
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in ordered:
            return
        if logical_id in visiting:
            raise TemplateError(f"redrive policies form a cycle through {logical_id}")
        visiting.add(logical_id)
        target = queues[logical_id].dead_letter_queue
        if target is not None:
            if target not in queues:
                raise TemplateError(f"{logical_id}: dead-letter queue {target} is not an AWS::SQS::Queue")
            visit(target)
        ordered.append(logical_id)

    for logical_id in queues:
        visit(logical_id)
    return ordered


def _ensure_queue(client: SQSClient, queue: QueueDef, known_arns: Mapping[str, str]) -> tuple[str, str]:
    attributes = queue.attributes()
    target = queue.dead_letter_queue
    if target is not None:
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": known_arns[target], "maxReceiveCount": queue.max_receive_count or 10}
        )
    try:
        url = client.create_queue(QueueName=queue.queue_name, Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("QueueAlreadyExists", "QueueNameExists"):
            raise
        url = client.get_queue_url(QueueName=queue.queue_name)["QueueUrl"]
        settable = {k: v for k, v in attributes.items() if k not in ("FifoQueue",)}
        client.set_queue_attributes(QueueUrl=url, Attributes=settable)  # type: ignore[arg-type]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _session(
    session_or_endpoint: boto3.session.Session | str | None, region: str | None
) -> tuple[str | None, boto3.session.Session]:
    if isinstance(session_or_endpoint, boto3.session.Session):
        return None, session_or_endpoint
    region_name = (
        region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or LOCAL_REGION
    )
    session = boto3.session.Session(region_name=region_name)
    if isinstance(session_or_endpoint, str) and session.get_credentials() is None:
        # A local endpoint needs credentials of some kind; moto accepts any.
        session = boto3.session.Session(
            region_name=region_name,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's dummy credentials
        )
    return session_or_endpoint, session
