"""One repair: a change the webhook never delivered, applied to a record through the webhook's own planning
and transaction, and logged as `webhook.missed`.

The repair is recorded like a delivery (`reconcile:<issue id>:<its mark>` in the deliveries table), in the
same transaction as the record's change: two sweeps repairing the same change at once commit it once."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from aha_jira.integration_log import Outcome, record_action
from aha_jira.models.issue_link import IssueLink
from aha_jira.models.jira_webhook import JiraWebhookEvent
from aha_jira.models.webhook_delivery import Delivery
from aha_jira.webhooks.receive import WebhookServices, apply_issue_state
from aha_jira.webhooks.routing import SiteRouting

MISSED_HINT = (
    "Nothing to do for this change. If many changes are missed, check the Jira webhook (Jira: System > "
    "WebHooks, the URL GET /integrations/{id} answers as webhook_url) and its failed deliveries."
)


def repair(
    routing: SiteRouting,
    link: IssueLink,
    event: JiraWebhookEvent,
    what: list[str],
    services: WebhookServices,
    *,
    mark: str,
) -> list[str]:
    """Apply `event` to the record `link` unless a newer change reached it meanwhile; the ids of the
    integrations whose record it changed (one per record, the same one at most once)."""
    routes = routing.routes([link])
    if not routes:
        return []
    now = time.time()
    delivery = Delivery(
        site_url=routing.site.site_url,
        identifier=f"reconcile:{event.issue_id}:{mark}",
        event=event.webhook_event,
        received_at=now,
    )
    stamp = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
    duplicate, planned = apply_issue_state(event, delivery, routes, services, now=stamp)
    if duplicate:
        return []
    repaired = []
    for plan, integration in planned:
        if plan.outcome != "applied" or plan.updated is None:
            continue  # stale: a webhook delivered a newer change meanwhile; ignored: disabled, detached
        repaired.append(integration.integration_id)
        updated = plan.updated
        record_action(
            "webhook.missed",
            Outcome.SUCCEEDED,
            integration_id=integration.integration_id,
            product=integration.product or None,
            reference=updated.reference,
            feature_reference=updated.feature_reference if updated.kind == "requirement" else None,
            jira_key=updated.issue_key or (event.issue.key if event.issue else None),
            message=f"Repaired a change Jira's webhook never delivered: {'; '.join(what)}",
            hint=MISSED_HINT,
            warn=plan.warning is not None,
            correlation_id=delivery.identifier,
            webhook_event=event.webhook_event,
            webhook_outcome="applied",
            missed=what,
            reason=plan.reason,
            jira_issue_status=updated.jira.jira_status,
            roadmap_status=updated.jira.roadmap_status,
            warning=plan.warning,
            jira_site=routing.site.site_url,
            jira_issue_id=event.issue_id,
        )
    return repaired
