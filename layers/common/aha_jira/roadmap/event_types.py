"""Roadmap event types, one row each: whether the event carries a state (a newer event of the type makes an
older one still waiting obsolete: it is superseded, never delivered after the newer one) and the Aha! call it
makes. The webhook connector delivers every type as it is, so a type needs nothing more there.

To add a type (issue 17's `record.commented`, `record.renamed`...): write it where the change is made, in
that change's transaction (`models/roadmap_event.py` has the constants and builders the writers use), and
add its row here with its Aha! function (`aha_records.py` has the pattern: take the client, the record's
delivery and the event, answer `Delivered`/`Skipped`/`Failed` or raise an `AhaError`; keep an intent in
`record.memo` and call `record.keep()` before a call that must not be repeated blindly). A type without a row
is delivered to webhooks and skipped for Aha! (`roadmap.skipped`, "no Aha! mapping").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aha_jira.aha.client import AhaClient
from aha_jira.models.roadmap_event import (
    COMMENT_DELETED,
    COMMENT_UPDATED,
    COMMENTED,
    DESCRIBED,
    DETACHED,
    IMPORTED,
    LINKED,
    RENAMED,
    STATUS_CHANGED,
    TIME_TRACKED,
    RoadmapEvent,
)
from aha_jira.roadmap.aha_comments import deliver_comment
from aha_jira.roadmap.aha_content import deliver_described, deliver_renamed
from aha_jira.roadmap.aha_imports import deliver_imported
from aha_jira.roadmap.aha_records import deliver_detached, deliver_linked, deliver_status, deliver_time
from aha_jira.roadmap.outcomes import Outcome, RecordDelivery

AhaCall = Callable[[AhaClient, RecordDelivery, RoadmapEvent], Outcome]


@dataclass(frozen=True)
class EventType:
    state: bool  # the event states the record's whole value of something: only the newest counts
    aha: AhaCall | None  # what it does in Aha! (None: nothing)


EVENT_TYPES: dict[str, EventType] = {
    LINKED: EventType(state=False, aha=deliver_linked),
    STATUS_CHANGED: EventType(state=True, aha=deliver_status),
    TIME_TRACKED: EventType(state=True, aha=deliver_time),
    IMPORTED: EventType(state=False, aha=deliver_imported),
    DETACHED: EventType(state=False, aha=deliver_detached),
    # Not states per type: two comments' events are independent; each comment's own order is its version.
    COMMENTED: EventType(state=False, aha=deliver_comment),
    COMMENT_UPDATED: EventType(state=False, aha=deliver_comment),
    COMMENT_DELETED: EventType(state=False, aha=deliver_comment),
    RENAMED: EventType(state=True, aha=deliver_renamed),
    DESCRIBED: EventType(state=True, aha=deliver_described),
}


def is_state(event_type: str) -> bool:
    spec = EVENT_TYPES.get(event_type)
    return spec is not None and spec.state
