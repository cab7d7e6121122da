"""Deliver roadmap events: the delivery worker's use case, one queue message (`{"integration_id",
"event_id"}`) at a time.

Per record, in order, one worker at a time: the worker takes the record's lease (`DELIVERY#<reference>`), then
settles every event the record still has pending, oldest first: a state event (`event_types.is_state`) with a
newer one of its type waiting is `superseded` (an older state never overwrites a newer one); the others go to
the connector. Delivered, skipped (nothing to do in this roadmap) and failed (refused for good) events are
settled in one transaction with the record's state; a transient failure stops the record there (its later
events wait behind it), counts an attempt, and the message comes back after a back-off (the roadmap's
`Retry-After`, else exponential with jitter). A connector that must let an earlier attempt's call settle first
(`Waiting`: a time post whose answer was lost) stops the record there too, with no attempt counted, and the
message comes back once it has. A duplicate message finds its event settled and does nothing.
After the last attempt (`ROADMAP_MAX_ATTEMPTS`, the queue's `maxReceiveCount`) the event is `dead`, logged
`roadmap.dead_lettered`, and SQS moves its message to the dead-letter queue; replayed, it is delivered as a
pending one.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from typing import Any

from aha_jira.integration_log import Outcome as LogOutcome
from aha_jira.integration_log import record_action
from aha_jira.jira.rate_limits import backoff_seconds
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.roadmap_event import (
    DeliveryRecord,
    DeliveryState,
    EventRef,
    LeaseLost,
    StoredEvent,
    delivers,
)
from aha_jira.roadmap.connectors import RoadmapConnector, connector_for
from aha_jira.roadmap.event_types import is_state
from aha_jira.roadmap.outcomes import Delivered, DeliveryServices, Failed, RecordDelivery, Skipped, Waiting
from aha_jira.settings import roadmap_delivery_timing

# No event is started when less than this is left of the invocation (an Aha! call may take 13 s).
TIME_MARGIN_SECONDS = 15.0
RENAME_HOPS = 5  # references followed from an event's to the record's current one


@dataclass(frozen=True)
class MessageOutcome:
    """Done (delete the message), or to come back after `delay_seconds`."""

    done: bool
    delay_seconds: float = 0.0
    reason: str = ""


def parse_message(body: str) -> EventRef | None:
    try:
        document = json.loads(body)
        integration_id, event_id = document["integration_id"], document["event_id"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(integration_id, str) or not isinstance(event_id, int) or isinstance(event_id, bool):
        return None
    return EventRef(integration_id, event_id)


def deliver_message(
    body: str,
    *,
    attempt: int,
    max_attempts: int,
    services: DeliveryServices,
    deadline: float | None = None,
) -> MessageOutcome:
    """Deliver the event a queue message names, and every older event of its record still pending."""
    ref = parse_message(body)
    if ref is None:
        record_action(
            "roadmap.failed",
            LogOutcome.FAILED,
            integration_id=None,
            message="A roadmap delivery message that is not {integration_id, event_id}; dropped",
            hint="Only the outbox enqueues roadmap deliveries; look at what else writes to the queue.",
        )
        return MessageOutcome(done=True, reason="not a delivery message")
    stored = services.events.get_event(ref.integration_id, ref.event_id)
    if stored is None or not stored.deliverable:
        return MessageOutcome(done=True, reason="settled before (a duplicate message)")
    worker = _Worker(ref, stored, services, attempt=attempt, max_attempts=max_attempts, deadline=deadline)
    return worker.run()


class _Worker:
    def __init__(
        self,
        ref: EventRef,
        stored: StoredEvent,
        services: DeliveryServices,
        *,
        attempt: int,
        max_attempts: int,
        deadline: float | None,
    ) -> None:
        self.ref = ref
        self.stored = stored
        self.services = services
        self.attempt = attempt
        self.max_attempts = max_attempts
        self.deadline = deadline
        self.token = uuid.uuid4().hex
        self.integration: StoredIntegration | None = None

    # --- the record's lease -----------------------------------------------------------------------------
    def run(self) -> MessageOutcome:
        services, ref = self.services, self.ref
        self.integration = services.integrations.get(ref.integration_id)
        reference = self.stored.event.reference
        for _ in range(RENAME_HOPS):
            now = services.clock()
            lease_until = now + roadmap_delivery_timing().lease_seconds
            state, busy_until = services.events.lease(
                ref.integration_id, reference, token=self.token, until=lease_until, now=now
            )
            if state is None:
                # Another worker delivers this record's events now, this one's included when it is older.
                return MessageOutcome(
                    done=False,
                    delay_seconds=max(1.0, busy_until - now) + random.uniform(0, 1),  # noqa: S311 - jitter
                    reason="another worker holds the record's delivery lease",
                )
            if state.renamed_to:
                services.events.release(ref.integration_id, reference, token=self.token)
                reference = state.renamed_to
                continue
            if self.integration is None or not delivers(self.integration.roadmap.type):
                try:
                    return self._skip_all(state, reference)
                finally:
                    services.events.release(ref.integration_id, reference, token=self.token)
            record = RecordDelivery(
                integration=self.integration,
                services=services,
                reference=reference,
                token=self.token,
                lease_until=lease_until,
                origin=state.origin,
                memo=dict(state.memo),
                cursor=state.cursor,
            )
            try:
                return self._deliver(state, record)
            except LeaseLost:
                return MessageOutcome(done=False, delay_seconds=5.0, reason="the record's lease passed on")
            finally:
                services.events.release(ref.integration_id, record.reference, token=self.token)
        return MessageOutcome(done=False, delay_seconds=5.0, reason="the record kept being renamed")

    # --- the record's pending events, oldest first ------------------------------------------------------
    def _deliver(self, state: DeliveryRecord, record: RecordDelivery) -> MessageOutcome:
        services, ref = self.services, self.ref
        ids = sorted({*state.pending, ref.event_id})
        found = services.events.get_events(ref.integration_id, ids)
        queue = [found[event_id] for event_id in ids if event_id in found and found[event_id].deliverable]
        connector = connector_for(record.integration, services)
        newest: dict[str, int] = {}
        for stored in queue:
            if is_state(stored.event.type):
                newest[stored.event.type] = max(newest.get(stored.event.type, 0), stored.event.id)
        delivered_types: dict[str, int] = dict(record.memo.get("latest") or {})
        for index, stored in enumerate(queue):
            event = stored.event
            if self.deadline is not None and self.deadline - services.clock() < TIME_MARGIN_SECONDS:
                return MessageOutcome(done=False, delay_seconds=1.0, reason="the invocation's time ran short")
            if is_state(event.type) and (
                event.id < newest.get(event.type, 0) or event.id < delivered_types.get(event.type, 0)
            ):
                self._settle(record, stored, "superseded", "a newer event of this type replaces it")
                continue
            record.pending_after = [later.event.id for later in queue[index + 1 :]]
            outcome = (
                connector if isinstance(connector, Failed | Skipped) else connector.deliver(record, event)
            )
            if isinstance(outcome, Failed) and outcome.transient:
                return self._retry(stored, outcome)
            if isinstance(outcome, Waiting):
                return self._wait(stored, outcome)
            if is_state(event.type):
                delivered_types[event.type] = event.id
                record.memo["latest"] = delivered_types
            self._finish(record, stored, outcome, connector)
        return MessageOutcome(done=True)

    def _skip_all(self, state: DeliveryRecord, reference: str) -> MessageOutcome:
        """No connector to deliver to (the integration was removed, or has none now): every pending event of
        the record is skipped."""
        services, ref = self.services, self.ref
        reason = (
            "the integration was removed"
            if self.integration is None
            else "the integration has no roadmap connector now (roadmap.type none)"
        )
        ids = sorted({*state.pending, ref.event_id})
        found = services.events.get_events(ref.integration_id, ids)
        cursor = state.cursor
        for event_id in ids:
            stored = found.get(event_id)
            if stored is None or not stored.deliverable:
                continue
            cursor = max(cursor, event_id)
            services.events.settle(
                ref.integration_id,
                reference,
                event_id,
                token=self.token,
                delivery="skipped",
                cursor=cursor,
                memo=state.memo,
                now=services.clock(),
                error_hint=reason,
            )
            self._log("roadmap.skipped", LogOutcome.SKIPPED, stored, f"not delivered: {reason}")
        return MessageOutcome(done=True, reason=reason)

    def _finish(
        self,
        record: RecordDelivery,
        stored: StoredEvent,
        outcome: Delivered | Skipped | Failed,
        connector: RoadmapConnector | Failed | Skipped,
    ) -> None:
        calls = connector.calls if not isinstance(connector, Failed | Skipped) else 0
        if isinstance(outcome, Delivered):
            if not outcome.settled:
                self._settle(record, stored, "delivered", outcome.message, roadmap_calls=calls)
            else:
                self._log(
                    "roadmap.delivered",
                    LogOutcome.SUCCEEDED,
                    stored,
                    outcome.message,
                    reference=record.reference,
                    roadmap_calls=calls,
                )
        elif isinstance(outcome, Skipped):
            self._settle(record, stored, "skipped", outcome.reason, hint=outcome.hint)
        else:
            self._settle(
                record,
                stored,
                "failed",
                outcome.message,
                hint=outcome.hint,
                error_code=outcome.code,
                roadmap_status=outcome.status,
                roadmap_calls=calls,
            )

    def _settle(
        self,
        record: RecordDelivery,
        stored: StoredEvent,
        delivery: DeliveryState,
        message: str,
        *,
        hint: str | None = None,
        error_code: str | None = None,
        **fields: Any,
    ) -> None:
        record.cursor = max(record.cursor, stored.event.id)
        self.services.events.settle(
            self.ref.integration_id,
            record.reference,
            stored.event.id,
            token=self.token,
            delivery=delivery,
            cursor=record.cursor,
            memo=record.memo,
            now=self.services.clock(),
            error_code=error_code,
            error_hint=hint,
        )
        action, outcome = {
            "delivered": ("roadmap.delivered", LogOutcome.SUCCEEDED),
            "superseded": ("roadmap.superseded", LogOutcome.SKIPPED),
            "skipped": ("roadmap.skipped", LogOutcome.SKIPPED),
            "failed": ("roadmap.failed", LogOutcome.FAILED),
        }[delivery]
        self._log(
            action,
            outcome,
            stored,
            message,
            hint=hint,
            error_code=error_code,
            reference=record.reference,
            **fields,
        )

    # --- a transient failure: back off, or dead-letter after the last attempt ---------------------------
    def _retry(self, stored: StoredEvent, failure: Failed) -> MessageOutcome:
        services, ref = self.services, self.ref
        attempts = stored.attempts + 1
        delay = backoff_seconds(
            attempts, retry_after=failure.retry_after, base=roadmap_delivery_timing().retry_base_seconds
        )
        last = self.attempt >= self.max_attempts
        own = stored.event.id == ref.event_id
        if own and last:
            services.events.mark_dead(
                ref.integration_id,
                stored.event.id,
                attempts=attempts,
                error_code=failure.code,
                error_hint=failure.hint,
            )
            self._dead_lettered(stored, failure.message, failure)
            return MessageOutcome(done=False, delay_seconds=delay, reason=failure.message)
        services.events.retry_later(
            ref.integration_id,
            stored.event.id,
            attempts=attempts,
            due=services.clock() + delay,
            error_code=failure.code,
            error_hint=failure.hint,
        )
        self._log(
            "roadmap.retried",
            LogOutcome.QUEUED,
            stored,
            f"Attempt {attempts} failed: {failure.message}; next in {delay:.0f} s",
            hint=failure.hint,
            error_code=failure.code,
            roadmap_status=failure.status,
            attempt=attempts,
        )
        if not own and last:
            # This message's own event waits behind the failing one and has used its attempts too.
            waiting = self.services.events.get_event(ref.integration_id, ref.event_id)
            if waiting is not None and waiting.deliverable:
                message = f"waits behind event {stored.event.id} of the same record, which keeps failing"
                services.events.mark_dead(
                    ref.integration_id,
                    ref.event_id,
                    attempts=waiting.attempts,
                    error_code=failure.code,
                    error_hint=failure.hint,
                )
                self._dead_lettered(waiting, message, failure)
        return MessageOutcome(done=False, delay_seconds=delay, reason=failure.message)

    # --- a call of an earlier attempt still settling: come back once it has ----------------------------
    def _wait(self, stored: StoredEvent, waiting: Waiting) -> MessageOutcome:
        services, ref = self.services, self.ref
        # Due again then (attempts unchanged: nothing failed), so the sweep does not bring it back sooner.
        services.events.retry_later(
            ref.integration_id,
            stored.event.id,
            attempts=stored.attempts,
            due=services.clock() + waiting.seconds,
            error_code=stored.error_code or "roadmap_waiting",
            error_hint=waiting.reason,
        )
        self._log("roadmap.waiting", LogOutcome.QUEUED, stored, waiting.reason, delay_seconds=waiting.seconds)
        if self.attempt >= self.max_attempts:
            # SQS would move this message to the dead-letter queue at its next receive though nothing failed:
            # a new message takes over (if SQS does not take it, the sweep enqueues the event when due).
            services.queue.notify([ref], delay_seconds=waiting.seconds)
            return MessageOutcome(done=True, reason=waiting.reason)
        return MessageOutcome(done=False, delay_seconds=waiting.seconds, reason=waiting.reason)

    def _dead_lettered(self, stored: StoredEvent, message: str, failure: Failed) -> None:
        self._log(
            "roadmap.dead_lettered",
            LogOutcome.FAILED,
            stored,
            f"Last attempt ({self.attempt} of {self.max_attempts}) failed: {message}; the event is in the "
            "roadmap dead-letter queue",
            hint=f"{failure.hint} Once fixed, replay it: make replay-dlq.",
            error_code=failure.code,
            roadmap_status=failure.status,
        )

    def _log(
        self,
        action: str,
        outcome: LogOutcome,
        stored: StoredEvent,
        message: str,
        *,
        hint: str | None = None,
        error_code: str | None = None,
        reference: str | None = None,
        **fields: Any,
    ) -> None:
        event = stored.event
        data = event.data.get("jira") or (event.data.get("record") or {}).get("jira") or {}
        record_action(
            action,
            outcome,
            integration_id=event.integration_id,
            reference=reference or event.reference,
            jira_key=data.get("key") if isinstance(data, dict) else None,
            message=f"{event.type} #{event.id}: {message}",
            hint=hint,
            error_code=error_code,
            event_id=event.id,
            event_type=event.type,
            event_reference=event.reference,
            roadmap_type=self.integration.roadmap.type if self.integration else None,
            **{key: value for key, value in fields.items() if value is not None},
        )
