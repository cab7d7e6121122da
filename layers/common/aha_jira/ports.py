"""The small interfaces between the use cases and their adapters.

Each has exactly one production implementation (in `aha_jira.storage`); tests run the real adapters
against moto, so these exist to keep the use cases readable and their dependencies explicit.
"""

from __future__ import annotations

from typing import Any, Protocol

from aha_jira.models.integration import StoredIntegration
from aha_jira.models.jira_snapshot import JiraSnapshot
from aha_jira.models.send import QueueMessage
from aha_jira.models.site import JiraSiteRecord


class IntegrationRepository(Protocol):
    def get(self, integration_id: str) -> StoredIntegration | None: ...

    def list_page(self, limit: int, after: str | None) -> tuple[list[StoredIntegration], str | None]: ...

    def save(
        self,
        integration: StoredIntegration,
        *,
        expected_version: int | None,
        previous_site_url: str | None,
        new_site_token: str,
        webhook_secret_set: bool | None,
    ) -> None:
        """Write the integration and its site membership atomically; Conflict on a concurrent change."""
        ...

    def delete(self, integration: StoredIntegration) -> None: ...

    def save_test_result(
        self, integration: StoredIntegration, *, report: dict[str, Any], snapshot: JiraSnapshot | None
    ) -> None:
        """Store a test-connection report on the integration (and the snapshot beside it), unless the
        integration changed since it was read (Conflict)."""
        ...

    def get_snapshot(self, integration_id: str) -> JiraSnapshot | None: ...

    def get_site(self, site_url: str) -> JiraSiteRecord | None: ...

    def get_sites(self, site_urls: list[str]) -> dict[str, JiraSiteRecord]: ...


class SecretStore(Protocol):
    def put(self, name: str, value: dict[str, str]) -> None: ...

    def get(self, name: str) -> dict[str, str] | None: ...

    def delete(self, name: str) -> None: ...


class IssueLinkRepository(Protocol):
    def detach_all(self, integration_id: str) -> int:
        """Mark every issue link of an integration detached; returns how many were changed."""
        ...


class RetryQueue(Protocol):
    def enqueue(self, job: QueueMessage, delay_seconds: float) -> None: ...


# What a `LookupCache` holds for a look-up that found nothing (no Jira user has the e-mail): no version
# id, account id or user name is empty, so the empty string cannot be mistaken for an answer.
LOOKUP_MISS = ""


class LookupCache(Protocol):
    """Answers of the Jira look-ups a send makes (version ids by release name, user identities by e-mail),
    per integration, so a send repeats none of them while they hold. `kind` is "version" or "user"; keys
    are matched case-insensitively. A cached miss is stored and answered as `LOOKUP_MISS`."""

    def get(self, integration_id: str, kind: str, key: str) -> str | None:
        """The cached answer, `LOOKUP_MISS` for a cached miss, None when nothing (unexpired) is cached."""
        ...

    def put(self, integration_id: str, kind: str, key: str, value: str, ttl_seconds: int) -> None: ...


# The rate budget of each site (`jira/rate_budget.py` decides, `storage/rate_budget.py` keeps the state).
from aha_jira.models.rate_budget import BookingAnswer, LaneBooking, SiteBudgetState  # noqa: E402


class RateBudgetStore(Protocol):
    """The shared state of each site's request budget: one item per site, read and changed only by
    single-item conditional writes, so any number of containers can use it at once. Every method that
    writes answers the state it left (or found, when its condition failed)."""

    def read(self, site: str) -> SiteBudgetState: ...

    def book(self, site: str, lane: str, booking: LaneBooking) -> BookingAnswer:
        """Book slots in the lane as `booking` says; `slot` None when its condition failed."""
        ...

    def slow(
        self, site: str, rate: float, *, at: float, unless_since: float, reason: str | None
    ) -> SiteBudgetState:
        """Set the learned rate unless it was set after `unless_since`; count a 429 of `reason` either way."""
        ...

    def count_throttle(self, site: str, reason: str) -> SiteBudgetState: ...

    def pause(self, site: str, until: float, reason: str) -> SiteBudgetState:
        """Pause the whole site until `until` (unless a longer pause is set); count a 429 of `reason`."""
        ...

    def hold_issue(self, site: str, issue: str, until: float) -> SiteBudgetState:
        """Hold writes to one issue until `until`; count a per-issue 429."""
        ...

    def issue_hold(self, site: str, issue: str) -> float:
        """When writes to the issue may resume (0 without a hold)."""
        ...
