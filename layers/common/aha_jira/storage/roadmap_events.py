"""The roadmap events outbox read back: the change feed that pages the events (`GET
/integrations/{id}/events`), and the delivery worker's view of them, each record's delivery state under a
lease, settling, retries, dead letters and the sweep's due events. The items are laid out in
`roadmap_event_items.py`; `roadmap_outbox.py` writes them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from aha_jira.models.roadmap_event import (
    DeliveryRecord,
    DeliveryState,
    EventRef,
    LeaseLost,
    RoadmapEvent,
    StoredEvent,
)
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients
from aha_jira.storage.roadmap_event_items import (
    LAST_EVENT_SK,
    RETENTION_SECONDS,
    SWEEP_PARTITION,
    cancellation_code,
    event_key,
    iso_time,
    partition_key,
    state_key,
    sweep_sort_key,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def _record(integration_id: str, reference: str, item: dict[str, Any]) -> DeliveryRecord:
    pending = sorted(int(value) for value in item.get("pending", {}).get("NS", []))
    memo = item.get("memo", {}).get("S")
    return DeliveryRecord(
        integration_id=integration_id,
        reference=reference,
        pending=pending,
        cursor=int(item.get("cursor", {}).get("N", "0")),
        origin=item.get("origin", {}).get("S"),
        renamed_to=item.get("renamed_to", {}).get("S"),
        memo=json.loads(memo) if memo else {},
        lease_until=float(item.get("lease_until", {}).get("N", "0")),
    )


def _stored(item: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        event=RoadmapEvent.model_validate_json(item["document"]["S"]),
        delivery=cast("DeliveryState", item.get("delivery", {}).get("S", "pending")),
        attempts=int(item.get("attempts", {}).get("N", "0")),
        error_code=item.get("error_code", {}).get("S"),
        imported=bool(item.get("imported", {}).get("BOOL", False)),
    )


class DynamoRoadmapEvents:
    """The change feed, and the delivery worker's view of the outbox."""

    def __init__(self, table_name: str | None = None) -> None:
        self._table = table_name or get_settings().roadmap_events_table
        self._client = aws_clients.dynamodb()

    # --- the change feed ------------------------------------------------------------------------------
    def page(self, integration_id: str, after: int, limit: int) -> tuple[list[RoadmapEvent], int | None]:
        """Events after `after`, oldest first, at most `limit`; and the last id when more follow."""
        answer = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues={
                ":pk": partition_key(integration_id),
                ":first": event_key(integration_id, after + 1)["sk"],
                ":last": {"S": LAST_EVENT_SK},
            },
            ProjectionExpression="document",
            ConsistentRead=True,
            Limit=limit + 1,
        )
        items = answer.get("Items", [])
        events = [RoadmapEvent.model_validate_json(item["document"]["S"]) for item in items[:limit]]
        more = len(items) > limit
        return events, (events[-1].id if more and events else None)

    # --- delivery ---------------------------------------------------------------------------------------
    def get_event(self, integration_id: str, event_id: int) -> StoredEvent | None:
        answer = self._client.get_item(
            TableName=self._table, Key=event_key(integration_id, event_id), ConsistentRead=True
        )
        item = answer.get("Item")
        return _stored(item) if item and "document" in item else None

    def get_events(self, integration_id: str, event_ids: list[int]) -> dict[int, StoredEvent]:
        found: dict[int, StoredEvent] = {}
        unique = list(dict.fromkeys(event_ids))
        for start in range(0, len(unique), 100):
            request: dict[str, Any] = {
                self._table: {
                    "Keys": [event_key(integration_id, value) for value in unique[start : start + 100]],
                    "ConsistentRead": True,
                }
            }
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self._table, []):
                    stored = _stored(item)
                    found[stored.event.id] = stored
                request = dict(answer.get("UnprocessedKeys") or {})
        return found

    def lease(
        self, integration_id: str, reference: str, *, token: str, until: float, now: float
    ) -> tuple[DeliveryRecord | None, float]:
        """Take the record's delivery lease; (its state, 0), or (None, when the holder's lease ends)."""
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=state_key(integration_id, reference),
                UpdateExpression="SET lease_until = :until, lease_token = :token",
                ConditionExpression="attribute_not_exists(lease_until) OR lease_until < :now OR lease_token = :token",
                ExpressionAttributeValues={
                    ":until": {"N": repr(until)},
                    ":token": {"S": token},
                    ":now": {"N": repr(now)},
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            held = cast("dict[str, Any]", error.response.get("Item") or {})
            return None, float(held.get("lease_until", {}).get("N", repr(until)))
        return _record(integration_id, reference, answer.get("Attributes", {})), 0.0

    def read_state(self, integration_id: str, reference: str) -> DeliveryRecord:
        answer = self._client.get_item(
            TableName=self._table, Key=state_key(integration_id, reference), ConsistentRead=True
        )
        return _record(integration_id, reference, answer.get("Item") or {})

    def release(self, integration_id: str, reference: str, *, token: str) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=state_key(integration_id, reference),
                UpdateExpression="SET lease_until = :zero",
                ConditionExpression="lease_token = :token",
                ExpressionAttributeValues={":zero": {"N": "0"}, ":token": {"S": token}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def save_memo(self, integration_id: str, reference: str, *, token: str, memo: dict[str, Any]) -> None:
        """Keep what the connector must remember before it calls the roadmap (an intent), under the lease."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=state_key(integration_id, reference),
                UpdateExpression="SET memo = :memo",
                ConditionExpression="lease_token = :token",
                ExpressionAttributeValues={":memo": {"S": json.dumps(memo)}, ":token": {"S": token}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise LeaseLost(f"{integration_id} {reference}: the delivery lease passed on") from None
            raise

    def settle(
        self,
        integration_id: str,
        reference: str,
        event_id: int,
        *,
        token: str,
        delivery: DeliveryState,
        cursor: int,
        memo: dict[str, Any],
        now: float,
        error_code: str | None = None,
        error_hint: str | None = None,
    ) -> None:
        """The event is delivered, superseded, failed or skipped: off the record's pending ids, and its
        state with what the connector keeps, in one transaction (only by the lease's holder)."""
        event_sets = ["delivery = :delivery", "delivered_at = :at", "expires_at = :expires"]
        values: dict[str, Any] = {
            ":delivery": {"S": delivery},
            ":at": {"S": iso_time(now)},
            ":expires": {"N": str(int(now) + RETENTION_SECONDS)},
        }
        if error_code:
            event_sets.append("error_code = :code")
            values[":code"] = {"S": error_code}
        if error_hint:
            event_sets.append("error_hint = :hint")
            values[":hint"] = {"S": error_hint}
        items = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": event_key(integration_id, event_id),
                    "UpdateExpression": "SET " + ", ".join(event_sets) + " REMOVE sweep_pk, sweep_sk",
                    "ExpressionAttributeValues": values,
                }
            },
            {
                "Update": {
                    "TableName": self._table,
                    "Key": state_key(integration_id, reference),
                    "UpdateExpression": "SET #cursor = :cursor, memo = :memo DELETE pending :id",
                    "ConditionExpression": "lease_token = :token",
                    "ExpressionAttributeNames": {"#cursor": "cursor"},
                    "ExpressionAttributeValues": {
                        ":cursor": {"N": str(cursor)},
                        ":memo": {"S": json.dumps(memo)},
                        ":id": {"NS": [str(event_id)]},
                        ":token": {"S": token},
                    },
                }
            },
        ]
        try:
            self._client.transact_write_items(TransactItems=cast("list[TransactWriteItemTypeDef]", items))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = cast("list[dict[str, Any]]", error.response.get("CancellationReasons") or [])
            if len(reasons) > 1 and cancellation_code(reasons[1]) == "ConditionalCheckFailed":
                raise LeaseLost(f"{integration_id} {reference}: the delivery lease passed on") from None
            raise

    def retry_later(
        self,
        integration_id: str,
        event_id: int,
        *,
        attempts: int,
        due: float,
        error_code: str,
        error_hint: str,
    ) -> None:
        """A failed attempt: counted, and due again at `due` (when the sweep would re-enqueue it)."""
        self._client.update_item(
            TableName=self._table,
            Key=event_key(integration_id, event_id),
            UpdateExpression=(
                "SET attempts = :attempts, delivery = :pending, error_code = :code, error_hint = :hint, "
                "sweep_pk = :sweep, sweep_sk = :due"
            ),
            ConditionExpression="attribute_exists(sk)",
            ExpressionAttributeValues={
                ":attempts": {"N": str(attempts)},
                ":pending": {"S": "pending"},
                ":code": {"S": error_code},
                ":hint": {"S": error_hint},
                ":sweep": {"S": SWEEP_PARTITION},
                ":due": {"S": sweep_sort_key(due, integration_id, event_id)},
            },
        )

    def mark_dead(
        self, integration_id: str, event_id: int, *, attempts: int, error_code: str, error_hint: str
    ) -> None:
        """The last attempt failed: its message goes to the dead-letter queue. The event stays among the
        record's pending ids (newer events of the record wait behind it); the sweep leaves it alone."""
        self._client.update_item(
            TableName=self._table,
            Key=event_key(integration_id, event_id),
            UpdateExpression=(
                "SET attempts = :attempts, delivery = :dead, error_code = :code, error_hint = :hint "
                "REMOVE sweep_pk, sweep_sk"
            ),
            ConditionExpression="attribute_exists(sk)",
            ExpressionAttributeValues={
                ":attempts": {"N": str(attempts)},
                ":dead": {"S": "dead"},
                ":code": {"S": error_code},
                ":hint": {"S": error_hint},
            },
        )

    def due(self, before: float, limit: int) -> list[EventRef]:
        """Pending events due before `before` (their trigger was lost, or they wait for a retry that never
        came), oldest first."""
        refs: list[EventRef] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "pending",
            "KeyConditionExpression": "sweep_pk = :sweep AND sweep_sk < :before",
            "ExpressionAttributeValues": {
                ":sweep": {"S": SWEEP_PARTITION},
                ":before": {"S": f"{int(before * 1000):015d}#"},
            },
        }
        while len(refs) < limit:
            answer = self._client.query(**request, Limit=limit - len(refs))
            for item in answer.get("Items", []):
                integration_id = item["pk"]["S"].removeprefix("INTEGRATION#")
                refs.append(EventRef(integration_id, int(item["sk"]["S"].removeprefix("EVENT#"))))
            last = answer.get("LastEvaluatedKey")
            if not last:
                break
            request["ExclusiveStartKey"] = last
        return refs
