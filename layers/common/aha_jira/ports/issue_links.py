"""The issue links, one port per consumer (`storage/issue_links.py` implements them all): the send's
reservation and what it sent, the webhook's Jira-side state, the import, the import write-back, the
read-back, sends from Aha! and removing an integration. The reconcile's view is in `ports/reconcile.py`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from aha_jira.ports.transactions import TransactionItem

if TYPE_CHECKING:
    from aha_jira.models.issue_link import IssueLink, Reservation, UploadedAttachment
    from aha_jira.models.roadmap_event import NewEvent


class LinkReader(Protocol):
    """Reading records' links back (the features API)."""

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]: ...

    def renamed(self, integration_id: str, reference: str) -> str | None:
        """The reference a record renamed since (an import created in Aha!) has now, or None."""
        ...

    def find_by_key(self, integration_id: str, issue_key: str) -> IssueLink | None: ...


class SendLinkStore(Protocol):
    """The send's side of a link: the reservation that makes a create exactly-once, then what it sent."""

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]: ...

    def reserve(self, link: IssueLink, *, now: float) -> Reservation:
        """Take the record's reservation (new, past its lease, or of an issue deleted in Jira)."""
        ...

    def update_reservation(self, link: IssueLink) -> bool: ...

    def mark_uncertain(self, link: IssueLink, *, lease_until: float) -> None: ...

    def release(self, link: IssueLink) -> None:
        """Give up a reservation that certainly created nothing."""
        ...

    def mark_linked(self, link: IssueLink, events: Sequence[NewEvent] = ()) -> bool:
        """Record the reserved record's issue, with its roadmap events (one transaction); False when the
        reservation is no longer this holder's."""
        ...

    def save_synced(self, link: IssueLink) -> None:
        """Store what a re-send changed on a linked record (the send's own attributes only)."""
        ...

    def save_record_url(self, link: IssueLink, record_url: str) -> None:
        """The roadmap URL the issue links back to now."""
        ...

    def note_status_push(self, link: IssueLink, pushed_statuses: list[str]) -> None:
        """A transition about to be made: its webhook (and those of the latest pushes) are our echo."""
        ...

    def save_status_sent(
        self,
        link: IssueLink,
        *,
        sent_status: str,
        jira_status: str | None = None,
        jira_status_id: str | None = None,
        roadmap_status: str | None = None,
    ) -> None:
        """The roadmap status the send carried, and the Jira status it moved the issue to, if it did."""
        ...

    def take_upload_lease(self, link: IssueLink, *, token: str, until: float, now: float) -> bool:
        """Hold the record's attachment uploads; False while another send holds them."""
        ...

    def record_upload(self, link: IssueLink, key: str, uploaded: UploadedAttachment) -> None: ...

    def release_upload_lease(self, link: IssueLink, *, token: str) -> None: ...


class ImportLinkStore(Protocol):
    """What importing an issue created in Jira reads and writes of the links."""

    def find_by_issue(self, site_url: str, issue_id: str) -> list[IssueLink]: ...

    def import_writes(self, link: IssueLink) -> list[TransactionItem]:
        """Items creating an imported record's link and claiming its issue (in this order)."""
        ...

    def imported_reference(self, integration_id: str, site_url: str, issue_id: str) -> str | None: ...


class WebhookLinkStore(ImportLinkStore, Protocol):
    """The webhook's side of a link: the Jira-side state (`IssueLink.jira`), under optimistic concurrency."""

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]: ...

    def webhook_write(self, link: IssueLink, *, expected_rev: int) -> TransactionItem:
        """An item writing the link's Jira-side state, on condition of `expected_rev`."""
        ...

    def renamed(self, integration_id: str, reference: str) -> str | None:
        """The reference a record renamed since (an import created in Aha!) has now, or None."""
        ...


class WriteBackLinkStore(Protocol):
    """The import write-back's side of a link: marking it written back, then catching its Jira-side state up."""

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]: ...

    def mark_written_back(self, link: IssueLink, at: str) -> None: ...

    def write_webhook_change(
        self, link: IssueLink, *, expected_rev: int, events: Sequence[NewEvent] = ()
    ) -> bool:
        """`WebhookLinkStore.webhook_write` on its own, with the change's roadmap events; False when the
        record changed since it was read."""
        ...


class RecordLinks(Protocol):
    """Sends from Aha! (the webhook, the job): whether a record is linked, and the status Jira gave it."""

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]: ...


class LinkDetacher(Protocol):
    """Removing an integration keeps its links, detached."""

    def detach_all(
        self, integration_id: str, event_for: Callable[[IssueLink], NewEvent | None] | None = None
    ) -> int:
        """Mark every issue link of an integration detached, each with the roadmap event `event_for`
        gives it (same transaction); returns how many were changed."""
        ...
