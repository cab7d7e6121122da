"""DynamoDB repository for Connect installations, in the integrations table under their own key prefix:
`CONNECT#<clientKey>` / `INSTALLATION`, the installation as one JSON document with a `version` for
optimistic concurrency. The shared secret is in Secrets Manager (`connect_shared_secret_name`)."""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import ClientError

from aha_jira.errors import Conflict
from aha_jira.models.connect import ConnectInstallation
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients


def connect_shared_secret_name(client_key: str) -> str:
    # Secret names allow only a few punctuation characters; client keys may hold anything.
    digest = hashlib.sha256(client_key.encode()).hexdigest()[:32]
    return f"{get_settings().secrets_prefix}/connect/{digest}/shared-secret"


def _key(client_key: str) -> dict[str, Any]:
    return {"pk": {"S": f"CONNECT#{client_key}"}, "sk": {"S": "INSTALLATION"}}


class DynamoConnectInstallations:
    def __init__(self, table_name: str | None = None) -> None:
        self._table = table_name or get_settings().integrations_table
        self._client = aws_clients.dynamodb()

    def get(self, client_key: str) -> ConnectInstallation | None:
        answer = self._client.get_item(TableName=self._table, Key=_key(client_key), ConsistentRead=True)
        item = answer.get("Item")
        return ConnectInstallation.model_validate_json(item["document"]["S"]) if item else None

    def save(self, installation: ConnectInstallation, *, expected_version: int | None) -> None:
        """Write the installation; Conflict when it changed (or appeared) since `expected_version` was read."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "Item": {
                **_key(installation.client_key),
                "client_key": {"S": installation.client_key},
                "site_url": {"S": installation.base_url},
                "version": {"N": str(installation.version)},
                "document": {"S": installation.model_dump_json()},
            },
        }
        if expected_version is None:
            request["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            request["ConditionExpression"] = "version = :expected"
            request["ExpressionAttributeValues"] = {":expected": {"N": str(expected_version)}}
        try:
            self._client.put_item(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise Conflict(
                    "The Connect installation was changed by another request at the same time.",
                    hint="Jira retries lifecycle callbacks; nothing needs to be done.",
                    code="concurrent_change",
                ) from None
            raise
