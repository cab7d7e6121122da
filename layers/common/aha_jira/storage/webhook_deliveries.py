"""DynamoDB adapter for Jira webhook deliveries: one item per delivery identifier, expiring after the
dedupe window (TTL `expires_at`), written together with the record changes the delivery makes.

Item: `pk = <site url>#<identifier>` (Jira's `X-Atlassian-Webhook-Identifier`, or a body hash), `event`,
`received_at`, `expires_at`, `retry`. No payload is stored.

A delivery and its changes commit in one transaction (`TransactWriteItems`), with the roadmap events the
changes make (the outbox): either the delivery is recorded and its changes made, or neither. A crash between the two can therefore never mark a delivery as
seen whose change was lost, and Jira's redelivery of a delivery that failed applies it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from aha_jira.models.webhook_delivery import CommitResult, Delivery
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients
from aha_jira.storage.roadmap_outbox import RoadmapOutbox, default_outbox

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import PutTypeDef

    from aha_jira.models.roadmap_event import NewEvent


def _item(delivery: Delivery) -> dict[str, Any]:
    return {
        "pk": {"S": f"{delivery.site_url}#{delivery.identifier}"},
        "site_url": {"S": delivery.site_url},
        "identifier": {"S": delivery.identifier},
        "event": {"S": delivery.event},
        "received_at": {"N": repr(delivery.received_at)},
        "expires_at": {"N": str(delivery.expires_at)},
        "retry": {"N": str(delivery.retry)},
        "attempt": {"S": delivery.attempt},
    }


class DynamoWebhookDeliveries:
    def __init__(self, table_name: str | None = None, *, outbox: RoadmapOutbox | None = None) -> None:
        self._table = table_name or get_settings().webhook_deliveries_table
        self._client = aws_clients.dynamodb()
        self._outbox = outbox or default_outbox()

    def _put(self, delivery: Delivery) -> PutTypeDef:
        # An item past its expiry that DynamoDB's TTL has not removed yet no longer counts.
        return {
            "TableName": self._table,
            "Item": _item(delivery),
            "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
            "ExpressionAttributeValues": {":now": {"N": str(int(time.time()))}},
        }

    def record(self, delivery: Delivery) -> bool:
        """Record a delivery that changes nothing; False when it was recorded before (a duplicate)."""
        try:
            self._client.put_item(**self._put(delivery))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return self._recorded_by(delivery)
            raise
        return True

    def _recorded_by(self, delivery: Delivery) -> bool:
        """Whether the recorded delivery is this very attempt's: the SDK retried a write that had committed
        (its answer was lost), and the retry found the delivery already there."""
        answer = self._client.get_item(
            TableName=self._table,
            Key={"pk": _item(delivery)["pk"]},
            ConsistentRead=True,
            ProjectionExpression="attempt",
        )
        item = answer.get("Item") or {}
        return bool(item.get("attempt", {}).get("S") == delivery.attempt)

    def commit(
        self, delivery: Delivery, changes: list[dict[str, Any]], events: Sequence[NewEvent] = ()
    ) -> CommitResult:
        """Record the delivery, make `changes` (transaction items of other tables) and write the roadmap
        `events` they describe (the outbox, `storage/roadmap_outbox.py`), atomically."""
        outcome = self._outbox.commit([{"Put": self._put(delivery)}, *changes], events)
        if outcome.committed:
            return CommitResult(committed=True, events=outcome.events, to_deliver=outcome.to_deliver)
        codes = outcome.codes
        if outcome.contended and set(codes) <= {"None", "ConditionalCheckFailed", "TransactionConflict"}:
            conflicts = [index - 1 for index, code in enumerate(codes) if index and code != "None"]
            return CommitResult(committed=False, conflicts=conflicts, contended=True)
        if codes[0] == "ConditionalCheckFailed":
            if self._recorded_by(delivery):
                return CommitResult(committed=True)
            return CommitResult(committed=False, duplicate=True)
        conflicts = [index - 1 for index, code in enumerate(codes) if index and code != "None"]
        return CommitResult(committed=False, conflicts=conflicts)

    def forget(self, delivery: Delivery) -> None:
        """Delete the delivery's item if this attempt recorded it (a later attempt's is left alone)."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"pk": _item(delivery)["pk"]},
                ConditionExpression="attempt = :attempt",
                ExpressionAttributeValues={":attempt": {"S": delivery.attempt}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
