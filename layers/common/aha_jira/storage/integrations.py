"""DynamoDB repository for integrations and the Jira sites they share.

Items in the integrations table:
- `INTEGRATION#<id>` / `CONFIG`: the integration as one JSON document (no secrets), `version` for
  optimistic concurrency; `gsi1pk = INTEGRATIONS`, `gsi1sk = <id>` lists them in id order.
- `SITE#<site_url>` / `SITE`: the site's webhook token, whether it has a webhook secret, and the ids
  of the integrations on it (a string set), so one webhook delivery finds every integration it serves.
- `WEBHOOK_TOKEN#<token>` / `TOKEN`: points a webhook URL's token at its site.
- `ROADMAP_TOKEN#<token>` / `TOKEN`: points an Aha! integration's `roadmap.webhook_url` token at the
  integration (`integration_id`); written with the integration, deleted with it.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from aha_jira.errors import Conflict
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.jira_snapshot import JiraSnapshot
from aha_jira.models.site import JiraSiteRecord
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients
from aha_jira.storage.paging import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import PutTypeDef, TransactWriteItemTypeDef

_LIST_PARTITION = "INTEGRATIONS"


def _integration_key(integration_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"INTEGRATION#{integration_id}"}, "sk": {"S": "CONFIG"}}


def _snapshot_key(integration_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"INTEGRATION#{integration_id}"}, "sk": {"S": "JIRA_SNAPSHOT"}}


def _site_key(site_url: str) -> dict[str, Any]:
    return {"pk": {"S": f"SITE#{site_url}"}, "sk": {"S": "SITE"}}


def _token_key(token: str) -> dict[str, Any]:
    return {"pk": {"S": f"WEBHOOK_TOKEN#{token}"}, "sk": {"S": "TOKEN"}}


def _roadmap_token_key(token: str) -> dict[str, Any]:
    return {"pk": {"S": f"ROADMAP_TOKEN#{token}"}, "sk": {"S": "TOKEN"}}


def _integration_from_item(item: dict[str, Any]) -> StoredIntegration:
    return StoredIntegration.model_validate_json(item["document"]["S"])


def _site_from_item(item: dict[str, Any]) -> JiraSiteRecord:
    return JiraSiteRecord(
        site_url=item["site_url"]["S"],
        webhook_token=item["webhook_token"]["S"],
        webhook_secret_set=item.get("webhook_secret_set", {}).get("BOOL", False),
        integration_ids=sorted(item.get("integration_ids", {}).get("SS", [])),
        rate_caps={
            name.removeprefix(_RATE_CAP): float(value["N"])
            for name, value in item.items()
            if name.startswith(_RATE_CAP) and "N" in value
        },
    )


# The site item's `rate_cap#<integration id>`: that integration's jira.rate_limit.requests_per_second, kept with
# its membership (written and removed in the same transactions), so the site's cap is one read away.
_RATE_CAP = "rate_cap#"


def _rate_cap(integration: StoredIntegration) -> float | None:
    limit = integration.jira.rate_limit
    return limit.requests_per_second if limit is not None else None


class DynamoIntegrationRepository:
    def __init__(self, table_name: str | None = None) -> None:
        self._table = table_name or get_settings().integrations_table
        self._client = aws_clients.dynamodb()

    def get(self, integration_id: str) -> StoredIntegration | None:
        answer = self._client.get_item(
            TableName=self._table, Key=_integration_key(integration_id), ConsistentRead=True
        )
        item = answer.get("Item")
        return _integration_from_item(item) if item else None

    def list_page(self, limit: int, after: str | None) -> tuple[list[StoredIntegration], str | None]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": {"S": _LIST_PARTITION}},
            "Limit": limit,
        }
        if after:
            query["ExclusiveStartKey"] = decode_cursor(
                after, {"pk", "sk", "gsi1pk", "gsi1sk"}, fixed={"gsi1pk": _LIST_PARTITION}
            )
        answer = self._client.query(**query)
        items = [_integration_from_item(item) for item in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        return items, (encode_cursor(last) if last else None)

    def save(
        self,
        integration: StoredIntegration,
        *,
        expected_version: int | None,
        previous_site_url: str | None,
        new_site_token: str,
        webhook_secret_set: bool | None,
    ) -> None:
        site_url = integration.jira.base_url
        config_item = {
            **_integration_key(integration.integration_id),
            "gsi1pk": {"S": _LIST_PARTITION},
            "gsi1sk": {"S": integration.integration_id},
            "integration_id": {"S": integration.integration_id},
            "site_url": {"S": site_url},
            "version": {"N": str(integration.version)},
            "updated_at": {"S": integration.updated_at},
            "document": {"S": integration.model_dump_json(by_alias=True)},
        }
        put_config: PutTypeDef = {"TableName": self._table, "Item": config_item}
        if expected_version is None:
            put_config["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put_config["ConditionExpression"] = "version = :expected"
            put_config["ExpressionAttributeValues"] = {":expected": {"N": str(expected_version)}}
        actions: list[TransactWriteItemTypeDef] = [{"Put": put_config}]

        existing_site = self.get_site(site_url)
        if existing_site is None:
            site_item = {
                **_site_key(site_url),
                "site_url": {"S": site_url},
                "webhook_token": {"S": new_site_token},
                "webhook_secret_set": {"BOOL": bool(webhook_secret_set)},
                "integration_ids": {"SS": [integration.integration_id]},
            }
            cap = _rate_cap(integration)
            if cap is not None:
                site_item[_RATE_CAP + integration.integration_id] = {"N": str(cap)}
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": site_item,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {**_token_key(new_site_token), "site_url": {"S": site_url}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        else:
            update = "ADD integration_ids :ids"
            values: dict[str, Any] = {":ids": {"SS": [integration.integration_id]}}
            sets = []
            if webhook_secret_set is not None:
                sets.append("webhook_secret_set = :secret_set")
                values[":secret_set"] = {"BOOL": webhook_secret_set}
            cap = _rate_cap(integration)
            if cap is not None:
                sets.append("#cap = :cap")
                values[":cap"] = {"N": str(cap)}
            if sets:
                update += " SET " + ", ".join(sets)
            if cap is None:
                update += " REMOVE #cap"
            actions.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": _site_key(site_url),
                        "UpdateExpression": update,
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeNames": {"#cap": _RATE_CAP + integration.integration_id},
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        if previous_site_url and previous_site_url != site_url:
            actions.append(self._leave_site(previous_site_url, integration.integration_id))
        if integration.roadmap_token:
            actions.append(self._claim_roadmap_token(integration))
        if expected_version is not None and integration.last_test is None:
            # The configuration changed what test connection checked: its snapshot no longer holds.
            actions.append(
                {"Delete": {"TableName": self._table, "Key": _snapshot_key(integration.integration_id)}}
            )
        self._transact(actions)

    def delete(self, integration: StoredIntegration) -> None:
        actions: list[TransactWriteItemTypeDef] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": _integration_key(integration.integration_id),
                    "ConditionExpression": "version = :expected",
                    "ExpressionAttributeValues": {":expected": {"N": str(integration.version)}},
                }
            },
            self._leave_site(integration.jira.base_url, integration.integration_id),
            {"Delete": {"TableName": self._table, "Key": _snapshot_key(integration.integration_id)}},
        ]
        if integration.roadmap_token:
            actions.append(
                {"Delete": {"TableName": self._table, "Key": _roadmap_token_key(integration.roadmap_token)}}
            )
        self._transact(actions)

    def save_test_result(
        self, integration: StoredIntegration, *, report: dict[str, Any], snapshot: JiraSnapshot | None
    ) -> None:
        tested = integration.model_copy(update={"last_test": report})
        actions: list[TransactWriteItemTypeDef] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": _integration_key(integration.integration_id),
                    "UpdateExpression": "SET #document = :document",
                    "ConditionExpression": "version = :expected",
                    "ExpressionAttributeNames": {"#document": "document"},
                    "ExpressionAttributeValues": {
                        ":document": {"S": tested.model_dump_json(by_alias=True)},
                        ":expected": {"N": str(integration.version)},
                    },
                }
            }
        ]
        snapshot_key = _snapshot_key(integration.integration_id)
        if snapshot is None:
            actions.append({"Delete": {"TableName": self._table, "Key": snapshot_key}})
        else:
            # Create metadata with allowed values can be large; compressed it stays far below 400 KB.
            packed = zlib.compress(snapshot.model_dump_json(by_alias=True).encode(), 6)
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {
                            **snapshot_key,
                            "tested_version": {"N": str(integration.version)},
                            "snapshot": {"B": packed},
                        },
                    }
                }
            )
        self._transact(actions)

    def get_snapshot(self, integration_id: str) -> JiraSnapshot | None:
        answer = self._client.get_item(
            TableName=self._table, Key=_snapshot_key(integration_id), ConsistentRead=True
        )
        item = answer.get("Item")
        if not item:
            return None
        return JiraSnapshot.model_validate_json(zlib.decompress(item["snapshot"]["B"]))

    def get_site(self, site_url: str) -> JiraSiteRecord | None:
        answer = self._client.get_item(TableName=self._table, Key=_site_key(site_url), ConsistentRead=True)
        item = answer.get("Item")
        return _site_from_item(item) if item else None

    def get_sites(self, site_urls: list[str]) -> dict[str, JiraSiteRecord]:
        wanted = sorted(set(site_urls))
        found: dict[str, JiraSiteRecord] = {}
        # BatchGetItem takes 100 keys a call; unprocessed keys are asked again.
        for start in range(0, len(wanted), 100):
            keys = [_site_key(url) for url in wanted[start : start + 100]]
            request: dict[str, Any] = {self._table: {"Keys": keys}}
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self._table, []):
                    site = _site_from_item(item)
                    found[site.site_url] = site
                request = dict(answer.get("UnprocessedKeys") or {})
        return found

    def site_for_token(self, token: str) -> str | None:
        """The Jira site a webhook URL's token points at (None for an unknown token)."""
        answer = self._client.get_item(TableName=self._table, Key=_token_key(token), ConsistentRead=True)
        item = answer.get("Item")
        return item["site_url"]["S"] if item else None

    def integration_for_roadmap_token(self, token: str) -> str | None:
        """The id of the integration whose `roadmap.webhook_url` carries `token` (None for an unknown one).
        The caller still checks the integration's own `roadmap_token`, as for a Jira site's token."""
        answer = self._client.get_item(
            TableName=self._table, Key=_roadmap_token_key(token), ConsistentRead=True
        )
        item = answer.get("Item")
        return item["integration_id"]["S"] if item else None

    def get_site_with_integrations(
        self, site_url: str, integration_ids: list[str]
    ) -> tuple[JiraSiteRecord | None, dict[str, StoredIntegration]]:
        """The site and the named integrations in one round trip (BatchGetItem, consistent reads);
        integrations the site lists but that were not named are read in a second one."""
        site: JiraSiteRecord | None = None
        integrations: dict[str, StoredIntegration] = {}
        keys = [_site_key(site_url), *(_integration_key(i) for i in dict.fromkeys(integration_ids))]
        site_seen = False
        while keys:
            for item in self._batch_get(keys):
                if item["pk"]["S"].startswith("SITE#"):
                    site = _site_from_item(item)
                else:
                    integration = _integration_from_item(item)
                    integrations[integration.integration_id] = integration
            if site_seen or site is None:
                break
            site_seen = True
            keys = [_integration_key(i) for i in site.integration_ids if i not in integrations]
        return site, integrations

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {
                self._table: {"Keys": keys[start : start + 100], "ConsistentRead": True}
            }
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                found.extend(answer.get("Responses", {}).get(self._table, []))
                request = dict(answer.get("UnprocessedKeys") or {})
        return found

    def _claim_roadmap_token(self, integration: StoredIntegration) -> TransactWriteItemTypeDef:
        # Written on every save (the same item again while the token stays): a token is 192 random bits, so
        # the condition guards against the impossible, a token of another integration, not a race.
        token = integration.roadmap_token or ""
        return {
            "Put": {
                "TableName": self._table,
                "Item": {
                    **_roadmap_token_key(token),
                    "integration_id": {"S": integration.integration_id},
                },
                "ConditionExpression": "attribute_not_exists(pk) OR integration_id = :id",
                "ExpressionAttributeValues": {":id": {"S": integration.integration_id}},
            }
        }

    def _leave_site(self, site_url: str, integration_id: str) -> TransactWriteItemTypeDef:
        return {
            "Update": {
                "TableName": self._table,
                "Key": _site_key(site_url),
                "UpdateExpression": "DELETE integration_ids :ids REMOVE #cap",
                "ExpressionAttributeNames": {"#cap": _RATE_CAP + integration_id},
                "ExpressionAttributeValues": {":ids": {"SS": [integration_id]}},
            }
        }

    def _transact(self, actions: list[TransactWriteItemTypeDef]) -> None:
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                raise Conflict(
                    "The integration was changed by another request at the same time.",
                    hint="Read the integration again and repeat the change.",
                    code="concurrent_change",
                ) from None
            raise
