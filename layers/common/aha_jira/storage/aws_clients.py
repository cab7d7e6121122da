"""boto3 clients, created once per container and only when first used (cold start matters).

boto3 itself is imported on the first client's creation, not with this module: importing boto3 costs
as much as the rest of a handler's imports, and a function pays it only when it reaches AWS.

`AWS_ENDPOINT_URL` (boto3's own setting) points them at moto in tests and in the local stack.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient


@cache
def _config() -> Config:
    from botocore.config import Config  # noqa: PLC0415 - lazy: see the module docstring

    return Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


def _client(service: str) -> Any:
    import boto3  # noqa: PLC0415 - lazy: see the module docstring

    return boto3.client(service, config=_config())  # type: ignore[call-overload]


@cache
def dynamodb() -> DynamoDBClient:
    client: DynamoDBClient = _client("dynamodb")
    return client


@cache
def secretsmanager() -> SecretsManagerClient:
    client: SecretsManagerClient = _client("secretsmanager")
    return client


@cache
def sqs() -> SQSClient:
    client: SQSClient = _client("sqs")
    return client


@cache
def logs() -> CloudWatchLogsClient:
    client: CloudWatchLogsClient = _client("logs")
    return client
