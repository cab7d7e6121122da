"""The production adapters, each created once per container and only when first used.

Handlers take their adapters from here, so the composition lives in one place and a cold start pays
only for the clients its function uses.
"""

from __future__ import annotations

from functools import cache

from aha_jira.retry.queue import SqsRetryQueue
from aha_jira.storage.features import DynamoFeatureRepository
from aha_jira.storage.integrations import DynamoIntegrationRepository
from aha_jira.storage.issue_links import DynamoIssueLinkRepository
from aha_jira.storage.lookup_cache import DynamoLookupCache
from aha_jira.storage.secrets import SecretsManagerStore
from aha_jira.storage.webhook_deliveries import DynamoWebhookDeliveries
from aha_jira.sync.send import SendServices
from aha_jira.webhooks.authentication import WebhookAuthenticator
from aha_jira.webhooks.receive import WebhookServices


@cache
def integrations() -> DynamoIntegrationRepository:
    return DynamoIntegrationRepository()


@cache
def secrets() -> SecretsManagerStore:
    return SecretsManagerStore()


@cache
def features() -> DynamoFeatureRepository:
    return DynamoFeatureRepository()


@cache
def issue_links() -> DynamoIssueLinkRepository:
    return DynamoIssueLinkRepository()


@cache
def retry_queue() -> SqsRetryQueue:
    return SqsRetryQueue()


@cache
def send_services() -> SendServices:
    return SendServices(
        integrations=integrations(),
        secret_store=secrets(),
        retry_queue=retry_queue(),
        lookup_cache=DynamoLookupCache(),
        features=features(),
        links=issue_links(),
    )


@cache
def webhook_services() -> WebhookServices:
    return WebhookServices(
        authenticator=WebhookAuthenticator(integrations(), secrets()),
        links=issue_links(),
        deliveries=DynamoWebhookDeliveries(),
    )
