"""Build the roadmap connector's client for an integration: the Aha! client with its API key, or the signed
webhook with its secret, both read from Secrets Manager."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aha_jira.aha.errors import AhaAuthFailed
from aha_jira.models.integration import StoredIntegration
from aha_jira.outbound.roadmap_webhook import WebhookDeliveryFailed
from aha_jira.ports import SecretStore
from aha_jira.settings import get_settings, roadmap_timeouts

if TYPE_CHECKING:
    from aha_jira.aha.client import AhaClient
    from aha_jira.outbound.roadmap_webhook import RoadmapWebhook


def _stored_secret(integration: StoredIntegration, secret_store: SecretStore, kind: str) -> str | None:
    name = integration.roadmap.credentials_secret
    stored = secret_store.get(name) if name else None
    if not stored or stored.get("kind") != kind or not stored.get("secret"):
        return None
    return stored["secret"]


def aha_client_for(
    integration: StoredIntegration, secret_store: SecretStore, *, read_retries: int = 2
) -> AhaClient:
    """The Aha! client of an integration whose `roadmap.type` is `aha`; AhaAuthFailed without a usable key.
    `read_retries`: how often a read is repeated at once after a brief transient failure (a caller that
    answers an API request within its 29 s takes none)."""
    # Imported here: requests and the client load with the first Aha! call, not with the use case.
    from aha_jira.aha.client import AhaClient  # noqa: PLC0415
    from aha_jira.aha.transport import AhaTransport  # noqa: PLC0415

    roadmap = integration.roadmap
    if roadmap.type != "aha" or not roadmap.base_url:
        raise ValueError("the integration's roadmap is not Aha!")
    api_key = _stored_secret(integration, secret_store, "api_key")
    if api_key is None or not _header_safe(api_key):
        raise AhaAuthFailed(
            "No usable Aha! API key is stored for this integration.",
            hint="Send the integration again with roadmap.api_key.",
        )
    transport = AhaTransport(
        roadmap.base_url,
        api_key,
        allow_loopback=get_settings().allow_http_loopback,
        timeout=roadmap_timeouts(),
        max_read_retries=read_retries,
    )
    return AhaClient(transport)


def roadmap_webhook_for(integration: StoredIntegration, secret_store: SecretStore) -> RoadmapWebhook:
    """The signed webhook of an integration whose `roadmap.type` is `webhook`."""
    from aha_jira.outbound.roadmap_webhook import RoadmapWebhook  # noqa: PLC0415

    roadmap = integration.roadmap
    if roadmap.type != "webhook" or not roadmap.url:
        raise ValueError("the integration's roadmap is not a webhook")
    secret = _stored_secret(integration, secret_store, "webhook_secret")
    if secret is None:
        raise WebhookDeliveryFailed(
            "No signing secret is stored for this integration's roadmap webhook.",
            code="roadmap_auth_failed",
            hint="Send the integration again with roadmap.secret.",
            transient=False,
        )
    return RoadmapWebhook(
        roadmap.url, secret, allow_loopback=get_settings().allow_http_loopback, timeout=roadmap_timeouts()
    )


def _header_safe(value: str) -> bool:
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True
