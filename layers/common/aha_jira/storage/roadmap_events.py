"""The roadmap events outbox in DynamoDB (`RoadmapEventsTable`): events written in the transaction of the
change they describe, the change feed that pages them, and what their delivery keeps per record.

Items (`pk = INTEGRATION#<id>`):
- `sk = EVENT_SEQ`: `seq`, the integration's last event id. Every transaction that writes events also sets
  it, on condition that it still holds the value the writer started from, so ids increase in commit order
  and a reader paging `?after=N` never meets, later, an id below one it has seen (no gaps from aborted
  writers either). A writer that lost the race learns the current value from the failed condition
  (`ReturnValuesOnConditionCheckFailure`) and commits again; a container remembers the last value it saw,
  so an uncontended writer pays no extra read.
- `sk = EVENT#<20-digit id>`: the event (`document`, its JSON), `delivery` (`pending`, `delivered`,
  `superseded`, `failed`, `skipped`, `dead`, `feed_only`), `attempts`, the last `error_code`/`error_hint`,
  `delivered_at`; `expires_at` (TTL) 30 days after it is settled. While it waits for delivery it carries
  `sweep_pk = PENDING` and `sweep_sk = <due time, ms>#<integration>#<id>` (the sparse `pending` index the
  sweep reads to re-enqueue events whose trigger was lost).
- `sk = DELIVERY#<reference>`: the record's delivery state: `pending` (the ids still to deliver, added in the
  event's own transaction, so the worker sees every older event of the record at once), `cursor` (the
  highest id settled), `lease_until`/`lease_token` (one worker delivers a record's events at a time, in id
  order), `origin` (`jira`: imported, not in the roadmap until the connector creates it there),
  `renamed_to` (the roadmap gave the record another reference), `memo` (what the connector keeps per
  record, JSON: the status and time it posted, its intents).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from aha_jira.models.roadmap_event import (
    DeliveryRecord,
    DeliveryState,
    EventRef,
    LeaseLost,
    NewEvent,
    RoadmapEvent,
    StoredEvent,
)
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients
from aha_jira.storage.roadmap_queue import SqsRoadmapDeliveryQueue

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

RETENTION_SECONDS = 30 * 24 * 3600  # settled events stay in the change feed this long
COUNTER_ROUNDS = 10  # commits of one change that lost the counter to another writer
SWEEP_PARTITION = "PENDING"
_ID_WIDTH = 20
_LAST_SK = "EVENT#" + "9" * _ID_WIDTH


def _pk(integration_id: str) -> dict[str, Any]:
    return {"S": f"INTEGRATION#{integration_id}"}


def counter_key(integration_id: str) -> dict[str, Any]:
    return {"pk": _pk(integration_id), "sk": {"S": "EVENT_SEQ"}}


def event_key(integration_id: str, event_id: int) -> dict[str, Any]:
    return {"pk": _pk(integration_id), "sk": {"S": f"EVENT#{event_id:0{_ID_WIDTH}d}"}}


def state_key(integration_id: str, reference: str) -> dict[str, Any]:
    return {"pk": _pk(integration_id), "sk": {"S": f"DELIVERY#{reference}"}}


def sweep_sort_key(due: float, integration_id: str, event_id: int) -> str:
    return f"{int(due * 1000):015d}#{integration_id}#{event_id:0{_ID_WIDTH}d}"


def _now_iso(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")


def _code(reason: dict[str, Any]) -> str:
    return str(reason.get("Code") or "None")


class OutboxContended(RuntimeError):
    """Other writers kept taking the integration's event counter; the change was not made."""


@dataclass(frozen=True)
class OutboxCommit:
    """What committing a change with its events did. Not committed: `codes` are the cancellation codes of the
    caller's own items (in order), `contended` whether another transaction held one of the items."""

    committed: bool
    events: list[EventRef] = field(default_factory=list)
    to_deliver: list[EventRef] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    contended: bool = False


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


class RoadmapOutbox:
    """Writes events with their change: `commit` adds the outbox's items to the caller's transaction, then
    enqueues a delivery message for each event a roadmap connector delivers (best effort: the sweep finds
    an event whose message was lost). One per container (`default_outbox`): it remembers each
    integration's last event id."""

    def __init__(
        self,
        table_name: str | None = None,
        *,
        queue: SqsRoadmapDeliveryQueue | None = None,
        clock: Any = time.time,
    ) -> None:
        self._table = table_name or get_settings().roadmap_events_table
        self._client = aws_clients.dynamodb()
        self._queue = queue
        self._clock = clock
        self._lock = threading.Lock()
        self._seq: dict[str, int] = {}  # integration -> the last event id this container saw

    def _notify(self, refs: list[EventRef]) -> None:
        if not refs:
            return
        if self._queue is None:
            self._queue = SqsRoadmapDeliveryQueue()
        self._queue.notify(refs)

    def commit(self, items: Sequence[dict[str, Any]], events: Sequence[NewEvent]) -> OutboxCommit:
        """Make `items` (transaction items of any table) and write `events`, atomically."""
        if not events:
            return self._commit_plain(items)
        for round_number in range(COUNTER_ROUNDS):
            now = self._clock()
            seqs = {event.integration_id: self._known_seq(event.integration_id) for event in events}
            outbox, refs, counters = self._items(events, seqs, now)
            try:
                self._transact([*items, *outbox])
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                reasons = cast("list[dict[str, Any]]", error.response.get("CancellationReasons") or [])
                codes = [_code(reason) for reason in reasons]
                if not codes or any(
                    code not in {"None", "ConditionalCheckFailed", "TransactionConflict"} for code in codes
                ):
                    raise
                self._learn(reasons[len(items) :], events)
                own = codes[: len(items)]
                if any(code != "None" for code in own):
                    return OutboxCommit(committed=False, codes=own, contended="TransactionConflict" in codes)
                # Only the outbox's items failed: another writer took the counter. Again, with its value.
                time.sleep(random.uniform(0.005, 0.02) * (round_number + 1))  # noqa: S311 - jitter
                continue
            with self._lock:
                for integration_id, (_, last) in counters.items():
                    self._seq[integration_id] = max(self._seq.get(integration_id, 0), last)
            to_deliver = [ref for ref, event in zip(refs, events, strict=True) if event.deliver]
            self._notify(to_deliver)
            return OutboxCommit(committed=True, events=refs, to_deliver=to_deliver)
        raise OutboxContended(
            f"the event counter of integration(s) {sorted({e.integration_id for e in events})} kept changing"
        )

    def _commit_plain(self, items: Sequence[dict[str, Any]]) -> OutboxCommit:
        try:
            self._transact(list(items))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = cast("list[dict[str, Any]]", error.response.get("CancellationReasons") or [])
            codes = [_code(reason) for reason in reasons]
            if not codes or any(
                code not in {"None", "ConditionalCheckFailed", "TransactionConflict"} for code in codes
            ):
                raise
            return OutboxCommit(committed=False, codes=codes, contended="TransactionConflict" in codes)
        return OutboxCommit(committed=True)

    def _transact(self, items: list[dict[str, Any]]) -> None:
        self._client.transact_write_items(TransactItems=cast("list[TransactWriteItemTypeDef]", items))

    def _known_seq(self, integration_id: str) -> int:
        with self._lock:
            known = self._seq.get(integration_id)
        if known is not None:
            return known
        answer = self._client.get_item(
            TableName=self._table, Key=counter_key(integration_id), ConsistentRead=True
        )
        value = int((answer.get("Item") or {}).get("seq", {}).get("N", "0"))
        with self._lock:
            self._seq[integration_id] = value
        return value

    def _learn(self, reasons: list[dict[str, Any]], events: Sequence[NewEvent]) -> None:
        """After a failed commit: the counter's value from its failed condition, or forget it (read again)."""
        order = list(dict.fromkeys(event.integration_id for event in events))
        # The outbox's items start with one counter per integration, in `order` (see `_items`).
        with self._lock:
            for index, integration_id in enumerate(order):
                reason = reasons[index] if index < len(reasons) else {}
                if _code(reason) == "ConditionalCheckFailed":
                    # ALL_OLD: the counter as it is; no item means there is none yet.
                    current = (reason.get("Item") or {}).get("seq", {}).get("N")
                    self._seq[integration_id] = int(current) if current is not None else 0
            if any(_code(reason) == "ConditionalCheckFailed" for reason in reasons[len(order) :]):
                # An event id was taken although the counter matched (a racing writer): read it again.
                for integration_id in order:
                    self._seq.pop(integration_id, None)

    def _items(
        self, events: Sequence[NewEvent], seqs: dict[str, int], now: float
    ) -> tuple[list[dict[str, Any]], list[EventRef], dict[str, tuple[int, int]]]:
        order = list(dict.fromkeys(event.integration_id for event in events))
        counters: dict[str, tuple[int, int]] = {}
        next_id = dict(seqs)
        refs: list[EventRef] = []
        puts: list[dict[str, Any]] = []
        pending: dict[tuple[str, str], list[int]] = {}
        origins: set[tuple[str, str]] = set()
        occurred_at = _now_iso(now)
        for event in events:
            next_id[event.integration_id] += 1
            event_id = next_id[event.integration_id]
            refs.append(EventRef(event.integration_id, event_id))
            puts.append(self._event_put(event, event_id, occurred_at, now))
            key = (event.integration_id, event.reference)
            if event.deliver:
                pending.setdefault(key, []).append(event_id)
            if event.type == "record.imported":
                origins.add(key)
        items: list[dict[str, Any]] = []
        for integration_id in order:
            before, last = seqs[integration_id], next_id[integration_id]
            counters[integration_id] = (before, last)
            items.append(self._counter_update(integration_id, before, last))
        items += puts
        for key in dict.fromkeys([*pending, *origins]):
            items.append(self._state_update(*key, pending.get(key, []), imported=key in origins, now=now))
        return items, refs, counters

    def _counter_update(self, integration_id: str, before: int, last: int) -> dict[str, Any]:
        condition = "attribute_not_exists(seq)" if before == 0 else "seq = :before"
        values: dict[str, Any] = {":last": {"N": str(last)}}
        if before:
            values[":before"] = {"N": str(before)}
        return {
            "Update": {
                "TableName": self._table,
                "Key": counter_key(integration_id),
                "UpdateExpression": "SET seq = :last",
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _event_put(self, event: NewEvent, event_id: int, occurred_at: str, now: float) -> dict[str, Any]:
        document = event.document(event_id, occurred_at).model_dump_json()
        item: dict[str, Any] = {
            **event_key(event.integration_id, event_id),
            "event_id": {"N": str(event_id)},
            "type": {"S": event.type},
            "reference": {"S": event.reference},
            "document": {"S": document},
            "imported": {"BOOL": event.imported},
            "attempts": {"N": "0"},
        }
        if event.deliver:
            item["delivery"] = {"S": "pending"}
            item["sweep_pk"] = {"S": SWEEP_PARTITION}
            item["sweep_sk"] = {"S": sweep_sort_key(now, event.integration_id, event_id)}
        else:
            item["delivery"] = {"S": "feed_only"}
            item["expires_at"] = {"N": str(int(now) + RETENTION_SECONDS)}
        return {
            "Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(sk)"}
        }

    def _state_update(
        self, integration_id: str, reference: str, ids: list[int], *, imported: bool, now: float
    ) -> dict[str, Any]:
        sets = ["updated_at = :now"]
        values: dict[str, Any] = {":now": {"S": _now_iso(now)}}
        if imported:
            sets.append("origin = :jira")
            values[":jira"] = {"S": "jira"}
        expression = "SET " + ", ".join(sets)
        if ids:
            expression += " ADD pending :ids"
            values[":ids"] = {"NS": [str(value) for value in ids]}
        return {
            "Update": {
                "TableName": self._table,
                "Key": state_key(integration_id, reference),
                "UpdateExpression": expression,
                "ExpressionAttributeValues": values,
            }
        }


@cache
def default_outbox() -> RoadmapOutbox:
    """The container's outbox, shared by every adapter that writes events."""
    return RoadmapOutbox()


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
                ":pk": _pk(integration_id),
                ":first": event_key(integration_id, after + 1)["sk"],
                ":last": {"S": _LAST_SK},
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
            ":at": {"S": _now_iso(now)},
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
            if len(reasons) > 1 and _code(reasons[1]) == "ConditionalCheckFailed":
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
