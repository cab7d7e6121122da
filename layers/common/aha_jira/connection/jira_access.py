"""Build the Jira client for an integration: its credentials from Secrets Manager, the right signer, and the
Jira site's request budget (shared by every integration and container calling the site)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from aha_jira.jira.auth import BasicSigner, BearerSigner, ConnectSigner, RequestSigner
from aha_jira.jira.client import JiraClient
from aha_jira.jira.errors import JiraAuthFailed
from aha_jira.jira.transport import JiraTransport
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.site import JiraSiteRecord
from aha_jira.ports import InstallationReader, SecretStore
from aha_jira.settings import connect_app_key, get_settings, jira_timeouts

if TYPE_CHECKING:
    from aha_jira.jira.rate_budget import SiteBudgets

# After a send's last Jira call: its links, the feature record and the answer (sync/failures.FINISH_SECONDS).
_FINISH_SECONDS = 1.5


class SiteReader(Protocol):
    def get_site(self, site_url: str) -> JiraSiteRecord | None: ...


def signer_for(
    integration: StoredIntegration,
    secret_store: SecretStore,
    *,
    installations: InstallationReader | None = None,
) -> RequestSigner:
    """`installations`: the Connect installations (wiring), which only a Connect integration reads."""
    auth = integration.jira.auth
    if auth.type == "connect":
        if installations is None:
            raise RuntimeError("signing for a Connect integration needs the Connect installations store")
        return _connect_signer(integration, secret_store, installations)
    stored = secret_store.get(integration.credentials_secret) if integration.credentials_secret else None
    if not stored or not stored.get("secret"):
        raise JiraAuthFailed(
            "No Jira credentials are stored for this integration.",
            hint="Send the integration again with its API token, password or personal access token.",
        )
    if auth.type == "bearer":
        return BearerSigner(stored["secret"])
    return BasicSigner(auth.email or auth.username or "", stored["secret"])


def _connect_signer(
    integration: StoredIntegration, secret_store: SecretStore, installations: InstallationReader
) -> ConnectSigner:
    client_key = integration.jira.auth.client_key or ""
    installation = installations.get(client_key) if client_key else None
    if installation is None or not installation.installed:
        raise JiraAuthFailed(
            "The Connect app is not installed in a Jira site with this client key.",
            hint="Install the app in Jira (Manage apps), then copy the client key its configure page shows "
            "into jira.auth.client_key.",
        )
    if installation.base_url != integration.jira.base_url:
        raise JiraAuthFailed(
            f"The Connect installation with this client key belongs to {installation.base_url}, "
            f"not {integration.jira.base_url}.",
            hint="Set jira.base_url to the installation's site, or use the client key of this site's installation.",
        )
    stored = secret_store.get(installation.shared_secret_name)
    if not stored or not stored.get("secret"):
        raise JiraAuthFailed(
            "The Connect installation's shared secret is missing.",
            hint="Reinstall the app in Jira: the installed callback stores a new shared secret.",
        )
    return ConnectSigner(connect_app_key(), stored["secret"], installation.base_url)


def jira_client_for(
    integration: StoredIntegration,
    secret_store: SecretStore,
    *,
    installations: InstallationReader | None = None,
    api_version: int = 3,
    deadline: float | None = None,
    budgets: SiteBudgets | None = None,
    sites: SiteReader | None = None,
) -> JiraClient:
    """`deadline` (epoch seconds): when the caller's time is up; its requests never wait on the site's budget
    past it. `budgets`: the container's site budgets (`wiring.rate_budgets`; tests give their own clock and
    store), with `sites` to read the site's cap; without them the client is unmetered (tools and tests)."""
    from aha_jira.jira.rate_budget import jira_site_key  # noqa: PLC0415 - with the Jira client

    signer = signer_for(integration, secret_store, installations=installations)
    budget = None
    if budgets is not None:
        cap = site_rate_cap(integration, sites, budgets) if sites is not None else own_rate_cap(integration)
        budget = budgets.for_caller(
            jira_site_key(integration.jira.base_url), integration.integration_id, cap=cap
        )
    transport = JiraTransport(
        integration.jira.base_url,
        signer,
        allow_loopback=get_settings().allow_http_loopback,
        timeout=jira_timeouts(),
        budget=budget,
        deadline=deadline - _FINISH_SECONDS if deadline is not None else None,
    )
    return JiraClient(transport, api_version=api_version)


def own_rate_cap(integration: StoredIntegration) -> float | None:
    return integration.jira.rate_limit.requests_per_second if integration.jira.rate_limit else None


def site_rate_cap(integration: StoredIntegration, sites: SiteReader, budgets: SiteBudgets) -> float | None:
    """The Jira site's cap on requests a second: the lowest `jira.rate_limit` of its integrations (the site
    record's, read at most once a `cap_refresh_seconds` per container), and never above this one's own."""
    from aha_jira.jira.rate_budget import jira_site_key  # noqa: PLC0415 - with the Jira client

    own = own_rate_cap(integration)

    def read() -> float | None:
        site = sites.get_site(integration.jira.base_url)
        return site.rate_cap if site is not None else None

    caps = [cap for cap in (own, budgets.site_cap(jira_site_key(integration.jira.base_url), read)) if cap]
    return min(caps) if caps else None
