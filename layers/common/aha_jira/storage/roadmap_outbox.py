"""The roadmap events outbox's writer: a change's events written in the transaction of the change they
describe (the integration's event counter, the events, each record's pending ids), then their delivery
enqueued. The items are laid out in `roadmap_event_items.py`; the change feed and the delivery worker read and
settle them through `roadmap_events.py`."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from aha_jira.models.roadmap_event import EventRef, NewEvent
from aha_jira.settings import get_settings
from aha_jira.storage import aws_clients
from aha_jira.storage.roadmap_event_items import (
    RETENTION_SECONDS,
    SWEEP_PARTITION,
    cancellation_code,
    counter_key,
    event_key,
    iso_time,
    state_key,
    sweep_sort_key,
)
from aha_jira.storage.roadmap_queue import SqsRoadmapDeliveryQueue

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

# Commits of one change that lost the counter to another writer, backing off exponentially with jitter up to
# COUNTER_BACKOFF_CAP seconds between them (~16 s in all). A release's workers link issues of one integration
# at once: with 10 rounds of a few milliseconds, 91 of 1,000 features of the release bench gave up after Jira
# had created their issue, and waited out the queue's visibility timeout to be reconciled.
COUNTER_ROUNDS = 40
COUNTER_BACKOFF_CAP = 0.5


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
                codes = [cancellation_code(reason) for reason in reasons]
                if not codes or any(
                    code not in {"None", "ConditionalCheckFailed", "TransactionConflict"} for code in codes
                ):
                    raise
                self._learn(reasons[len(items) :], events)
                own = codes[: len(items)]
                if any(code != "None" for code in own):
                    return OutboxCommit(committed=False, codes=own, contended="TransactionConflict" in codes)
                # Only the outbox's items failed: another writer took the counter. Again, with its value.
                pause = min(COUNTER_BACKOFF_CAP, 0.01 * 1.5**round_number)
                time.sleep(pause * random.uniform(0.5, 1.5))  # noqa: S311 - jitter
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
            codes = [cancellation_code(reason) for reason in reasons]
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
                if cancellation_code(reason) == "ConditionalCheckFailed":
                    # ALL_OLD: the counter as it is; no item means there is none yet.
                    current = (reason.get("Item") or {}).get("seq", {}).get("N")
                    self._seq[integration_id] = int(current) if current is not None else 0
            if any(cancellation_code(reason) == "ConditionalCheckFailed" for reason in reasons[len(order) :]):
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
        occurred_at = iso_time(now)
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
        values: dict[str, Any] = {":now": {"S": iso_time(now)}}
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
