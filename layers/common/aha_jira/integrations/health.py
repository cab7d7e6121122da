"""`webhook.health` of integrations (DESIGN.md "Self-healing"): their Jira site's last webhook delivery and the
changes the webhook missed that the scheduled reconcile repaired in the last day."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from aha_jira.models.integration import StoredIntegration
from aha_jira.models.webhook_health import WebhookHealth
from aha_jira.ports import WebhookHealthReader


def webhook_health(
    integrations: list[StoredIntegration], reader: WebhookHealthReader
) -> dict[str, WebhookHealth]:
    """`webhook.health` of each integration: its Jira site's last delivery, its repairs of the last day (one
    batch read for a page of integrations)."""
    now = time.time()
    sites, missed = reader.read(
        [integration.jira.base_url for integration in integrations],
        [integration.integration_id for integration in integrations],
        now=now,
    )
    answers = {}
    for integration in integrations:
        site = sites.get(integration.jira.base_url)
        delivered = site.last_delivery_at if site is not None else None
        answers[integration.integration_id] = WebhookHealth(
            last_delivery_at=(
                datetime.fromtimestamp(delivered, UTC).isoformat(timespec="seconds")
                if delivered is not None
                else None
            ),
            missed_last_24h=missed.get(integration.integration_id, 0),
        )
    return answers
