"""The roadmap events table's items (`RoadmapEventsTable`): their keys and layout, shared by the outbox that
writes events with their change (`roadmap_outbox.py`), the change feed and delivery state that read and settle
them (`roadmap_events.py`) and an imported record's rename (`record_rename.py`).

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

from datetime import UTC, datetime
from typing import Any

RETENTION_SECONDS = 30 * 24 * 3600  # settled events stay in the change feed this long
SWEEP_PARTITION = "PENDING"
_ID_WIDTH = 20
LAST_EVENT_SK = "EVENT#" + "9" * _ID_WIDTH  # above every event's key


def partition_key(integration_id: str) -> dict[str, Any]:
    return {"S": f"INTEGRATION#{integration_id}"}


def counter_key(integration_id: str) -> dict[str, Any]:
    return {"pk": partition_key(integration_id), "sk": {"S": "EVENT_SEQ"}}


def event_key(integration_id: str, event_id: int) -> dict[str, Any]:
    return {"pk": partition_key(integration_id), "sk": {"S": f"EVENT#{event_id:0{_ID_WIDTH}d}"}}


def state_key(integration_id: str, reference: str) -> dict[str, Any]:
    return {"pk": partition_key(integration_id), "sk": {"S": f"DELIVERY#{reference}"}}


def sweep_sort_key(due: float, integration_id: str, event_id: int) -> str:
    return f"{int(due * 1000):015d}#{integration_id}#{event_id:0{_ID_WIDTH}d}"


def iso_time(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")


def cancellation_code(reason: dict[str, Any]) -> str:
    return str(reason.get("Code") or "None")
