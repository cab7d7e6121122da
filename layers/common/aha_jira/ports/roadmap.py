"""The roadmap side: the events outbox's change feed and its delivery (`storage/roadmap_events.py`), the
queue of deliveries (`storage/roadmap_queue.py`), the comments that crossed (`storage/comment_links.py`)
and an imported record's rename (`storage/record_rename.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from aha_jira.models.comment_link import CommentLink, Side
    from aha_jira.models.roadmap_event import (
        DeliveryRecord,
        DeliveryState,
        EventRef,
        RenamedRecord,
        RenameRequest,
        RoadmapEvent,
        StoredEvent,
    )


class RoadmapFeed(Protocol):
    """`GET /integrations/{id}/events`: the change feed."""

    def page(self, integration_id: str, after: int, limit: int) -> tuple[list[RoadmapEvent], int | None]:
        """Events after `after`, oldest first, at most `limit`; the last id when more follow."""
        ...


class RoadmapEventStore(Protocol):
    """The delivery worker's view of the outbox: the events, and each record's delivery state under a lease."""

    def get_event(self, integration_id: str, event_id: int) -> StoredEvent | None: ...

    def get_events(self, integration_id: str, event_ids: list[int]) -> dict[int, StoredEvent]: ...

    def read_state(self, integration_id: str, reference: str) -> DeliveryRecord: ...

    def lease(
        self, integration_id: str, reference: str, *, token: str, until: float, now: float
    ) -> tuple[DeliveryRecord | None, float]:
        """Take the record's lease: (its state, 0), or (None, when the holder's lease ends)."""
        ...

    def release(self, integration_id: str, reference: str, *, token: str) -> None: ...

    def save_memo(self, integration_id: str, reference: str, *, token: str, memo: dict[str, Any]) -> None:
        """Keep the connector's memo (an intent) before a call; raises when the lease passed on."""
        ...

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
    ) -> None: ...

    def retry_later(
        self,
        integration_id: str,
        event_id: int,
        *,
        attempts: int,
        due: float,
        error_code: str,
        error_hint: str,
    ) -> None: ...

    def mark_dead(
        self, integration_id: str, event_id: int, *, attempts: int, error_code: str, error_hint: str
    ) -> None: ...

    def due(self, before: float, limit: int) -> list[EventRef]:
        """Pending events due before `before` (the sweep)."""
        ...


class CommentLinks(Protocol):
    """Comments that crossed between Jira and the roadmap, one item per comment and side
    (`storage/comment_links.py`)."""

    def get(self, integration_id: str, reference: str, side: Side, comment_id: str) -> CommentLink | None: ...

    def save(self, link: CommentLink) -> None:
        """The comment's item and, once it has a copy, the copy's, together."""
        ...

    def claim(self, link: CommentLink, *, until: float, now: float) -> CommentLink | None:
        """Hold the comment for one writer: its item now (created when new), or None while another holds it."""
        ...

    def release(self, link: CommentLink) -> None:
        """Give the claim back, leaving the item as its holder last saved it."""
        ...


class RoadmapDeliveryQueue(Protocol):
    """The queue of roadmap deliveries: one message per event."""

    def notify(self, events: Sequence[EventRef], delay_seconds: float = 0) -> int:
        """Enqueue a message per event; how many were taken (never raises)."""
        ...

    def postpone(self, receipt_handle: str, delay_seconds: float) -> None: ...


class RecordRenamer(Protocol):
    """An imported record takes the reference the roadmap allocated (storage/record_rename.py)."""

    def renamed(self, integration_id: str, reference: str) -> str | None:
        """The reference a renamed record has now, or None."""
        ...

    def rename_imported(self, request: RenameRequest, *, now: float) -> RenamedRecord | None:
        """None when the record is gone; `RenameRefused` when the new reference is taken or the lease passed."""
        ...
