"""DynamoDB repository for Connect installations, in the integrations table under their own key prefix:
`CONNECT#<clientKey>` / `INSTALLATION`, the installation as one JSON document with a `version` for
optimistic concurrency. The shared secret is in Secrets Manager (`integrations.secret_names`).

Each Jira site is held by one installation: `CONNECT#SITE#<site URL>` / `SITE_CLAIM` names the clientKey
whose `installed` callback last claimed it, with a revision. An `installed` callback writes its installation
and the claim in one transaction, the claim conditioned on the revision it read, so of two clientKeys racing
for one site only one can win (`SiteTaken` for the other)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from aha_jira.errors import Conflict
from aha_jira.models.connect import ConnectInstallation, SiteClaim, SiteTaken
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

CLAIM_SORT_KEY = "SITE_CLAIM"


def _key(client_key: str) -> dict[str, Any]:
    return {"pk": {"S": f"CONNECT#{client_key}"}, "sk": {"S": "INSTALLATION"}}


def _claim_key(site_url: str) -> dict[str, Any]:
    return {"pk": {"S": f"CONNECT#SITE#{site_url}"}, "sk": {"S": CLAIM_SORT_KEY}}


def _concurrent_change() -> Conflict:
    return Conflict(
        "The Connect installation was changed by another request at the same time.",
        hint="Jira retries lifecycle callbacks; nothing needs to be done.",
        code="concurrent_change",
    )


class DynamoConnectInstallations:
    def __init__(self, table_name: str | None = None) -> None:
        self._table = table_name or get_settings().integrations_table
        self._client = aws_clients.dynamodb()

    def get(self, client_key: str) -> ConnectInstallation | None:
        answer = self._client.get_item(TableName=self._table, Key=_key(client_key), ConsistentRead=True)
        item = answer.get("Item")
        return ConnectInstallation.model_validate_json(item["document"]["S"]) if item else None

    def site_claim(self, site_url: str) -> SiteClaim | None:
        answer = self._client.get_item(TableName=self._table, Key=_claim_key(site_url), ConsistentRead=True)
        item = answer.get("Item")
        if not item:
            return None
        return SiteClaim(site_url, item["client_key"]["S"], int(item["rev"]["N"]))

    def _put(self, installation: ConnectInstallation, expected_version: int | None) -> dict[str, Any]:
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
        return request

    def save(self, installation: ConnectInstallation, *, expected_version: int | None) -> None:
        """Write the installation; Conflict when it changed (or appeared) since `expected_version` was read."""
        try:
            self._client.put_item(**self._put(installation, expected_version))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise _concurrent_change() from None
            raise

    def save_installed(
        self, installation: ConnectInstallation, *, expected_version: int | None, claim: SiteClaim | None
    ) -> None:
        """Write the installation and its claim on its site together. `claim` is the site's claim as read
        (None: there was none); SiteTaken when it changed since, Conflict when the installation did."""
        put_claim: dict[str, Any] = {
            "TableName": self._table,
            "Item": {
                **_claim_key(installation.base_url),
                "client_key": {"S": installation.client_key},
                "rev": {"N": str(claim.rev + 1 if claim else 1)},
            },
        }
        if claim is None:
            put_claim["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put_claim["ConditionExpression"] = "rev = :rev"
            put_claim["ExpressionAttributeValues"] = {":rev": {"N": str(claim.rev)}}
        items = [{"Put": self._put(installation, expected_version)}, {"Put": put_claim}]
        try:
            self._client.transact_write_items(TransactItems=cast("list[TransactWriteItemTypeDef]", items))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = cast("list[dict[str, Any]]", error.response.get("CancellationReasons") or [])
            codes = [reason.get("Code") for reason in reasons]
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise SiteTaken(
                    "Another Connect installation claimed this Jira site at the same time.",
                    hint="A Jira site is installed under one clientKey; uninstall the other first.",
                ) from None
            raise _concurrent_change() from None
