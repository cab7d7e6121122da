"""The production adapters, each created once per container and only when first used.

Handlers take their adapters from here, so the composition lives in one place and a cold start pays
only for what its function uses: every adapter's module is imported inside the function that creates
it (the webhook function never imports the send engine or the Jira client, the API functions never
import the webhook code), and boto3 is imported with the first AWS client (`storage/aws_clients.py`).
`bench/cold_start.py` measures the result per function.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

# ruff: noqa: PLC0415 - the imports inside the functions below are the point of this module.

if TYPE_CHECKING:
    from aha_jira.retry.queue import SqsRetryQueue
    from aha_jira.storage.features import DynamoFeatureRepository
    from aha_jira.storage.integrations import DynamoIntegrationRepository
    from aha_jira.storage.issue_links import DynamoIssueLinkRepository
    from aha_jira.storage.secrets import SecretsManagerStore
    from aha_jira.storage.webhook_deliveries import DynamoWebhookDeliveries
    from aha_jira.sync.send import SendServices
    from aha_jira.webhooks.receive import WebhookServices

if TYPE_CHECKING:
    from aha_jira.integration_log.reader import IntegrationLogReader

if TYPE_CHECKING:
    from aha_jira.connect.configure import ConfigureServices
    from aha_jira.connect.lifecycle import LifecycleServices
    from aha_jira.connect.verification import SharedSecrets
    from aha_jira.connect.webhook_auth import ConnectWebhookServices
    from aha_jira.storage.connect_installations import DynamoConnectInstallations


@cache
def integrations() -> DynamoIntegrationRepository:
    from aha_jira.storage.integrations import DynamoIntegrationRepository

    return DynamoIntegrationRepository()


@cache
def secrets() -> SecretsManagerStore:
    from aha_jira.storage.secrets import SecretsManagerStore

    return SecretsManagerStore()


@cache
def features() -> DynamoFeatureRepository:
    from aha_jira.storage.features import DynamoFeatureRepository

    return DynamoFeatureRepository()


@cache
def issue_links() -> DynamoIssueLinkRepository:
    from aha_jira.storage.issue_links import DynamoIssueLinkRepository

    return DynamoIssueLinkRepository()


@cache
def retry_queue() -> SqsRetryQueue:
    from aha_jira.retry.queue import SqsRetryQueue

    return SqsRetryQueue()


@cache
def send_services() -> SendServices:
    from aha_jira.storage.lookup_cache import DynamoLookupCache
    from aha_jira.sync.send import SendServices

    return SendServices(
        integrations=integrations(),
        secret_store=secrets(),
        retry_queue=retry_queue(),
        lookup_cache=DynamoLookupCache(),
        features=features(),
        links=issue_links(),
    )


@cache
def webhook_deliveries() -> DynamoWebhookDeliveries:
    from aha_jira.storage.webhook_deliveries import DynamoWebhookDeliveries

    return DynamoWebhookDeliveries()


@cache
def webhook_services() -> WebhookServices:
    from aha_jira.webhooks.authentication import WebhookAuthenticator
    from aha_jira.webhooks.receive import WebhookServices

    return WebhookServices(
        authenticator=WebhookAuthenticator(integrations(), secrets()),
        links=issue_links(),
        deliveries=webhook_deliveries(),
        features=features(),
        writebacks=retry_queue(),
    )


# Jira via Connect ---------------------------------------------------------------------------------------
# Imported inside the functions: only the Jira webhook function serves Connect routes.


@cache
def connect_installations() -> DynamoConnectInstallations:
    from aha_jira.storage.connect_installations import DynamoConnectInstallations

    return DynamoConnectInstallations()


@cache
def connect_shared_secrets() -> SharedSecrets:
    from aha_jira.connect.verification import SharedSecrets

    return SharedSecrets(secrets())


@cache
def connect_lifecycle_services() -> LifecycleServices:
    from aha_jira.connect.install_keys import InstallKeys
    from aha_jira.connect.lifecycle import LifecycleServices

    return LifecycleServices(
        installations=connect_installations(), secret_store=secrets(), install_keys=InstallKeys()
    )


@cache
def connect_configure_services() -> ConfigureServices:
    from aha_jira.connect.configure import ConfigureServices

    return ConfigureServices(installations=connect_installations(), shared_secrets=connect_shared_secrets())


@cache
def connect_webhook_services() -> ConnectWebhookServices:
    from aha_jira.connect.webhook_auth import ConnectWebhookServices

    return ConnectWebhookServices(
        installations=connect_installations(),
        shared_secrets=connect_shared_secrets(),
        sites=integrations(),
        webhooks=webhook_services(),
    )


@cache
def integration_log_reader() -> IntegrationLogReader:
    """Logs Insights in AWS, the local stack's log file locally (INTEGRATION_LOG_SOURCE)."""
    from aha_jira.integration_log.reader import reader_from_environment

    return reader_from_environment()


# The request budget of each Jira site ------------------------------------------------------------------


def rate_budgets() -> SiteBudgets:
    """This container's site budgets: every Jira client `connection/jira_access.py` makes uses them (built and
    cached there, below the use cases that make clients); callers read the counters and state from here."""
    from aha_jira.connection.jira_access import rate_budgets as container_budgets

    return container_budgets()


if TYPE_CHECKING:
    from aha_jira.jira.rate_budget import SiteBudgets
