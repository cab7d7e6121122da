"""Runtime settings, read from the environment the template (or the local stack) sets.

Read lazily and cached per container: tests and the local stack set the environment before the
first request, and a Lambda container's environment never changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Settings:
    integrations_table: str
    features_table: str
    issue_links_table: str
    webhook_deliveries_table: str
    idempotency_table: str
    retry_queue_url: str
    secrets_prefix: str
    allow_http_loopback: bool
    public_base_url: str


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


@cache
def get_settings() -> Settings:
    env = os.environ
    return Settings(
        integrations_table=env.get("INTEGRATIONS_TABLE", "IntegrationsTable"),
        features_table=env.get("FEATURES_TABLE", "FeaturesTable"),
        issue_links_table=env.get("ISSUE_LINKS_TABLE", "IssueLinksTable"),
        webhook_deliveries_table=env.get("WEBHOOK_DELIVERIES_TABLE", "WebhookDeliveriesTable"),
        idempotency_table=env.get("IDEMPOTENCY_TABLE", "IdempotencyTable"),
        retry_queue_url=env.get("RETRY_QUEUE_URL", ""),
        secrets_prefix=env.get("SECRETS_PREFIX", "aha-jira/local").rstrip("/"),
        allow_http_loopback=_flag("ALLOW_HTTP_LOOPBACK"),
        public_base_url=env.get("PUBLIC_BASE_URL", "").rstrip("/"),
    )
