"""Build the Jira client for an integration: its credentials from Secrets Manager, the right signer."""

from __future__ import annotations

from aha_jira.jira.auth import BasicSigner, BearerSigner, ConnectSigner, RequestSigner
from aha_jira.jira.client import JiraClient
from aha_jira.jira.errors import JiraAuthFailed
from aha_jira.jira.transport import JiraTransport
from aha_jira.models.integration import StoredIntegration
from aha_jira.ports import InstallationReader, SecretStore
from aha_jira.settings import connect_app_key, get_settings, jira_timeouts


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
) -> JiraClient:
    transport = JiraTransport(
        integration.jira.base_url,
        signer_for(integration, secret_store, installations=installations),
        allow_loopback=get_settings().allow_http_loopback,
        timeout=jira_timeouts(),
    )
    return JiraClient(transport, api_version=api_version)
