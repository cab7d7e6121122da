"""DynamoDB repository for feature records and the feature payloads waiting for a retry.

Items in the features table:
- `INTEGRATION#<id>` / `FEATURE#<reference>`: the feature record (JSON document); `gsi2pk = FEATURES#<id>`,
  `gsi2sk = <updated_at>#<reference>` lists an integration's features newest first.
- `INTEGRATION#<id>` / `PENDING#<reference>`: the last feature payload a send could not finish, for the retry
  worker (SQS messages stay small; a feature body can be megabytes). Compressed; `job_id` names the job
  that will send it and `queued_at` when it was queued.
- `PRODUCT#<product key>` / `SEQUENCE`: the highest feature number of the product (`seq`), from which
  features imported from Jira take their reference; sends raise it past the references they bring.
- `INTEGRATION#<id>` / `SEQUENCE#<feature reference>`: the same for the requirements imported under a
  feature.

The feature item's `imported_requirements` (a string set) is written apart from its document: the webhook
adds to it in the transaction of an import, a send rewrites the document and leaves the set alone.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from botocore.exceptions import ClientError

from aha_jira.models.feature import AhaFeature
from aha_jira.models.feature_record import FeatureRecord
from aha_jira.models.references import reference_number
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients
from aha_jira.storage.paging import decode_cursor, encode_cursor


def _feature_key(integration_id: str, reference: str) -> dict[str, Any]:
    return {"pk": {"S": f"INTEGRATION#{integration_id}"}, "sk": {"S": f"FEATURE#{reference}"}}


def _product_sequence_key(product: str) -> dict[str, Any]:
    return {"pk": {"S": f"PRODUCT#{product}"}, "sk": {"S": "SEQUENCE"}}


def _requirement_sequence_key(integration_id: str, feature_reference: str) -> dict[str, Any]:
    return {"pk": {"S": f"INTEGRATION#{integration_id}"}, "sk": {"S": f"SEQUENCE#{feature_reference}"}}


def _record_from_item(item: dict[str, Any]) -> FeatureRecord:
    record = FeatureRecord.model_validate_json(item["document"]["S"])
    imported = item.get("imported_requirements", {}).get("SS", [])
    return record.model_copy(update={"imported_requirements": sorted(imported, key=_natural)})


def _natural(reference: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", reference))


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
        return _record_from_item(item) if item and "document" in item else None

    def save(self, record: FeatureRecord) -> None:
        # An update, not a put: the item's `imported_requirements` belongs to the webhook.
        self._client.update_item(
            TableName=self._table,
            Key=_feature_key(record.integration_id, record.reference),
            UpdateExpression="SET gsi2pk = :gpk, gsi2sk = :gsk, document = :doc",
            ExpressionAttributeValues={
                ":gpk": {"S": f"FEATURES#{record.integration_id}"},
                ":gsk": {"S": f"{record.updated_at}#{record.reference}"},
                ":doc": {"S": record.model_dump_json(exclude={"imported_requirements"})},
            },
        )

    # --- imports from Jira (aha_jira.webhooks.imports) ---------------------------------------------------

    def next_feature_number(self, product: str) -> int:
        """Allocate the next feature number of a product (atomic counter)."""
        answer = self._client.update_item(
            TableName=self._table,
            Key=_product_sequence_key(product),
            UpdateExpression="ADD seq :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["seq"]["N"])

    def note_feature_reference(self, product: str, reference: str) -> None:
        """A send brought `<product>-N`: imports must allocate past it."""
        number = reference_number(product, reference)
        if number is None:
            return
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_product_sequence_key(product),
                UpdateExpression="SET seq = :n",
                ConditionExpression="attribute_not_exists(seq) OR seq < :n",
                ExpressionAttributeValues={":n": {"N": str(number)}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def next_requirement_number(self, integration_id: str, feature_reference: str, *, at_least: int) -> int:
        """Allocate the next requirement number under a feature, past `at_least` (the highest it has)."""
        answer = self._client.update_item(
            TableName=self._table,
            Key=_requirement_sequence_key(integration_id, feature_reference),
            UpdateExpression="SET seq = if_not_exists(seq, :seed) + :one",
            ExpressionAttributeValues={":seed": {"N": str(at_least)}, ":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["seq"]["N"])

    def import_feature_write(self, record: FeatureRecord) -> dict[str, Any]:
        """A transaction item creating an imported feature's record; fails if the reference is taken."""
        return {
            "Put": {
                "TableName": self._table,
                "Item": {
                    **_feature_key(record.integration_id, record.reference),
                    "gsi2pk": {"S": f"FEATURES#{record.integration_id}"},
                    "gsi2sk": {"S": f"{record.updated_at}#{record.reference}"},
                    "document": {"S": record.model_dump_json(exclude={"imported_requirements"})},
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def import_requirement_write(
        self, integration_id: str, feature_reference: str, reference: str
    ) -> dict[str, Any]:
        """A transaction item adding an imported requirement to its feature's record (which must exist)."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": _feature_key(integration_id, feature_reference),
                "UpdateExpression": "ADD imported_requirements :ref",
                "ConditionExpression": "attribute_exists(document)",
                "ExpressionAttributeValues": {":ref": {"SS": [reference]}},
            }
        }

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
            query["ExclusiveStartKey"] = decode_cursor(
                after,
                {"pk", "sk", "gsi2pk", "gsi2sk"},
                fixed={"pk": f"INTEGRATION#{integration_id}", "gsi2pk": f"FEATURES#{integration_id}"},
            )
        answer = self._client.query(**query)
        records = [_record_from_item(item) for item in answer.get("Items", [])]
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

    def pending_job(self, integration_id: str, reference: str) -> str | None:
        """The job id of the payload waiting for a retry (without reading the payload), or None."""
        answer = self._client.get_item(
            TableName=self._table,
            Key=_pending_key(integration_id, reference),
            ConsistentRead=True,
            ProjectionExpression="job_id",
        )
        item = answer.get("Item")
        return str(item["job_id"]["S"]) if item else None

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
