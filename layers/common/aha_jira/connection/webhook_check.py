"""Test connection's `webhook_silent` warning (DESIGN.md "Self-healing"): linked issues changed in Jira, and no
webhook delivery from the Jira site reached us for `WEBHOOK_SILENT_MINUTES` (default 15).

The changes are the ones the scheduled reconcile saw in Jira (the site's `last_linked_change_at`); the
deliveries are those the receiver noted (`last_delivery_at`, written at most once a minute per container).
A change counts once `GRACE_SECONDS` have passed since it, and only when it is newer than the last delivery
by as much (a delivery noted up to a minute early, Jira's clock a little off ours)."""

from __future__ import annotations

from datetime import UTC, datetime

from aha_jira.connection.check_run import CheckRun
from aha_jira.models.webhook_health import SiteHealth
from aha_jira.ports import WebhookHealthReader

GRACE_SECONDS = 120.0


def silent(health: SiteHealth | None, *, now: float, silent_minutes: float) -> bool:
    if health is None or health.last_linked_change_at is None:
        return False
    changed, delivered = health.last_linked_change_at, health.last_delivery_at
    if now - changed < GRACE_SECONDS:
        return False  # its delivery may still be on its way
    if delivered is None:
        return True
    return now - delivered >= silent_minutes * 60 and changed > delivered + GRACE_SECONDS


def check_webhook(run: CheckRun, reader: WebhookHealthReader, *, now: float, silent_minutes: float) -> None:
    site_url = run.integration.jira.base_url
    sites, _ = reader.read([site_url], [], now=now)
    health = sites.get(site_url)
    if health is None or not silent(health, now=now, silent_minutes=silent_minutes):
        return
    assert health.last_linked_change_at is not None
    changed = _iso(health.last_linked_change_at)
    if health.last_delivery_at is None:
        message = (
            f"No Jira webhook delivery from {site_url} has reached this API, yet linked issues changed in "
            f"Jira (the newest at {changed})."
        )
    else:
        minutes = int((now - health.last_delivery_at) // 60)
        message = (
            f"Jira's webhook has not reached this API for {minutes} minutes, yet linked issues changed in "
            f"Jira since (the newest at {changed})."
        )
    run.problem(
        "webhook_silent",
        message,
        "Register the webhook in Jira (System > WebHooks) at this integration's webhook_url (GET "
        "/integrations/{id}) for issue created, updated and deleted and worklog events, with the site's "
        "webhook secret if one is set, and check its failed deliveries. Until then the scheduled reconcile "
        "catches the changes up every few minutes.",
        severity="warning",
        last_delivery_at=_iso(health.last_delivery_at) if health.last_delivery_at is not None else None,
        last_linked_change_at=changed,
        silent_minutes=silent_minutes,
    )


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
