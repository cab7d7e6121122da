"""Read integrations (`GET /integrations/{id}`, `GET /integrations`)."""

from __future__ import annotations

from aha_jira.errors import InvalidRequest, NotFound
from aha_jira.integration_log import bind_log_context
from aha_jira.integrations.health import webhook_health
from aha_jira.integrations.views import integration_view
from aha_jira.models.integration import IntegrationList, IntegrationView, StoredIntegration
from aha_jira.models.limits import is_integration_id
from aha_jira.ports import IntegrationRepository, WebhookHealthReader

MAX_PAGE_SIZE = 100


def check_possible_id(integration_id: str) -> None:
    """404 for an id no integration can have (DESIGN.md); it is neither looked up nor echoed (it may be
    10 KB, or carry anything)."""
    if not is_integration_id(integration_id):
        raise NotFound(
            "No integration has this id: ids are 1-64 letters, digits, '-' or '_'.",
            hint="List the integrations with GET /integrations.",
            code="integration_not_found",
        )


def load_integration(integration_id: str, repository: IntegrationRepository) -> StoredIntegration:
    check_possible_id(integration_id)
    integration = repository.get(integration_id)
    if integration is None:
        raise NotFound(
            f"No integration '{integration_id}'.",
            hint="Create it with PUT /integrations/{integration_id}, or list them with GET /integrations.",
            code="integration_not_found",
        )
    # Every integration-log line of this integration in this request carries its product.
    bind_log_context(integration_id=integration_id, product=integration.product)
    return integration


def get_integration(
    integration_id: str,
    *,
    repository: IntegrationRepository,
    public_base_url: str,
    health: WebhookHealthReader | None = None,
) -> IntegrationView:
    integration = load_integration(integration_id, repository)
    site = repository.get_site(integration.jira.base_url)
    if site is None:
        raise RuntimeError("integration without its Jira site record")
    webhook = webhook_health([integration], health).get(integration_id) if health else None
    return integration_view(integration, site, public_base_url, webhook)


def list_integrations(
    *,
    repository: IntegrationRepository,
    public_base_url: str,
    limit: int,
    after: str | None,
    health: WebhookHealthReader | None = None,
) -> IntegrationList:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidRequest(
            f"limit: must be between 1 and {MAX_PAGE_SIZE}",
            hint="Leave it out for the default page size.",
            code="invalid_query",
            details=[{"path": "limit", "message": f"must be between 1 and {MAX_PAGE_SIZE}"}],
        )
    integrations, next_token = repository.list_page(limit, after)
    sites = repository.get_sites([integration.jira.base_url for integration in integrations])
    webhooks = webhook_health(integrations, health) if health and integrations else {}
    views = [
        integration_view(
            integration,
            sites[integration.jira.base_url],
            public_base_url,
            webhooks.get(integration.integration_id),
        )
        for integration in integrations
        if integration.jira.base_url in sites
    ]
    return IntegrationList(integrations=views, next=next_token)
