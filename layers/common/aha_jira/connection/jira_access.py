"""Build the Jira client for an integration: its credentials from Secrets Manager, the right signer, and the
Jira site's request budget (shared by every integration and container calling the site)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Protocol

from aha_jira.jira.auth import BasicSigner, BearerSigner, ConnectSigner, RequestSigner
from aha_jira.jira.client import JiraClient
from aha_jira.jira.errors import JiraAuthFailed
from aha_jira.jira.transport import JiraTransport
from aha_jira.models.connect import ConnectInstallation
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.site import JiraSiteRecord
from aha_jira.ports import SecretStore
from aha_jira.settings import connect_app_key, get_settings, jira_timeouts

if TYPE_CHECKING:
    from aha_jira.jira.rate_budget import SiteBudgets

# After a send's last Jira call: its links, the feature record and the answer (sync/failures.FINISH_SECONDS).
_FINISH_SECONDS = 1.5


class InstallationReader(Protocol):
    def get(self, client_key: str) -> ConnectInstallation | None: ...


class SiteReader(Protocol):
    def get_site(self, site_url: str) -> JiraSiteRecord | None: ...


@cache
def _installations() -> InstallationReader:
    # Imported here: only connect integrations pay for it.
    from aha_jira.storage.connect_installations import DynamoConnectInstallations  # noqa: PLC0415

    return DynamoConnectInstallations()


def signer_for(
    integration: StoredIntegration,
    secret_store: SecretStore,
    *,
    installations: InstallationReader | None = None,
) -> RequestSigner:
    auth = integration.jira.auth
    if auth.type == "connect":
        return _connect_signer(integration, secret_store, installations or _installations())
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
    api_version: int = 3,
    deadline: float | None = None,
    budgets: SiteBudgets | None = None,
    sites: SiteReader | None = None,
) -> JiraClient:
    """`deadline` (epoch seconds): when the caller's time is up; its requests never wait on the site's budget
    past it. `budgets` and `sites`: the container's (tests give their own clock and stores)."""
    from aha_jira.jira.rate_budget import jira_site_key  # noqa: PLC0415 - with the Jira client

    signer = signer_for(integration, secret_store)
    budgets = budgets or rate_budgets()
    budget = budgets.for_caller(
        jira_site_key(integration.jira.base_url),
        integration.integration_id,
        cap=site_rate_cap(integration, sites or _sites(), budgets),
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


@cache
def rate_budgets() -> SiteBudgets:
    """This container's view of every site's request budget (`wiring.rate_budgets` answers the same)."""
    from aha_jira.jira.rate_budget import SiteBudgets  # noqa: PLC0415 - with the first Jira client
    from aha_jira.storage.rate_budget import DynamoRateBudgetStore  # noqa: PLC0415

    return SiteBudgets(DynamoRateBudgetStore())


@cache
def _sites() -> SiteReader:
    from aha_jira.storage.integrations import DynamoIntegrationRepository  # noqa: PLC0415

    return DynamoIntegrationRepository()


def site_rate_cap(integration: StoredIntegration, sites: SiteReader, budgets: SiteBudgets) -> float | None:
    """The Jira site's cap on requests a second: the lowest `jira.rate_limit` of its integrations (the site
    record's, read at most once a `cap_refresh_seconds` per container), and never above this one's own."""
    from aha_jira.jira.rate_budget import jira_site_key  # noqa: PLC0415 - with the Jira client

    own = integration.jira.rate_limit.requests_per_second if integration.jira.rate_limit else None

    def read() -> float | None:
        site = sites.get_site(integration.jira.base_url)
        return site.rate_cap if site is not None else None

    caps = [cap for cap in (own, budgets.site_cap(jira_site_key(integration.jira.base_url), read)) if cap]
    return min(caps) if caps else None
