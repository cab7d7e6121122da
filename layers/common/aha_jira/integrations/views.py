"""Shape a stored integration into its answer: configuration without secrets, plus its webhook URL."""

from __future__ import annotations

from aha_jira.models.integration import (
    AuthView,
    IntegrationView,
    JiraSiteView,
    StoredIntegration,
    WebhookView,
)
from aha_jira.models.roadmap import AhaRoadmapView, NoRoadmapView, RoadmapView, WebhookRoadmapView
from aha_jira.models.site import JiraSiteRecord
from aha_jira.models.webhook_health import WebhookHealth


def webhook_url(public_base_url: str, site: JiraSiteRecord) -> str:
    return f"{public_base_url}/webhooks/jira/{site.webhook_token}"


def roadmap_webhook_url(public_base_url: str, token: str) -> str:
    """Where Aha!'s webhooks reach one integration (`POST /webhooks/aha/{token}`)."""
    return f"{public_base_url}/webhooks/aha/{token}"


def roadmap_view(integration: StoredIntegration, public_base_url: str) -> RoadmapView:
    roadmap = integration.roadmap
    if roadmap.type == "aha" and roadmap.base_url and integration.roadmap_token:
        return AhaRoadmapView(
            base_url=roadmap.base_url,
            integration_ref=roadmap.integration_ref,
            auto_update=roadmap.auto_update,
            api_key_stored=roadmap.credentials_secret is not None,
            webhook_url=roadmap_webhook_url(public_base_url, integration.roadmap_token),
        )
    if roadmap.type == "webhook" and roadmap.url:
        return WebhookRoadmapView(url=roadmap.url, secret_stored=roadmap.credentials_secret is not None)
    return NoRoadmapView()


def integration_view(
    integration: StoredIntegration,
    site: JiraSiteRecord,
    public_base_url: str,
    health: WebhookHealth | None = None,
) -> IntegrationView:
    auth = integration.jira.auth
    return IntegrationView(
        id=integration.integration_id,
        name=integration.name,
        product=integration.product,
        enabled=integration.enabled,
        jira=JiraSiteView(
            base_url=integration.jira.base_url,
            auth=AuthView(
                type=auth.type,
                email=auth.email,
                username=auth.username,
                client_key=auth.client_key,
                credentials_stored=integration.credentials_secret is not None or auth.type == "connect",
            ),
            project=integration.jira.project,
            rate_limit=integration.jira.rate_limit,
        ),
        mapping=integration.mapping.model_dump(mode="json", by_alias=True),
        import_=integration.import_settings,
        webhook=WebhookView(secret_set=site.webhook_secret_set, health=health),
        webhook_url=webhook_url(public_base_url, site),
        roadmap=roadmap_view(integration, public_base_url),
        last_test=integration.last_test,
        created_at=integration.created_at,
        updated_at=integration.updated_at,
        version=integration.version,
    )
