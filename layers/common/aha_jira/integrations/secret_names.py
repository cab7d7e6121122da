"""Where each secret lives in Secrets Manager. Names only; values never leave the secret store."""

from __future__ import annotations

import hashlib

from aha_jira.settings import get_settings


def jira_credentials_secret(integration_id: str) -> str:
    return f"{get_settings().secrets_prefix}/integrations/{integration_id}/jira-credentials"


def site_webhook_secret(site_url: str) -> str:
    # Secret names allow only a few punctuation characters, so the site URL is hashed.
    digest = hashlib.sha256(site_url.encode()).hexdigest()[:32]
    return f"{get_settings().secrets_prefix}/sites/{digest}/webhook-secret"


def roadmap_credentials_secret(integration_id: str) -> str:
    """The roadmap connector's secret: the Aha! API key or the webhook's signing secret
    (`{"kind": "api_key"|"webhook_secret", "secret"}`)."""
    return f"{get_settings().secrets_prefix}/integrations/{integration_id}/roadmap-credentials"


def connect_shared_secret_name(client_key: str) -> str:
    """The prefix of a Connect installation's shared secrets (each installed callback adds a uuid)."""
    # Secret names allow only a few punctuation characters; client keys may hold anything.
    digest = hashlib.sha256(client_key.encode()).hexdigest()[:32]
    return f"{get_settings().secrets_prefix}/connect/{digest}/shared-secret"
