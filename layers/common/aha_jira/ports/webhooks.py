"""The Jira webhook's stores: its deliveries recorded with the changes they make
(`storage/webhook_deliveries.py`), and each site's webhook health, noted by the receiver and read by the
configuration API and test connection (`storage/webhook_health.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from aha_jira.ports.transactions import TransactionItem

if TYPE_CHECKING:
    from aha_jira.models.roadmap_event import NewEvent
    from aha_jira.models.webhook_delivery import CommitResult, Delivery
    from aha_jira.models.webhook_health import SiteHealth


class DeliveryStore(Protocol):
    def record(self, delivery: Delivery) -> bool:
        """Record a delivery that changes nothing; False when it was recorded before (a duplicate)."""
        ...

    def commit(
        self, delivery: Delivery, changes: list[TransactionItem], events: Sequence[NewEvent] = ()
    ) -> CommitResult:
        """Record the delivery, make `changes` and write their roadmap `events`, atomically."""
        ...

    def forget(self, delivery: Delivery) -> None:
        """Take back this very recording of a delivery (its `attempt`), so that a redelivery is no
        duplicate: what it was recorded for could not be done."""
        ...


class DeliveryNotes(Protocol):
    """The webhook receiver's side: that a Jira site's webhook reached us."""

    def note_delivery(self, site_url: str, at: float) -> None:
        """Remember `at` (epoch seconds) as the site's last delivery: written at most once a minute per
        container, never backwards; a failure to write is logged, never raised (the delivery goes on)."""
        ...


class WebhookHealthReader(Protocol):
    """`webhook.health` and test connection's `webhook_silent`."""

    def read(
        self, site_urls: list[str], integration_ids: list[str], *, now: float
    ) -> tuple[dict[str, SiteHealth], dict[str, int]]:
        """Each site's health (a site with nothing stored is left out) and each integration's repairs in
        the 24 hours before `now` (0 when none)."""
        ...
