"""DynamoDB repository for feature records and the feature payloads waiting for a retry.

Items in the features table:
- `INTEGRATION#<id>` / `FEATURE#<reference>`: the feature record (JSON document); `gsi2pk = FEATURES#<id>`,
  `gsi2sk = <updated_at>#<reference>` lists an integration's features newest first.
- `INTEGRATION#<id>` / `PENDING#<reference>`: the last feature payload a send could not finish, for the retry
  worker (SQS messages stay small; a feature body can be megabytes). Compressed; `job_id` names the job
  that will send it and `queued_at` when it was queued.
"""

from __future__ import annotations

import zlib
from typing import Any

from botocore.exceptions import ClientError

from aha_jira.models.feature import AhaFeature
from aha_jira.models.feature_record import FeatureRecord
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients
from aha_jira.storage.paging import decode_cursor, encode_cursor


def _feature_key(integration_id: str, reference: str) -> dict[str, Any]:
    return {"pk": {"S": f"INTEGRATION#{integration_id}"}, "sk": {"S": f"FEATURE#{reference}"}}


def _pending_key(integration_id: str, reference: str) -> dict[str, Any]:
    return {"pk": {"S": f"INTEGRATION#{integration_id}"}, "sk": {"S": f"PENDING#{reference}"}}


class DynamoFeatureRepository:
    def __init__(self, table_name: str | None = None) -> None:
        self._table = table_name or get_settings().features_table
        self._client = aws_clients.dynamodb()

    def get(self, integration_id: str, reference: str) -> FeatureRecord | None:
        answer = self._client.get_item(
            TableName=self._table, Key=_feature_key(integration_id, reference), ConsistentRead=True
        )
        item = answer.get("Item")
        return FeatureRecord.model_validate_json(item["document"]["S"]) if item else None

    def save(self, record: FeatureRecord) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                **_feature_key(record.integration_id, record.reference),
                "gsi2pk": {"S": f"FEATURES#{record.integration_id}"},
                "gsi2sk": {"S": f"{record.updated_at}#{record.reference}"},
                "document": {"S": record.model_dump_json()},
            },
        )

    def list_page(
        self, integration_id: str, limit: int, after: str | None
    ) -> tuple[list[FeatureRecord], str | None]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi2",
            "KeyConditionExpression": "gsi2pk = :p",
            "ExpressionAttributeValues": {":p": {"S": f"FEATURES#{integration_id}"}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if after:
            query["ExclusiveStartKey"] = decode_cursor(after, {"pk", "sk", "gsi2pk", "gsi2sk"})
        answer = self._client.query(**query)
        records = [
            FeatureRecord.model_validate_json(item["document"]["S"]) for item in answer.get("Items", [])
        ]
        last = answer.get("LastEvaluatedKey")
        return records, (encode_cursor(last) if last else None)

    def put_pending(self, integration_id: str, feature: AhaFeature, job_id: str, *, queued_at: float) -> None:
        packed = zlib.compress(feature.model_dump_json().encode(), 6)
        self._client.put_item(
            TableName=self._table,
            Item={
                **_pending_key(integration_id, feature.reference_num),
                "job_id": {"S": job_id},
                "queued_at": {"N": repr(queued_at)},
                "feature": {"B": packed},
            },
        )

    def get_pending(self, integration_id: str, reference: str) -> tuple[AhaFeature, str] | None:
        answer = self._client.get_item(
            TableName=self._table, Key=_pending_key(integration_id, reference), ConsistentRead=True
        )
        item = answer.get("Item")
        if not item:
            return None
        feature = AhaFeature.model_validate_json(zlib.decompress(item["feature"]["B"]))
        return feature, item["job_id"]["S"]

    def delete_pending(
        self, integration_id: str, reference: str, *, job_id: str, sent_since: float | None = None
    ) -> bool:
        """Delete the payload waiting for a retry once it needs none: when it is `job_id`'s own, or (with
        `sent_since`, the start of a send that just succeeded) when it was queued before that send began,
        which carried newer content. A payload another send queued meanwhile stays for its own job.
        False when it stayed."""
        condition = "attribute_not_exists(pk) OR job_id = :job"
        values: dict[str, Any] = {":job": {"S": job_id}}
        if sent_since is not None:
            condition += " OR attribute_not_exists(queued_at) OR queued_at < :since"
            values[":since"] = {"N": repr(sent_since)}
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=_pending_key(integration_id, reference),
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
