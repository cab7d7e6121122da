"""Remove an integration (`DELETE /integrations/{id}`).

Its issue links are kept and marked detached, so the Jira issues it created stay traceable; its Jira
credentials and its roadmap secret (Aha! API key or webhook signing secret) are deleted, and so is its
roadmap webhook token. The site's webhook token and secret stay, since other integrations on the
same Jira site (or a re-created one) use the webhook already registered in Jira.
"""

from __future__ import annotations

from aha_jira.integration_log import Outcome, record_action
from aha_jira.integrations.query import load_integration
from aha_jira.models import roadmap_event
from aha_jira.ports import IntegrationRepository, LinkDetacher, SecretStore


def remove_integration(
    integration_id: str,
    *,
    repository: IntegrationRepository,
    issue_links: LinkDetacher,
    secret_store: SecretStore,
) -> None:
    integration = load_integration(integration_id, repository)
    repository.delete(integration)
    # Each record with its `record.detached` event (the change feed's; nothing delivers it: the
    # integration's roadmap settings and secret go with it).
    detached = issue_links.detach_all(
        integration_id,
        event_for=lambda link: roadmap_event.detached(link, roadmap_event.INTEGRATION_REMOVED, deliver=False),
    )
    if integration.credentials_secret:
        secret_store.delete(integration.credentials_secret)
    if integration.roadmap.credentials_secret:
        secret_store.delete(integration.roadmap.credentials_secret)
    record_action(
        "integration.removed",
        Outcome.SUCCEEDED,
        integration_id=integration_id,
        message=f"Integration removed; {detached} issue link(s) kept and marked detached",
        detached_links=detached,
    )
