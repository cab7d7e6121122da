"""Build the Jira client for an integration: its credentials from Secrets Manager, the right signer."""

from __future__ import annotations

from aha_jira.jira.auth import BasicSigner, BearerSigner, RequestSigner
from aha_jira.jira.client import JiraClient
from aha_jira.jira.errors import JiraAuthFailed
from aha_jira.jira.transport import JiraTransport
from aha_jira.models.integration import StoredIntegration
from aha_jira.ports import SecretStore
from aha_jira.settings import get_settings, jira_timeouts


def signer_for(integration: StoredIntegration, secret_store: SecretStore) -> RequestSigner:
    auth = integration.jira.auth
    if auth.type == "connect":
        raise JiraAuthFailed(
            "Jira via Connect is not available in this version.",
            hint="Use API token authentication (type 'basic' with e-mail and API token).",
        )
    stored = secret_store.get(integration.credentials_secret) if integration.credentials_secret else None
    if not stored or not stored.get("secret"):
        raise JiraAuthFailed(
            "No Jira credentials are stored for this integration.",
            hint="Send the integration again with its API token, password or personal access token.",
        )
    if auth.type == "bearer":
        return BearerSigner(stored["secret"])
    return BasicSigner(auth.email or auth.username or "", stored["secret"])


def jira_client_for(
    integration: StoredIntegration, secret_store: SecretStore, *, api_version: int = 3
) -> JiraClient:
    transport = JiraTransport(
        integration.jira.base_url,
        signer_for(integration, secret_store),
        allow_loopback=get_settings().allow_http_loopback,
        timeout=jira_timeouts(),
    )
    return JiraClient(transport, api_version=api_version)
