"""Which Jira sites the reconcile sweeps, and how it reaches each: a site's integrations grouped by the Jira
account they call with (one search per account covers all their projects), each group with one client
metered by the site's request budget."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aha_jira.connection.jira_access import jira_client_for
from aha_jira.jira.client import JiraClient
from aha_jira.models.integration import StoredIntegration
from aha_jira.ports import InstallationReader, ReconcileSiteStore, SecretStore
from aha_jira.webhooks.routing import SiteRouting, routing_for

if TYPE_CHECKING:
    from aha_jira.jira.rate_budget import SiteBudgets

_PAGE = 100


@dataclass(frozen=True)
class AccountGroup:
    """Integrations of one site that call Jira as the same account: they see the same issues."""

    integrations: tuple[StoredIntegration, ...]
    api_version: int

    @property
    def projects(self) -> list[str]:
        return sorted({integration.jira.project for integration in self.integrations})

    @property
    def integration_ids(self) -> list[str]:
        return [integration.integration_id for integration in self.integrations]

    def client(
        self,
        secret_store: SecretStore,
        *,
        installations: InstallationReader,
        budgets: SiteBudgets,
        sites: ReconcileSiteStore,
        deadline: float,
    ) -> JiraClient:
        return jira_client_for(
            self.integrations[0],
            secret_store,
            installations=installations,
            api_version=self.api_version,
            deadline=deadline,
            budgets=budgets,
            sites=sites,
        )


@dataclass(frozen=True)
class SiteWork:
    site_url: str
    routing: SiteRouting
    groups: tuple[AccountGroup, ...]


def sites_with_integrations(integrations: ReconcileSiteStore) -> dict[str, list[str]]:
    """Each Jira site with the ids of its integrations that can have linked issues (enabled and tested:
    a send needs a test connection)."""
    sites: dict[str, list[str]] = {}
    after: str | None = None
    while True:
        page, after = integrations.list_page(_PAGE, after)
        for integration in page:
            if sweepable(integration):
                sites.setdefault(integration.jira.base_url, []).append(integration.integration_id)
        if after is None:
            return sites


def sweepable(integration: StoredIntegration) -> bool:
    return integration.enabled and api_version_of(integration) is not None


def api_version_of(integration: StoredIntegration) -> int | None:
    jira = (integration.last_test or {}).get("jira") or {}
    version = jira.get("api_version")
    return version if isinstance(version, int) and version in (2, 3) else None


def site_work(site_url: str, integration_ids: list[str], sites: ReconcileSiteStore) -> SiteWork | None:
    """The site as it is now (its integrations read again, with their membership), or None when it is gone."""
    site, stored = sites.get_site_with_integrations(site_url, integration_ids)
    if site is None:
        return None
    routing = routing_for(site, stored)
    members = [stored[i] for i in sorted(routing.integrations) if sweepable(stored[i])]
    return SiteWork(site_url=site_url, routing=routing, groups=tuple(_groups(members)))


def _groups(integrations: list[StoredIntegration]) -> Iterator[AccountGroup]:
    grouped: dict[tuple[str, str, int], list[StoredIntegration]] = {}
    for integration in integrations:
        auth = integration.jira.auth
        who = auth.client_key or auth.email or auth.username or integration.integration_id
        version = api_version_of(integration) or 3
        grouped.setdefault((auth.type, who.casefold(), version), []).append(integration)
    for (_, _, version), members in sorted(grouped.items()):
        yield AccountGroup(integrations=tuple(members), api_version=version)
