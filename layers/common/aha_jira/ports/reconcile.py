"""The scheduled reconcile's stores: its sweep marks and repair counts (`storage/webhook_health.py`), and its
views of the integrations and the issue links (`storage/integrations.py`, `storage/issue_links.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from aha_jira.models.integration import StoredIntegration
    from aha_jira.models.issue_link import IssueLink
    from aha_jira.models.site import JiraSiteRecord
    from aha_jira.models.webhook_health import SweepMark


class SweepStore(Protocol):
    """The reconcile's state: its mark per Jira site (with a lease, so two sweeps never work one site at
    once), the newest linked change it saw, and the repairs it made per integration."""

    def claim(self, site_url: str, *, now: float, lease_seconds: float) -> SweepMark | None:
        """The site's mark, leased to this sweep until `now + lease_seconds`; None while another holds it."""
        ...

    def finish(self, mark: SweepMark, *, swept_to: int | None, audit_after: str | None) -> None:
        """Store the new mark (`swept_to` None keeps the old one) and give the lease back."""
        ...

    def note_linked_change(self, site_url: str, at: float) -> None:
        """A linked issue of the site changed in Jira at `at` (epoch seconds); kept when newer."""
        ...

    def add_missed(self, integration_id: str, count: int, *, now: float) -> None:
        """Count `count` repairs of the integration in the hour of `now`."""
        ...


class ReconcileSiteStore(Protocol):
    """The reconcile's view of the integrations: every one (to find the sites), a site with its integrations,
    and a site alone (its request cap, for the Jira client)."""

    def list_page(self, limit: int, after: str | None) -> tuple[list[StoredIntegration], str | None]: ...

    def get_site(self, site_url: str) -> JiraSiteRecord | None: ...

    def get_site_with_integrations(
        self, site_url: str, integration_ids: list[str]
    ) -> tuple[JiraSiteRecord | None, dict[str, StoredIntegration]]: ...


class ReconcileLinkStore(Protocol):
    """The reconcile's view of the issue links: records by reference, and each integration's links page by
    page for the rotating existence check."""

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]: ...

    def linked_page(
        self, integration_id: str, after: str | None, limit: int
    ) -> tuple[list[IssueLink], str | None]:
        """Up to `limit` of the integration's records (in reference order) after the cursor `after`, and
        the cursor of the next page (None after the last)."""
        ...
