"""The sweep (a schedule on the delivery function: every minute in AWS, every few seconds locally): events
still pending some time after they were due lost their trigger (an enqueue that failed after the commit, a
message dropped), so they are enqueued again. A duplicate message costs nothing: the worker finds its event
settled, or the record's lease held."""

from __future__ import annotations

from collections import Counter

from aha_jira.integration_log import Outcome, record_action
from aha_jira.roadmap.outcomes import DeliveryServices
from aha_jira.settings import roadmap_delivery_timing

SWEEP_LIMIT = 1000  # events enqueued per sweep; the next sweep takes the rest


def sweep(services: DeliveryServices, *, limit: int = SWEEP_LIMIT) -> int:
    """Enqueue the events whose delivery is overdue; how many were enqueued."""
    before = services.clock() - roadmap_delivery_timing().sweep_after_seconds
    due = services.events.due(before, limit)
    if not due:
        return 0
    taken = services.queue.notify(due)
    for integration_id, count in sorted(Counter(ref.integration_id for ref in due).items()):
        record_action(
            "roadmap.swept",
            Outcome.QUEUED,
            integration_id=integration_id,
            message=f"{count} roadmap event(s) still pending after their delivery was due: enqueued again",
            hint="A lost delivery trigger only delays an event; many of them point at the queue or at SQS.",
            event_count=count,
        )
    return taken
