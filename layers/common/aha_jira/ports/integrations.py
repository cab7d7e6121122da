"""The integrations and their Jira sites (`storage/integrations.py`): the configuration API's repository, a
site with its integrations (a webhook delivery's routing), an admin webhook's token → its site, and an Aha!
webhook URL's token → its integration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from aha_jira.models.integration import StoredIntegration
    from aha_jira.models.jira_snapshot import JiraSnapshot
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


class SiteReader(Protocol):
    """A Jira site with its integrations, read together (a webhook delivery's routing)."""

    def get_site_with_integrations(
        self, site_url: str, integration_ids: list[str]
    ) -> tuple[JiraSiteRecord | None, dict[str, StoredIntegration]]:
        """The site and those of `integration_ids` (a hint, read in the same round trip) that exist, plus
        the site's other integrations."""
        ...


class SiteDirectory(SiteReader, Protocol):
    """An admin webhook's token → its site."""

    def site_for_token(self, token: str) -> str | None: ...


class RoadmapTokenDirectory(Protocol):
    """Which integration an Aha! webhook URL's token belongs to (`POST /webhooks/aha/{token}`)."""

    def integration_for_roadmap_token(self, token: str) -> str | None: ...
